"""An email backend whose send never finishes: its worker "dies" (a BaseException escapes)."""

from django.core.mail.backends.base import BaseEmailBackend


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the app catches it, as nothing survives a SIGKILL."""


class DyingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise WorkerKilled()
