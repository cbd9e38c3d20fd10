"""Fixtures every test shares. App-specific fixtures live in tests/<app>/conftest.py."""

import pytest
from django.core.cache import cache

pytest_plugins = ["tests.fixtures.stripe"]


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate-limit counters and cached fragments never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated images go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords with the production hasher is slow on purpose; tests need no such cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def run_tasks(monkeypatch):
    """Runs the real task worker (`manage.py db_worker --batch`) over every task that is due.

    Tasks are rows in the test database, stored with the rows that need them; calling this
    is "the worker came by". Returns how many tasks ran. The worker recycles its database
    connection between tasks, which here would close the test's own connection (it sits in
    the test's transaction); only that recycling is switched off. The fault suite runs the
    worker as its own process, recycling and all.
    """
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> int:
        before = DBTaskResult.objects.exclude(status="READY").count()
        call_command(
            "db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0
        )
        return DBTaskResult.objects.exclude(status="READY").count() - before

    return run
