"""Development email: readable on the console, and kept for the `/dev/outbox/` page.

Django's console backend prints the raw MIME message, where quoted-printable encoding breaks
long links with "=" at the end of lines, so the confirmation link cannot be clicked or copied.
This backend prints the decoded text body instead and saves each message as an `.eml` file in
`settings.DEV_OUTBOX_DIR`, so the outbox page sees mail sent by any process (the web server or
a task worker). Settings select it only with DEBUG on and no EMAIL_URL.
"""

import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

OUTBOX_KEPT = 50


def outbox_dir() -> Path:
    return Path(settings.DEV_OUTBOX_DIR)


class DevelopmentEmailBackend(BaseEmailBackend):
    """Prints each message as decoded text and keeps it in the development outbox."""

    def __init__(self, *args, stream=None, **kwargs):
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        with self._lock:
            for message in email_messages:
                raw = message.message().as_bytes()
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(raw)
                self.stream.write(_as_text(parse(raw)))
                self.stream.flush()
                sent += 1
        return sent


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    subject: str
    to: str
    date: str
    text: str


def parse(raw: bytes) -> OutboxMessage:
    """A sent message's headers and its plain-text body, decoded."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return OutboxMessage(
        name="",
        subject=str(message.get("Subject", "")),
        to=str(message.get("To", "")),
        date=str(message.get("Date", "")),
        text=text,
    )


def _as_text(message: OutboxMessage) -> str:
    rule = "-" * 79
    return (
        f"{rule}\nTo: {message.to}\nSubject: {message.subject}\nDate: {message.date}\n\n"
        f"{message.text.rstrip()}\n{rule}\n"
    )


def outbox_messages(*, limit: int = OUTBOX_KEPT) -> list[OutboxMessage]:
    """The latest sent messages, newest first."""
    folder = outbox_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    messages = []
    for path in files:
        parsed = parse(path.read_bytes())
        messages.append(
            OutboxMessage(
                name=path.stem,
                subject=parsed.subject,
                to=parsed.to,
                date=parsed.date,
                text=parsed.text,
            )
        )
    return messages
