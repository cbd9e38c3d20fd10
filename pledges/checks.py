"""Stripe settings that must stop the app before it takes a payment.

Registered as system checks (run by `check`, `runserver`, `migrate`) and called by
config/wsgi.py through `refuse_unsafe_stripe_settings()`, because gunicorn runs no checks.
Messages name the setting, never its value.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from pledges.stripe_gateway import LIVE_KEY_PREFIXES, TEST_KEY_PREFIXES

# Stripe's rule for a statement descriptor suffix: at most 22 characters, at least one letter,
# none of < > \ ' " *.
_DESCRIPTOR = re.compile(r"^(?=.*[A-Za-z])[^<>\\'\"*]{1,22}$")


def stripe_setting_errors() -> list[Error]:
    key = settings.STRIPE_SECRET_KEY
    live = key.startswith(LIVE_KEY_PREFIXES) or settings.STRIPE_LIVE_MODE
    errors = []
    if key and not key.startswith(LIVE_KEY_PREFIXES + TEST_KEY_PREFIXES):
        errors.append(
            Error(
                "STRIPE_SECRET_KEY is not a secret or restricted key.",
                hint="Use an sk_ or rk_ key from Stripe's dashboard (never the pk_ key).",
                id="pledges.E001",
            )
        )
    if key.startswith(LIVE_KEY_PREFIXES) and settings.STRIPE_API_BASE:
        errors.append(
            Error(
                "A live Stripe key must not be sent to STRIPE_API_BASE.",
                hint="STRIPE_API_BASE is for the offline emulator; unset it in production.",
                id="pledges.E002",
            )
        )
    if settings.STRIPE_LIVE_MODE and key and key.startswith(TEST_KEY_PREFIXES):
        errors.append(
            Error(
                "STRIPE_LIVE_MODE is on but STRIPE_SECRET_KEY is a test key.",
                hint="Use the live key, or switch STRIPE_LIVE_MODE off.",
                id="pledges.E003",
            )
        )
    if live and not settings.STRIPE_WEBHOOK_SECRET:
        errors.append(
            Error(
                "Live mode needs STRIPE_WEBHOOK_SECRET: without it every Stripe event is refused.",
                hint="Copy the endpoint's signing secret (whsec_...) from Stripe's dashboard.",
                id="pledges.E004",
            )
        )
    if live and urlsplit(settings.SITE_URL).scheme != "https":
        errors.append(
            Error(
                "Live mode needs an https SITE_URL: Checkout sends supporters back to it.",
                hint="Set SITE_URL=https://your-domain.",
                id="pledges.E005",
            )
        )
    configuration = settings.STRIPE_PAYMENT_METHOD_CONFIGURATION
    if configuration and not configuration.startswith("pmc_"):
        errors.append(
            Error(
                "STRIPE_PAYMENT_METHOD_CONFIGURATION must be a pmc_ id.",
                id="pledges.E006",
            )
        )
    suffix = settings.STRIPE_STATEMENT_DESCRIPTOR_SUFFIX
    if suffix and not _DESCRIPTOR.fullmatch(suffix):
        errors.append(
            Error(
                "STRIPE_STATEMENT_DESCRIPTOR_SUFFIX must be 1-22 characters with a letter and "
                "none of < > \\ ' \" *.",
                id="pledges.E007",
            )
        )
    return errors


@register("pledges")
def stripe_settings_are_safe(app_configs, **kwargs):
    return stripe_setting_errors()


def refuse_unsafe_stripe_settings() -> None:
    """Called by config/wsgi.py: no server starts with Stripe settings that lose money."""
    errors = stripe_setting_errors()
    if errors:
        raise ImproperlyConfigured(" ".join(f"{e.id}: {e.msg}" for e in errors))
