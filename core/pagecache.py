"""Whole pages for anonymous visitors, kept in the shared cache (Redis in production).

How it fits together:

- A view opts in with `@cached_page(...)`. Only its GET answers are stored, only when the
  visitor is anonymous and has not just acted, and only when every query parameter is one the
  view names (anything else, say a random `?x=`, is rendered afresh and never stored, so the
  cache cannot be filled with junk keys).
- `PageCacheMiddleware` sits right after WhiteNoise, before sessions, CSRF and auth: a hit
  costs one cache round trip (`get_many` of the page and the content generation) and no SQL.
- Content edits (any save or delete of the models an app registers with `invalidate_on`)
  bump one shared generation number after commit; every server sees it at once, and entries of
  an older generation are never served. Counts (signatures, money) change far too often to
  invalidate on; they are bounded by the entry's timeout instead: 5 s on the campaign and
  pledge pages, 60 s on reader pages.
- `Cache-Control: public, max-age=N` with an `Age` header on reader pages, so a CDN or browser
  never keeps a page longer than N seconds in total; a strong `ETag` and `Last-Modified`, and
  304 answers to conditional requests. No `Vary: Cookie`: the page is the same for everyone
  the cache serves (visitors with a session or flash messages bypass it).
- Pages with a form (campaign, pledge) are stored with the per-visitor values blanked: the
  CSRF token and the pledge form's one-time `form_token`. A hit runs Django's own
  `CsrfViewMiddleware` for this visitor (reading or setting their `csrftoken` cookie) and puts
  their token in; such pages are `private`, since a shared cache must never hand one visitor's
  token to another. The POST is checked by the normal middleware as always.
- A visitor who has just posted a form gets a short-lived `acted` cookie, and their pages are
  rendered afresh while it lasts: a supporter always sees their own signature or pledge.

The cache failing is not the page failing: any cache error is logged (once a minute) and the
page is rendered as if there were no cache.
"""

import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass
from functools import wraps
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
ACTED_COOKIE = "acted"
# How long after a POST a visitor's own pages skip the cache (a Checkout visit takes minutes).
ACTED_SECONDS = 10 * 60
# Django's message cookie (CookieStorage); flash messages are per visitor.
MESSAGES_COOKIE = "messages"

CSRF_PLACEHOLDER = "__pagecache_csrf__"
FORM_TOKEN_PLACEHOLDER = "__pagecache_form_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
FORM_TOKEN_INPUT = re.compile(
    r'(name="form_token" value=")[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(")'
)
# Headers the outer middleware (security, CSP, WhiteNoise) sets again on every answer.
NOT_STORED_HEADERS = {"set-cookie", "content-length", "age", "date"}

LOG_EVERY = 60.0
_last_logged = 0.0


@dataclass(frozen=True)
class PagePolicy:
    timeout: int
    public: bool
    query: frozenset[str]


def cached_page(*, timeout: int, public: bool = True, query: tuple[str, ...] = ()):
    """Mark a view's GET answers as cacheable for `timeout` seconds.

    `public=True`: the page is the same for every visitor (no form), so browsers and CDNs may
    keep it too (`Cache-Control: public, max-age=timeout`). `public=False`: the page holds a
    form; only the server keeps it and each visitor gets their own tokens. `query` names the
    query parameters the page may depend on; a request with any other is not cached.
    """
    policy = PagePolicy(timeout=timeout, public=public, query=frozenset(query))

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and response.status_code == 200:
                response.page_cache_policy = policy
                if public and not _bypasses_cache(request):
                    patch_cache_control(response, public=True, max_age=timeout)
                else:
                    # A staff member's or a flash-message holder's page is theirs alone.
                    patch_cache_control(response, private=True, no_cache=True)
            return response

        return wrapped

    return decorator


def invalidate() -> None:
    """Retire every cached page, on every server, once the current transaction commits."""
    transaction.on_commit(_bump_generation)


def invalidate_on(*models) -> None:
    """Retire cached pages whenever a row of one of `models` (or its many-to-many) changes.

    Called from an app's `ready()`. Only cache bookkeeping hangs on these signals; no business
    rule does.
    """
    for model in models:
        uid = f"pagecache:{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _on_change, sender=field.remote_field.through, dispatch_uid=f"{uid}:{field.name}"
            )


def _on_change(sender, **kwargs):
    invalidate()


def _bump_generation() -> None:
    try:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception as error:  # noqa: BLE001 - the cache is down: entries expire on their own.
        _log_cache_error(error)


def _log_cache_error(error: Exception) -> None:
    """Log a cache failure at most once a minute per process, with its type only."""
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY:
        _last_logged = now
        logger.warning("Page cache unavailable (%s); rendering pages afresh.", type(error).__name__)


def _bypasses_cache(request) -> bool:
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME in cookies
        or MESSAGES_COOKIE in cookies
        or ACTED_COOKIE in cookies
        or "HTTP_AUTHORIZATION" in request.META
    )


def _page_key(request) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    query = urlencode(sorted(parse_qsl(request.META.get("QUERY_STRING", ""), True)))
    raw = f"{request.scheme}://{host}{request.path}?{query}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


class PageCacheMiddleware:
    """Serve stored pages before the rest of the stack runs; store the ones views mark."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        key = None
        if request.method == "GET" and not _bypasses_cache(request):
            key = _page_key(request)
        generation = None
        if key is not None:
            try:
                found = cache.get_many([key, GENERATION_KEY])
                generation = found.get(GENERATION_KEY)
                if generation is None:
                    generation = time.time_ns()
                    if not cache.add(GENERATION_KEY, generation, timeout=None):
                        generation = cache.get(GENERATION_KEY)
                entry = found.get(key)
                if entry is not None and entry["generation"] == generation:
                    return self._from_entry(request, entry)
            except Exception as error:  # noqa: BLE001 - a cache outage must not fail the page.
                _log_cache_error(error)
                key = None

        response = self.get_response(request)

        if key is not None and generation is not None:
            self._store(request, response, key=key, generation=generation)
        if (
            request.method == "POST"
            and response.status_code < 400
            and not getattr(request, "_pagecache_csrf_exempt", False)
            and not request.path.startswith("/admin/")
        ):
            response.set_cookie(
                ACTED_COOKIE,
                "1",
                max_age=ACTED_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A webhook (csrf_exempt, called by Stripe) is not a visitor acting.
        request._pagecache_csrf_exempt = getattr(view_func, "csrf_exempt", False)

    def _store(self, request, response, *, key: str, generation) -> None:
        policy: PagePolicy | None = getattr(response, "page_cache_policy", None)
        if policy is None or response.status_code != 200 or response.streaming:
            return
        if not set(request.GET) <= policy.query:
            return
        if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
            return  # A session or message cookie: this answer was for one visitor.
        body = response.content.decode(response.charset)
        body, csrf_count = CSRF_INPUT.subn(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", body)
        body, token_count = FORM_TOKEN_INPUT.subn(rf"\g<1>{FORM_TOKEN_PLACEHOLDER}\g<2>", body)
        per_visitor = bool(csrf_count or token_count)
        if per_visitor and policy.public:
            # A form on a page marked public: never share it (or its token) with a CDN.
            logger.warning("Page %s has a form but is marked public; not cached.", request.path)
            return
        created = time.time()
        entry = {
            "generation": generation,
            "created": created,
            "status": response.status_code,
            "headers": [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in NOT_STORED_HEADERS
            ],
            "body": body,
            "per_visitor": per_visitor,
            "public": policy.public,
        }
        if not per_visitor:
            etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
            entry["headers"] += [("ETag", etag), ("Last-Modified", http_date(created))]
            response.headers["ETag"] = etag
            response.headers["Last-Modified"] = http_date(created)
        try:
            cache.set(key, entry, timeout=policy.timeout)
        except Exception as error:  # noqa: BLE001 - not stored this time; the page is fine.
            _log_cache_error(error)

    def _from_entry(self, request, entry) -> HttpResponse:
        body = entry["body"]
        if entry["per_visitor"]:
            self.csrf.process_request(request)
            body = body.replace(CSRF_PLACEHOLDER, get_token(request)).replace(
                FORM_TOKEN_PLACEHOLDER, str(uuid.uuid4())
            )
        response = HttpResponse(body, status=entry["status"])
        for name, value in entry["headers"]:
            response.headers[name] = value
        response.headers["Content-Length"] = str(len(response.content))
        age = max(0, int(time.time() - entry["created"]))
        if entry["public"]:
            response.headers["Age"] = str(age)
            conditional = get_conditional_response(
                request,
                etag=response.headers.get("ETag"),
                last_modified=int(entry["created"]),
                response=response,
            )
            if conditional is not response:
                return conditional
        else:
            self.csrf.process_response(request, response)
        response.headers["X-Page-Cache"] = "hit"
        return response
