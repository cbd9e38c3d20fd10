"""Helpers for the emulator's own tests: a real StripeClient and a local webhook receiver."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from stripe_emulator.server import StripeEmulator

WEBHOOK_SECRET = "whsec_test_emulator"


def session_params(**overrides) -> dict:
    """What the pledges app sends to create a Checkout Session."""
    params = {
        "mode": "payment",
        "submit_type": "donate",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 2550,
                    "product_data": {"name": "Pledge to Reunite Families"},
                },
                "quantity": 1,
            }
        ],
        "customer_email": "supporter@example.org",
        "client_reference_id": "pledge-1",
        "metadata": {"pledge_id": "pledge-1"},
        "payment_intent_data": {"metadata": {"pledge_id": "pledge-1"}},
        "success_url": "http://testserver/pledges/thanks/1/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/take-action/reunite/",
    }
    params.update(overrides)
    return params


def make_client(
    emulator, *, key="sk_test_emulator", timeout=5, retries=0, **options
) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": emulator.base_url},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
        **options,
    )


def raw_post(emulator, path: str, data: dict, **headers) -> requests.Response:
    """A form POST without the SDK, to read the answer's headers."""
    return requests.post(
        f"{emulator.base_url}{path}", data=data, timeout=5,
        headers={"Authorization": "Bearer sk_test_emulator", **headers},
    )  # fmt: skip


def form(params: dict, prefix: str = "") -> dict:
    """Nested params in Stripe's form encoding: ``{"a": {"b": 1}}`` -> ``{"a[b]": "1"}``."""
    flat = {}
    items = enumerate(params) if isinstance(params, list) else params.items()
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict | list):
            flat.update(form(value, name))
        elif value is not None:
            flat[name] = str(value)
    return flat


@pytest.fixture
def stripe_client(stripe_emulator) -> stripe.StripeClient:
    """The real SDK, pointed at the emulator (named so as not to hide Django's test client)."""
    return make_client(stripe_emulator)


@pytest.fixture
def open_session(stripe_client) -> str:
    return stripe_client.v1.checkout.sessions.create(params=session_params()).id


class Receiver:
    """A tiny webhook endpoint: verifies each delivery like the app does, records the events.

    ``fail_first`` makes it answer 500 to that many deliveries before it accepts any.
    """

    def __init__(self, secret: str = WEBHOOK_SECRET, fail_first: int = 0) -> None:
        self.secret, self.fail_first = secret, fail_first
        self.events: list[stripe.Event] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.handle(body, self.headers.get("Stripe-Signature"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pledges/stripe/webhook/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def handle(self, body: bytes, signature: str | None) -> int:
        try:
            event = stripe.Webhook.construct_event(body, signature, self.secret)
        except (ValueError, stripe.SignatureVerificationError):
            status = 400
        else:
            status = 500 if self.fail_first > 0 else 200
            self.fail_first -= 1
            if status == 200:
                self.events.append(event)
        self.answers.append(status)
        return status

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def delivering_emulator(receiver):
    """An emulator that POSTs its events to ``receiver``."""
    emulator = StripeEmulator(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET)
    emulator.start()
    yield emulator
    emulator.stop()
