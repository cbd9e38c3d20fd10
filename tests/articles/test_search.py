"""Search answers every query string with a page, and on PostgreSQL reads a stored, indexed
vector instead of recomputing one per article per request."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from articles.search import MAX_QUERY_LENGTH, MAX_TERMS, search_terms, search_text_clean
from articles.selectors import article_search
from demo.factories.articles import ArticleFactory

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored vector is PostgreSQL's"
)
HOSTILE = [
    "-" * 40,
    "-" * 40 + "children",
    "a " + "- " * 200 + "b",
    "\x00",
    "children\x00",
    '"' * 101,
    "!" * 50 + "&|<->():*",
    "(" * 300,
    "'; DROP TABLE articles_article; --",
    "\ud7ff" * 10,
    "x" * 10_000,
    " ".join(["-word"] * 100),
]


def search(client, query):
    return client.get(reverse("articles:search"), {"q": query})


# --- The parser -------------------------------------------------------------------------------


def test_the_parser_keeps_words_phrases_and_exclusions():
    terms = search_terms('clooney "separated children" -climate e-mail')

    assert [(t.text, t.excluded) for t in terms] == [
        ("clooney", False),
        ("separated children", False),
        ("climate", True),
        ("e mail", False),
    ]


def test_the_parser_drops_nul_bytes_and_caps_length_and_terms():
    assert "\x00" not in search_text_clean("a\x00b")
    assert len(search_text_clean("x" * 10_000)) == MAX_QUERY_LENGTH
    assert len(search_terms(" ".join(f"w{n}" for n in range(50)))) == MAX_TERMS
    assert search_terms("-" * 40) == []


@given(st.text(max_size=400))
def test_the_parser_accepts_any_text_and_returns_only_words(text):
    terms = search_terms(text)

    assert len(terms) <= MAX_TERMS
    for term in terms:
        assert term.words and all(word.isalnum() for word in term.words)


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_get_an_ordinary_results_page(client, query):
    ArticleFactory(title="Children separated at the border")

    response = search(client, query)

    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=300))
def test_any_query_string_answers_200(client, query):
    assert search(client, query).status_code == 200


@pytest.mark.django_db
def test_phrases_and_exclusions_narrow_the_results(client):
    ArticleFactory(title="Separated children wait", body="At the border.")
    ArticleFactory(title="Children of the climate", body="Separated by floods.")

    phrase = search(client, '"separated children"').content.decode()
    excluded = search(client, "children -climate").content.decode()

    assert "Separated children wait" in phrase and "Children of the climate" not in phrase
    assert "Separated children wait" in excluded and "Children of the climate" not in excluded


@pytest.mark.django_db
def test_only_exclusions_find_nothing(client):
    ArticleFactory(title="Separated children wait")

    html = search(client, "-climate").content.decode()

    assert "0 results" in html


# --- PostgreSQL: the stored vector ------------------------------------------------------------


@needs_postgres
@pytest.mark.django_db
def test_the_vector_is_kept_on_insert_update_and_bulk_insert(client):
    article = ArticleFactory(title="Rivers", body="Nothing here.")
    article.title = "Floods displace families"
    article.save()
    Article.objects.bulk_create(
        [Article(title="Bulk story about orphans", slug="bulk-orphans", body="Text.")]
    )
    Article.objects.filter(slug="bulk-orphans").update(
        status="published", published_at=article.published_at
    )

    assert "Floods displace families" in search(client, "families").content.decode()
    assert "Bulk story about orphans" in search(client, "orphans").content.decode()
    assert "Floods displace" not in search(client, "rivers").content.decode()
    assert not Article.objects.filter(search_vector__isnull=True).exists()


@needs_postgres
@pytest.mark.django_db
def test_search_reads_the_stored_vector_through_its_gin_index():
    ArticleFactory(title="Children separated at the border")

    with connection.cursor() as cursor:
        # With a handful of rows the planner would rather scan; forbid that to see the index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        index_plan = Article.objects.filter(
            search_vector=SearchQuery("children", config="english")
        ).explain()
    page_plan = article_search(query="children").explain()

    assert "article_search_vector" in index_plan
    assert "to_tsvector" not in page_plan and "search_vector @@" in page_plan
