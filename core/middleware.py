"""Parts fail; pages don't: the site's own answers when the database is down or a client waits.

`DatabaseUnavailableMiddleware` turns a database that does not answer into the site's 503 page
with `Retry-After`, logged once every few seconds per process instead of a traceback per
request. Django reconnects on the next request (CONN_HEALTH_CHECKS), so recovery needs no
restart. `RetryAfterMiddleware` makes sure every 429, django-axes' lockout included, says when to
come back.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from core.logging import Throttle

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again while the database is down.
DATABASE_RETRY_AFTER = 10
_database_log = Throttle(5)


def database_unavailable_response() -> HttpResponse:
    """The 503 page: a static template that needs neither the database nor a request context."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # The middleware logs outages itself, once a while; django.request would log each 503.
    response._has_been_logged = True
    return response


def log_database_unavailable(error: Exception) -> None:
    """One line every few seconds per process, with the error's type only (no traceback)."""
    held = _database_log.ready()
    if held is not None:
        logger.error(
            "Database unavailable (%s); answering 503 (%s more since the last line).",
            type(error).__name__,
            held,
        )


class DatabaseUnavailableMiddleware:
    """503 with Retry-After for any view (or template) that finds the database unreachable.

    Only connection-level errors (OperationalError, InterfaceError) count as "down"; a
    programming error still reaches the 500 handler and its log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log_database_unavailable(exception)
        return database_unavailable_response()


class RetryAfterMiddleware:
    """Adds `Retry-After` to a 429 that lacks one: axes' cool-off, else a minute."""

    DEFAULT_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(self._seconds(request))
        return response

    def _seconds(self, request) -> int:
        if getattr(request, "axes_locked_out", False):
            from axes.helpers import get_cool_off

            cool_off = get_cool_off(request)
            if cool_off:
                return max(1, int(cool_off.total_seconds()))
        return self.DEFAULT_SECONDS
