"""Signed, retried, in-order webhook delivery from a background thread."""

import collections
import hashlib
import hmac
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

__all__ = ["RETRY_DELAYS", "WebhookDeliverer", "sign_payload"]

logger = logging.getLogger("stripe_emulator")

# Pauses before attempts 2..6; Stripe itself retries for days with exponential backoff.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)
ATTEMPT_TIMEOUT = 10.0


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookDeliverer:
    """Posts queued events one at a time, in order, retrying failures with backoff.

    ``target`` is called at each attempt and returns ``(url, secret)``, so the URL may change
    while the emulator runs. Each attempt is recorded with ``record(event_id, status_or_error)``.
    """

    def __init__(self, target: Callable[[], tuple[str | None, str]], record: Callable) -> None:
        self._target = target
        self._record = record
        self._queue: collections.deque[tuple[str, str]] = collections.deque()
        self._busy = 0  # events queued or being attempted
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="stripe-emulator-webhooks")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def enqueue(self, event_id: str, body: str) -> None:
        with self._cond:
            self._queue.append((event_id, body))
            self._busy += 1
            self._cond.notify_all()

    def clear(self) -> None:
        """Forget events not yet attempted (the one in flight finishes)."""
        with self._cond:
            self._busy -= len(self._queue)
            self._queue.clear()
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block until every queued event was delivered or given up; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._busy == 0, timeout=timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                event_id, body = self._queue.popleft()
            try:
                self._deliver(event_id, body)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _deliver(self, event_id: str, body: str) -> None:
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS), start=1):
            if delay and self._stopping.wait(delay):
                return
            url, secret = self._target()
            if not url:
                return
            outcome = self._attempt(url, secret, body)
            self._record(event_id, outcome)
            logger.info("webhook %s attempt %d -> %s", event_id, attempt, outcome)
            if isinstance(outcome, int) and 200 <= outcome < 300:
                return
        logger.warning("webhook %s: gave up after %d attempts", event_id, len(RETRY_DELAYS) + 1)

    @staticmethod
    def _attempt(url: str, secret: str, body: str) -> int | str:
        """One signed POST; the HTTP status, or the connection error's name."""
        request = urllib.request.Request(
            url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign_payload(body, secret),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) emulator",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=ATTEMPT_TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (OSError, ValueError) as error:  # URLError, timeouts, refused connections
            return type(error).__name__
