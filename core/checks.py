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
