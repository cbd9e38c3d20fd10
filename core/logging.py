"""Keep personal data and secrets out of the logs."""

import logging
import re
import threading
import time

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


class Throttle:
    """Lets one log line through per `seconds` in this process, counting those held back.

    For failures that repeat on every request while a part is down (the database, the cache):
    the log says so once a while, with how often it happened, instead of once per request.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._next = 0.0
        self._held = 0

    def ready(self) -> int | None:
        """None while quiet; otherwise how many lines were held back since the last one."""
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._held += 1
                return None
            held, self._held, self._next = self._held, 0, now + self.seconds
            return held
