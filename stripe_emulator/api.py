"""The emulator's HTTP side: Stripe's JSON API, idempotency, faults, and the hosted page.

Idempotency as Stripe does it (API v1): the first answer under a key is kept for 24 hours once
the endpoint began to run, errors included (a 500 is replayed, with ``Stripe-Should-Retry:
false``); a request refused by parameter validation, a rate limit or a concurrent request with
the same key keeps nothing. The same key with another endpoint or other parameters is a 400
``idempotency_error``; the same key while its first request is still running is a 409
``idempotency_key_in_use``.
"""

import base64
import contextlib
import copy
import json
import logging
import re
import secrets
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from . import validation as check
from .billing import render_portal_page
from .encoding import decode_form
from .errors import StripeError, invalid, unknown_params
from .pages import render_checkout_page

__all__ = ["Handler"]

logger = logging.getLogger("stripe_emulator")

IDEMPOTENCY_KEY_MAX_LENGTH = 255
_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?")
_REFUND_PARAMS = {
    "payment_intent", "charge", "amount", "metadata", "reason", "expand", "instructions_email",
}  # fmt: skip
_LIST_PARAMS = {"limit", "starting_after", "ending_before"}
_EVENT_LIST_PARAMS = _LIST_PARAMS | {"type", "types", "created", "delivery_success"}

_ROUTES = [
    ("POST", re.compile(r"/v1/checkout/sessions"), "create_session"),
    ("GET", re.compile(r"/v1/checkout/sessions/(?P<id>[\w-]+)"), "get_session"),
    ("POST", re.compile(r"/v1/checkout/sessions/(?P<id>[\w-]+)/expire"), "expire_session"),
    ("POST", re.compile(r"/v1/refunds"), "create_refund"),
    ("GET", re.compile(r"/v1/refunds"), "list_refunds"),
    ("GET", re.compile(r"/v1/refunds/(?P<id>[\w-]+)"), "get_refund"),
    ("GET", re.compile(r"/v1/payment_intents/(?P<id>[\w-]+)"), "get_payment_intent"),
    ("GET", re.compile(r"/v1/charges/(?P<id>[\w-]+)"), "get_charge"),
    ("GET", re.compile(r"/v1/disputes"), "list_disputes"),
    ("GET", re.compile(r"/v1/disputes/(?P<id>[\w-]+)"), "get_dispute"),
    ("GET", re.compile(r"/v1/events"), "list_events"),
    ("GET", re.compile(r"/v1/events/(?P<id>[\w-]+)"), "get_event"),
    ("GET", re.compile(r"/v1/webhook_endpoints"), "list_webhook_endpoints"),
    ("GET", re.compile(r"/v1/webhook_endpoints/(?P<id>[\w-]+)"), "get_webhook_endpoint"),
    # Monthly giving (billing.py): the emulator's api_<name> methods answer these.
    ("POST", re.compile(r"/v1/customers"), "create_customer"),
    ("GET", re.compile(r"/v1/customers"), "list_customers"),
    ("GET", re.compile(r"/v1/customers/(?P<id>[\w-]+)"), "get_customer"),
    ("POST", re.compile(r"/v1/customers/(?P<id>[\w-]+)"), "update_customer"),
    ("DELETE", re.compile(r"/v1/customers/(?P<id>[\w-]+)"), "delete_customer"),
    ("GET", re.compile(r"/v1/subscriptions"), "list_subscriptions"),
    ("GET", re.compile(r"/v1/subscriptions/(?P<id>[\w-]+)"), "get_subscription"),
    ("POST", re.compile(r"/v1/subscriptions/(?P<id>[\w-]+)"), "update_subscription"),
    ("DELETE", re.compile(r"/v1/subscriptions/(?P<id>[\w-]+)"), "cancel_subscription"),
    ("GET", re.compile(r"/v1/invoices"), "list_invoices"),
    ("GET", re.compile(r"/v1/invoices/(?P<id>[\w-]+)"), "get_invoice"),
    ("POST", re.compile(r"/v1/billing_portal/sessions"), "create_portal_session"),
]
_PAGE = re.compile(r"/checkout/(?P<id>[\w-]+)(?:/(?P<action>pay|pay-delayed|decline|cancel))?")
_PORTAL = re.compile(
    r"/billing/(?P<id>[\w-]+)(?:/(?P<action>update-card|cancel)(?:/(?P<subscription>[\w-]+))?)?"
)
DECLINE_MESSAGE = "Your card was declined (test)"


def _new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def _json(data: dict) -> bytes:
    return json.dumps(data, indent=2).encode()


def _rate_limit_error() -> StripeError:
    return StripeError(
        429, "Request rate limit exceeded. Learn more about rate limits here: "
        "https://stripe.com/docs/rate-limits.", code="rate_limit", stored=False,
    )  # fmt: skip


class Handler(BaseHTTPRequestHandler):
    server_version = "StripeEmulator/1.0"

    @property
    def emulator(self):
        return self.server.emulator

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format, *args) -> None:
        pass  # one line per request is logged by _send instead

    def _dispatch(self, method: str) -> None:
        self.request_id = _new_request_id()
        self.api_version = self.emulator.api_version
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
            elif match := _PORTAL.fullmatch(url.path):
                self._portal(method, match["id"], match["action"], match["subscription"])
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
        emu = self.emulator
        delay, in_flight, failure = emu._take_faults()
        if delay:
            time.sleep(delay)
        try:
            self._authenticate()
            self._choose_api_version()
            if emu._over_rate_limit():
                raise _rate_limit_error()
            params = decode_form(self.body if method == "POST" else query)
        except StripeError as error:
            return self._error(error)
        except ValueError as error:
            return self._error(invalid(str(error)))
        emu.expire_due()  # time passed since the last request: sessions may be due
        for route_method, pattern, name in _ROUTES:
            if route_method == method and (match := pattern.fullmatch(path)):
                # GET and DELETE are idempotent by definition: Stripe ignores keys on them.
                key = self.headers.get("Idempotency-Key") if method == "POST" else None
                status, body, extra = self._answer(
                    name, params, match.groupdict(), key, in_flight, failure
                )
                return self._send(status, body, extra=extra)
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

    def _choose_api_version(self) -> None:
        """Answer in the ``Stripe-Version`` the request asks for, else the account's default."""
        requested = self.headers.get("Stripe-Version")
        if requested is None:
            return
        if not _API_VERSION.fullmatch(requested):
            raise StripeError(400, f"Invalid Stripe API version: {requested}")
        self.api_version = requested

    def _answer(self, name, params, path_args, key, in_flight, failure) -> tuple[int, bytes, dict]:
        """Run the operation under Stripe's idempotency rules; (status, body, extra headers)."""
        emu = self.emulator
        if key is not None:
            if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
                error = invalid(
                    f"Idempotency-Key must be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
                )
                return error.status, _json(error.body()), {}
            fingerprint = (self.route, json.dumps(params, sort_keys=True))
            with emu._lock:  # keys older than 24 hours were pruned by expire_due in _api
                stored = emu._idempotency.get(key)
                if stored is not None:
                    return self._replay(key, stored, fingerprint)
                emu._idempotency[key] = {
                    "fingerprint": fingerprint,
                    "in_flight": True,
                    "created": emu.now(),
                }
        status, body, extra, keep = 500, b"", {}, True
        try:
            if in_flight:
                time.sleep(in_flight)
            status, body, extra, keep = self._execute(name, params, path_args, key, failure)
        finally:
            if key is not None:
                with emu._lock:
                    if keep and body:
                        if status >= 500:
                            extra["Stripe-Should-Retry"] = "false"
                        emu._idempotency[key].update(
                            in_flight=False, status=status, body=body, headers=dict(extra),
                            request_id=self.request_id,
                        )  # fmt: skip
                    else:
                        emu._idempotency.pop(key, None)
        return status, body, extra

    def _replay(self, key: str, stored: dict, fingerprint) -> tuple[int, bytes, dict]:
        if stored["in_flight"]:
            error = StripeError(
                409, "There is currently another in-progress request using this Idempotent Key "
                "(that probably means you submitted twice, and the other request is still going "
                f"through): {key}. Please try again later.", code="idempotency_key_in_use",
            )  # fmt: skip
            return error.status, _json(error.body()), {}
        if stored["fingerprint"] != fingerprint:
            error = StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
                code="idempotency_error",
            )
            return error.status, _json(error.body()), {}
        headers = {
            **stored["headers"], "Idempotent-Replayed": "true",
            "Original-Request": stored["request_id"],
        }  # fmt: skip
        return stored["status"], stored["body"], headers

    def _execute(self, name, params, path_args, key, failure) -> tuple[int, bytes, dict, bool]:
        """(status, body, extra headers, whether the answer is kept under the key)."""
        emu = self.emulator
        if failure is not None:
            error = (
                _rate_limit_error()
                if failure == 429
                else StripeError(
                    failure, "Injected failure (emulator fail_next).", type="api_error"
                )
            )
            return error.status, _json(error.body()), dict(error.headers), error.stored
        request = {"id": self.request_id, "idempotency_key": key}
        with emu._lock:
            try:
                operation = getattr(self, f"_op_{name}", None) or getattr(emu, f"api_{name}")
                result = operation(params, request, **path_args)
            except StripeError as error:
                return error.status, _json(error.body()), dict(error.headers), error.stored
        return 200, _json(result), {}, True

    # Operations --------------------------------------------------------------------------------
    def _op_create_session(self, params, request):
        return self._expanded(self.emulator.create_session(params, request), params)

    def _op_get_session(self, params, request, id):
        session = self.emulator.retrieve(self.emulator.sessions, id, "checkout.session")
        return self._expanded(session, params)

    def _op_expire_session(self, params, request, id):
        unknown_params(params, {"expand"})
        return self._expanded(self.emulator.expire(id, request=request), params)

    def _expanded(self, session: dict, params: dict) -> dict:
        """Honour ``expand[]=payment_intent``, the one expansion the emulator supports."""
        expand = params.get("expand") or []
        for field in expand if isinstance(expand, list) else [expand]:
            if field != "payment_intent":
                raise invalid(f"The emulator cannot expand {field!r}.", param="expand")
            if session["payment_intent"]:
                session["payment_intent"] = copy.deepcopy(
                    self.emulator.payment_intents[session["payment_intent"]]
                )
        return session

    def _op_create_refund(self, params, request):
        unknown_params(params, _REFUND_PARAMS)
        amount = params.get("amount")
        reason = params.get("reason")
        if reason is not None:
            check.enum(reason, "reason", {"duplicate", "fraudulent", "requested_by_customer"})
        return self.emulator.refund(
            params.get("payment_intent"),
            None if amount is None else check.integer(amount, "amount", minimum=1),
            charge_id=params.get("charge"),
            metadata=check.metadata(params.get("metadata"), "metadata"),
            reason=reason,
            request=request,
        )

    def _op_get_refund(self, params, request, id):
        return self.emulator.retrieve(self.emulator.refunds, id, "refund")

    def _op_get_payment_intent(self, params, request, id):
        return self.emulator.retrieve(self.emulator.payment_intents, id, "payment_intent")

    def _op_get_charge(self, params, request, id):
        return self.emulator.retrieve(self.emulator.charges, id, "charge")

    def _op_get_dispute(self, params, request, id):
        return self.emulator.retrieve(self.emulator.disputes, id, "dispute")

    def _op_list_refunds(self, params, request):
        return self._list_by_payment(self.emulator.refunds, params, "/v1/refunds")

    def _op_list_disputes(self, params, request):
        return self._list_by_payment(self.emulator.disputes, params, "/v1/disputes")

    def _list_by_payment(self, store: dict, params: dict, url: str) -> dict:
        """Refunds or disputes, newest first, optionally of one ``payment_intent``/``charge``."""
        unknown_params(params, _LIST_PARAMS | {"payment_intent", "charge", "created"})
        everything = list(store.values())  # dicts keep creation order
        found = [
            item for item in everything
            if params.get("payment_intent") in (None, item["payment_intent"])
            and params.get("charge") in (None, item["charge"])
        ]  # fmt: skip
        found = self._created_filter(found, params.get("created"))
        return self._page_of(found, params, url, everything)

    def _op_get_event(self, params, request, id):
        events = {event["id"]: event for event in self.emulator.events}
        return self.emulator.retrieve(events, id, "event")

    def _op_list_events(self, params, request):
        """``GET /v1/events``: newest first, filtered by ``type`` (``*`` wildcards), ``types``
        and ``created``, paged with ``limit``, ``starting_after`` and ``ending_before``."""
        unknown_params(params, _EVENT_LIST_PARAMS)
        events = list(self.emulator.events)
        type_filter, types = params.get("type"), params.get("types")
        if type_filter is not None and types is not None:
            raise invalid("You may pass only one of type and types.", param="types")
        if type_filter is not None:
            pattern = re.compile(".*".join(re.escape(p) for p in type_filter.split("*")))
            events = [e for e in events if pattern.fullmatch(e["type"])]
        if types is not None:
            types = types if isinstance(types, list) else [types]
            if len(types) > 20:
                raise invalid("types may list at most 20 event types.", param="types")
            events = [e for e in events if e["type"] in types]
        events = self._created_filter(events, params.get("created"))
        return self._page_of(events, params, "/v1/events", self.emulator.events)

    @staticmethod
    def _created_filter(events: list[dict], created) -> list[dict]:
        if created is None:
            return events
        if not isinstance(created, dict):
            created = {"eq": created}
        unknown_params(created, {"eq", "gt", "gte", "lt", "lte"}, "created")
        tests = {
            "eq": lambda c, v: c == v, "gt": lambda c, v: c > v, "gte": lambda c, v: c >= v,
            "lt": lambda c, v: c < v, "lte": lambda c, v: c <= v,
        }  # fmt: skip
        for op, raw in created.items():
            param = "created" if op == "eq" else f"created[{op}]"
            value = check.integer(raw, param)
            events = [e for e in events if tests[op](e["created"], value)]
        return events

    @staticmethod
    def _page_of(items: list[dict], params: dict, url: str, everything: list[dict]) -> dict:
        """One page of ``items`` (oldest first in, newest first out), as Stripe's lists page.

        Cursors are positions in ``everything``, so a cursor filtered out still pages."""
        limit = check.integer(params.get("limit", "10"), "limit", minimum=1)
        if limit > 100:
            raise invalid(
                "This value must be less than or equal to 100.",
                code="parameter_invalid_integer", param="limit",
            )  # fmt: skip
        after, before = params.get("starting_after"), params.get("ending_before")
        if after and before:
            raise invalid("You may pass only one of starting_after and ending_before.")
        position = {item["id"]: index for index, item in enumerate(everything)}
        indexed = [(position[item["id"]], item) for item in items]
        cursor = after or before
        if cursor and cursor not in position:
            raise StripeError(
                400, f"No such object: '{cursor}'", code="resource_missing",
                param="starting_after" if after else "ending_before",
            )  # fmt: skip
        if before:
            newer = [item for index, item in indexed if index > position[before]]
            page, has_more = newer[:limit], len(newer) > limit
            page.reverse()
        else:
            older = [item for index, item in reversed(indexed)]
            if after:
                older = [item for item in older if position[item["id"]] < position[after]]
            page, has_more = older[:limit], len(older) > limit
        return {"object": "list", "data": copy.deepcopy(page), "has_more": has_more, "url": url}

    def _op_list_webhook_endpoints(self, params, request):
        unknown_params(params, _LIST_PARAMS)
        endpoint = self.emulator.webhook_endpoint()
        endpoints = [endpoint] if endpoint else []
        return self._page_of(endpoints, params, "/v1/webhook_endpoints", endpoints)

    def _op_get_webhook_endpoint(self, params, request, id):
        endpoint = self.emulator.webhook_endpoint()
        found = {endpoint["id"]: endpoint} if endpoint else {}
        return self.emulator.retrieve(found, id, "webhook_endpoint")

    # Hosted checkout page ----------------------------------------------------------------------
    def _page(self, method: str, session_id: str, action: str | None) -> None:
        emu = self.emulator
        emu.expire_due()
        with emu._lock:
            session = copy.deepcopy(emu.sessions.get(session_id))
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
                session = copy.deepcopy(emu.sessions[session_id])
            return self._html(409, session, description)
        self._redirect(paid["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))

    def _portal(self, method: str, session_id: str, action, subscription_id) -> None:
        """The Customer Portal test page (billing.py): GET shows it, its buttons POST."""
        emu = self.emulator
        view = emu.portal_view(session_id)
        if view is None:
            return self._send(404, b"No such portal session.\n", "text/plain; charset=utf-8")
        if method == "GET" and action is None:
            page = render_portal_page(*view)
            return self._send(200, page.encode(), "text/html; charset=utf-8")
        if method != "POST" or action is None or (action == "cancel") != bool(subscription_id):
            return self._send(405, b"Method not allowed\n", "text/plain; charset=utf-8")
        try:
            emu.portal_action(session_id, action, subscription_id)
        except StripeError as error:
            page = render_portal_page(*emu.portal_view(session_id), message=error.message)
            return self._send(409, page.encode(), "text/html; charset=utf-8")
        self._redirect(f"/billing/{session_id}")

    def _html(self, status: int, session: dict, description: str, message: str = "") -> None:
        page = render_checkout_page(session, description, message)
        self._send(status, page.encode(), "text/html; charset=utf-8")

    def _redirect(self, location: str) -> None:
        self._send(303, b"", "text/plain; charset=utf-8", extra={"Location": location})

    # Answers -----------------------------------------------------------------------------------
    def _error(self, error: StripeError) -> None:
        self._send(error.status, _json(error.body()), extra=error.headers)

    def _send(self, status, body: bytes, content_type="application/json", extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", self.request_id)
        self.send_header("Stripe-Version", self.api_version)
        self.send_header("Cache-Control", "no-store")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        logger.info("%s %s -> %d [%s]", self.command, self.route, status, self.request_id)
