"""The one module that talks to Stripe.

Everything else in the app calls these functions and sees plain dicts (Stripe-shaped JSON) or a
`PaymentGatewayError` with a message that is safe to show and to log (no keys, no personal data).
The client uses the SDK's pinned API version, an explicit timeout and retry count, and no
telemetry. `STRIPE_API_BASE` points it at a Stripe-compatible server (the offline emulator).
"""

import logging

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

# The SDK would otherwise report request timings to Stripe and write ~/.config/stripe/.
stripe.enable_telemetry = False

# The API version the SDK pins and sends as Stripe-Version; webhook endpoints must use it too.
API_VERSION: str = stripe.api_version


class PaymentGatewayError(Exception):
    """Stripe could not be reached or refused the request. `str(error)` is safe to show."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")  # secret and restricted keys follow one rule
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")


def is_live_mode() -> bool:
    """True only with a live secret or restricted key (settings refuse one unless
    STRIPE_LIVE_MODE is set)."""
    return settings.STRIPE_SECRET_KEY.startswith(LIVE_KEY_PREFIXES)


def _client() -> stripe.StripeClient:
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=settings.STRIPE_MAX_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
    )


def _translate(error: stripe.StripeError, action: str) -> PaymentGatewayError:
    """One error type for the app; the log line names the failure, never the request data."""
    status = getattr(error, "http_status", None)
    code = getattr(error, "code", None) or ""
    if isinstance(error, stripe.IdempotencyError):
        code = "idempotency_error"  # Stripe sends it as the error's type, often with no code.
    logger.warning(
        "Stripe %s failed: %s (status=%s, code=%s, request_id=%s)",
        action,
        type(error).__name__,
        status,
        code,
        getattr(error, "request_id", None),
    )
    if isinstance(error, stripe.APIConnectionError):
        message = "The payment service did not answer in time."
    elif isinstance(error, stripe.AuthenticationError):
        message = "The payment service refused our credentials."
    elif isinstance(error, stripe.InvalidRequestError) and code == "resource_missing":
        message = "The payment service does not know that payment."
    else:
        message = "The payment service answered with an error."
    return PaymentGatewayError(message, code=code, status=status)


def _require_key() -> None:
    if not settings.STRIPE_SECRET_KEY:
        logger.warning("Stripe call skipped: STRIPE_SECRET_KEY is not set.")
        raise PaymentGatewayError("Payments are not configured.", code="not_configured")


def checkout_session_create(
    *,
    idempotency_key: str,
    amount_minor: int,
    currency: str,
    product_name: str,
    customer_email: str,
    client_reference_id: str,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    description: str = "",
    monthly_customer: str = "",
) -> dict:
    """Create a Checkout Session and return it: one-off (`mode=payment`, `submit_type=donate`),
    or, with `monthly_customer` (a `cus_...`), a monthly gift (`mode=subscription`, the price
    recurring every month, billed to that Customer).

    The same `idempotency_key` with the same arguments returns the same session (a double
    click or a retry never makes two). Raises PaymentGatewayError.
    """
    _require_key()
    price_data = {
        "currency": currency.lower(),
        "unit_amount": amount_minor,
        "product_data": {"name": product_name},
    }
    params = {
        "mode": "payment",
        "submit_type": "donate",
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "customer_email": customer_email,
        "client_reference_id": client_reference_id,
        "metadata": metadata,
        # Session metadata does not reach the PaymentIntent or Charge; refunds and disputes
        # are matched through this copy.
        "payment_intent_data": {"metadata": dict(metadata)},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if monthly_customer:
        price_data["recurring"] = {"interval": "month"}
        del params["submit_type"], params["payment_intent_data"], params["customer_email"]
        params.update(
            mode="subscription",
            customer=monthly_customer,
            # Every invoice of the subscription carries this copy, so renewals find the gift.
            subscription_data={"metadata": dict(metadata)},
        )
        if description:
            params["subscription_data"]["description"] = description[:500]
    if settings.STRIPE_PAYMENT_METHOD_CONFIGURATION:
        # Only the payment methods this configuration allows (fit for donations: no "buy now,
        # pay later"); set up in Stripe's dashboard.
        params["payment_method_configuration"] = settings.STRIPE_PAYMENT_METHOD_CONFIGURATION
    if settings.STRIPE_STATEMENT_DESCRIPTOR_SUFFIX and not monthly_customer:
        params["payment_intent_data"]["statement_descriptor_suffix"] = (
            settings.STRIPE_STATEMENT_DESCRIPTOR_SUFFIX
        )
    if description and not monthly_customer:
        params["payment_intent_data"]["description"] = description[:1000]
    try:
        session = _client().v1.checkout.sessions.create(
            params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as error:
        raise _translate(error, "checkout session create") from error
    return session.to_dict()


def checkout_session_retrieve(session_id: str) -> dict:
    """The Checkout Session as a dict. Raises PaymentGatewayError."""
    _require_key()
    try:
        return _client().v1.checkout.sessions.retrieve(session_id).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "checkout session retrieve") from error


def payment_intent_retrieve(payment_intent_id: str) -> dict:
    """The PaymentIntent as a dict (its `status` tells a failed delayed payment). Raises
    PaymentGatewayError."""
    _require_key()
    try:
        return _client().v1.payment_intents.retrieve(payment_intent_id).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "payment intent retrieve") from error


def payment_card(payment_intent_id: str) -> tuple[str, str]:
    """(brand, last four digits) of the card that paid the PaymentIntent, from its latest
    Charge; ("", "") when Stripe names no card (a wallet, a bank debit). Raises
    PaymentGatewayError."""
    _require_key()
    try:
        client = _client()
        intent = client.v1.payment_intents.retrieve(payment_intent_id).to_dict()
        charge_id = intent.get("latest_charge")
        if isinstance(charge_id, dict):
            charge_id = charge_id.get("id")
        if not charge_id:
            return "", ""
        charge = client.v1.charges.retrieve(charge_id).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "charge retrieve") from error
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return str(card.get("brand") or "")[:20], str(card.get("last4") or "")[:4]


def refund_create(
    *,
    payment_intent: str,
    amount: int | None = None,
    reason: str | None = None,
    metadata: dict[str, str] | None = None,
    idempotency_key: str | None = None,
) -> dict:
    """Ask Stripe to refund (part of) a payment; returns the Refund (its `status` may still be
    pending). Raises PaymentGatewayError."""
    _require_key()
    params: dict = {"payment_intent": payment_intent}
    if amount is not None:
        params["amount"] = amount
    if reason:
        params["reason"] = reason
    if metadata:
        params["metadata"] = metadata
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    try:
        return _client().v1.refunds.create(params, options=options).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "refund create") from error


def events_list(
    *,
    created_gte: int | None = None,
    types: list[str] | None = None,
    starting_after: str | None = None,
    limit: int = 100,
) -> dict:
    """One page of the account's events, newest first (`data`, `has_more`). Raises
    PaymentGatewayError (`status` 429 when Stripe asks to slow down)."""
    _require_key()
    params: dict = {"limit": limit}
    if created_gte is not None:
        params["created"] = {"gte": created_gte}
    if types:
        params["types"] = types
    if starting_after:
        params["starting_after"] = starting_after
    try:
        return _client().v1.events.list(params).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "event list") from error


def webhook_endpoints_list() -> list[dict]:
    """Every webhook endpoint of the account (id, url, api_version, enabled_events, status).
    Raises PaymentGatewayError."""
    _require_key()
    endpoints, params = [], {"limit": 100}
    try:
        while True:
            page = _client().v1.webhook_endpoints.list(params).to_dict()
            endpoints.extend(page.get("data") or [])
            if not page.get("has_more") or not page.get("data"):
                return endpoints
            params["starting_after"] = page["data"][-1]["id"]
    except stripe.StripeError as error:
        raise _translate(error, "webhook endpoint list") from error


# --- Monthly giving: Customers, Subscriptions, Invoices, the Customer Portal --------------------


def customer_find(*, email: str) -> str:
    """The id of a Stripe Customer with exactly this email, or "" if none. Raises
    PaymentGatewayError."""
    _require_key()
    try:
        page = _client().v1.customers.list({"email": email, "limit": 1}).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "customer list") from error
    found = page.get("data") or []
    return found[0]["id"] if found else ""


def customer_create(*, email: str, name: str, idempotency_key: str) -> str:
    """Create a Stripe Customer; returns its id. Raises PaymentGatewayError."""
    _require_key()
    try:
        customer = _client().v1.customers.create(
            {"email": email, "name": name[:256]}, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as error:
        raise _translate(error, "customer create") from error
    return customer["id"]


def customer_redact(*, customer_id: str) -> None:
    """Clear the Customer's email and name at Stripe (erasure). A Customer Stripe no longer
    knows is already as redacted as it gets. Raises PaymentGatewayError."""
    _require_key()
    try:
        _client().v1.customers.update(customer_id, {"email": "", "name": ""})
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", None) != "resource_missing":
            raise _translate(error, "customer redact") from error
    except stripe.StripeError as error:
        raise _translate(error, "customer redact") from error


def subscription_cancel(*, subscription_id: str) -> None:
    """Cancel the subscription now (`customer.subscription.deleted` follows). One already
    canceled or unknown counts as canceled. Raises PaymentGatewayError."""
    _require_key()
    try:
        _client().v1.subscriptions.cancel(subscription_id)
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", None) != "resource_missing":
            raise _translate(error, "subscription cancel") from error
    except stripe.StripeError as error:
        raise _translate(error, "subscription cancel") from error


def invoice_retrieve(invoice_id: str) -> dict:
    """The Invoice as a dict. Raises PaymentGatewayError."""
    _require_key()
    try:
        return _client().v1.invoices.retrieve(invoice_id).to_dict()
    except stripe.StripeError as error:
        raise _translate(error, "invoice retrieve") from error


def billing_portal_session_create(*, customer_id: str, return_url: str) -> str:
    """A Customer Portal session for this Customer; returns the URL to send them to. Raises
    PaymentGatewayError."""
    _require_key()
    try:
        portal = _client().v1.billing_portal.sessions.create(
            {"customer": customer_id, "return_url": return_url}
        )
    except stripe.StripeError as error:
        raise _translate(error, "billing portal session create") from error
    return portal["url"]
