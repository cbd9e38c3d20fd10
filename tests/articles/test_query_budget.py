"""Home, article and topic pages run the same number of queries for 1 item as for 50."""

import pytest
from django.urls import reverse

from demo.factories.articles import ArticleFactory, AuthorFactory, ImageFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assert_page_queries(client, django_assert_num_queries):
    def check(url, expected):
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    return check


def build_article(topic, make_campaign, n):
    """An article with n authors, tags, related stories, inline cards and linked campaigns."""
    authors = [AuthorFactory() for _ in range(n)]
    tags = [TagFactory() for _ in range(n)]
    related = [ArticleFactory(topic=topic, authors=authors[:1]) for _ in range(n)]
    campaigns = [make_campaign() for _ in range(n)]
    images = [ImageFactory() for _ in range(n)]
    body = "\n\n".join(
        [f"[[image:{i.slug}]]" for i in images]
        + [f"[[read-more:{a.slug}]]" for a in related]
        + [f"[[take-action:{c.slug}]]" for c in campaigns[: max(1, n // 2)]]
    )
    return ArticleFactory(
        slug="main-story",
        topic=topic,
        body=body,
        hero_image=ImageFactory(),
        authors=authors,
        tags=tags,
        related=related,
        campaigns=campaigns,
    )


# nav topics, article, authors, tags, related, campaigns, same-topic fill, the related stories'
# authors, and one query per shortcode kind (images, read-more articles, campaigns).
ARTICLE_PAGE_QUERIES = 11
# nav topics, page count, page of articles, their authors.
LIST_PAGE_QUERIES = 4


@pytest.mark.parametrize("n", [1, 50])
def test_article_page_runs_a_fixed_number_of_queries(assert_page_queries, topic, make_campaign, n):
    article = build_article(topic, make_campaign, n)

    html = assert_page_queries(article.get_absolute_url(), ARTICLE_PAGE_QUERIES)

    # Everything was really shown, not skipped.
    assert html.count('class="tag"') == n
    assert html.count("<figure") == n + 1  # inline pictures and the hero
    assert html.count("Read more:") == n
    assert html.count('class="action-card"') == n  # inline cards, then closing cards for the rest
    assert html.count("/authors/") >= n


@pytest.mark.parametrize("n", [1, 50])
def test_home_page_runs_a_fixed_number_of_queries(assert_page_queries, topic, n):
    for _ in range(n):
        ArticleFactory(topic=topic, hero_image=ImageFactory(), authors=[AuthorFactory()])

    html = assert_page_queries(reverse("articles:home"), LIST_PAGE_QUERIES)

    assert html.count('<article class="teaser') == min(n, 10)


@pytest.mark.parametrize("n", [1, 50])
def test_topic_page_runs_a_fixed_number_of_queries(assert_page_queries, topic, make_campaign, n):
    for _ in range(n):
        ArticleFactory(topic=topic, hero_image=ImageFactory(), authors=[AuthorFactory()])
        make_campaign(topic=topic)

    # The list queries, plus the topic and its live campaigns.
    assert_page_queries(topic.get_absolute_url(), LIST_PAGE_QUERIES + 2)


@pytest.mark.parametrize("n", [1, 50])
def test_author_and_search_pages_run_a_fixed_number_of_queries(assert_page_queries, topic, n):
    author = AuthorFactory(slug="busy-writer")
    for _ in range(n):
        ArticleFactory(topic=topic, title="Shared words", authors=[author, AuthorFactory()])

    assert_page_queries(author.get_absolute_url(), LIST_PAGE_QUERIES + 1)
    assert_page_queries(reverse("articles:search") + "?q=shared", LIST_PAGE_QUERIES)
