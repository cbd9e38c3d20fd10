"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test here is marked `browser`. Without Chromium they are skipped with the reason (shown by
`-ra` in `make test`); with `REQUIRE_BROWSER=1` (CI) a missing Chromium fails them instead.

Tests run with DEBUG off, so session and CSRF cookies are `Secure`. Chromium treats
http://localhost as a secure context and keeps them (checked: the admin login and every form post
work), so no setting is relaxed for these tests. The live server answers on `localhost`.
"""

import os

# Sync Playwright runs an event loop in this thread, and Django refuses ORM calls from a thread
# with a running loop. Tests only: the app itself never sees this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import io  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from stripe_emulator.server import StripeEmulator  # noqa: E402
from tests.fixtures.stripe import EMULATOR_SECRET_KEY, EMULATOR_WEBHOOK_SECRET  # noqa: E402

# On SQLite, Django's test database is in memory and the live server's threads then share the test
# thread's single connection: a Stripe webhook arriving while the thank-you page writes fails
# with "database table is locked". A file database gives each thread its own connection and the
# busy timeout from settings, as in development. (PostgreSQL, as in CI, needs nothing.)
_default_db = django_settings.DATABASES["default"]
if _default_db["ENGINE"] == "django.db.backends.sqlite3" and not _default_db.get("TEST", {}).get(
    "NAME"
):
    _default_db.setdefault("TEST", {})["NAME"] = os.path.join(
        tempfile.gettempdir(), f"browser-tests-{os.getpid()}.sqlite3"
    )

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="Save PNG screenshots of the key pages into docs/screenshots/ (make screenshots).",
    )


def pytest_collection_modifyitems(config, items):
    """The screenshot module runs only on request: it rewrites files under docs/screenshots/."""
    if config.getoption("--screenshots", default=False):
        return
    skip = pytest.mark.skip(reason="screenshots are saved only with --screenshots")
    for item in items:
        if item.path == BROWSER_DIR / "test_screenshots.py":
            item.add_marker(skip)


def _chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_runtest_setup(item):
    if item.get_closest_marker("browser") is None or _chromium_available():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 makes this an error.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with nothing that reaches the network.

    Playwright's launch gives every run a fresh, throwaway profile directory.
    """
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            *browser_type_launch_args.get("args", []),
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _fail_fast(request):
    """A missing element fails in seconds, not Playwright's default thirty."""
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(8_000)


@pytest.fixture
def site(live_server, transactional_db, settings, mailoutbox):
    """The live server's base URL, with the real demo content loaded (load_demo is idempotent).

    The demo staff account is skipped: tests create the users they need.
    """
    call_command("load_demo", "--no-staff", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def checkout(site, settings):
    """The offline Stripe emulator, delivering signed webhooks to the live server.

    Settings point the app at it as `tests/fixtures/stripe.py` does; the site URL becomes the live
    server's (Checkout's success and cancel URLs), and the content security policy lets the pledge
    form's redirect reach the emulator's checkout page, as `STRIPE_API_BASE` does in production.
    """
    emulator = StripeEmulator(
        webhook_url=f"{site}/pledges/stripe/webhook/",
        webhook_secret=EMULATOR_WEBHOOK_SECRET,
        deliver_webhooks=True,
    ).start()
    settings.STRIPE_SECRET_KEY = EMULATOR_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = EMULATOR_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = emulator.base_url
    settings.STRIPE_MAX_RETRIES = 0
    settings.STRIPE_TIMEOUT = 5
    settings.SITE_URL = site
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [*settings.SECURE_CSP["form-action"], emulator.base_url],
    }
    yield emulator
    emulator.wait_for_deliveries(timeout=5)
    emulator.stop()
