"""Reads for the reader pages: querysets with their related rows fetched in a fixed number of
queries, however many authors, tags, related stories or campaigns an article has."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects

from articles.models import Article
from articles.search import search_terms
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
    """Published articles matching `query`, best first. Any string is safe to pass.

    The query goes through `articles.search.search_terms` (no NUL, capped, at most a few
    terms). PostgreSQL: every term must match the stored, GIN-indexed `search_vector` (title
    weight A, standfirst B, body C; kept by a trigger on every insert and update), except
    -excluded ones, which must not; ranked with `SearchRank`. The cost depends on how many
    articles match, not on how many exist. Elsewhere (SQLite in development) every term is a
    case-insensitive substring match, newest first.
    """
    terms = search_terms(query)
    published = Article.objects.published().for_listing()
    if not any(not term.excluded for term in terms):
        return published.none()
    if connection.vendor == "postgresql":
        search_query = None
        for term in terms:
            part = SearchQuery(
                term.text, search_type="phrase" if term.is_phrase else "plain", config="english"
            )
            part = ~part if term.excluded else part
            search_query = part if search_query is None else search_query & part
        return (
            published.filter(search_vector=search_query)
            .annotate(rank=SearchRank(F("search_vector"), search_query))
            .order_by("-rank", "-published_at", "-id")
        )
    for term in terms:
        match = (
            Q(title__icontains=term.text)
            | Q(standfirst__icontains=term.text)
            | Q(body__icontains=term.text)
        )
        published = published.exclude(match) if term.excluded else published.filter(match)
    return published
