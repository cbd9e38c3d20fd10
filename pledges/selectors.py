"""Reads for the pledge pages, each a fixed number of queries."""

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Lower

from campaigns.models import Campaign
from campaigns.services import email_normalize
from pledges.models import Pledge


def campaign_for_pledging(*, slug: str) -> Campaign | None:
    """A public (non-draft) campaign by slug, or None."""
    return Campaign.objects.public().filter(slug=slug).first()


def suggested_amounts(*, campaign: Campaign) -> list[int]:
    return list(campaign.suggested_amounts.values_list("amount_minor", flat=True))


def amount_choices(*, campaign: Campaign) -> tuple[list[int], int | None]:
    """The suggested amounts in order and the one staff chose as the default (one query)."""
    rows = list(campaign.suggested_amounts.values_list("amount_minor", "is_default"))
    default = next((amount for amount, is_default in rows if is_default), None)
    return [amount for amount, _ in rows], default


def has_signed(*, campaign: Campaign, email: str) -> bool:
    """True when `email` (normalised) has signed `campaign`'s petition, confirmed or not."""
    if not email:
        return False
    return campaign.signatures.filter(email_normalized=email_normalize(email)).exists()


def recent_public_pledges(*, campaign: Campaign, limit: int = 5) -> list[Pledge]:
    """The latest counted pledges still standing, for the supporters list (one query).

    Anonymous pledges come back too (they count) but the template shows no name for them.
    """
    return list(
        Pledge.objects.filter(
            campaign=campaign,
            counted_at__isnull=False,
            status__in=[Pledge.Status.PAID, Pledge.Status.PARTIALLY_REFUNDED],
            erased_at__isnull=True,
        )
        .only("name", "is_anonymous", "public_message", "paid_at", "amount_minor", "currency")
        .order_by("-paid_at")[:limit]
    )


def pledge_with_campaign(*, pledge_id) -> Pledge | None:
    return Pledge.objects.select_related("campaign").filter(pk=pledge_id).first()


def pledge_totals(*, pledges: QuerySet) -> list[dict]:
    """Per currency: pledged (intent: every pledge not failed or expired) and collected (paid,
    net of refunds) over `pledges`."""
    counted = Q(counted_at__isnull=False)
    intent = ~Q(status__in=[Pledge.Status.FAILED, Pledge.Status.EXPIRED])
    return list(
        pledges.order_by()
        .values("currency")
        .annotate(
            pledged=Sum("amount_minor", filter=intent, default=0),
            paid=Sum("amount_minor", filter=counted, default=0),
            refunded=Sum("amount_refunded_minor", filter=counted, default=0),
        )
        .order_by("currency")
    )


# --- Monthly giving ----------------------------------------------------------------------------

LIVE_GIFT = Q(
    frequency=Pledge.Frequency.MONTHLY,
    renewal_of__isnull=True,
    counted_at__isnull=False,
    subscription_status__in=("active", "past_due"),
    cancel_at_period_end=False,
)


def monthly_summary(*, campaign: Campaign) -> dict:
    """Live monthly gifts of the campaign: {"supporters", "amount_minor"} (one query). A gift
    set to end at the period's end no longer counts here."""
    return Pledge.objects.filter(LIVE_GIFT, campaign=campaign).aggregate(
        supporters=Count("pk"), amount_minor=Sum("amount_minor", default=0)
    )


def monthly_gifts_for_emails(*, emails) -> QuerySet:
    """Monthly gifts made with any of `emails` (any case) that Stripe still bills: what
    erasing these supporters cancels, for the admin's confirmation page. One query."""
    emails = {e.strip().lower() for e in emails if e and e.strip()}
    if not emails:
        return Pledge.objects.none()
    return (
        Pledge.objects.annotate(email_lower=Lower("email"))
        .filter(
            email_lower__in=emails,
            frequency=Pledge.Frequency.MONTHLY,
            renewal_of__isnull=True,
            stripe_subscription_id__isnull=False,
        )
        .exclude(subscription_status="canceled")
        .select_related("campaign")
        .order_by("created_at")
    )


def monthly_finance(*, since) -> list[dict]:
    """Per campaign with monthly giving: live gifts now (count, monthly amount), renewals that
    failed and gifts canceled since `since` (count, amount), in minor units with the
    campaign's currency. Three queries, whatever the number of campaigns."""
    gifts = Pledge.objects.filter(frequency=Pledge.Frequency.MONTHLY, renewal_of__isnull=True)
    rows: dict[int, dict] = {}

    def row(campaign_id):
        return rows.setdefault(
            campaign_id,
            {
                "campaign_id": campaign_id,
                "active": 0,
                "active_minor": 0,
                "failed": 0,
                "failed_minor": 0,
                "canceled": 0,
                "canceled_minor": 0,
            },
        )

    for found in (
        gifts.filter(LIVE_GIFT)
        .values("campaign_id")
        .annotate(n=Count("pk"), total=Sum("amount_minor"))
        .order_by()
    ):
        row(found["campaign_id"]).update(active=found["n"], active_minor=found["total"])
    for found in (
        Pledge.objects.filter(
            renewal_of__isnull=False, status=Pledge.Status.FAILED, created_at__gte=since
        )
        .values("campaign_id")
        .annotate(n=Count("pk"), total=Sum("amount_minor"))
        .order_by()
    ):
        row(found["campaign_id"]).update(failed=found["n"], failed_minor=found["total"])
    for found in (
        gifts.filter(subscription_canceled_at__gte=since)
        .values("campaign_id")
        .annotate(n=Count("pk"), total=Sum("amount_minor"))
        .order_by()
    ):
        row(found["campaign_id"]).update(canceled=found["n"], canceled_minor=found["total"])
    campaigns = Campaign.objects.in_bulk(list(rows))
    result = []
    for campaign_id, values in rows.items():
        campaign = campaigns[campaign_id]
        result.append(values | {"campaign": campaign, "currency": campaign.currency})
    return sorted(result, key=lambda item: item["campaign"].title)
