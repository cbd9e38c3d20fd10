from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Image
from demo.factories.articles import (
    ArticleFactory,
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    png_bytes,
)
from demo.factories.core import TopicFactory

pytestmark = pytest.mark.django_db


def test_article_page_shows_headline_byline_topic_hero_and_body(client, article):
    response = client.get(reverse("articles:detail", kwargs={"slug": article.slug}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and article.title in html
    assert article.standfirst in html
    assert 'href="/authors/rosa-writer/"' in html
    assert f'<time datetime="{article.published_at.isoformat()}' in html
    assert 'href="/topics/demand-equity/">Demand Equity</a>' in html
    assert 'alt="Two children holding hands"' in html
    assert "Getty Images" in html
    assert "<p>A first paragraph.</p>" in html


@pytest.fixture
def pictured_article():
    """An article with a 120x80 hero and a 60x40 picture placed in its body."""
    hero = ImageFactory(slug="hero", file=ContentFile(png_bytes(width=120, height=80), "h.png"))
    ImageFactory(slug="inline", file=ContentFile(png_bytes(width=60, height=40), "i.png"))
    return ArticleFactory(hero_image=hero, body="Before.\n\n[[image:inline]]\n\nAfter.")


def test_article_page_prints_the_picture_sizes_even_when_the_files_are_gone(
    client, pictured_article
):
    # A file missing from storage (deleted, not yet synced, an object-storage hiccup) must not
    # take the page down: the size comes from the row, not from the file.
    for image in Image.objects.all():
        image.file.storage.delete(image.file.name)

    response = client.get(pictured_article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert 'width="120" height="80"' in html
    assert 'width="60" height="40"' in html


def test_rendering_the_article_page_never_opens_a_picture(
    client, pictured_article, media_storage_refuses_open
):
    # With media on S3, opening a file is a download from the bucket on every uncached render.
    response = client.get(pictured_article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert 'width="120" height="80"' in html
    assert 'width="60" height="40"' in html


def test_article_page_has_social_meta_canonical_and_json_ld(client, article, settings):
    settings.SITE_URL = "https://news.example.org"
    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    canonical = f"https://news.example.org/news/{article.slug}/"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<script type="application/ld+json">' in html
    assert '"@type": "NewsArticle"' in html


def test_json_ld_escapes_a_headline_that_tries_to_close_the_script(client, topic):
    article = ArticleFactory(title="</script><script>alert(1)</script>", slug="evil", topic=topic)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"status": Article.Status.DRAFT, "published_at": timezone.now() - timedelta(days=1)},
        {"status": Article.Status.PUBLISHED, "published_at": timezone.now() + timedelta(days=1)},
        {"status": Article.Status.PUBLISHED, "published_at": None},
    ],
    ids=["draft", "unpublished-with-date", "scheduled", "published-without-date"],
)
def test_drafts_and_scheduled_articles_are_404_to_the_public(client, topic, fields):
    article = ArticleFactory(slug="hidden", topic=topic, **fields)

    assert client.get(reverse("articles:detail", kwargs={"slug": "hidden"})).status_code == 404
    assert client.get(reverse("articles:home")).content.decode().count(article.title) == 0
    assert (
        article.title
        not in client.get(reverse("articles:topic", args=["demand-equity"])).content.decode()
    )


def test_staff_preview_a_draft_and_it_is_never_cached(client, admin_user, topic):
    draft = DraftArticleFactory(title="Draft story", topic=topic)
    client.force_login(admin_user)

    response = client.get(reverse("articles:preview", kwargs={"pk": draft.pk}))

    assert response.status_code == 200
    assert "Draft story" in response.content.decode()
    assert "Preview" in response.content.decode()
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_preview_is_not_for_readers_or_non_staff(client, django_user_model, topic):
    draft = DraftArticleFactory(topic=topic)
    url = reverse("articles:preview", kwargs={"pk": draft.pk})

    assert client.get(url).status_code == 302  # to the staff sign-in
    client.force_login(django_user_model.objects.create_user("reader", password="x" * 12))
    response = client.get(url)
    assert response.status_code == 302
    assert draft.title not in response.content.decode()


def test_home_leads_with_the_newest_story_then_paginates(client, topic):
    now = timezone.now()
    for n in range(12):
        ArticleFactory(
            title=f"Story {n:02d}", topic=topic, published_at=now - timedelta(hours=n + 1)
        )

    page1 = client.get(reverse("articles:home")).content.decode()
    page2 = client.get(reverse("articles:home") + "?page=2").content.decode()

    lead = page1.split('class="lead-story"')[1].split("</section>")[0]
    assert "Story 00" in lead
    assert page1.count("teaser--lead") == 1
    assert "Story 09" in page1 and "Story 10" not in page1
    assert "Story 10" in page2 and "Story 11" in page2 and "Story 00" not in page2


def test_topic_page_lists_its_articles_and_live_campaigns(client, topic, make_campaign):
    ArticleFactory(title="On topic", topic=topic)
    ArticleFactory(title="Elsewhere", topic=TopicFactory(name="Health", slug="health"))
    make_campaign(title="Live on topic", topic=topic)
    make_campaign(title="Draft on topic", topic=topic, status="draft")

    html = client.get(reverse("articles:topic", kwargs={"slug": "demand-equity"})).content.decode()

    assert "On topic" in html and "Elsewhere" not in html
    assert "Live on topic" in html and "Draft on topic" not in html


def test_author_page_lists_their_published_articles(client, topic):
    author = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    ArticleFactory(title="By Ada", topic=topic, authors=[author])
    DraftArticleFactory(title="Ada draft", topic=topic, authors=[author])
    ArticleFactory(title="By someone else", topic=topic)

    html = client.get(reverse("articles:author", kwargs={"slug": "ada-reporter"})).content.decode()

    assert "Ada Reporter" in html and "By Ada" in html
    assert "Ada draft" not in html and "By someone else" not in html


def test_unknown_topic_and_author_are_404(client, db):
    assert client.get(reverse("articles:topic", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("articles:author", kwargs={"slug": "nope"})).status_code == 404


def test_read_more_shows_hand_picked_first_then_same_topic(client, topic):
    now = timezone.now()
    same_topic_new = ArticleFactory(title="Same topic newest", topic=topic, published_at=now)
    picked = ArticleFactory(
        title="Hand picked old",
        topic=TopicFactory(name="Health", slug="health"),
        published_at=now - timedelta(days=30),
    )
    hidden = DraftArticleFactory(title="Hand picked draft", topic=topic)
    article = ArticleFactory(
        slug="main", topic=topic, related=[picked, hidden], published_at=now - timedelta(days=1)
    )

    html = client.get(article.get_absolute_url()).content.decode()
    related = html.split('id="related-heading"')[1]

    assert related.index("Hand picked old") < related.index(same_topic_new.title)
    assert "Hand picked draft" not in related


def test_closing_call_to_action_shows_the_linked_live_campaign(client, article, make_campaign):
    live = make_campaign(title="Reunite families", slug="reunite")
    draft = make_campaign(title="Secret draft", slug="secret", status="draft")
    article.campaigns.set([live, draft])

    html = client.get(article.get_absolute_url()).content.decode()
    closing = html.split('id="act-heading"')[1]

    assert "Reunite families" in closing and "/take-action/reunite/" in closing
    assert "Secret draft" not in html


def test_search_finds_published_articles_only(client, topic):
    ArticleFactory(title="Clooney gift for children", topic=topic)
    ArticleFactory(title="Rainforest news", body="Trees and rivers.", topic=topic)
    DraftArticleFactory(title="Clooney draft", topic=topic)

    response = client.get(reverse("articles:search"), {"q": "clooney"})

    html = response.content.decode()
    assert "Clooney gift for children" in html
    assert "Rainforest news" not in html and "Clooney draft" not in html
    assert '<label for="search-q">' in html and 'id="search-q"' in html


def test_search_matches_words_in_the_body(client, topic):
    ArticleFactory(title="A gift", body="The foundation supports separated families.", topic=topic)

    html = client.get(reverse("articles:search"), {"q": "families"}).content.decode()

    assert "A gift" in html


def test_search_without_a_query_shows_the_form_only(client, topic):
    ArticleFactory(title="Anything", topic=topic)

    html = client.get(reverse("articles:search")).content.decode()

    assert 'name="q"' in html and "Anything" not in html


def test_latest_feed_is_atom_xml_with_published_articles(client, article):
    DraftArticleFactory(title="Not in the feed", topic=article.topic)

    response = client.get(reverse("articles:feed-latest"))

    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.text for e in root.findall("a:entry/a:title", ns)]
    assert titles == [article.title]


def test_topic_feed_only_has_that_topic(client, article):
    ArticleFactory(title="Health story", topic=TopicFactory(name="Health", slug="health"))

    response = client.get(reverse("articles:feed-topic", kwargs={"slug": "health"}))

    root = ElementTree.fromstring(response.content)
    titles = [
        e.text
        for e in root.findall(
            "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title"
        )
    ]
    assert titles == ["Health story"]


def test_sitemap_lists_articles_topics_and_live_campaigns(client, article, make_campaign, settings):
    settings.SITE_URL = "https://news.example.org"
    make_campaign(slug="live-one")
    make_campaign(slug="draft-one", status="draft")
    DraftArticleFactory(slug="draft-article", topic=article.topic)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    locs = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert locs == {
        f"https://news.example.org/news/{article.slug}/",
        "https://news.example.org/topics/demand-equity/",
        "https://news.example.org/take-action/live-one/",
    }


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_admin(client, settings):
    settings.SITE_URL = "https://news.example.org"

    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: https://news.example.org/sitemap.xml" in text


def test_unknown_page_uses_the_site_404_template(client, db):
    response = client.get("/news/no-such-story/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)


@needs_postgres
def test_postgres_search_ranks_title_matches_first_and_stems_words(client, topic):
    now = timezone.now()
    ArticleFactory(
        title="Rivers", body="One family waited at the border.", topic=topic, published_at=now
    )
    ArticleFactory(
        title="Families reunited",
        body="Good news.",
        topic=topic,
        published_at=now - timedelta(days=3),
    )
    ArticleFactory(title="Forests", body="Nothing about people.", topic=topic)

    html = client.get(reverse("articles:search"), {"q": "families"}).content.decode()

    assert "2 results" in html
    assert html.index("Families reunited") < html.index("Rivers")
    assert "Forests" not in html


@needs_postgres
def test_postgres_search_accepts_web_search_syntax(client, topic):
    ArticleFactory(title="Clooney gift to children", topic=topic)
    ArticleFactory(title="Clooney and the climate", topic=topic)

    html = client.get(reverse("articles:search"), {"q": "clooney -climate"}).content.decode()

    assert "Clooney gift to children" in html and "Clooney and the climate" not in html
