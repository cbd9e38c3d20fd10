"""Database down: every page answers the site's own 503 with Retry-After, logged once a while."""

import logging

import pytest
from django.db import OperationalError, connection

from core import middleware
from core.logging import Throttle

pytestmark = pytest.mark.django_db

# Here the database "fails" as Django reports it (every query finds no connection); the fault
# suite (tests/faults) cuts a real PostgreSQL connection through a proxy.


def refuse(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr(middleware, "_database_log", Throttle(5))
    monkeypatch.setattr(connection, "ensure_connection", refuse)


@pytest.mark.parametrize(
    "path",
    ["/", "/take-action/", "/take-action/anything/", "/pledges/anything/", "/news/anything/"],
)
def test_every_page_answers_the_sites_503_page_with_retry_after(client, database_down, path):
    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "We are back in a moment" in response.text
    assert 'id="main-content"' in response.text


def test_the_outage_is_logged_once_every_few_seconds_without_a_traceback(
    client, database_down, caplog
):
    with caplog.at_level(logging.INFO):
        answers = {client.get("/").status_code for _ in range(20)}

    assert answers == {503}
    lines = [r for r in caplog.records if r.name == "core.middleware"]
    assert len(lines) == 1
    assert "Database unavailable (OperationalError)" in lines[0].getMessage()
    assert all(record.exc_info is None for record in caplog.records)
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_the_site_recovers_without_a_restart(client, monkeypatch):
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    assert client.get("/take-action/").status_code == 503
    monkeypatch.undo()

    assert client.get("/take-action/").status_code == 200


def test_a_programming_error_is_still_a_500_not_hidden_as_an_outage(rf):
    from django.db import ProgrammingError

    response = middleware.DatabaseUnavailableMiddleware(lambda r: None).process_exception(
        rf.get("/"), ProgrammingError("no such column")
    )

    assert response is None


def test_healthz_still_answers_503_as_json(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503


def test_an_outage_met_outside_a_view_is_the_503_page_too(rf, monkeypatch):
    from core import views

    monkeypatch.setattr(middleware, "_database_log", Throttle(5))
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = views.server_error(rf.get("/"))

    assert response.status_code == 503
    assert response["Retry-After"] == "10"


def test_any_other_error_is_still_the_500_page(rf):
    from core import views

    try:
        raise ValueError("a bug")
    except ValueError:
        response = views.server_error(rf.get("/"))

    assert response.status_code == 500
