"""Stripe configuration safety: a live key is refused unless live mode is switched on."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def import_settings(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("STRIPE_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment |= {"DEBUG": "false", "SECRET_KEY": "x", "SECURE_SSL_REDIRECT": "false"} | env
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_live_secret_key_is_refused_at_startup():
    result = import_settings(STRIPE_SECRET_KEY="sk_live_x")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "STRIPE_LIVE_MODE" in result.stderr
    assert "sk_live_x" not in result.stderr.replace("STRIPE_SECRET_KEY", "")


def test_a_live_key_is_accepted_when_live_mode_is_switched_on_on_purpose():
    result = import_settings(STRIPE_SECRET_KEY="sk_live_x", STRIPE_LIVE_MODE="true")

    assert result.returncode == 0, result.stderr


def test_a_test_key_starts_normally():
    result = import_settings(STRIPE_SECRET_KEY="sk_test_x")

    assert result.returncode == 0, result.stderr
