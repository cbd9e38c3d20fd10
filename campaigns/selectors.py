"""Reads for the campaign pages: querysets with their joins applied, so each page runs a fixed
number of queries however many signatures a campaign has."""

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from campaigns.models import Campaign, Partner, Signature

PUBLIC_SUPPORTERS_SHOWN = 12
FEATURED_ARTICLES_SHOWN = 6


def campaign_list(*, topic_slug: str | None = None) -> QuerySet[Campaign]:
    """Live campaigns, optionally on one topic (by slug): the staff-set featured positions
    first (1, 2, ...), then the rest by recent activity (latest counted signature or payment),
    then newest."""
    queryset = (
        Campaign.objects.live()
        .select_related("topic")
        .order_by(
            F("featured_position").asc(nulls_last=True),
            F("last_action_at").desc(nulls_last=True),
            "-created_at",
            "-pk",
        )
    )
    if topic_slug:
        queryset = queryset.filter(topic__slug=topic_slug)
    return queryset


def campaign_for_page(*, slug: str | None = None, pk: int | None = None, public: bool = True):
    """One campaign with its topic and partners loaded; 404 unless public (or `public=False`).

    Closed campaigns are public (their page shows the result); drafts only through the staff
    preview, which passes `public=False`.
    """
    queryset = Campaign.objects.select_related("topic").prefetch_related(
        Prefetch("partners", queryset=Partner.objects.order_by("position", "name"))
    )
    if public:
        queryset = queryset.public()
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    return get_object_or_404(queryset, **lookup)


def campaign_public_supporters(
    *, campaign: Campaign, limit: int = PUBLIC_SUPPORTERS_SHOWN
) -> list[Signature]:
    """The latest confirmed supporters who chose to be shown: first name and country only."""
    return list(
        campaign.signatures.confirmed()
        .filter(show_publicly=True, erased_at__isnull=True)
        .only("pk", "first_name", "country", "confirmed_at", "campaign_id")
        .order_by("-confirmed_at", "-pk")[:limit]
    )


def campaign_featuring_articles(*, campaign: Campaign, limit: int = FEATURED_ARTICLES_SHOWN):
    """Published articles that feature the campaign, newest first (via `campaign.articles`).

    The filter repeats the articles app's "published" rule by field name, because campaigns
    does not import articles.
    """
    return list(
        campaign.articles.filter(status="published", published_at__lte=timezone.now())
        .only("pk", "title", "slug", "published_at")
        .order_by("-published_at")[:limit]
    )
