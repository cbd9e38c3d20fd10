import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as django_server_error

from core.dev_mail import outbox_messages
from core.middleware import database_unavailable_response, log_database_unavailable

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers and CI."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database did not answer.")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    """`/favicon.ico`, which browsers and feed readers ask for whatever the page links."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))


@never_cache
@require_safe
def dev_outbox(request):
    """DEBUG only: the emails sent in development, newest first, with clickable links.

    404 when DEBUG is off, whatever the URL configuration, so it can never show a real
    supporter's mail.
    """
    if not settings.DEBUG:
        raise Http404("The outbox exists only in development.")
    return render(request, "core/outbox.html", {"messages_sent": outbox_messages()})


def server_error(request):
    """handler500: a database outage met outside a view (say, saving the session) is a 503.

    `DatabaseUnavailableMiddleware` answers for views; this covers the middleware around them.
    Anything else is the site's 500 page, as before.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        log_database_unavailable(error)
        return database_unavailable_response()
    return django_server_error(request)
