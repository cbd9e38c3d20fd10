"""Property-based test: any query string on the search page answers 200."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from demo.factories.articles import ArticleFactory
from tests.fuzz import FUZZ, HOSTILE, hostile_text

pytestmark = pytest.mark.django_db

# websearch_to_tsquery's own syntax, which a parser that cannot overflow must survive.
SEARCH_SYNTAX = st.lists(
    st.sampled_from(['"', "-", "or", "OR", "(", ")", ":*", "&", "|", "!", "<->", "\\", " "]),
    max_size=80,
).map("".join)
QUERIES = st.one_of(
    st.sampled_from([*HOSTILE, "-" * 40, "\x00", "a" * 10_000]), SEARCH_SYNTAX, hostile_text
)


@pytest.fixture
def articles():
    return ArticleFactory.create_batch(2, body="Families separated at the border - again.")


@FUZZ
@given(query=QUERIES, page=st.one_of(st.none(), hostile_text))
def test_any_search_query_answers_200(articles, query, page):
    params = {"q": query} if page is None else {"q": query, "page": page}

    response = Client(raise_request_exception=False).get(reverse("articles:search"), params)

    assert response.status_code in (200, 404), response.status_code  # 404: a page past the end
