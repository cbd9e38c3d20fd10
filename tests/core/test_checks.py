"""Startup checks: Stripe's time budget must fit inside the app server's worker timeout."""

import os
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import checks

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_the_default_settings_fit_well_inside_the_default_worker_timeout(settings):
    assert (settings.STRIPE_TIMEOUT, settings.STRIPE_MAX_RETRIES, settings.WEB_TIMEOUT) == (
        5.0,
        1,
        30,
    )
    per_call = checks.stripe_seconds_per_call(timeout=5.0, max_retries=1)
    assert per_call == 10.5  # Two tries of 5 s and the SDK's half-second wait between them.
    assert checks.stripe_budget_problem() == ""


def test_the_old_defaults_are_refused_ten_seconds_three_times_reaches_thirty(settings):
    settings.STRIPE_TIMEOUT, settings.STRIPE_MAX_RETRIES, settings.WEB_TIMEOUT = 10, 2, 30

    [error] = checks.stripe_fits_the_worker_timeout(None)
    assert error.id == "core.E002"
    assert "21" not in error.msg and "WEB_TIMEOUT=30" in error.msg
    with pytest.raises(ImproperlyConfigured, match="WEB_TIMEOUT=30"):
        checks.refuse_to_serve_past_the_worker_timeout()


def test_raising_the_worker_timeout_makes_room(settings):
    settings.STRIPE_TIMEOUT, settings.STRIPE_MAX_RETRIES, settings.WEB_TIMEOUT = 10, 2, 90

    assert checks.stripe_budget_problem() == ""


def test_gunicorn_reads_the_same_worker_timeout(monkeypatch):
    monkeypatch.setitem(os.environ, "WEB_TIMEOUT", "45")

    conf = runpy.run_path(str(GUNICORN_CONF))

    assert conf["timeout"] == 45
    assert conf["graceful_timeout"] <= conf["timeout"]
