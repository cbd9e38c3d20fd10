"""Production settings: `check --deploy` is clean with real values; insecure values are refused.

Each case starts a fresh interpreter, since settings are read once at import.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-" + "k3y-Zq8vLr2WxT9mNb4Hc7Jd1Fg6Sp0Ay5Ue" * 2,
    "ALLOWED_HOSTS": "campaigns.example.org",
    "SECURE_PROXY_SSL_HEADER": "true",
    # Production sends real mail; Django 6.1's deploy check refuses the console backend.
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


INHERITED_EXCLUDED = {
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER", "STRIPE_SECRET_KEY", "STRIPE_LIVE_MODE", "EMAIL_URL",
    # Set by the browser tests' conftest for this process only; never in a deployment.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def manage(*args, env):
    # The shell running the tests must not leak its own values for these into a case.
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED_EXCLUDED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_off_without_a_secret_key_fails_the_deploy_check():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_live_stripe_key_without_live_mode_is_refused():
    env = {**PRODUCTION, "STRIPE_SECRET_KEY": "sk_live_" + "x" * 24}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "STRIPE_LIVE_MODE" in result.stderr
    assert "sk_live_xxxx" not in result.stderr


LIVE = {
    "STRIPE_SECRET_KEY": "sk_live_" + "x" * 24,
    "STRIPE_LIVE_MODE": "true",
    "STRIPE_WEBHOOK_SECRET": "whsec_live",
    "STRIPE_API_BASE": "",
    "SITE_URL": "https://campaigns.example.org",
}


def test_a_live_stripe_key_with_live_mode_is_accepted():
    result = manage("check", env={**PRODUCTION, **LIVE})

    assert result.returncode == 0, result.stderr


def test_live_mode_without_a_webhook_secret_or_https_fails_the_check():
    env = {**PRODUCTION, **LIVE, "STRIPE_WEBHOOK_SECRET": "", "SITE_URL": "http://example.org"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "pledges.E004" in result.stderr and "pledges.E005" in result.stderr


def test_debug_off_without_a_secret_key_still_runs_commands_that_sign_nothing():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("makemigrations", "--check", "--dry-run", env=env)

    assert result.returncode == 0, result.stderr


def test_the_wsgi_server_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED_EXCLUDED}

    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
