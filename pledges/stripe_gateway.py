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


def is_live_mode() -> bool:
    """True only with a live secret key (settings refuse one unless STRIPE_LIVE_MODE is set)."""
    return settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))


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
) -> dict:
    """Create a one-off Checkout Session (`mode=payment`, `submit_type=donate`) and return it.

    The same `idempotency_key` with the same arguments returns the same session (a double
    click or a retry never makes two). Raises PaymentGatewayError.
    """
    _require_key()
    params = {
        "mode": "payment",
        "submit_type": "donate",
        "line_items": [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount_minor,
                    "product_data": {"name": product_name},
                },
                "quantity": 1,
            }
        ],
        "customer_email": customer_email,
        "client_reference_id": client_reference_id,
        "metadata": metadata,
        # Session metadata does not reach the PaymentIntent or Charge; refunds and disputes
        # are matched through this copy.
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
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
