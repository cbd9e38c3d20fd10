"""Two app servers, one PostgreSQL and one Redis: nothing lives on a server of its own.

The Procfile's topology on one machine: two `web` processes (`gunicorn -c gunicorn.conf.py
config.wsgi`, each on a free loopback port) and one `worker` (`manage.py db_worker`), all on the
test database and the test run's Redis, with an SMTP sink as the mail server. The load goes to
both servers at once; afterwards the rows, counters and emails must be exact: supporters
confirm through the links the worker mailed them, and each payment gets one receipt.
"""

import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from campaigns.models import Campaign, Signature
from demo.factories.articles import ArticleFactory
from demo.factories.campaigns import CampaignFactory
from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.models import Pledge, StripeEvent
from tests.net import free_port
from tests.smtp import SMTPSink

ROOT = Path(__file__).resolve().parent.parent.parent
WEBHOOK_SECRET = "whsec_two_servers_test_only"
SIGN_LIMIT = 10
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
CONFIRM_PATH = re.compile(r"/take-action/confirm/[^/\s]+/")

pytestmark = [
    pytest.mark.multiserver,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or "redis" not in os.environ.get("CACHE_URL", ""),
        reason="two servers share one PostgreSQL and one Redis (set DATABASE_URL, CACHE_URL)",
    ),
]


class Process:
    """One of the Procfile's processes, in a session of its own so stop() takes all of it."""

    def __init__(self, command: list[str], env: dict, log_dir: Path, name: str):
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Server(Process):
    """`web`: gunicorn with the repository's config."""

    def __init__(self, env: dict, log_dir: Path, name: str):
        self.port = free_port()
        super().__init__(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
            {**env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "2"},
            log_dir,
            name,
        )

    def wait_ready(self):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if request(self, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, self.log_path.read_text()
            time.sleep(0.3)
        raise AssertionError(f"server did not start:\n{self.log_path.read_text()}")


def worker(env: dict, log_dir: Path) -> Process:
    """`worker`: the task queue's worker, polling often so the test waits seconds, not minutes."""
    return Process(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
        env,
        log_dir,
        "worker",
    )


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return result


def text_of(message) -> str:
    """The decoded text/plain part of an email (links whole, whatever the transfer encoding)."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def request(server, method, path, *, body=None, headers=None):
    """One HTTP request to `server`; (status, body text, headers as a dict of lists)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, text, found
    finally:
        conn.close()


def csrf_from(text, headers):
    cookie = next(
        value.split(";")[0].split("=", 1)[1]
        for value in headers.get("set-cookie", [])
        if value.startswith("csrftoken=")
    )
    return cookie, CSRF_INPUT.search(text).group(1)


def form_post(server, path, fields, *, cookie, forwarded_for=None):
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
    }
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return request(server, "POST", path, body=urllib.parse.urlencode(fields), headers=headers)


@pytest.fixture(scope="module")
def mail_server():
    sink = SMTPSink()
    yield sink
    sink.close()


@pytest.fixture(scope="module")
def running_servers(django_db_setup, tmp_path_factory, mail_server):
    """Started once for the module, on the test database (tables exist, rows come and go)."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{urllib.parse.quote(db['USER'] or '')}"
        f"{':' + urllib.parse.quote(db['PASSWORD']) if db['PASSWORD'] else ''}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PYTEST")},
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CACHE_URL": os.environ["CACHE_URL"],
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_server.port}",
        "STRIPE_SECRET_KEY": "sk_test_two_servers",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": "",
        "NUM_PROXIES": "1",
        "CAMPAIGNS_SIGN_RATE": f"{SIGN_LIMIT}/10m",
        "LOG_LEVEL": "WARNING",
    }
    log_dir = tmp_path_factory.mktemp("servers")
    started = [Server(env, log_dir, "a"), Server(env, log_dir, "b")]
    processes = [*started, worker(env, log_dir)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for process in processes:
            process.stop()


@pytest.fixture
def servers(running_servers, transactional_db, mail_server):
    """Both servers; what a test writes is committed, so they see it (and it is flushed)."""
    with mail_server.lock:
        mail_server.messages.clear()
    return running_servers


def test_signing_and_confirming_spread_over_two_servers_count_exactly(servers, mail_server):
    campaign = CampaignFactory(slug="two-servers", requires_confirmation=True)
    path = campaign.get_absolute_url()
    people = 60

    def sign(n):
        server = servers[n % 2]
        status, text, headers = request(server, "GET", path)
        assert status == 200
        cookie, token = csrf_from(text, headers)
        fields = {
            "csrfmiddlewaretoken": token,
            "first_name": "Ana",
            "last_name": f"Signer {n}",
            "email": f"signer{n}@example.org",
            "country": "MX",
        }
        # Each supporter is their own client, behind the one trusted proxy.
        return form_post(
            servers[(n + 1) % 2],
            f"{path}sign/",
            fields,
            cookie=cookie,
            forwarded_for=f"198.51.100.{n % 250}, 203.0.113.{n}",
        )[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(sign, range(people)))
    assert statuses == [303] * people
    assert Signature.objects.filter(campaign=campaign).count() == people

    # The worker mails each supporter one confirmation, whichever server took the signature.
    wait_for(lambda: len(mail_server.messages) >= people, timeout=60, what="the emails")
    time.sleep(1)  # Long enough for a duplicate to show up, were one sent.
    expected = [f"signer{n}@example.org" for n in range(people)]
    assert sorted(mail_server.recipients()) == sorted(expected)
    links = [CONFIRM_PATH.search(text_of(message)).group(0) for message in mail_server.messages]

    def confirm(url, server):
        status, text, headers = request(server, "GET", url)
        assert status == 200
        if "csrfmiddlewaretoken" not in text:
            # The other server confirmed it between the two requests: nothing left to press.
            assert "already confirmed" in text
            return 200
        cookie, token = csrf_from(text, headers)
        return form_post(server, url, {"csrfmiddlewaretoken": token}, cookie=cookie)[0]

    # Every link is confirmed twice at once, once on each server: it counts once.
    jobs = [(link, server) for link in links for server in servers]
    with ThreadPoolExecutor(max_workers=8) as pool:
        confirmed = list(pool.map(lambda job: confirm(*job), jobs))
    assert confirmed == [200] * len(jobs)
    campaign.refresh_from_db()
    assert campaign.signature_count == people
    assert Signature.objects.filter(campaign=campaign, confirmed_at__isnull=False).count() == people


def test_webhook_deliveries_to_both_servers_count_each_payment_once(servers, mail_server):
    campaign = CampaignFactory(slug="two-servers-money")
    pledges = [PledgeFactory(campaign=campaign, amount_minor=1500) for _ in range(40)]

    def deliver(job):
        pledge, server = job
        event = {
            "id": f"evt_two_servers_{pledge.pk.hex}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "livemode": False,
            "type": "checkout.session.completed",
            "data": {"object": checkout_session_for(pledge)},
        }
        payload = json.dumps(event).encode()
        timestamp = int(time.time())
        digest = hmac.new(
            WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": f"t={timestamp},v1={digest}",
        }
        return request(server, "POST", "/pledges/stripe/webhook/", body=payload, headers=headers)[0]

    # Stripe may deliver an event twice; here each goes to both servers at once.
    jobs = [(pledge, server) for pledge in pledges for server in servers]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(deliver, jobs))

    assert statuses == [200] * len(jobs)
    campaign.refresh_from_db()
    assert Pledge.objects.filter(campaign=campaign, counted_at__isnull=False).count() == 40
    assert StripeEvent.objects.filter(id__startswith="evt_two_servers_").count() == 40
    assert campaign.amount_collected_minor == 40 * 1500
    assert campaign.supporter_count == 40

    # The worker sends one receipt per payment, though every event arrived twice.
    wait_for(lambda: len(mail_server.messages) >= 40, timeout=60, what="the receipts")
    time.sleep(1)  # Long enough for a duplicate to show up, were one sent.
    assert sorted(mail_server.recipients()) == sorted(pledge.email for pledge in pledges)


def test_an_edit_retires_the_cached_page_on_both_servers(servers):
    article = ArticleFactory(title="Before the edit", slug="edited-story")
    path = article.get_absolute_url()
    for server in servers:
        request(server, "GET", path)
        status, text, headers = request(server, "GET", path)
        assert status == 200 and headers.get("x-page-cache") == ["hit"]
        assert "Before the edit" in text

    article.title = "After the edit"
    article.save()  # Autocommit here: the page cache's generation moves on commit.

    for server in servers:
        status, text, headers = request(server, "GET", path)
        assert status == 200
        assert "After the edit" in text and "Before the edit" not in text


def test_the_sign_rate_limit_is_shared_by_both_servers(servers):
    campaign = Campaign.objects.create(
        title="Limited", slug="limited", ask="Sign.", status=Campaign.Status.LIVE
    )
    path = campaign.get_absolute_url()
    status, text, headers = request(servers[0], "GET", path)
    cookie, token = csrf_from(text, headers)

    statuses = []
    for n in range(2 * SIGN_LIMIT):
        fields = {
            "csrfmiddlewaretoken": token,
            "first_name": "Rae",
            "last_name": "Limit",
            "email": f"limited{n}@example.org",
            "country": "GB",
        }
        # One client, alternating between the servers: one count for both.
        status = form_post(
            servers[n % 2], f"{path}sign/", fields, cookie=cookie, forwarded_for="192.0.2.44"
        )[0]
        statuses.append(status)

    assert statuses == [303] * SIGN_LIMIT + [429] * SIGN_LIMIT
    assert Signature.objects.filter(campaign=campaign).count() == SIGN_LIMIT
