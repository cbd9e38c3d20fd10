"""Keep personal data and secrets out of the logs, tracebacks included.

`RedactPersonalData` is attached to the site's log handler (settings.LOGGING), so it sees every
record whoever logged it (our code, Django, django-axes, the Stripe SDK). It masks email
addresses, IP addresses, signed tokens (confirmation links), Stripe keys and webhook
signatures, and `key=value` secrets, in the message, in the formatted traceback
(`exc_info`, which Django's request logging and `logger.exception` attach, and whose last line
quotes the exception's message, e.g. an SMTP refusal naming the recipient) and in `stack_info`.

Redaction is the safety net, not the plan: code logs ids and error types, never addresses
(STYLE.md). `tests/core/test_log_privacy.py` captures the logs of every supporter flow.
"""

import logging
import re
import threading
import time

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
SECRET = re.compile(r"\b(sk|rk|pk|whsec)_(test|live)?_?[A-Za-z0-9]{6,}")
# A Stripe-Signature header's signatures (v1=<64 hex>) and any long hex or base64 secret after
# "secret", "token", "password", "signature", "key" or "authorization".
STRIPE_SIGNATURE = re.compile(r"\bv[01]=[0-9a-f]{16,}")
NAMED_SECRET = re.compile(
    r"(?i)\b(password|passwd|secret|token|signature|api[_-]?key|authorization|cookie|sessionid"
    r"|csrftoken)(\s*[=:]\s*|\"?\s*:\s*\"?)(?!\[)[^\s,;&\"']+"
)
# django.core.signing tokens, as in confirmation links: <value>:<timestamp>:<signature>.
SIGNED_TOKEN = re.compile(r"\b[\w-]{1,40}:[0-9A-Za-z]{5,8}:[\w-]{20,}")
IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])"
)
# Full and "::"-compressed IPv6 forms; four groups at least, so clock times (12:30:45) stay.
IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
    r"|::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4})(?![\w:])"
)


def redact(text: str) -> str:
    """`text` with addresses, IPs, tokens and secrets replaced by placeholders."""
    text = SIGNED_TOKEN.sub("[token]", text)
    text = EMAIL.sub("[email]", text)
    text = SECRET.sub("[secret]", text)
    text = STRIPE_SIGNATURE.sub("v1=[secret]", text)
    text = NAMED_SECRET.sub(lambda m: f"{m[1]}{m[2]}[secret]", text)
    text = IPV6.sub("[ip]", text)
    return IPV4.sub("[ip]", text)


_TRACEBACKS = logging.Formatter()


class RedactPersonalData(logging.Filter):
    """Masks personal data and secrets in every record: message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            # Format the traceback now and keep only the redacted text: formatters print
            # `exc_text` as it is, and nothing downstream can format the original again.
            record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
