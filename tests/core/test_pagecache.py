"""Whole reader pages from the shared cache: what is kept, for whom, and when it is retired."""

import re
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.services import article_publish
from campaigns.models import Campaign
from core import pagecache
from demo.factories.articles import ArticleFactory, DraftArticleFactory
from demo.factories.campaigns import CampaignFactory, SuggestedAmountFactory
from tests.net import free_port

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
FORM_TOKEN_INPUT = re.compile(r'name="form_token" value="([0-9a-f-]+)"')
SIGNATURE = {
    "first_name": "Ana",
    "last_name": "García",
    "email": "ana@example.org",
    "country": "MX",
    "postal_code": "",
    "comment": "",
}


def get_counting_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


@pytest.fixture
def article(db):
    return ArticleFactory(title="Families wait at the border", slug="families-wait")


@pytest.fixture
def campaign(db):
    return CampaignFactory(
        slug="reunite", title="Reunite families", requires_confirmation=False, signature_goal=500
    )


def test_a_second_anonymous_visit_is_served_whole_from_the_cache_without_sql(client, article):
    first, first_queries = get_counting_queries(client, "/")
    second, second_queries = get_counting_queries(client, "/")

    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Families wait at the border" in second.content.decode()


def test_cached_reader_pages_carry_validators_an_age_and_no_cookie_vary(client, article):
    client.get(article.get_absolute_url())
    response = client.get(article.get_absolute_url())

    assert response["X-Page-Cache"] == "hit"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert 0 <= int(response["Age"]) <= 60
    assert int(response["Content-Length"]) == len(response.content)
    assert "Cookie" not in response.get("Vary", "")
    assert response.cookies == {}
    # The outer middleware still adds the security headers to a cached answer.
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


def test_a_conditional_request_with_the_etag_gets_304(client, article):
    etag = client.get("/").headers.get("ETag") or client.get("/")["ETag"]

    response = client.get("/", headers={"if-none-match": etag})

    assert response.status_code == 304
    assert response.content == b""


def test_an_edit_saved_by_staff_shows_on_the_next_visit(
    client, article, django_capture_on_commit_callbacks
):
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Families reunited after months apart"
        article.save()
    response = client.get(article.get_absolute_url())

    assert "X-Page-Cache" not in response
    assert "Families reunited after months apart" in response.content.decode()


def test_publishing_an_article_shows_it_on_the_cached_home_page_at_once(
    client, article, django_capture_on_commit_callbacks
):
    draft = DraftArticleFactory(title="A scoop nobody has seen")
    assert "A scoop nobody has seen" not in client.get("/").content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        article_publish(article=draft)
    # Retired only once the change commits: a page rendered before then never comes back.

    assert "A scoop nobody has seen" in client.get("/").content.decode()


def test_a_query_parameter_the_page_does_not_use_is_never_stored(client, article):
    client.get("/?junk=1")
    _, queries = get_counting_queries(client, "/?junk=1")

    assert queries > 0
    # Parameters the page does use are keyed, in any order.
    client.get("/?page=1")
    assert client.get("/?page=1")["X-Page-Cache"] == "hit"


def test_staff_with_a_session_always_get_a_fresh_private_page(client, admin_user, article):
    Client().get("/")  # An anonymous reader fills the cache.
    client.force_login(admin_user)

    response, queries = get_counting_queries(client, "/")

    assert queries > 0
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]


# --- The campaign page: cached, but with each visitor's own CSRF token ----------------------


def test_each_visitor_of_a_cached_campaign_page_gets_their_own_working_csrf_token(campaign):
    first_visitor = Client(enforce_csrf_checks=True)
    second_visitor = Client(enforce_csrf_checks=True)

    first = first_visitor.get(campaign.get_absolute_url())
    second, queries = get_counting_queries(second_visitor, campaign.get_absolute_url())

    assert queries == 0 and second["X-Page-Cache"] == "hit"
    first_token = CSRF_INPUT.search(first.content.decode()).group(1)
    second_tokens = set(CSRF_INPUT.findall(second.content.decode()))
    assert len(second_tokens) == 1
    second_token = second_tokens.pop()
    # The cached copy holds no one's token; the second visitor's is new, with its own cookie.
    assert first_token not in second.content.decode()
    assert pagecache.CSRF_PLACEHOLDER not in second.content.decode()
    assert second.cookies["csrftoken"].value != first.cookies["csrftoken"].value
    assert "private" in second["Cache-Control"] and "public" not in second["Cache-Control"]
    assert "Cookie" in second["Vary"]

    signed = second_visitor.post(
        reverse("campaigns:sign", kwargs={"slug": campaign.slug}),
        {**SIGNATURE, "csrfmiddlewaretoken": second_token},
    )
    assert signed.status_code == 303


def test_a_post_with_another_visitors_token_is_refused(campaign):
    first_visitor = Client(enforce_csrf_checks=True)
    second_visitor = Client(enforce_csrf_checks=True)
    first_token = CSRF_INPUT.search(
        first_visitor.get(campaign.get_absolute_url()).content.decode()
    ).group(1)
    second_visitor.get(campaign.get_absolute_url())  # A cache hit: sets their own cookie.

    response = second_visitor.post(
        reverse("campaigns:sign", kwargs={"slug": campaign.slug}),
        {**SIGNATURE, "csrfmiddlewaretoken": first_token},
    )

    assert response.status_code == 403


def test_a_supporter_sees_their_own_signature_counted_at_once(client, campaign):
    assert "<strong>0</strong>" in client.get(campaign.get_absolute_url()).content.decode()
    assert Client().get(campaign.get_absolute_url())["X-Page-Cache"] == "hit"

    client.post(reverse("campaigns:sign", kwargs={"slug": campaign.slug}), SIGNATURE)
    response = client.get(campaign.get_absolute_url())

    assert "X-Page-Cache" not in response
    assert "<strong>1</strong>" in response.content.decode()


def test_everyone_sees_a_new_signature_within_five_seconds(client, campaign):
    client.get(campaign.get_absolute_url())
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=41)
    counted_at = time.monotonic()
    assert "<strong>0</strong>" in client.get(campaign.get_absolute_url()).content.decode()

    # Real time on the real cache backend (Redis expires entries itself): poll until it shows.
    while "<strong>41</strong>" not in client.get(campaign.get_absolute_url()).content.decode():
        assert time.monotonic() - counted_at < 6, "the new count did not show within 5 s"
        time.sleep(0.2)

    assert time.monotonic() - counted_at <= 5.5


def test_cached_pledge_pages_give_each_visitor_a_new_form_token(campaign):
    SuggestedAmountFactory(campaign=campaign, amount_minor=2500)
    url = reverse("pledges:start", kwargs={"campaign_slug": campaign.slug})

    first = Client().get(url).content.decode()
    second = Client().get(url)

    assert second["X-Page-Cache"] == "hit"
    first_token = FORM_TOKEN_INPUT.search(first).group(1)
    second_token = FORM_TOKEN_INPUT.search(second.content.decode()).group(1)
    assert first_token != second_token
    assert pagecache.FORM_TOKEN_PLACEHOLDER not in second.content.decode()


# --- The cache failing ------------------------------------------------------------------------


def test_pages_render_when_the_cache_server_is_down(client, article, campaign):
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=down):
        statuses = {
            url: client.get(url).status_code
            for url in ("/", article.get_absolute_url(), campaign.get_absolute_url())
        }

    assert statuses == dict.fromkeys(statuses, 200)
