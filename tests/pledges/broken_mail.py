"""An email backend that always fails, for testing that a failed receipt is handled."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        recipients = ", ".join(r for message in email_messages for r in message.recipients())
        raise smtplib.SMTPRecipientsRefused({recipients: (550, b"No such user")})
