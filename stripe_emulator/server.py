"""A small Stripe-compatible test account served over HTTP (stdlib only; see README.md).

It implements what the pledges app uses, as strictly as Stripe: Checkout Sessions (create,
retrieve, expire, expiry at ``expires_at``), PaymentIntents and Charges, refunds and disputes
with their whole lifecycle, the events list and the webhook endpoint, a hosted test checkout
page, and signed, retried webhooks. All state lives in memory behind one lock. The HTTP side
(routing, idempotency, faults) is in ``api.py``.
"""

import contextlib
import copy
import json
import logging
import secrets
import threading
import time
from http.server import ThreadingHTTPServer

from . import validation as check
from .api import Handler
from .billing import BillingAccount
from .errors import StripeError, invalid, missing, unknown_params
from .webhooks import WebhookDeliverer

__all__ = ["API_VERSION", "StripeEmulator", "StripeError"]

logger = logging.getLogger("stripe_emulator")

try:  # the version the installed SDK pins and sends, so events match what the app reads
    import stripe as _sdk

    API_VERSION = _sdk.api_version
except ImportError:  # the emulator itself needs only the standard library
    API_VERSION = "2026-10-28.endive"

SESSION_LIFETIME = 24 * 3600
SESSION_MIN_LIFETIME = 30 * 60
DISPUTE_RESPONSE_DAYS = 7
DISPUTE_FEE = {"usd": 1500}  # Stripe's fee per chargeback; other currencies: see README
TEST_CARD = {"brand": "visa", "last4": "4242", "funding": "credit", "country": "US"}

_SESSION_PARAMS = {
    "mode", "line_items", "success_url", "cancel_url", "customer_email", "client_reference_id",
    "metadata", "payment_intent_data", "submit_type", "expires_at", "locale",
    "payment_method_configuration", "subscription_data", "customer",
    # Accepted and ignored: they change nothing the emulator models.
    "expand", "payment_method_types", "billing_address_collection", "custom_text",
    "customer_creation", "allow_promotion_codes", "phone_number_collection", "consent_collection",
}  # fmt: skip
_INTENT_DATA_PARAMS = {
    "metadata", "description", "statement_descriptor_suffix", "statement_descriptor",
    "receipt_email", "setup_future_usage", "capture_method", "transfer_group",
}  # fmt: skip
_LINE_ITEM_PARAMS = {"price_data", "quantity", "adjustable_quantity", "tax_rates"}
_PRICE_DATA_PARAMS = {"currency", "unit_amount", "product_data", "tax_behavior", "recurring"}
_PRODUCT_DATA_PARAMS = {"name", "description", "images", "metadata", "tax_code", "unit_label"}
_SUBMIT_TYPES = {"auto", "book", "donate", "pay", "subscribe"}
_LOCALES = set(
    """auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hr hu id it ja ko lt lv ms mt
    nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW""".split()
)
_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
REFUND_FAILURE_REASONS = {
    "lost_or_stolen_card", "expired_or_canceled_card", "charge_for_pending_refund_disputed",
    "insufficient_funds", "declined", "merchant_request", "unknown",
}  # fmt: skip
DISPUTE_REASONS = {
    "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
    "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
    "insufficient_funds", "product_not_received", "product_unacceptable",
    "subscription_canceled", "unrecognized",
}  # fmt: skip
_DISPUTE_OPEN_STATUSES = {
    "warning_needs_response",
    "warning_under_review",
    "needs_response",
    "under_review",
}


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def _snapshot(obj: dict) -> dict:
    return copy.deepcopy(obj)


class StripeEmulator(BillingAccount):
    """An in-memory Stripe test account served over HTTP.

    ``start()`` serves in a daemon thread (``port=0`` picks a free port); ``stop()`` ends it.
    The helper methods (``pay``, ``refund``, ``dispute``...) act as the customer, the bank or
    the hosted page's buttons would, and raise ``StripeError`` where the API would answer an
    error. Every method is thread-safe.

    The webhook endpoint: ``webhook_url`` and ``webhook_secret``; it receives the events whose
    type is in ``webhook_enabled_events`` (``"*"``: all), rendered in ``webhook_api_version``,
    while ``webhook_status`` is ``"enabled"``. ``api_version`` is the account's default, used
    for answers to requests without a ``Stripe-Version`` header. ``delivery`` is one of
    ``webhooks.DELIVERY_MODES``; ``delivery_delay`` holds each event before its first attempt.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_test_emulator",
        deliver_webhooks: bool = True,
        delayed_settlement_seconds: float | None = None,
        *,
        api_version: str = API_VERSION,
        webhook_api_version: str | None = None,
        webhook_enabled_events: tuple[str, ...] | list[str] = ("*",),
        webhook_status: str = "enabled",
        delivery: str = "in_order",
        delivery_delay: float = 0.0,
        delivery_seed: int | None = None,
        expiry_check_seconds: float | None = 1.0,
        requests_per_second: int | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.deliver_webhooks = deliver_webhooks
        self.delayed_settlement_seconds = delayed_settlement_seconds
        self.api_version = api_version
        self.webhook_api_version = webhook_api_version or api_version
        self.webhook_enabled_events = list(webhook_enabled_events)
        self.webhook_status = webhook_status
        self.webhook_endpoint_id = _new_id("we_")
        self.webhook_endpoint_created = int(time.time())
        self.expiry_check_seconds = expiry_check_seconds
        self.requests_per_second = requests_per_second
        self._lock = threading.RLock()
        self.sessions: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.events: list[dict] = []
        self.deliveries: list[tuple[str, int | str]] = []
        self._descriptions: dict[str, str] = {}  # session id -> line items, for the page
        self._intent_data: dict[str, dict] = {}  # session id -> payment_intent_data
        self._idempotency: dict[str, dict] = {}
        self._failures: list[int] = []
        self._delays: list[tuple[float, bool]] = []
        self._request_times: list[float] = []
        self._clock_offset = 0.0
        self._init_billing()
        self._timers: list[threading.Timer] = []
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._deliverer = WebhookDeliverer(
            target=lambda: (self.webhook_url, self.webhook_secret),
            record=self._record_delivery,
            mode=delivery,
            delay=delivery_delay,
            seed=delivery_seed,
        )

    # Lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "StripeEmulator":
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._server.emulator = self
        self.port = self._server.server_address[1]
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.name = "stripe-emulator-http"
        thread.start()
        self._deliverer.start()
        self._stopping.clear()
        if self.expiry_check_seconds:
            self._sweeper = threading.Thread(
                target=self._sweep, name="stripe-emulator-expiry", daemon=True
            )
            self._sweeper.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._cancel_timers()
        self._deliverer.stop()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
            self._sweeper = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "StripeEmulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError("The emulator has no port yet: call start() first.")
        return f"http://{self.host}:{self.port}"

    # Clock -------------------------------------------------------------------------------------
    def now(self) -> int:
        """The emulator's clock (Unix seconds): real time plus what ``advance_clock`` added."""
        return int(time.time() + self._clock_offset)

    def advance_clock(self, seconds: float) -> int:
        """Move the clock forward, then do what falls due (sessions expire, keys are pruned,
        subscriptions renew)."""
        with self._lock:
            self._clock_offset += seconds
        self.expire_due()
        self.renew_due()
        return self.now()

    # Faults ------------------------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 500) -> None:
        """The next ``count`` API requests fail with ``status``: an ``api_error`` (stored under
        the request's idempotency key and replayed, as Stripe does), or for 429 a ``rate_limit``
        error (never stored)."""
        with self._lock:
            self._failures.extend([status] * count)

    def delay_next(self, count: int, seconds: float, *, in_flight: bool = False) -> None:
        """The next ``count`` API requests wait ``seconds`` before they reach the account, or
        with ``in_flight`` while being handled, holding their idempotency key (a retry then
        gets 409 ``idempotency_key_in_use``)."""
        with self._lock:
            self._delays.extend([(seconds, in_flight)] * count)

    def wait_for_deliveries(self, timeout: float = 10) -> bool:
        """Block until every queued webhook was delivered or given up on; False on timeout."""
        return self._deliverer.wait(timeout)

    @property
    def delivery(self) -> str:
        return self._deliverer.mode

    @delivery.setter
    def delivery(self, mode: str) -> None:
        self._deliverer.mode = mode

    @property
    def delivery_delay(self) -> float:
        return self._deliverer.delay

    @delivery_delay.setter
    def delivery_delay(self, seconds: float) -> None:
        self._deliverer.delay = seconds

    def pause_deliveries(self) -> None:
        """Hold every webhook until ``resume_deliveries()``; then they go in ``delivery`` order."""
        self._deliverer.pause()

    def resume_deliveries(self) -> None:
        self._deliverer.resume()

    @contextlib.contextmanager
    def held_deliveries(self, delivery: str | None = None):
        """Collect the events emitted inside the block, then send them as ``delivery`` says
        (``"reversed"``: newest first; ``"duplicated"``: each twice at once)."""
        previous = self.delivery
        self.pause_deliveries()
        try:
            yield self
        finally:
            if delivery is not None:
                self.delivery = delivery
            self.resume_deliveries()
            if delivery is not None:
                self._deliverer.wait(timeout=30)
                self.delivery = previous

    def reset(self) -> None:
        """Forget every object, event, delivery, stored idempotent answer and injected fault."""
        with self._lock:
            self._cancel_timers()
            self._deliverer.clear()
            for store in (
                self.sessions, self.payment_intents, self.charges, self.refunds, self.disputes,
                self._descriptions, self._intent_data, self._idempotency,
            ):  # fmt: skip
                store.clear()
            for sequence in (
                self.events,
                self.deliveries,
                self._failures,
                self._delays,
                self._request_times,
            ):
                sequence.clear()
            self._clock_offset = 0.0
            self._reset_billing()

    # Events ------------------------------------------------------------------------------------
    def build_event(
        self, type: str, obj: dict, *, request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict:  # fmt: skip
        """An Event dict carrying a snapshot of ``obj``; not recorded, not delivered."""
        return {
            "id": _new_id("evt_"),
            "object": "event",
            "api_version": self.webhook_api_version,
            "created": self.now(),
            "livemode": False,
            "type": type,
            "data": {"object": _snapshot(obj)},
            "pending_webhooks": 1,
            "request": {"id": request_id, "idempotency_key": idempotency_key},
        }

    def webhook_endpoint(self) -> dict | None:
        """The account's one webhook endpoint as Stripe lists it (no secret), or None."""
        if not self.webhook_url:
            return None
        return {
            "id": self.webhook_endpoint_id, "object": "webhook_endpoint",
            "api_version": self.webhook_api_version, "application": None,
            "created": self.webhook_endpoint_created, "description": None,
            "enabled_events": list(self.webhook_enabled_events), "livemode": False,
            "metadata": {}, "status": self.webhook_status, "url": self.webhook_url,
        }  # fmt: skip

    def _endpoint_wants(self, type: str) -> bool:
        return (
            self.deliver_webhooks
            and bool(self.webhook_url)
            and self.webhook_status == "enabled"
            and ("*" in self.webhook_enabled_events or type in self.webhook_enabled_events)
        )

    # Checkout ----------------------------------------------------------------------------------
    def pay(self, session_id: str) -> dict:
        """Pay an open session at once: it completes, paid; ``checkout.session.completed``."""
        return self._complete(session_id, delayed=False)

    def pay_delayed(self, session_id: str) -> dict:
        """Complete an open session whose payment settles later (``payment_status=unpaid``)."""
        return self._complete(session_id, delayed=True)

    def settle(self, session_id: str, succeed: bool = True) -> dict:
        """Settle a delayed payment: ``checkout.session.async_payment_succeeded`` or ``_failed``."""
        with self._lock:
            session = self._session(session_id)
            intent = self.payment_intents.get(session["payment_intent"] or "")
            if intent is None or intent["status"] != "processing":
                raise StripeError(400, f"Checkout Session {session_id} has no payment to settle.")
            charge = self.charges[intent["latest_charge"]]
            if succeed:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge.update(status="succeeded", paid=True)
                session["payment_status"] = "paid"
            else:
                intent["status"] = "requires_payment_method"
                charge.update(status="failed", paid=False, captured=False)
            outcome = "succeeded" if succeed else "failed"
            self._emit(f"checkout.session.async_payment_{outcome}", session)
            return _snapshot(session)

    def expire(self, session_id: str, *, request: dict | None = None) -> dict:
        """Expire an open session (``checkout.session.expired``); others are an error."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise StripeError(
                    400,
                    'Only Checkout Sessions with a status in ["open"] can be expired. '
                    f"This Checkout Session has a status of `{session['status']}`.",
                )
            session.update(status="expired", url=None)
            self._emit("checkout.session.expired", session, request)
            return _snapshot(session)

    def expire_due(self, now: int | None = None) -> list[str]:
        """Expire every open session whose ``expires_at`` has passed (each sends
        ``checkout.session.expired``, as Stripe does); returns their ids. Also runs by itself
        every ``expiry_check_seconds`` and before each API request."""
        with self._lock:
            now = self.now() if now is None else now
            due = [
                s["id"] for s in self.sessions.values()
                if s["status"] == "open" and s["expires_at"] <= now
            ]  # fmt: skip
            for session_id in due:
                self.expire(session_id)
            cutoff = now - 24 * 3600
            for key in [k for k, v in self._idempotency.items() if v["created"] <= cutoff]:
                if not self._idempotency[key]["in_flight"]:
                    del self._idempotency[key]
            return due

    def create_session(self, params: dict, request: dict | None = None) -> dict:
        """``POST /v1/checkout/sessions``: validate like Stripe and store an open session."""
        unknown_params(params, _SESSION_PARAMS)
        mode = params.get("mode")
        if not mode:
            raise missing("mode")
        if mode not in ("payment", "subscription"):
            raise invalid(
                f"The emulator supports mode=payment and mode=subscription, not {mode!r}.",
                code="parameter_invalid_enum", param="mode",
            )  # fmt: skip
        if mode == "subscription":
            subscription_data = self._subscription_session_params(params)
        elif "subscription_data" in params:
            raise invalid(
                "`subscription_data` can only be used in `subscription` mode.",
                param="subscription_data",
            )  # fmt: skip
        customer = params.get("customer")
        if customer is not None and customer not in self.customers:
            raise invalid(
                f"No such customer: '{customer}'", code="resource_missing", param="customer"
            )
        if not params.get("success_url"):
            raise missing("success_url")
        success_url = check.check_url(params["success_url"], "success_url")
        cancel_url = params.get("cancel_url")
        if cancel_url is not None:
            cancel_url = check.check_url(cancel_url, "cancel_url")
        submit_type = params.get("submit_type")
        if submit_type is not None:
            check.enum(submit_type, "submit_type", _SUBMIT_TYPES)
        locale = params.get("locale")
        if locale is not None:
            check.enum(locale, "locale", _LOCALES)
        email = params.get("customer_email")
        if email is not None:
            email = check.check_email(email, "customer_email")
        configuration = params.get("payment_method_configuration")
        if configuration is not None and not (
            isinstance(configuration, str) and configuration.startswith("pmc_")
        ):
            raise invalid(
                f"No such payment method configuration: '{configuration}'",
                code="resource_missing", param="payment_method_configuration",
            )  # fmt: skip
        total, currency, names, recurring = self._line_items(params.get("line_items"), mode)
        client_reference_id = params.get("client_reference_id")
        if client_reference_id is not None:
            check.string(client_reference_id, "client_reference_id", max_length=200)
        intent_data = self._intent_data_params(params.get("payment_intent_data"))
        now = self.now()
        expires_at = now + SESSION_LIFETIME
        if params.get("expires_at"):
            expires_at = check.integer(params["expires_at"], "expires_at")
            if not now + SESSION_MIN_LIFETIME <= expires_at <= now + SESSION_LIFETIME:
                raise invalid(
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                    "Checkout Session creation.", code="parameter_invalid_integer",
                    param="expires_at",
                )  # fmt: skip
        with self._lock:
            session_id = _new_id("cs_test_")
            session = {
                "id": session_id, "object": "checkout.session", "amount_subtotal": total,
                "amount_total": total, "cancel_url": cancel_url,
                "client_reference_id": client_reference_id, "created": now,
                "currency": currency, "customer": customer, "customer_details": None,
                "customer_email": email, "expires_at": expires_at, "livemode": False,
                "locale": locale, "metadata": check.metadata(params.get("metadata"), "metadata"),
                "invoice": None, "mode": mode, "payment_intent": None,
                "payment_method_configuration_details": (
                    {"id": configuration, "parent": None} if configuration else None
                ),
                "payment_method_types": ["card"], "payment_status": "unpaid", "status": "open",
                "submit_type": submit_type, "subscription": None, "success_url": success_url,
                "url": f"{self.base_url}/checkout/{session_id}",
            }  # fmt: skip
            self.sessions[session_id] = session
            self._descriptions[session_id] = ", ".join(names)
            self._intent_data[session_id] = intent_data
            if mode == "subscription":
                self._subscription_data[session_id] = {**subscription_data, "item": recurring}
            return _snapshot(session)

    def _line_items(self, items, mode: str) -> tuple[int, str, list[str], dict | None]:
        """(total, currency, names, the recurring item in subscription mode)."""
        if not items:
            raise missing("line_items")
        if not isinstance(items, list):
            raise invalid("Invalid array", code="parameter_invalid_array", param="line_items")
        total, currencies, names = 0, set(), []
        for index, item in enumerate(items):
            prefix = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise invalid("Invalid object", param=prefix)
            unknown_params(item, _LINE_ITEM_PARAMS, prefix)
            price_data = item.get("price_data")
            if not isinstance(price_data, dict):
                raise missing(f"{prefix}[price_data]")  # prices by id are not emulated
            unknown_params(price_data, _PRICE_DATA_PARAMS, f"{prefix}[price_data]")
            for field in ("currency", "unit_amount"):
                if not price_data.get(field):
                    raise missing(f"{prefix}[price_data][{field}]")
            product = price_data.get("product_data")
            if not isinstance(product, dict) or not product.get("name"):
                raise missing(f"{prefix}[price_data][product_data][name]")
            unknown_params(product, _PRODUCT_DATA_PARAMS, f"{prefix}[price_data][product_data]")
            currency = check.check_currency(
                price_data["currency"], f"{prefix}[price_data][currency]"
            )
            if "quantity" not in item:
                raise missing(f"{prefix}[quantity]")
            quantity = check.integer(item["quantity"], f"{prefix}[quantity]", minimum=1)
            unit_param = f"{prefix}[price_data][unit_amount]"
            unit_amount = check.integer(price_data["unit_amount"], unit_param)
            if unit_amount > check.MAXIMUM_AMOUNT:
                check.check_amount(unit_amount, currency, unit_param, what="The unit amount")
            recurring = self._recurring(price_data, prefix, mode)
            if recurring is not None:
                if index > 0:
                    raise invalid("The emulator takes one recurring line item.", param=prefix)
                recurring.update(unit_amount=unit_amount, quantity=quantity)
            total += unit_amount * quantity
            currencies.add(currency)
            name = product["name"] if quantity == 1 else f"{product['name']} × {quantity}"
            if recurring is not None:  # the page says how often the supporter will pay
                count, interval = recurring["interval_count"], recurring["interval"]
                name += f", every {interval}" if count == 1 else f", every {count} {interval}s"
            names.append(name)
        if len(currencies) > 1:
            raise invalid("All line items must share one currency.", param="line_items")
        currency = currencies.pop()
        check.check_amount(
            total, currency, "line_items[0][price_data][unit_amount]",
            what="The Checkout Session's total amount due",
        )  # fmt: skip
        return total, currency, names, recurring

    @staticmethod
    def _intent_data_params(data) -> dict:
        if data in (None, ""):
            return {}
        if not isinstance(data, dict):
            raise invalid("Invalid object", param="payment_intent_data")
        unknown_params(data, _INTENT_DATA_PARAMS, "payment_intent_data")
        result = {"metadata": check.metadata(data.get("metadata"), "payment_intent_data[metadata]")}
        if "description" in data:
            result["description"] = check.string(
                data["description"], "payment_intent_data[description]", max_length=1000
            )
        if "statement_descriptor_suffix" in data:
            result["statement_descriptor_suffix"] = check.statement_descriptor_suffix(
                data["statement_descriptor_suffix"],
                "payment_intent_data[statement_descriptor_suffix]",
            )
        if "receipt_email" in data:
            result["receipt_email"] = check.check_email(
                data["receipt_email"], "payment_intent_data[receipt_email]"
            )
        return result

    def retrieve(self, store: dict, object_id: str, kind: str) -> dict:
        with self._lock:
            if object_id not in store:
                raise StripeError(
                    404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id"
                )
            return _snapshot(store[object_id])

    # Refunds -----------------------------------------------------------------------------------
    def refund(
        self, payment_intent_id: str | None = None, amount: int | None = None, *,
        charge_id: str | None = None, metadata: dict | None = None, reason: str | None = None,
        pending: bool = False, request: dict | None = None,
    ) -> dict:  # fmt: skip
        """Refund all that remains of a paid charge, or ``amount`` of it.

        Succeeds at once (``refund.created``, then ``charge.refunded`` with the cumulative
        ``amount_refunded``) or, with ``pending``, stays pending until ``settle_refund`` or
        ``fail_refund``. A disputed charge cannot be refunded (400 ``charge_disputed``).
        """
        with self._lock:
            charge = self._paid_charge(payment_intent_id, charge_id)
            if self._blocking_dispute(charge["id"]):
                raise StripeError(
                    400, f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                    code="charge_disputed", param="charge" if charge_id else "payment_intent",
                )  # fmt: skip
            remaining = charge["amount"] - charge["amount_refunded"]
            if remaining == 0:
                raise StripeError(
                    400, f"Charge {charge['id']} has already been refunded.",
                    code="charge_already_refunded",
                )  # fmt: skip
            amount = remaining if amount is None else amount
            if amount <= 0 or amount > remaining:
                raise StripeError(
                    400, f"Refund amount ({amount}) is greater than the unrefunded amount "
                    f"on the charge ({remaining}).", code="amount_too_large", param="amount",
                )  # fmt: skip
            refund = {
                "id": _new_id("re_"), "object": "refund", "amount": amount,
                "balance_transaction": None if pending else _new_id("txn_"),
                "charge": charge["id"], "created": self.now(), "currency": charge["currency"],
                "destination_details": {"card": {"type": "refund"}, "type": "card"},
                "metadata": dict(metadata or {}), "payment_intent": charge["payment_intent"],
                "reason": reason, "receipt_number": None, "source_transfer_reversal": None,
                "status": "pending" if pending else "succeeded", "transfer_reversal": None,
            }  # fmt: skip
            self.refunds[refund["id"]] = refund
            self._add_refunded(charge, amount)
            self._emit("refund.created", refund, request)
            self._emit("charge.refunded", charge, request)
            return _snapshot(refund)

    def settle_refund(self, refund_id: str) -> dict:
        """A pending refund succeeds: ``refund.updated`` and ``charge.refund.updated``."""
        with self._lock:
            refund = self._refund_in(refund_id, {"pending"})
            refund.update(status="succeeded", balance_transaction=_new_id("txn_"))
            self._emit("refund.updated", refund)
            self._emit("charge.refund.updated", refund)
            return _snapshot(refund)

    def fail_refund(self, refund_id: str, reason: str = "expired_or_canceled_card") -> dict:
        """A pending or succeeded refund fails later, as a card refund can days after
        ``charge.refunded``: its amount goes back on the charge (``amount_refunded`` falls);
        ``refund.updated``, ``refund.failed`` and ``charge.refund.updated``."""
        if reason not in REFUND_FAILURE_REASONS:
            raise ValueError(f"reason must be one of {sorted(REFUND_FAILURE_REASONS)}")
        with self._lock:
            refund = self._refund_in(refund_id, {"pending", "succeeded"})
            refund.update(
                status="failed", failure_reason=reason,
                failure_balance_transaction=_new_id("txn_"),
            )  # fmt: skip
            self._add_refunded(self.charges[refund["charge"]], -refund["amount"])
            self._emit("refund.updated", refund)
            self._emit("refund.failed", refund)
            self._emit("charge.refund.updated", refund)
            return _snapshot(refund)

    def cancel_refund(self, refund_id: str) -> dict:
        """A pending refund is canceled: its amount goes back on the charge; ``refund.updated``
        and ``charge.refund.updated``."""
        with self._lock:
            refund = self._refund_in(refund_id, {"pending"})
            refund["status"] = "canceled"
            self._add_refunded(self.charges[refund["charge"]], -refund["amount"])
            self._emit("refund.updated", refund)
            self._emit("charge.refund.updated", refund)
            return _snapshot(refund)

    def _refund_in(self, refund_id: str, statuses: set[str]) -> dict:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise StripeError(404, f"No such refund: '{refund_id}'", code="resource_missing")
        if refund["status"] not in statuses:
            raise StripeError(400, f"Refund {refund_id} is {refund['status']}.")
        return refund

    @staticmethod
    def _add_refunded(charge: dict, amount: int) -> None:
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]

    # Disputes ----------------------------------------------------------------------------------
    def dispute(
        self, payment_intent_id: str, reason: str = "fraudulent", *, amount: int | None = None,
        inquiry: bool = False,
    ) -> dict:  # fmt: skip
        """The cardholder disputes a paid charge: ``charge.dispute.created``.

        A chargeback (``needs_response``) blocks refunds (``is_charge_refundable`` false); call
        ``dispute_funds_withdrawn`` next, as Stripe debits the amount at once. An ``inquiry``
        (``warning_needs_response``) moves no money and leaves the charge refundable.
        """
        if reason not in DISPUTE_REASONS:
            raise ValueError(f"reason must be one of {sorted(DISPUTE_REASONS)}")
        with self._lock:
            charge = self._paid_charge(payment_intent_id, None)
            if any(d["charge"] == charge["id"] for d in self.disputes.values()):
                raise StripeError(400, f"Charge {charge['id']} is already disputed.")
            created = self.now()
            dispute = {
                "id": _new_id("dp_"), "object": "dispute",
                "amount": charge["amount"] if amount is None else amount,
                "balance_transactions": [], "charge": charge["id"], "created": created,
                "currency": charge["currency"],
                "evidence": {"customer_email_address": None, "uncategorized_text": None},
                "evidence_details": {
                    "due_by": created + DISPUTE_RESPONSE_DAYS * 86400, "has_evidence": False,
                    "past_due": False, "submission_count": 0,
                },
                "is_charge_refundable": inquiry, "livemode": False, "metadata": {},
                "payment_intent": charge["payment_intent"],
                "payment_method_details": {"card": {"brand": TEST_CARD["brand"]}, "type": "card"},
                "reason": reason,
                "status": "warning_needs_response" if inquiry else "needs_response",
            }  # fmt: skip
            self.disputes[dispute["id"]] = dispute
            charge["disputed"] = True
            self._emit("charge.dispute.created", dispute)
            return _snapshot(dispute)

    def dispute_funds_withdrawn(self, dispute_id: str) -> dict:
        """Stripe debits the disputed amount and its fee: ``charge.dispute.funds_withdrawn``."""
        with self._lock:
            dispute = self._open_dispute(dispute_id)
            if dispute["status"].startswith("warning_"):
                raise StripeError(400, "An inquiry withdraws no funds.")
            if dispute["balance_transactions"]:
                raise StripeError(400, f"Funds for dispute {dispute_id} were already withdrawn.")
            fee = DISPUTE_FEE.get(dispute["currency"], 0)
            dispute["balance_transactions"].append(
                self._balance_transaction(dispute, -dispute["amount"], fee, "dispute")
            )
            self._emit("charge.dispute.funds_withdrawn", dispute)
            return _snapshot(dispute)

    def dispute_update(
        self, dispute_id: str, status: str | None = None, *, evidence: dict | None = None
    ) -> dict:
        """Evidence submitted or the bank's review moved on: ``charge.dispute.updated``.
        Evidence alone moves a dispute to ``under_review`` (``warning_under_review``)."""
        with self._lock:
            dispute = self._open_dispute(dispute_id)
            if evidence:
                dispute["evidence"].update(evidence)
                details = dispute["evidence_details"]
                details.update(has_evidence=True, submission_count=details["submission_count"] + 1)
                if status is None:
                    inquiry = dispute["status"].startswith("warning_")
                    status = "warning_under_review" if inquiry else "under_review"
            if status is not None:
                if status not in _DISPUTE_OPEN_STATUSES:
                    raise ValueError(f"status must be one of {sorted(_DISPUTE_OPEN_STATUSES)}")
                dispute["status"] = status
            self._emit("charge.dispute.updated", dispute)
            return _snapshot(dispute)

    def dispute_close(self, dispute_id: str, won: bool) -> dict:
        """The bank decides. Won: the withdrawn funds come back
        (``charge.dispute.funds_reinstated``), then ``charge.dispute.closed`` with status
        ``won``. Lost: ``charge.dispute.closed`` with status ``lost``; the money stays gone.
        An inquiry closes as ``warning_closed``."""
        with self._lock:
            dispute = self._open_dispute(dispute_id)
            if dispute["status"].startswith("warning_"):
                dispute["status"] = "warning_closed"
            elif won:
                dispute["status"] = "won"
                withdrawn = [t for t in dispute["balance_transactions"] if t["amount"] < 0]
                if withdrawn:
                    dispute["balance_transactions"].append(
                        self._balance_transaction(dispute, dispute["amount"], 0, "dispute_reversal")
                    )
                    self._emit("charge.dispute.funds_reinstated", dispute)
            else:
                dispute["status"] = "lost"
            self._emit("charge.dispute.closed", dispute)
            return _snapshot(dispute)

    def _open_dispute(self, dispute_id: str) -> dict:
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            raise StripeError(404, f"No such dispute: '{dispute_id}'", code="resource_missing")
        if dispute["status"] not in _DISPUTE_OPEN_STATUSES:
            raise StripeError(400, f"Dispute {dispute_id} is closed ({dispute['status']}).")
        return dispute

    def _blocking_dispute(self, charge_id: str) -> bool:
        """A chargeback not won blocks refunds; an inquiry does not."""
        return any(
            d["charge"] == charge_id and not d["is_charge_refundable"] and d["status"] != "won"
            for d in self.disputes.values()
        )

    def _balance_transaction(self, dispute: dict, amount: int, fee: int, category: str) -> dict:
        return {
            "id": _new_id("txn_"), "object": "balance_transaction", "amount": amount,
            "created": self.now(), "currency": dispute["currency"], "fee": fee,
            "net": amount - fee, "reporting_category": category, "source": dispute["id"],
            "status": "available", "type": "adjustment",
        }  # fmt: skip

    # Internals ---------------------------------------------------------------------------------
    def _session(self, session_id: str) -> dict:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise StripeError(
                404, f"No such checkout.session: '{session_id}'", code="resource_missing",
                param="session",
            ) from None  # fmt: skip

    def _paid_charge(self, payment_intent_id: str | None, charge_id: str | None) -> dict:
        if charge_id:
            charge = self.charges.get(charge_id)
            if charge is None:
                raise StripeError(
                    400, f"No such charge: '{charge_id}'", code="resource_missing", param="charge"
                )
        else:
            if not payment_intent_id:
                raise missing("payment_intent")
            intent = self.payment_intents.get(payment_intent_id)
            if intent is None:
                raise StripeError(
                    400, f"No such payment_intent: '{payment_intent_id}'",
                    code="resource_missing", param="payment_intent",
                )  # fmt: skip
            charge = self.charges.get(intent["latest_charge"] or "")
        if charge is None or charge["status"] != "succeeded":
            raise StripeError(
                400, "This PaymentIntent does not have a successful charge to refund or dispute.",
                code="charge_not_refundable", param="payment_intent",
            )  # fmt: skip
        return charge

    def _complete(self, session_id: str, *, delayed: bool) -> dict:
        with self._lock:
            self.expire_due()
            session = self._session(session_id)
            if session["status"] != "open":
                raise StripeError(
                    400, f"This Checkout Session is {session['status']}; it cannot be paid.",
                    code="checkout_session_not_open",
                )  # fmt: skip
            if session["mode"] == "subscription":
                if delayed:
                    raise StripeError(400, "The emulator settles subscription payments at once.")
                self._complete_subscription(session)  # sets customer, subscription, invoice
                email = self.customers[session["customer"]]["email"]
                session.update(
                    status="complete", url=None, payment_status="paid",
                    customer_details={"email": email, "name": None},
                )  # fmt: skip
                self._emit("checkout.session.completed", session)
                return _snapshot(session)
            data = self._intent_data.get(session_id, {})
            intent_id, _ = self._create_payment(
                amount=session["amount_total"], currency=session["currency"],
                metadata=data.get("metadata", {}), email=session["customer_email"],
                description=data.get("description"),
                suffix=data.get("statement_descriptor_suffix"),
                receipt_email=data.get("receipt_email"), delayed=delayed,
            )  # fmt: skip
            session.update(
                status="complete", url=None, payment_intent=intent_id,
                payment_status="unpaid" if delayed else "paid",
                customer_details={"email": session["customer_email"], "name": None},
            )  # fmt: skip
            self._emit("checkout.session.completed", session)
            if delayed and self.delayed_settlement_seconds is not None:
                timer = threading.Timer(
                    self.delayed_settlement_seconds, self._auto_settle, args=(session_id,)
                )
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
            return _snapshot(session)

    def _create_payment(
        self, *, amount: int, currency: str, metadata: dict, email: str | None,
        description: str | None = None, suffix: str | None = None,
        receipt_email: str | None = None, delayed: bool = False,
    ) -> tuple[str, str]:  # fmt: skip
        """A PaymentIntent and its Charge with the test card; (intent id, charge id)."""
        now = self.now()
        intent_id, charge_id = _new_id("pi_"), _new_id("ch_")
        payment_method = _new_id("pm_")
        self.payment_intents[intent_id] = {
            "id": intent_id, "object": "payment_intent", "amount": amount,
            "amount_received": 0 if delayed else amount, "created": now,
            "currency": currency, "description": description, "latest_charge": charge_id,
            "livemode": False, "metadata": dict(metadata), "payment_method": payment_method,
            "payment_method_types": ["card"], "receipt_email": receipt_email,
            "statement_descriptor_suffix": suffix,
            "status": "processing" if delayed else "succeeded",
        }  # fmt: skip
        self.charges[charge_id] = {
            "id": charge_id, "object": "charge", "amount": amount,
            "amount_captured": amount, "amount_refunded": 0,
            "balance_transaction": None if delayed else _new_id("txn_"),
            "billing_details": {"email": email, "name": None},
            "calculated_statement_descriptor": f"EMULATOR* {suffix}" if suffix else "EMULATOR",
            "captured": True, "created": now, "currency": currency,
            "description": description, "disputed": False, "livemode": False,
            "metadata": dict(metadata), "paid": not delayed, "payment_intent": intent_id,
            "payment_method": payment_method,
            "payment_method_details": {
                "card": {**TEST_CARD, "exp_month": 12, "exp_year": 2034}, "type": "card"
            },
            "refunded": False, "status": "pending" if delayed else "succeeded",
        }  # fmt: skip
        return intent_id, charge_id

    def _auto_settle(self, session_id: str) -> None:
        try:
            self.settle(session_id, succeed=True)
        except StripeError:
            pass  # reset, or settled by hand meanwhile

    def _cancel_timers(self) -> None:
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()

    def _sweep(self) -> None:
        while not self._stopping.wait(self.expiry_check_seconds):
            try:
                self.expire_due()
            except Exception:  # noqa: BLE001 - the sweeper must outlive a bug in one pass
                logger.exception("expiry sweep failed")

    def _emit(self, type: str, obj: dict, request: dict | None = None) -> dict:
        request = request or {}
        event = self.build_event(
            type, _snapshot(obj), request_id=request.get("id"),
            idempotency_key=request.get("idempotency_key"),
        )  # fmt: skip
        with self._lock:
            delivered = self._endpoint_wants(type)
            event["pending_webhooks"] = 1 if delivered else 0
            self.events.append(event)
            if delivered:
                self._deliverer.enqueue(event["id"], json.dumps(event))
        logger.info("event %s %s", event["id"], type)
        return event

    def _record_delivery(self, event_id: str, outcome: int | str) -> None:
        with self._lock:
            self.deliveries.append((event_id, outcome))

    def _take_faults(self) -> tuple[float, float, int | None]:
        """(delay before the request reaches the account, delay while in flight, failure)."""
        with self._lock:
            seconds, in_flight = self._delays.pop(0) if self._delays else (0.0, False)
            failure = self._failures.pop(0) if self._failures else None
            return (0.0 if in_flight else seconds), (seconds if in_flight else 0.0), failure

    def _over_rate_limit(self) -> bool:
        """True when this request exceeds ``requests_per_second`` (a sliding one-second window)."""
        if not self.requests_per_second:
            return False
        with self._lock:
            now = time.monotonic()
            self._request_times[:] = [t for t in self._request_times if now - t < 1.0]
            if len(self._request_times) >= self.requests_per_second:
                return True
            self._request_times.append(now)
            return False
