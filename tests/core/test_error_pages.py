from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults


def test_500_page_renders_without_the_database_or_context():
    # server_error renders with an empty context: nothing in 500.html may need one.
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and 'id="main-content"' in html


def test_403_page_is_the_site_template(db):
    response = defaults.permission_denied(RequestFactory().get("/"), PermissionDenied())

    assert response.status_code == 403
    assert "You cannot do that here" in response.content.decode()
