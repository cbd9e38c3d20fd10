"""Signed, retried webhook delivery from background threads, in order or as Stripe really does.

Stripe promises neither order nor uniqueness: an event may arrive after a later one, twice, or
twice at once, and a failed delivery is retried with backoff while later events go through.
The ``mode`` picks which of these the emulator does, so the app's tests can see each:

- ``in_order``: one event at a time, in emission order; a failing event is retried before the
  next one is sent (the kindest mode, the default).
- ``reversed`` / ``shuffled``: every event due is sent newest first / in a random order, and a
  failed attempt goes back in the queue behind the others.
- ``duplicated``: each attempt is posted twice at the same moment, from two threads.

``delay`` holds every event that many seconds before its first attempt (deliveries arrive after
the API answer that caused them); ``pause()`` holds them all until ``resume()``.
"""

import collections
import hashlib
import hmac
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

__all__ = ["DELIVERY_MODES", "RETRY_DELAYS", "WebhookDeliverer", "sign_payload"]

logger = logging.getLogger("stripe_emulator")

# Pauses before attempts 2..6; Stripe itself retries for three days with exponential backoff.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)
ATTEMPT_TIMEOUT = 10.0
DELIVERY_MODES = ("in_order", "reversed", "shuffled", "duplicated")

_Item = collections.namedtuple("_Item", "due seq event_id body attempt")


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookDeliverer:
    """Posts queued events, retrying failures with backoff, in the order ``mode`` says.

    ``target`` is called at each attempt and returns ``(url, secret)``, so the URL may change
    while the emulator runs. Each attempt is recorded with ``record(event_id, status_or_error)``.
    """

    def __init__(
        self, target: Callable[[], tuple[str | None, str]], record: Callable, *,
        mode: str = "in_order", delay: float = 0.0, seed: int | None = None,
    ) -> None:  # fmt: skip
        self._target = target
        self._record = record
        self.mode = mode
        self.delay = delay
        self._random = random.Random(seed)
        self._queue: list[_Item] = []
        self._seq = 0
        self._busy = 0  # events queued or being attempted
        self._paused = False
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in DELIVERY_MODES:
            raise ValueError(f"delivery must be one of {', '.join(DELIVERY_MODES)}, not {value!r}")
        self._mode = value

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
            self._seq += 1
            self._queue.append(_Item(time.monotonic() + self.delay, self._seq, event_id, body, 1))
            self._busy += 1
            self._cond.notify_all()

    def pause(self) -> None:
        """Hold every delivery (queued and new) until ``resume()``."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
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

    # Worker ------------------------------------------------------------------------------------
    def _take_batch(self) -> list[_Item]:
        """Wait for the events due now and take them, in the order the mode sends them."""
        with self._cond:
            while not self._stopping.is_set():
                if self._queue and not self._paused:
                    if self._mode == "in_order":
                        head = min(self._queue, key=lambda item: item.seq)
                        due = [head] if head.due <= time.monotonic() else []
                        wake = head.due
                    else:
                        now = time.monotonic()
                        due = [item for item in self._queue if item.due <= now]
                        wake = min(item.due for item in self._queue)
                    if due:
                        for item in due:
                            self._queue.remove(item)
                        return self._order(due)
                    self._cond.wait(timeout=max(wake - time.monotonic(), 0.001))
                else:
                    self._cond.wait()
            return []

    def _order(self, items: list[_Item]) -> list[_Item]:
        items.sort(key=lambda item: item.seq)
        if self._mode == "reversed":
            items.reverse()
        elif self._mode == "shuffled":
            self._random.shuffle(items)
        return items

    def _run(self) -> None:
        while not self._stopping.is_set():
            for item in self._take_batch():
                if self._stopping.is_set():
                    return
                self._deliver(item)

    def _deliver(self, item: _Item) -> None:
        url, secret = self._target()
        delivered = False
        if url:
            copies = 2 if self._mode == "duplicated" else 1
            outcomes = self._attempt_copies(url, secret, item.body, copies)
            for outcome in outcomes:
                self._record(item.event_id, outcome)
                logger.info("webhook %s attempt %d -> %s", item.event_id, item.attempt, outcome)
            delivered = any(isinstance(o, int) and 200 <= o < 300 for o in outcomes)
        retry = url and not delivered and item.attempt <= len(RETRY_DELAYS)
        with self._cond:
            if retry:
                pause = RETRY_DELAYS[item.attempt - 1]
                self._queue.append(
                    item._replace(due=time.monotonic() + pause, attempt=item.attempt + 1)
                )
            else:
                if url and not delivered:
                    logger.warning(
                        "webhook %s: gave up after %d attempts", item.event_id, item.attempt
                    )
                self._busy -= 1
            self._cond.notify_all()

    def _attempt_copies(self, url: str, secret: str, body: str, copies: int) -> list[int | str]:
        if copies == 1:
            return [self._attempt(url, secret, body)]
        outcomes: list[int | str] = [""] * copies
        start = threading.Barrier(copies)

        def post(index: int) -> None:
            start.wait(timeout=5)
            outcomes[index] = self._attempt(url, secret, body)

        threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=ATTEMPT_TIMEOUT + 5)
        return outcomes

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
