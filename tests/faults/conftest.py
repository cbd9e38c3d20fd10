"""The fault suite's stack: the app under gunicorn plus the real task worker, reaching
PostgreSQL, Redis, an SMTP sink and the Stripe emulator each through a `FaultProxy`.

Run it with `make faults` (PostgreSQL and Redis from DATABASE_URL and CACHE_URL). Every port
is picked by the OS; the shared servers are never stopped: faults are injected in the proxies.
The tests see the app only over HTTP, as supporters and Stripe do, and read the database
directly (not through the proxy) to check that nothing was lost or counted twice.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from django.conf import settings
from django.db import connection

from stripe_emulator.server import StripeEmulator
from tests.faults.proxy import FaultProxy
from tests.smtp import SMTPSink

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_fault_suite"
# Short timeouts and retries so a fault plays out in seconds; the same relations as production
# (Stripe's budget inside WEB_TIMEOUT, the mail lease longer than a send).
APP_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "fault-suite-secret-key-not-for-production-0123456789",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "CONN_MAX_AGE": "0",
    "EMAIL_TIMEOUT": "1",
    "MAIL_RETRY_DELAYS": "2,2,2,2,2",
    "MAIL_LEASE_SECONDS": "4",
    "STRIPE_SECRET_KEY": "sk_test_fault_suite",
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "STRIPE_TIMEOUT": "2",
    "STRIPE_MAX_RETRIES": "1",
    "WEB_TIMEOUT": "10",
    "WEB_CONCURRENCY": "2",
    "CAMPAIGNS_SIGN_RATE": "100000/h",
    "PLEDGES_START_RATE": "100000/h",
    "LOG_LEVEL": "INFO",
}


def pytest_collection_modifyitems(config, items):
    """The suite runs only when asked for (`-m faults`): it needs PostgreSQL, Redis, minutes."""
    if "faults" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="The fault suite runs with `make faults` (-m faults).")
    for item in items:
        if "faults" in item.keywords:
            item.add_marker(skip)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as spare:
        return spare.getsockname()[1]


@dataclass
class Stack:
    base_url: str
    postgres: FaultProxy
    redis: FaultProxy
    smtp: FaultProxy
    stripe: FaultProxy
    sink: SMTPSink
    emulator: StripeEmulator
    logs: Path
    gunicorn: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    worker_starts: int = 0
    _stopping: bool = False
    _supervisor: threading.Thread | None = None
    env: dict = field(default_factory=dict)

    # --- Processes ---------------------------------------------------------------------------

    def start(self) -> None:
        port = urlparse(self.base_url).port
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=self.env | {"BIND": f"127.0.0.1:{port}"},
            stdout=open(self.logs / "gunicorn.log", "ab"),  # noqa: SIM115 - the process owns it.
            stderr=subprocess.STDOUT,
        )
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz:\n" + self.log("gunicorn"))

    def _supervise(self) -> None:
        """Restarts the worker whenever it exits, as systemd or a Procfile runner would."""
        while not self._stopping:
            self.worker_starts += 1
            self.worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
                cwd=ROOT,
                env=self.env,
                stdout=open(self.logs / "worker.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
            code = self.worker.wait()
            if not self._stopping:
                print(f"[stack] db_worker exited ({code}); the supervisor restarts it")  # noqa: T201
                time.sleep(0.5)

    def kill_worker(self) -> None:
        print(f"[fault] db_worker {self.worker.pid}: SIGKILL")  # noqa: T201
        self.worker.send_signal(signal.SIGKILL)

    def gunicorn_workers(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.gunicorn.pid:
                    children.append(int(stat.parent.name))
        return children

    def kill_gunicorn_workers(self) -> None:
        for pid in self.gunicorn_workers():
            print(f"[fault] gunicorn worker {pid}: SIGKILL")  # noqa: T201
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        self._stopping = True
        for process in (self.worker, self.gunicorn):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self._supervisor:
            self._supervisor.join(timeout=5)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- A supporter's browser ---------------------------------------------------------------

    def browser(self) -> "Browser":
        return Browser(self.base_url)


class Browser:
    """A supporter: one cookie jar and CSRF token, plain HTTP requests with a timeout."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.csrf = ""

    def get(self, path: str, timeout: float = 15) -> requests.Response:
        response = self.session.get(self.base_url + path, timeout=timeout, allow_redirects=False)
        # The cookie is Secure (production settings); over plain HTTP we carry it ourselves.
        token = response.cookies.get("csrftoken")
        if token:
            self.csrf = token
        return response

    def post(self, path: str, data: dict, timeout: float = 15) -> requests.Response:
        return self.session.post(
            self.base_url + path,
            data={**data, "csrfmiddlewaretoken": self.csrf},
            cookies={"csrftoken": self.csrf},
            timeout=timeout,
            allow_redirects=False,
        )


def wait_for(condition, timeout: float, interval: float = 0.2):
    """Polls `condition` until it returns something truthy; returns it (or the last falsy)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("The fault suite runs on PostgreSQL (set DATABASE_URL).")
    cache_url = os.environ.get("CACHE_URL", "")
    if not cache_url.startswith("redis://"):
        pytest.skip("The fault suite needs Redis (set CACHE_URL=redis://...).")
    database = settings.DATABASES["default"]
    redis_url = urlparse(cache_url)
    logs = tmp_path_factory.mktemp("fault-logs")
    base_url = f"http://127.0.0.1:{free_port()}"
    sink = SMTPSink()
    emulator = StripeEmulator(
        webhook_url=f"{base_url}/pledges/stripe/webhook/",
        webhook_secret=WEBHOOK_SECRET,
        deliver_webhooks=True,
    )
    emulator.start()
    proxies = {
        "postgres": FaultProxy(
            database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432), name="postgres"
        ),
        "redis": FaultProxy(redis_url.hostname, redis_url.port or 6379, name="redis"),
        "smtp": FaultProxy("127.0.0.1", sink.port, name="smtp"),
        "stripe": FaultProxy("127.0.0.1", urlparse(emulator.base_url).port, name="stripe"),
    }
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        **APP_ENV,
        "DATABASE_URL": f"postgres://{user}{password}@127.0.0.1:{proxies['postgres'].port}/"
        f"{database['NAME']}",
        "CACHE_URL": f"redis://127.0.0.1:{proxies['redis'].port}{redis_url.path or '/0'}",
        "EMAIL_URL": f"smtp://127.0.0.1:{proxies['smtp'].port}",
        "STRIPE_API_BASE": f"http://127.0.0.1:{proxies['stripe'].port}",
        "SITE_URL": base_url,
    }
    stack = Stack(base_url=base_url, sink=sink, emulator=emulator, logs=logs, env=env, **proxies)
    with django_db_blocker.unblock():
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
            for proxy in proxies.values():
                proxy.close()
            emulator.stop()
            sink.close()
            # PostgreSQL ends the proxied sessions a moment after their sockets close; the test
            # database can only be dropped once they are gone.
            if not wait_for(lambda: _other_sessions() == 0, timeout=10):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT client_port, state, backend_start, left(query, 80)"
                        " FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid()"
                    )
                    report(f"[stack] sessions left: {cursor.fetchall()}")


@pytest.fixture
def app(stack, transactional_db):
    """The running stack, every proxy passing, the sink accepting; rows flushed afterwards."""
    for proxy in (stack.postgres, stack.redis, stack.smtp, stack.stripe):
        if proxy.mode != "pass":
            proxy.restore()
    stack.sink.refuse_recipients, stack.sink.delay = False, 0.0
    yield stack
    for proxy in (stack.postgres, stack.redis, stack.smtp, stack.stripe):
        if proxy.mode != "pass":
            proxy.restore()
    stack.emulator.wait_for_deliveries(timeout=10)


def statuses(answers) -> dict[int, int]:
    """{status: count} of a list of (status, ...) tuples, for printing and asserting."""
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer[0]] = counts.get(answer[0], 0) + 1
    return dict(sorted(counts.items()))


EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def report(message: str) -> None:
    """What a fault test injected or saw: printed (run with -s) for the CI log."""
    print(message, flush=True)  # noqa: T201
