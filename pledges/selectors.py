"""Reads for the pledge pages, each a fixed number of queries."""

from django.db.models import Q, QuerySet, Sum

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
