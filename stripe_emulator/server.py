"""A small Stripe-compatible HTTP server for development and tests (stdlib only).

It implements what the pledges app uses: Checkout Sessions (create, retrieve, expire), refunds,
PaymentIntents (retrieve), a hosted test checkout page, and signed, retried webhooks. All state
lives in memory behind one lock; see README.md in this folder for the contract.
"""

import base64
import contextlib
import copy
import json
import logging
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .encoding import decode_form
from .pages import render_checkout_page
from .webhooks import WebhookDeliverer

__all__ = ["API_VERSION", "StripeEmulator", "StripeError"]

logger = logging.getLogger("stripe_emulator")

API_VERSION = "2026-10-28.endive"  # what stripe-python 16.1 pins
SESSION_LIFETIME = 24 * 3600
DECLINE_MESSAGE = "Your card was declined (test)"

_SESSION_PARAMS = {
    "mode", "line_items", "success_url", "cancel_url", "customer_email", "client_reference_id",
    "metadata", "payment_intent_data", "submit_type", "expires_at",
    # Accepted and ignored: they change nothing the emulator models.
    "expand", "locale", "payment_method_types", "billing_address_collection", "custom_text",
    "customer_creation", "allow_promotion_codes", "phone_number_collection", "consent_collection",
}  # fmt: skip
_REFUND_PARAMS = {"payment_intent", "charge", "amount", "metadata", "reason", "expand"}
_SUBMIT_TYPES = {"auto", "book", "donate", "pay", "subscribe"}


class StripeError(Exception):
    """An error answered in Stripe's shape: ``{"error": {"type", "code", "message", "param"}}``."""

    def __init__(self, status, message, *, type="invalid_request_error", code=None, param=None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = (
            int(status), message, type, code, param
        )  # fmt: skip

    def body(self) -> dict:
        return {
            "error": {
                "type": self.type, "code": self.code, "message": self.message, "param": self.param
            }
        }  # fmt: skip


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def _snapshot(obj: dict) -> dict:
    return copy.deepcopy(obj)


def _missing(param: str) -> StripeError:
    return StripeError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def _unknown_params(params: dict, allowed: set) -> None:
    for name in params:
        if name not in allowed:
            raise StripeError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


def _integer(value, param: str, minimum: int = 0) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise StripeError(
            400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param
        )
    if int(value) < minimum:
        raise StripeError(
            400, f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer", param=param,
        )  # fmt: skip
    return int(value)


def _metadata(value, param: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
        raise StripeError(
            400, "Invalid object", code="parameter_invalid_string_object", param=param
        )
    if len(value) > 50 or any(len(k) > 40 or len(v) > 500 for k, v in value.items()):
        raise StripeError(
            400, "Metadata allows at most 50 keys of 40 characters and values of 500 characters.",
            code="parameter_invalid_string_object", param=param,
        )  # fmt: skip
    return dict(value)


class StripeEmulator:
    """An in-memory Stripe test account served over HTTP.

    ``start()`` serves in a daemon thread (``port=0`` picks a free port); ``stop()`` ends it.
    The helper methods (``pay``, ``settle``, ``refund``...) act like the hosted page's buttons and
    raise ``StripeError`` where the API would answer an error. Every method is thread-safe.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_test_emulator",
        deliver_webhooks: bool = True,
        delayed_settlement_seconds: float | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.deliver_webhooks = deliver_webhooks
        self.delayed_settlement_seconds = delayed_settlement_seconds
        self._lock = threading.RLock()
        self.sessions: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.events: list[dict] = []
        self.deliveries: list[tuple[str, int | str]] = []
        self._descriptions: dict[str, str] = {}  # session id -> line items, for the page
        self._intent_metadata: dict[str, dict] = {}  # session id -> payment_intent_data.metadata
        self._idempotency: dict[str, tuple[tuple, int, bytes]] = {}
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._timers: list[threading.Timer] = []
        self._server: ThreadingHTTPServer | None = None
        self._deliverer = WebhookDeliverer(
            target=lambda: (self.webhook_url, self.webhook_secret), record=self._record_delivery
        )

    # Lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "StripeEmulator":
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.emulator = self
        self.port = self._server.server_address[1]
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.name = "stripe-emulator-http"
        thread.start()
        self._deliverer.start()
        return self

    def stop(self) -> None:
        self._cancel_timers()
        self._deliverer.stop()
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

    # Test helpers ------------------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 500) -> None:
        """The next ``count`` API requests answer a Stripe ``api_error`` with ``status``."""
        with self._lock:
            self._failures.extend([status] * count)

    def delay_next(self, count: int, seconds: float) -> None:
        """The next ``count`` API requests sleep ``seconds`` before they are handled."""
        with self._lock:
            self._delays.extend([seconds] * count)

    def wait_for_deliveries(self, timeout: float = 10) -> bool:
        """Block until every queued webhook was delivered or given up on; False on timeout."""
        return self._deliverer.wait(timeout)

    def reset(self) -> None:
        """Forget every object, event, delivery, stored idempotent answer and injected fault."""
        with self._lock:
            self._cancel_timers()
            self._deliverer.clear()
            for store in (
                self.sessions, self.payment_intents, self.charges, self.refunds, self.disputes,
                self._descriptions, self._intent_metadata, self._idempotency,
            ):  # fmt: skip
                store.clear()
            for sequence in (self.events, self.deliveries, self._failures, self._delays):
                sequence.clear()

    def build_event(
        self, type: str, obj: dict, *, request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict:  # fmt: skip
        """An Event dict carrying a snapshot of ``obj``; not recorded, not delivered."""
        return {
            "id": _new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "livemode": False,
            "type": type,
            "data": {"object": _snapshot(obj)},
            "pending_webhooks": 1,
            "request": {"id": request_id, "idempotency_key": idempotency_key},
        }

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

    def refund(
        self, payment_intent_id: str | None = None, amount: int | None = None, *,
        charge_id: str | None = None, metadata: dict | None = None, reason: str | None = None,
        request: dict | None = None,
    ) -> dict:  # fmt: skip
        """Refund all that remains of a paid charge, or ``amount`` of it; ``charge.refunded``."""
        with self._lock:
            charge = self._paid_charge(payment_intent_id, charge_id)
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
                "charge": charge["id"], "created": int(time.time()), "currency": charge["currency"],
                "metadata": dict(metadata or {}), "payment_intent": charge["payment_intent"],
                "reason": reason, "status": "succeeded",
            }  # fmt: skip
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            self._emit("charge.refunded", charge, request)
            return _snapshot(refund)

    def dispute(self, payment_intent_id: str, reason: str = "fraudulent") -> dict:
        """Open a dispute on a paid charge: ``charge.dispute.created``."""
        with self._lock:
            charge = self._paid_charge(payment_intent_id, None)
            dispute = {
                "id": _new_id("dp_"), "object": "dispute", "amount": charge["amount"],
                "charge": charge["id"], "created": int(time.time()), "currency": charge["currency"],
                "livemode": False, "metadata": {}, "payment_intent": charge["payment_intent"],
                "reason": reason, "status": "needs_response",
            }  # fmt: skip
            self.disputes[dispute["id"]] = dispute
            charge["disputed"] = True
            self._emit("charge.dispute.created", dispute)
            return _snapshot(dispute)

    # API operations ----------------------------------------------------------------------------
    def create_session(self, params: dict, request: dict | None = None) -> dict:
        """``POST /v1/checkout/sessions``: validate like Stripe and store an open session."""
        _unknown_params(params, _SESSION_PARAMS)
        mode = params.get("mode")
        if not mode:
            raise _missing("mode")
        if mode != "payment":
            raise StripeError(
                400, f"The emulator supports only mode=payment, not {mode!r}.",
                code="parameter_invalid_enum", param="mode",
            )  # fmt: skip
        if not params.get("success_url"):
            raise _missing("success_url")
        submit_type = params.get("submit_type")
        if submit_type is not None and submit_type not in _SUBMIT_TYPES:
            raise StripeError(
                400, "Invalid submit_type", code="parameter_invalid_enum", param="submit_type"
            )
        items = params.get("line_items")
        if not items:
            raise _missing("line_items")
        if not isinstance(items, list):
            raise StripeError(
                400, "Invalid array", code="parameter_invalid_array", param="line_items"
            )
        total, currencies, names = 0, set(), []
        for index, item in enumerate(items):
            prefix = f"line_items[{index}]"
            price_data = item.get("price_data") if isinstance(item, dict) else None
            if not isinstance(price_data, dict):
                raise _missing(f"{prefix}[price_data]")  # prices by id are not emulated
            for field in ("currency", "unit_amount"):
                if not price_data.get(field):
                    raise _missing(f"{prefix}[price_data][{field}]")
            product = price_data.get("product_data")
            if not isinstance(product, dict) or not product.get("name"):
                raise _missing(f"{prefix}[price_data][product_data][name]")
            if "quantity" not in item:
                raise _missing(f"{prefix}[quantity]")
            quantity = _integer(item["quantity"], f"{prefix}[quantity]", minimum=1)
            total += (
                _integer(price_data["unit_amount"], f"{prefix}[price_data][unit_amount]") * quantity
            )
            currencies.add(price_data["currency"].lower())
            names.append(product["name"] if quantity == 1 else f"{product['name']} × {quantity}")
        if len(currencies) > 1:
            raise StripeError(400, "All line items must share one currency.", param="line_items")
        if total <= 0:
            raise StripeError(
                400, "The Checkout Session's total amount must be positive.", param="line_items"
            )
        client_reference_id = params.get("client_reference_id")
        if client_reference_id is not None and len(client_reference_id) > 200:
            raise StripeError(400, "client_reference_id is too long.", param="client_reference_id")
        intent_data = params.get("payment_intent_data") or {}
        if not isinstance(intent_data, dict):
            raise StripeError(400, "Invalid object", param="payment_intent_data")
        intent_metadata = _metadata(intent_data.get("metadata"), "payment_intent_data[metadata]")
        now = int(time.time())
        expires_at = now + SESSION_LIFETIME
        if params.get("expires_at"):
            expires_at = _integer(params["expires_at"], "expires_at", minimum=now + 1800)
        with self._lock:
            session_id = _new_id("cs_test_")
            session = {
                "id": session_id, "object": "checkout.session", "amount_subtotal": total,
                "amount_total": total, "cancel_url": params.get("cancel_url"),
                "client_reference_id": client_reference_id, "created": now,
                "currency": currencies.pop(), "customer": None, "customer_details": None,
                "customer_email": params.get("customer_email"), "expires_at": expires_at,
                "livemode": False, "metadata": _metadata(params.get("metadata"), "metadata"),
                "mode": "payment", "payment_intent": None, "payment_status": "unpaid",
                "status": "open", "submit_type": submit_type,
                "success_url": params["success_url"],
                "url": f"{self.base_url}/checkout/{session_id}",
            }  # fmt: skip
            self.sessions[session_id] = session
            self._descriptions[session_id] = ", ".join(names)
            self._intent_metadata[session_id] = intent_metadata
            return _snapshot(session)

    def retrieve(self, store: dict, object_id: str, kind: str) -> dict:
        with self._lock:
            if object_id not in store:
                raise StripeError(
                    404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id"
                )
            return _snapshot(store[object_id])

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
                raise _missing("payment_intent")
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
            session = self._session(session_id)
            if session["status"] != "open":
                raise StripeError(
                    400, f"This Checkout Session is {session['status']}; it cannot be paid.",
                    code="checkout_session_not_open",
                )  # fmt: skip
            now = int(time.time())
            intent_id, charge_id = _new_id("pi_"), _new_id("ch_")
            amount, currency = session["amount_total"], session["currency"]
            metadata = dict(self._intent_metadata.get(session_id, {}))
            self.payment_intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": amount,
                "amount_received": 0 if delayed else amount, "created": now,
                "currency": currency, "latest_charge": charge_id, "livemode": False,
                "metadata": metadata, "status": "processing" if delayed else "succeeded",
            }  # fmt: skip
            self.charges[charge_id] = {
                "id": charge_id, "object": "charge", "amount": amount,
                "amount_captured": amount, "amount_refunded": 0, "captured": True,
                "created": now, "currency": currency, "disputed": False, "livemode": False,
                "metadata": dict(metadata), "paid": not delayed,
                "payment_intent": intent_id, "refunded": False,
                "status": "pending" if delayed else "succeeded",
            }  # fmt: skip
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

    def _emit(self, type: str, obj: dict, request: dict | None = None) -> dict:
        request = request or {}
        event = self.build_event(
            type, _snapshot(obj), request_id=request.get("id"),
            idempotency_key=request.get("idempotency_key"),
        )  # fmt: skip
        with self._lock:
            self.events.append(event)
            if self.deliver_webhooks and self.webhook_url:
                self._deliverer.enqueue(event["id"], json.dumps(event))
        logger.info("event %s %s", event["id"], type)
        return event

    def _record_delivery(self, event_id: str, outcome: int | str) -> None:
        with self._lock:
            self.deliveries.append((event_id, outcome))

    def _take_faults(self) -> tuple[float, int | None]:
        with self._lock:
            delay = self._delays.pop(0) if self._delays else 0.0
            failure = self._failures.pop(0) if self._failures else None
            return delay, failure


def _json(data: dict) -> bytes:
    return json.dumps(data, indent=2).encode()


# HTTP ------------------------------------------------------------------------------------------
_ROUTES = [
    ("POST", re.compile(r"/v1/checkout/sessions"), "create_session"),
    ("GET", re.compile(r"/v1/checkout/sessions/(?P<id>[\w-]+)"), "get_session"),
    ("POST", re.compile(r"/v1/checkout/sessions/(?P<id>[\w-]+)/expire"), "expire_session"),
    ("POST", re.compile(r"/v1/refunds"), "create_refund"),
    ("GET", re.compile(r"/v1/refunds/(?P<id>[\w-]+)"), "get_refund"),
    ("GET", re.compile(r"/v1/payment_intents/(?P<id>[\w-]+)"), "get_payment_intent"),
    ("GET", re.compile(r"/v1/charges/(?P<id>[\w-]+)"), "get_charge"),
    ("GET", re.compile(r"/v1/events/(?P<id>[\w-]+)"), "get_event"),
]
_PAGE = re.compile(r"/checkout/(?P<id>[\w-]+)(?:/(?P<action>pay|pay-delayed|decline|cancel))?")


class _Handler(BaseHTTPRequestHandler):
    server_version = "StripeEmulator/1.0"

    @property
    def emulator(self) -> StripeEmulator:
        return self.server.emulator

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format, *args) -> None:
        pass  # one line per request is logged by _send instead

    def _dispatch(self, method: str) -> None:
        self.request_id = _new_id("req_")
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        self.route = url.path
        try:
            if url.path == "/healthz" and method == "GET":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
            elif url.path.startswith("/v1/"):
                self._api(method, url.path, url.query)
            elif match := _PAGE.fullmatch(url.path):
                self._page(method, match["id"], match["action"])
            else:
                self._send(404, b"Not found\n", "text/plain; charset=utf-8")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        except Exception:  # noqa: BLE001 - a bug here must still answer like Stripe's 500
            logger.exception("%s %s failed [%s]", method, url.path, self.request_id)
            with contextlib.suppress(OSError):
                self._error(StripeError(500, "The emulator failed; see its log.", type="api_error"))

    # JSON API ----------------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: str) -> None:
        delay, failure = self.emulator._take_faults()
        if delay:
            time.sleep(delay)
        if failure is not None:
            return self._error(
                StripeError(failure, "Injected failure (emulator fail_next).", type="api_error")
            )
        try:
            self._authenticate()
            params = decode_form(self.body if method == "POST" else query)
        except StripeError as error:
            return self._error(error)
        except ValueError as error:
            return self._error(StripeError(400, str(error)))
        for route_method, pattern, name in _ROUTES:
            if route_method == method and (match := pattern.fullmatch(path)):
                key = self.headers.get("Idempotency-Key") if method == "POST" else None
                return self._run(name, params, match.groupdict(), key)
        self._error(StripeError(404, f"Unrecognized request URL ({method}: {path})."))

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "basic":
            credential = base64.b64decode(credential).decode(errors="replace").partition(":")[0]
        elif scheme.lower() != "bearer":
            credential = ""
        if not credential:
            raise StripeError(
                401, "You did not provide an API key. Use 'Authorization: Bearer sk_test_...'."
            )
        if not credential.startswith(("sk_test_", "rk_test_")):
            raise StripeError(
                401, "Invalid API Key provided: the emulator accepts only test keys "
                "(sk_test_... or rk_test_...).", code="api_key_invalid",
            )  # fmt: skip

    def _run(self, name: str, params: dict, path_args: dict, key: str | None) -> None:
        status, body, extra = self._answer(name, params, path_args, key)
        self._send(status, body, extra=extra)

    def _answer(self, name, params, path_args, key) -> tuple[int, bytes, dict]:
        """Check the idempotency key, act and store as one step, so a concurrent retry replays."""
        emu = self.emulator
        fingerprint = (self.route, json.dumps(params, sort_keys=True))
        with emu._lock:
            if key and key in emu._idempotency:
                stored_fingerprint, status, body = emu._idempotency[key]
                if stored_fingerprint == fingerprint:
                    return status, body, {"Idempotent-Replayed": "true"}
                error = StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{key}' if you meant to "
                    "execute a different request.",
                    type="idempotency_error",
                    code="idempotency_error",
                )
                return error.status, _json(error.body()), {}
            request = {"id": self.request_id, "idempotency_key": key}
            try:
                result = getattr(self, f"_op_{name}")(params, request, **path_args)
            except StripeError as error:
                return error.status, _json(error.body()), {}
            body = _json(result)
            if key:  # only successes are stored: a failed attempt may be retried with its key
                emu._idempotency[key] = (fingerprint, 200, body)
            return 200, body, {}

    def _op_create_session(self, params, request):
        return self._expanded(self.emulator.create_session(params, request), params)

    def _op_get_session(self, params, request, id):
        session = self.emulator.retrieve(self.emulator.sessions, id, "checkout.session")
        return self._expanded(session, params)

    def _op_expire_session(self, params, request, id):
        _unknown_params(params, {"expand"})
        return self._expanded(self.emulator.expire(id, request=request), params)

    def _expanded(self, session: dict, params: dict) -> dict:
        """Honour ``expand[]=payment_intent``, the one expansion the emulator supports."""
        expand = params.get("expand") or []
        for field in expand if isinstance(expand, list) else [expand]:
            if field != "payment_intent":
                raise StripeError(400, f"The emulator cannot expand {field!r}.", param="expand")
            if session["payment_intent"]:
                session["payment_intent"] = _snapshot(
                    self.emulator.payment_intents[session["payment_intent"]]
                )
        return session

    def _op_create_refund(self, params, request):
        _unknown_params(params, _REFUND_PARAMS)
        amount = params.get("amount")
        return self.emulator.refund(
            params.get("payment_intent"),
            None if amount is None else _integer(amount, "amount", minimum=1),
            charge_id=params.get("charge"),
            metadata=_metadata(params.get("metadata"), "metadata"),
            reason=params.get("reason"),
            request=request,
        )

    def _op_get_refund(self, params, request, id):
        return self.emulator.retrieve(self.emulator.refunds, id, "refund")

    def _op_get_payment_intent(self, params, request, id):
        return self.emulator.retrieve(self.emulator.payment_intents, id, "payment_intent")

    def _op_get_charge(self, params, request, id):
        return self.emulator.retrieve(self.emulator.charges, id, "charge")

    def _op_get_event(self, params, request, id):
        events = {event["id"]: event for event in self.emulator.events}
        return self.emulator.retrieve(events, id, "event")

    # Hosted checkout page ----------------------------------------------------------------------
    def _page(self, method: str, session_id: str, action: str | None) -> None:
        emu = self.emulator
        with emu._lock:
            session = _snapshot(emu.sessions[session_id]) if session_id in emu.sessions else None
            description = emu._descriptions.get(session_id, "")
        if session is None:
            return self._send(404, b"No such checkout session.\n", "text/plain; charset=utf-8")
        if method == "GET" and action is None:
            return self._html(200, session, description)
        if method != "POST" or action is None:
            return self._send(405, b"Method not allowed\n", "text/plain; charset=utf-8")
        if session["status"] != "open":  # the page says it is complete or expired
            return self._html(409, session, description)
        if action == "decline":
            return self._html(402, session, description, DECLINE_MESSAGE)
        if action == "cancel":
            if session["cancel_url"]:
                return self._redirect(session["cancel_url"])
            return self._html(200, session, description, "Cancelled. You can close this page.")
        try:
            paid = emu.pay(session_id) if action == "pay" else emu.pay_delayed(session_id)
        except StripeError:  # paid or expired by another request meanwhile
            with emu._lock:
                session = _snapshot(emu.sessions[session_id])
            return self._html(409, session, description)
        self._redirect(paid["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))

    def _html(self, status: int, session: dict, description: str, message: str = "") -> None:
        page = render_checkout_page(session, description, message)
        self._send(status, page.encode(), "text/html; charset=utf-8")

    def _redirect(self, location: str) -> None:
        self._send(303, b"", "text/plain; charset=utf-8", extra={"Location": location})

    # Answers -----------------------------------------------------------------------------------
    def _error(self, error: StripeError) -> None:
        self._send(error.status, _json(error.body()))

    def _send(self, status, body: bytes, content_type="application/json", extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", self.request_id)
        self.send_header("Stripe-Version", API_VERSION)
        self.send_header("Cache-Control", "no-store")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        logger.info("%s %s -> %d [%s]", self.command, self.route, status, self.request_id)
