"""Business rules for campaigns: signing, confirming, counting.

Every change to a campaign's counters goes through a function here, as a single atomic
`UPDATE ... SET x = x + n` (an F() expression), so concurrent requests never lose an update.
"""

from django.db import transaction
from django.db.models import F

from campaigns.models import Campaign


def campaign_record_payment(*, campaign_id: int, amount_minor: int) -> None:
    """Add one paid pledge to the campaign's money collected and supporter count.

    Call it inside the transaction that marks the pledge counted, so both commit or neither.
    """
    if amount_minor <= 0:
        raise ValueError("A payment adds a positive amount.")
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign_id).update(
            amount_collected_minor=F("amount_collected_minor") + amount_minor,
            supporter_count=F("supporter_count") + 1,
        )


def campaign_record_refund(*, campaign_id: int, amount_minor: int, supporter_lost: bool) -> None:
    """Take a refunded amount off the campaign's money collected.

    `supporter_lost` is True when the pledge is now fully refunded, so it no longer counts as a
    supporter. Call it inside the transaction that records the refund on the pledge.
    """
    if amount_minor < 0:
        raise ValueError("A refund takes off a positive amount.")
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign_id).update(
            amount_collected_minor=F("amount_collected_minor") - amount_minor,
            supporter_count=F("supporter_count") - (1 if supporter_lost else 0),
        )


def campaign_set_pledge_totals(
    *, campaign_id: int, amount_collected_minor: int, supporter_count: int
) -> None:
    """Overwrite the money counters with totals rebuilt from the pledge rows (reconciliation)."""
    Campaign.objects.filter(pk=campaign_id).update(
        amount_collected_minor=amount_collected_minor, supporter_count=supporter_count
    )
