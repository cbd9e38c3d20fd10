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
