"""Keep personal data and secrets out of the logs."""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
SECRET = re.compile(r"\b(sk|rk|pk|whsec)_(test|live)?_?[A-Za-z0-9]{6,}")


class RedactPersonalData(logging.Filter):
    """Masks email addresses and Stripe keys in every record, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET.sub("[secret]", EMAIL.sub("[email]", message))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
