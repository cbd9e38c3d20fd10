"""Fixtures every test shares. App-specific fixtures live in tests/<app>/conftest.py."""

import importlib

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


@pytest.fixture(autouse=True)
def _staff_role_groups(request):
    """A live-server (transactional) test empties every table when it ends, including the staff
    role groups a data migration created; tests that run after it need them back."""
    names = set(request.fixturenames)
    if not {"db", "transactional_db"} & names:
        return
    # Set the database up first (the test asked for it anyway).
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db import connection

    from staff.roles import ROLE_GROUPS

    if Group.objects.filter(name__in=ROLE_GROUPS.values()).count() < len(ROLE_GROUPS):
        # Every staff data migration, in order: the roles, then the grants added since.
        importlib.import_module("staff.migrations.0001_create_roles").create_roles(apps, None)
        for later in (
            "staff.migrations.0002_finance_sees_refunds_and_disputes",
            "staff.migrations.0003_campaigners_and_finance_retry_failed_emails",
        ):
            importlib.import_module(later).grant(apps, _Editor(connection))


class _Editor:
    """The one attribute of a schema editor the staff data migrations read."""

    def __init__(self, connection):
        self.connection = connection


@pytest.fixture
def media_storage_refuses_open(monkeypatch):
    """Opening any uploaded file fails from here on, as it would with every file missing.

    Only the storage is replaced: the views, templates and models under test run as they are,
    so a page that asks a picture for its size (and so opens it) fails the test.
    """
    from django.core.files.storage import default_storage

    def refuse(name, mode="rb"):
        raise AssertionError(f"opened {name} from media storage")

    monkeypatch.setattr(default_storage, "open", refuse)
