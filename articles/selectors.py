"""Reads for the reader pages: querysets with their related rows fetched in a fixed number of
queries, however many authors, tags, related stories or campaigns an article has."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from articles.models import Article
from campaigns.models import Campaign

RELATED_LIMIT = 4


def article_detail_queryset(*, public: bool = True) -> QuerySet[Article]:
    """Articles with everything the article page shows, in five queries for one article.

    `public=False` is for staff preview: drafts and scheduled articles included. Hand-picked
    related stories are always published ones; campaigns are the live ones.
    """
    base = Article.objects.published() if public else Article.objects.all()
    return base.select_related("topic", "hero_image").prefetch_related(
        "authors",
        "tags",
        Prefetch(
            "related",
            queryset=Article.objects.published().select_related("topic", "hero_image"),
            to_attr="related_published",
        ),
        Prefetch("campaigns", queryset=Campaign.objects.live(), to_attr="live_campaigns"),
    )


def article_related(*, article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """ "Read more" stories: the hand-picked ones first, then the newest on the same topic.

    Needs an article from `article_detail_queryset()`. Always two queries (the same-topic fill
    and the bylines), so the page's query count does not depend on how many were hand-picked.
    """
    picked = [a for a in article.related_published if a.pk != article.pk][:limit]
    fill: list[Article] = []
    if article.topic_id:
        exclude = [article.pk, *(a.pk for a in picked)]
        fill = list(
            Article.objects.published()
            .filter(topic_id=article.topic_id)
            .exclude(pk__in=exclude)
            .select_related("topic", "hero_image")[:limit]
        )
    related = (picked + fill)[:limit]
    # The teasers show bylines: one query for all of their authors.
    prefetch_related_objects(related, "authors")
    return related


def article_search(*, query: str) -> QuerySet[Article]:
    """Published articles matching `query`, best first.

    PostgreSQL: full-text search over title (weight A), standfirst (B) and body (C), ranked with
    `SearchRank`, with web-search syntax ("quoted phrases", -exclusions). Elsewhere (SQLite in
    development) a case-insensitive substring match, newest first.
    """
    query = (query or "").strip()
    published = Article.objects.published().for_listing()
    if not query:
        return published.none()
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("standfirst", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            published.annotate(search=vector, rank=SearchRank(vector, search_query))
            .filter(search=search_query)
            .order_by("-rank", "-published_at", "-id")
        )
    return published.filter(
        Q(title__icontains=query) | Q(standfirst__icontains=query) | Q(body__icontains=query)
    )
