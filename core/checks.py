"""System checks for configuration mistakes that must stop a deployment."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = "SECRET_KEY must be set when DEBUG is off."


def secret_key_missing() -> bool:
    """True when no SECRET_KEY is configured (Django raises on reading an empty one)."""
    try:
        return not settings.SECRET_KEY
    except ImproperlyConfigured:
        return True


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """`check --deploy` fails while production has no SECRET_KEY."""
    if not secret_key_missing():
        return []
    return [
        Error(
            MISSING_SECRET_KEY,
            hint='Set it in the environment, e.g. python -c "import secrets; '
            'print(secrets.token_urlsafe(50))".',
            id="core.E001",
        )
    ]


def refuse_to_serve_without_a_secret_key() -> None:
    """Called by config/wsgi.py and asgi.py: servers must not start without a SECRET_KEY."""
    if secret_key_missing():
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


# The most Stripe calls one request makes: the thank-you page asks for the Checkout Session
# and, for a delayed payment, its PaymentIntent.
STRIPE_CALLS_PER_REQUEST = 2


def stripe_seconds_per_call(*, timeout: float, max_retries: int) -> float:
    """The longest one Stripe call can take: every try timing out, plus the SDK's waits."""
    from stripe._http_client import HTTPClient

    waits = sum(
        min(HTTPClient.INITIAL_DELAY * 2 ** (retry - 1), HTTPClient.MAX_DELAY)
        for retry in range(1, max_retries + 1)
    )
    return timeout * (max_retries + 1) + waits


def stripe_budget_problem() -> str:
    """Why the Stripe settings could outlast the app server's worker timeout; "" if they fit.

    A request must finish (and show "payments unavailable") before gunicorn kills its worker
    and the supporter gets a bare 500: `STRIPE_TIMEOUT x (STRIPE_MAX_RETRIES + 1)` plus the
    SDK's waits between tries, times the calls of one request, must stay below WEB_TIMEOUT.
    """
    per_call = stripe_seconds_per_call(
        timeout=settings.STRIPE_TIMEOUT, max_retries=settings.STRIPE_MAX_RETRIES
    )
    budget = per_call * STRIPE_CALLS_PER_REQUEST
    if budget < settings.WEB_TIMEOUT:
        return ""
    return (
        f"Stripe may hold one request {budget:g} s (STRIPE_TIMEOUT={settings.STRIPE_TIMEOUT:g} "
        f"x {settings.STRIPE_MAX_RETRIES + 1} tries, plus waits, x {STRIPE_CALLS_PER_REQUEST} "
        f"calls), which reaches WEB_TIMEOUT={settings.WEB_TIMEOUT}."
    )


@register(Tags.compatibility)
def stripe_fits_the_worker_timeout(app_configs, **kwargs):
    """Every `manage.py` command (and `check`) reports Stripe settings that outlast a worker."""
    problem = stripe_budget_problem()
    if not problem:
        return []
    return [
        Error(
            problem,
            hint="Lower STRIPE_TIMEOUT or STRIPE_MAX_RETRIES, or raise WEB_TIMEOUT "
            "(gunicorn.conf.py reads the same variable).",
            id="core.E002",
        )
    ]


def refuse_to_serve_past_the_worker_timeout() -> None:
    """Called by config/wsgi.py: gunicorn runs no system checks, so the server checks itself."""
    problem = stripe_budget_problem()
    if problem:
        raise ImproperlyConfigured(problem)
