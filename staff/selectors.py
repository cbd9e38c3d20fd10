"""Reads for the staff dashboard.

`dashboard_campaign_stats()` runs a fixed number of queries however many campaigns, signatures
and pledges there are: the live campaigns, then each table grouped in the database
(`values().annotate()` with filtered `Count`/`Sum`, `TruncDate` for days): signatures and pledges
per source (summed in Python for the totals), signatures and money per day, and one query for
the titles of the source articles. Never one query per campaign or per row.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from articles.models import Article
from campaigns.models import Campaign, Signature
from pledges.models import Pledge

CHART_DAYS = 30

PAID_STATUSES = (Pledge.Status.PAID, Pledge.Status.PARTIALLY_REFUNDED)
PENDING_STATUSES = (Pledge.Status.PENDING, Pledge.Status.PROCESSING)


@dataclass
class SourceRow:
    """Where actions came from: a `source` label and, when set, the article that drove them."""

    source: str
    article_id: int | None
    article_title: str = ""
    signatures: int = 0
    awaiting: int = 0
    pledges: int = 0
    money_minor: int = 0


@dataclass
class DayRow:
    day: datetime.date
    signatures: int = 0
    money_minor: int = 0


@dataclass
class CampaignStats:
    campaign: Campaign
    signatures_confirmed: int = 0
    signatures_awaiting: int = 0
    pledges_paid: int = 0
    pledges_pending: int = 0
    money_collected_minor: int = 0
    # The latest signature or pledge (None before the first): the dashboard's order.
    last_activity_at: datetime.datetime | None = None
    days: list[DayRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)

    @property
    def money_goal_minor(self) -> int:
        return self.campaign.money_goal_minor


def chart_days(*, today: datetime.date, days: int = CHART_DAYS) -> list[datetime.date]:
    """The last `days` calendar days, oldest first, ending with `today`."""
    return [today - datetime.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def dashboard_campaign_stats(*, now: datetime.datetime | None = None) -> list[CampaignStats]:
    """Figures for every live campaign, in six queries (five with no article).

    Campaigns come by recent activity: the one with the latest signature or pledge first, then
    campaigns without any, newest first.

    Counts follow the public counters: confirmed signatures are what `signature_count` counts,
    and money collected is what `amount_collected_minor` holds (counted pledges, less refunds).
    Days are calendar days in the current time zone; the chart covers the last 30 of them.
    """
    now = now or timezone.now()
    campaigns = list(Campaign.objects.live(now=now).order_by("-created_at", "-id"))
    if not campaigns:
        return []
    stats = {c.pk: CampaignStats(campaign=c) for c in campaigns}
    ids = list(stats)
    days = chart_days(today=timezone.localdate(now))
    since = timezone.make_aware(
        datetime.datetime.combine(days[0], datetime.time.min), timezone.get_current_timezone()
    )
    for row in stats.values():
        row.days = [DayRow(day=day) for day in days]
    day_index = {day: i for i, day in enumerate(days)}
    counted = Q(counted_at__isnull=False)

    signature_days = (
        Signature.objects.filter(campaign_id__in=ids, confirmed_at__gte=since)
        .annotate(day=TruncDate("confirmed_at"))
        .values("campaign_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in signature_days:
        if row["day"] in day_index:
            stats[row["campaign_id"]].days[day_index[row["day"]]].signatures = row["n"]

    money_days = (
        Pledge.objects.filter(campaign_id__in=ids, paid_at__gte=since)
        .filter(counted)
        .annotate(day=TruncDate("paid_at"))
        .values("campaign_id", "day")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    for row in money_days:
        if row["day"] in day_index:
            stats[row["campaign_id"]].days[day_index[row["day"]]].money_minor = row["total"]

    sources: dict[int, dict[tuple[str, int | None], SourceRow]] = defaultdict(dict)

    def source_row(campaign_id, source, article_id):
        key = (source, article_id)
        if key not in sources[campaign_id]:
            sources[campaign_id][key] = SourceRow(source=source, article_id=article_id)
        return sources[campaign_id][key]

    # One grouped query per table gives both the per-source rows and, summed, the totals: each
    # table is read once however many campaigns and sources there are.
    signature_sources = (
        Signature.objects.filter(campaign_id__in=ids)
        .values("campaign_id", "source", "source_article_id")
        .annotate(
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
            awaiting=Count("pk", filter=Q(confirmed_at__isnull=True)),
            last=Max("created_at"),
        )
        .order_by()
    )

    def touch(campaign: CampaignStats, when) -> None:
        if when and (campaign.last_activity_at is None or when > campaign.last_activity_at):
            campaign.last_activity_at = when

    for row in signature_sources:
        campaign = stats[row["campaign_id"]]
        touch(campaign, row["last"])
        campaign.signatures_confirmed += row["confirmed"]
        campaign.signatures_awaiting += row["awaiting"]
        entry = source_row(row["campaign_id"], row["source"], row["source_article_id"])
        entry.signatures = row["confirmed"]
        entry.awaiting = row["awaiting"]

    pledge_sources = (
        Pledge.objects.filter(campaign_id__in=ids)
        .values("campaign_id", "source", "source_article_id")
        .annotate(
            paid=Count("pk", filter=Q(status__in=PAID_STATUSES)),
            pending=Count("pk", filter=Q(status__in=PENDING_STATUSES)),
            money=Sum(F("amount_minor") - F("amount_refunded_minor"), filter=counted),
            last=Max("created_at"),
        )
        .order_by()
    )
    for row in pledge_sources:
        campaign = stats[row["campaign_id"]]
        touch(campaign, row["last"])
        campaign.pledges_paid += row["paid"]
        campaign.pledges_pending += row["pending"]
        campaign.money_collected_minor += row["money"] or 0
        if row["paid"] or row["money"]:
            entry = source_row(row["campaign_id"], row["source"], row["source_article_id"])
            entry.pledges = row["paid"]
            entry.money_minor = row["money"] or 0

    article_ids = {
        article_id for rows in sources.values() for (_, article_id) in rows if article_id
    }
    titles = (
        dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "title"))
        if article_ids
        else {}
    )
    for campaign_id, rows in sources.items():
        for entry in rows.values():
            if entry.article_id:
                entry.article_title = titles.get(entry.article_id, "")
        stats[campaign_id].sources = sorted(
            rows.values(),
            key=lambda r: (-r.signatures, -r.money_minor, r.source, r.article_id or 0),
        )
    # Ties and campaigns without activity keep the query's order: newest first.
    return sorted(
        stats.values(),
        key=lambda c: (c.last_activity_at is not None, c.last_activity_at or now),
        reverse=True,
    )
