"""Settings, read from the environment (12-factor) with django-environ.

The schema below is the whole contract: every variable, its type and its default. Security values
have no usable production default; everything else defaults to the least permissive value that
works, so `make run` needs no configuration (SQLite, local-memory cache, console email, the
offline Stripe emulator). `.env.example` documents each variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core.storage import media_origins, media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    SITE_NAME=(str, "Global Advocate"),
    CONN_MAX_AGE=(int, 60),
    # Behind a load balancer that terminates TLS.
    SECURE_PROXY_SSL_HEADER=(bool, False),
    NUM_PROXIES=(int, 0),
    SECURE_SSL_REDIRECT=(bool, None),
    SECURE_HSTS_SECONDS=(int, None),
    STATIC_MANIFEST=(bool, False),
    DEFAULT_FROM_EMAIL=(str, "Global Advocate <hello@localhost>"),
    LOG_LEVEL=(str, "INFO"),
    # Payments.
    STRIPE_SECRET_KEY=(str, ""),
    STRIPE_WEBHOOK_SECRET=(str, ""),
    STRIPE_API_BASE=(str, ""),
    STRIPE_LIVE_MODE=(bool, False),
    # Together well inside WEB_TIMEOUT: core.checks refuses a budget that reaches it.
    STRIPE_TIMEOUT=(float, 5.0),
    STRIPE_MAX_RETRIES=(int, 1),
    STRIPE_PAYMENT_METHOD_CONFIGURATION=(str, ""),
    STRIPE_STATEMENT_DESCRIPTOR_SUFFIX=(str, ""),
    STRIPE_PAYMENT_DESCRIPTION=(str, ""),
    # Monthly giving: how long a receipt's "manage your gift" link works (default 45 days).
    MONTHLY_MANAGE_LINK_MAX_AGE=(int, 45 * 24 * 3600),
    # Rate limits per client (hashed IP), in core.ratelimit's "count/window" form.
    CAMPAIGNS_SIGN_RATE=(str, "10/10m"),
    PLEDGES_START_RATE=(str, "10/10m"),
    # Staff sessions end after this many seconds (default: 8 hours).
    SESSION_COOKIE_AGE=(int, 8 * 60 * 60),
    # Uploads on S3-compatible object storage (core.storage); empty bucket: local MEDIA_ROOT.
    MEDIA_S3_BUCKET=(str, ""),
    MEDIA_S3_ENDPOINT_URL=(str, ""),
    MEDIA_S3_REGION=(str, ""),
    MEDIA_S3_CUSTOM_DOMAIN=(str, ""),
    MEDIA_S3_QUERYSTRING_AUTH=(bool, False),
    # Who receives the money (the form to give and the receipt); each shown only when set.
    ORG_LEGAL_NAME=(str, ""),
    ORG_REGISTRATION=(str, ""),
    ORG_TAX_STATEMENT=(str, ""),
    ORG_ADDRESS=(str, ""),
    # Development email (DEBUG only): where the outbox keeps sent messages for /dev/outbox/.
    DEV_OUTBOX_DIR=(str, ""),
    # Reliability (docs/infra.md): the app server's worker timeout, which every outbound call of
    # one request must stay well inside; mail timeouts and retries; the task backend.
    WEB_TIMEOUT=(int, 30),
    EMAIL_TIMEOUT=(float, 10.0),
    MAIL_RETRY_DELAYS=(list, [60, 240, 600, 1200, 1800]),
    MAIL_LEASE_SECONDS=(int, 120),
    TASKS_BACKEND=(str, "django_tasks_db.DatabaseBackend"),
    CACHE_TIMEOUT=(float, 0.5),
)

# A local .env is read when present (never committed); real environments set variables directly.
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(env_file)

DEBUG = env("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
# With DEBUG off and no SECRET_KEY, commands that sign nothing (makemigrations, shell) still
# run, but no server does: config/wsgi.py and asgi.py refuse to start (runserver uses wsgi.py
# too) and `check --deploy` fails (core/checks.py).

ALLOWED_HOSTS = env("ALLOWED_HOSTS") or (["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL").rstrip("/")
SITE_NAME = env("SITE_NAME")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.forms",
    "django_countries",
    "axes",
    "django_tasks_db",
    "core",
    "articles",
    "campaigns",
    "pledges",
    "staff",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, CSRF and auth: a cached page for an anonymous reader costs no SQL.
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns locked-out logins into a clear 429 page.
    "axes.middleware.AxesMiddleware",
]
# Parts fail; pages don't (core.middleware, docs/infra.md): a database that does not answer is the
# site's own 503 page; every 429 (django-axes' lockout too) says when to come back.
_sessions = MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
MIDDLEWARE.insert(_sessions, "core.middleware.DatabaseUnavailableMiddleware")
MIDDLEWARE.insert(_sessions, "core.middleware.RetryAfterMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# Widget templates resolve through TEMPLATES, so the project's templates/ can hold some.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env("CONN_MAX_AGE")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Never wait for ever on a database that accepts a connection and says nothing: a task
    # worker stuck in connect() would stop sending email until someone restarted it.
    # TCP keepalives find a database that vanished without a word (a cut cable, a failover)
    # within about a minute instead of the kernel's two hours.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    for _option, _value in (
        ("connect_timeout", 5),
        ("keepalives", 1),
        ("keepalives_idle", 30),
        ("keepalives_interval", 10),
        ("keepalives_count", 3),
    ):
        _pg_options.setdefault(_option, _value)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing with "database is locked" (the emulator's webhooks arrive
    # while a page request may be writing).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A hung Redis costs a request half a second, not a worker: core.ratelimit then falls back.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": env("CACHE_TIMEOUT"), "socket_timeout": env("CACHE_TIMEOUT")}
    )

# Email through Django 6.1's MAILERS, built from one EMAIL_URL (console by default).
_email = env.email("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS", False),
    "use_ssl": _email.get("EMAIL_USE_SSL", False),
    # Seconds per SMTP operation; mail is sent by the task worker, never on a request's path.
    "timeout": env("EMAIL_TIMEOUT"),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _smtp_options if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed admin logins: five from one address (or for one username from one address) lock it
# out for an hour. Attempts live in the database, so every app server sees the same count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/lockout.html"
# The project's own client address (core.net): the same answer the rate limits use.
AXES_CLIENT_IP_CALLABLE = "core.net.axes_client_ip"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The site's date style ("1 December 2026, 14:05") everywhere, the admin included.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
# Only production collects static files (with hashed names); elsewhere WhiteNoise serves them
# straight from the finders, so no STATIC_ROOT is needed.
STATIC_ROOT = BASE_DIR / "staticfiles" if env("STATIC_MANIFEST") else None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
_media_s3 = {
    "bucket": env("MEDIA_S3_BUCKET"),
    "endpoint_url": env("MEDIA_S3_ENDPOINT_URL"),
    "region": env("MEDIA_S3_REGION"),
    "custom_domain": env("MEDIA_S3_CUSTOM_DOMAIN"),
}
STORAGES = {
    "default": media_storage(**_media_s3, querystring_auth=env("MEDIA_S3_QUERYSTRING_AUTH")),
    "staticfiles": {
        # Hashed, compressed names need `collectstatic`, so only production turns them on.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env("STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not env("STATIC_MANIFEST")
WHITENOISE_AUTOREFRESH = DEBUG

# Security. Production (DEBUG off) gets the strict values; `check --deploy` is clean with them.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env("SECURE_PROXY_SSL_HEADER") else None
)
NUM_PROXIES = env("NUM_PROXIES")
SECURE_SSL_REDIRECT = (
    env("SECURE_SSL_REDIRECT") if env("SECURE_SSL_REDIRECT") is not None else not DEBUG
)
SECURE_HSTS_SECONDS = (
    env("SECURE_HSTS_SECONDS")
    if env("SECURE_HSTS_SECONDS") is not None
    else (0 if DEBUG else 60 * 60 * 24 * 365)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env("SESSION_COOKIE_AGE")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
# A content security policy (Django's own middleware): no third-party script, style or font.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *media_origins(**_media_s3)],
    "style-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # Chromium applies form-action to the redirect after a POST: the pledge form hands over to
    # Stripe Checkout (or the offline emulator named by STRIPE_API_BASE).
    "form-action": [CSP.SELF, "https://checkout.stripe.com"]
    + ([env("STRIPE_API_BASE").rstrip("/")] if env("STRIPE_API_BASE") else []),
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
MIDDLEWARE.insert(1, "django.middleware.csp.ContentSecurityPolicyMiddleware")

# Public forms: attempts allowed per hashed client IP and window, shared across app servers
# through the cache.
CAMPAIGNS_SIGN_RATE = env("CAMPAIGNS_SIGN_RATE")
PLEDGES_START_RATE = env("PLEDGES_START_RATE")

# Payments: test mode unless STRIPE_LIVE_MODE is set on purpose.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")
STRIPE_LIVE_MODE = env("STRIPE_LIVE_MODE")
STRIPE_TIMEOUT = env("STRIPE_TIMEOUT")
STRIPE_MAX_RETRIES = env("STRIPE_MAX_RETRIES")
# Optional Checkout settings (pledges/checks.py refuses unusable values; docs/stripeapp.md).
STRIPE_PAYMENT_METHOD_CONFIGURATION = env("STRIPE_PAYMENT_METHOD_CONFIGURATION")
STRIPE_STATEMENT_DESCRIPTOR_SUFFIX = env("STRIPE_STATEMENT_DESCRIPTOR_SUFFIX")
STRIPE_PAYMENT_DESCRIPTION = env("STRIPE_PAYMENT_DESCRIPTION")
MONTHLY_MANAGE_LINK_MAX_AGE = env("MONTHLY_MANAGE_LINK_MAX_AGE")
if STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_")) and not STRIPE_LIVE_MODE:
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is a live key; set STRIPE_LIVE_MODE=true to take real payments."
    )

# Supporter intake (docs/intake.md): who receives the money, shown on the form to give and the
# receipt. In development, email goes to the console as decoded text and to /dev/outbox/.
ORG_LEGAL_NAME = env("ORG_LEGAL_NAME")
ORG_REGISTRATION = env("ORG_REGISTRATION")
ORG_TAX_STATEMENT = env("ORG_TAX_STATEMENT")
ORG_ADDRESS = env("ORG_ADDRESS")
DEV_OUTBOX_DIR = Path(env("DEV_OUTBOX_DIR") or BASE_DIR / "tmp" / "outbox")
if DEBUG and "EMAIL_URL" not in env.ENVIRON:
    MAILERS["default"] = {"BACKEND": "core.dev_mail.DevelopmentEmailBackend", "OPTIONS": {}}

# Background work (docs/infra.md): tasks are rows in the database, stored in the transaction of
# the row that needs them; `manage.py db_worker` runs them. Supporter email goes through
# core.mail, retried after each of MAIL_RETRY_DELAYS (seconds); a send attempt holds a lease of
# MAIL_LEASE_SECONDS, so a worker killed mid-send delays a retry by that much at most.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND")}}
MAIL_RETRY_DELAYS = [int(delay) for delay in env("MAIL_RETRY_DELAYS")]
MAIL_LEASE_SECONDS = env("MAIL_LEASE_SECONDS")
# Seconds gunicorn gives one request (gunicorn.conf.py reads the same variable); core.checks
# refuses a Stripe budget (STRIPE_TIMEOUT x (STRIPE_MAX_RETRIES + 1)) that reaches it.
WEB_TIMEOUT = env("WEB_TIMEOUT")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactPersonalData"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Stripe's SDK logs request details at INFO; keep only problems.
        "stripe": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
