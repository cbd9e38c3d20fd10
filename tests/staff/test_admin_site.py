"""The admin around the pages: branding, favicon, the staff 403 page, password reset by email,
"view on site" on every public object, and dates in the site's format."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author
from campaigns.models import Campaign
from core.models import Topic
from pledges.models import Pledge
from tests.staff.conftest import make_campaign, pledge

pytestmark = pytest.mark.django_db


def test_the_admin_carries_the_newsrooms_name_colours_and_favicon(client, editor):
    client.force_login(editor)

    html = client.get(reverse("admin:index")).content.decode()

    assert "css/admin.css" in html
    assert "img/favicon.svg" in html and "img/favicon.ico" in html
    assert 'class="staff-brand"' in html
    assert "Django administration" not in html


def test_favicon_ico_exists_for_the_whole_site(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        ("editor", "admin:pledges_pledge_changelist"),
        ("editor", "staff:dashboard"),
        ("campaigner", "admin:pledges_pledge_changelist"),
        ("finance", "admin:articles_article_changelist"),
    ],
)
def test_staff_refused_a_page_get_an_admin_styled_403_with_a_way_back(
    client, make_staff, role, url_name
):
    client.force_login(make_staff(role))

    response = client.get(reverse(url_name))

    html = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in html
    assert f'href="{reverse("admin:index")}">Back to the admin home' in html
    assert "Back to the news" not in html


def test_the_public_keeps_the_public_403_page(client):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from staff.views import permission_denied

    request = RequestFactory().get("/take-action/")
    request.user = get_user_model()(is_staff=False)

    response = permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    assert b"Back to the news" in response.content


def test_staff_reset_their_password_by_email_from_the_login_page(client, make_staff):
    user = make_staff("editor")
    user.email = "kim@newsroom.example"
    user.set_password("old-password-long-1")
    user.save()

    login = client.get(reverse("admin:login")).content.decode()
    assert reverse("admin_password_reset") in login

    response = client.post(reverse("admin_password_reset"), {"email": "KIM@newsroom.example"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["kim@newsroom.example"]]
    link = re.search(r"https?://[^/\s]+(/admin/reset/\S+/)", mail.outbox[0].body)[1]

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-7", "new_password2": "a-new-long-password-7"},
    )

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-7")


def test_a_reset_is_never_sent_to_a_non_staff_account_and_the_page_says_the_same(client):
    get_user_model().objects.create_user("reader", "reader@example.org", "long-password-12")

    response = client.post(reverse("admin_password_reset"), {"email": "reader@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_emails_are_rate_limited_per_address(client, make_staff):
    user = make_staff("finance")
    user.email = "fin@newsroom.example"
    user.set_password("old-password-long-1")
    user.save()

    for _ in range(5):
        response = client.post(reverse("admin_password_reset"), {"email": "fin@newsroom.example"})
        assert response["Location"] == reverse("password_reset_done")

    assert len(mail.outbox) == 3


def test_every_public_object_has_view_on_site(admin_client):
    topic = Topic.objects.create(name="Equity", slug="equity")
    author = Author.objects.create(name="Kim Park", slug="kim-park")
    article = Article.objects.create(
        title="A story",
        slug="a-story",
        body="Text.",
        status="published",
        published_at=timezone.now(),
    )
    campaign = make_campaign(status=Campaign.Status.CLOSED)
    objects = {"core_topic": topic, "articles_author": author,
               "articles_article": article, "campaigns_campaign": campaign}  # fmt: skip
    for model, obj in objects.items():
        html = admin_client.get(reverse(f"admin:{model}_change", args=[obj.pk])).content.decode()
        assert "View on site" in html, model


def test_admin_dates_read_like_the_sites(admin_client):
    campaign = make_campaign()
    paid = pledge(campaign, 2500)
    Pledge.objects.filter(pk=paid.pk).update(
        paid_at=datetime.datetime(2026, 12, 1, 14, 5, tzinfo=datetime.UTC)
    )

    html = admin_client.get(reverse("admin:pledges_pledge_changelist")).content.decode()

    assert "1 December 2026, 14:05" in html
    assert "Dec. 1, 2026" not in html
