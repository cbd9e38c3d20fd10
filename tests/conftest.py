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

    from staff.roles import ROLE_GROUPS

    if Group.objects.filter(name__in=ROLE_GROUPS.values()).count() < len(ROLE_GROUPS):
        importlib.import_module("staff.migrations.0001_create_roles").create_roles(apps, None)
