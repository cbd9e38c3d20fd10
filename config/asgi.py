"""ASGI entry point, for servers such as uvicorn or daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from core.checks import refuse_to_serve_without_a_secret_key  # noqa: E402

application = get_asgi_application()

# Servers run no system checks: refuse to serve with nothing to sign sessions and tokens with.
refuse_to_serve_without_a_secret_key()

from pledges.checks import refuse_unsafe_stripe_settings  # noqa: E402

refuse_unsafe_stripe_settings()
