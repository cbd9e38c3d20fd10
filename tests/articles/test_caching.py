"""Reader pages set no cookies for anonymous readers and may sit in a shared cache briefly."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import reverse

from demo.factories.articles import AuthorFactory, DraftArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader_urls(article):
    author = AuthorFactory(slug="cached-author")
    article.authors.add(author)
    return [
        reverse("articles:home"),
        article.get_absolute_url(),
        reverse("articles:topic", kwargs={"slug": article.topic.slug}),
        reverse("articles:author", kwargs={"slug": author.slug}),
        reverse("articles:search") + "?q=clooney",
        reverse("articles:feed-latest"),
        reverse("articles:feed-topic", kwargs={"slug": article.topic.slug}),
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_reader_pages_set_no_cookies_and_are_publicly_cacheable(client, reader_urls):
    for url in reader_urls:
        response = client.get(url)

        assert response.status_code == 200, url
        assert response.cookies == {}, url
        assert "Set-Cookie" not in response.headers, url
        cache_control = response["Cache-Control"]
        max_age = 30 if "/search/" in url else 60  # Search results turn over faster.
        assert "public" in cache_control and f"max-age={max_age}" in cache_control, url
    assert len(reader_urls) == 9


def test_reader_pages_carry_no_csrf_token(client, reader_urls):
    html = client.get(reader_urls[0]).content.decode()
    search = client.get(reverse("articles:search")).content.decode()

    assert "csrfmiddlewaretoken" not in html + search
    assert 'method="get"' in search


def test_staff_preview_is_private_and_not_stored(client, admin_user, topic):
    draft = DraftArticleFactory(topic=topic)
    client.force_login(admin_user)

    response = client.get(reverse("articles:preview", kwargs={"pk": draft.pk}))

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_cached_reader_pages_never_show_a_visitors_flash_message(client, article):
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Only for you")])

    response = client.get(article.get_absolute_url())

    assert "Only for you" not in response.content.decode()
    # A visitor holding a message bypasses the page cache, and their copy is theirs alone.
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers
