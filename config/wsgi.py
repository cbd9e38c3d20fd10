"""WSGI entry point: `gunicorn config.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from core.checks import refuse_to_serve_without_a_secret_key  # noqa: E402

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve with nothing to sign sessions and tokens with.
refuse_to_serve_without_a_secret_key()

from pledges.checks import refuse_unsafe_stripe_settings  # noqa: E402

# ... nor with Stripe settings that would send a live key elsewhere or lose every event.
refuse_unsafe_stripe_settings()
