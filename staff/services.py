"""Staff operations that span apps. `campaigns` imports neither `articles` nor `pledges`, so what
touches a supporter everywhere lives here, above them, and calls each app's own service."""

from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction

from campaigns import services as campaign_services
from campaigns.models import Signature
from pledges import selectors as pledge_selectors
from pledges import services as pledge_services
from pledges.models import Pledge

ERASED_MESSAGE = "Erased the supporter's personal data."


@dataclass(frozen=True)
class Erasure:
    signatures: int
    pledges: int
    monthly_canceled: int = 0


def supporter_erase(*, email: str, by=None, dry_run: bool = False) -> Erasure:
    """Erase one supporter everywhere: `supporters_erase` for one address."""
    return supporters_erase(emails=[email], by=by, dry_run=dry_run)


def supporters_erase(*, emails, by=None, dry_run: bool = False) -> Erasure:
    """Erase the personal data of every signature and pledge made with these addresses.

    The one erasure path: `manage.py erase_supporter` and the "Erase these supporters" actions
    of the signature and pledge admins call it.

    First, their live monthly gifts are canceled at Stripe and their Stripe Customers
    redacted: an erased supporter must not go on being billed by someone who no longer knows
    them. These are calls to Stripe, so they run before (and outside) the transaction; if
    Stripe cannot be reached, `PaymentGatewayError` propagates and nothing here is erased (the
    cancellations already made stay: they are idempotent, so running it again finishes).

    Then one transaction, so both apps erase or neither does. Each app's service clears every
    personal field (names, address, postal code, comments, messages, IP hash, tracking values,
    staff review notes) and scrubs the admin history; with `by` (the staff user), each erased
    row then gets a history entry that names no one. Idempotent: a second call erases nothing.

    `dry_run` counts what would happen and changes nothing, at Stripe or here.
    """
    emails = sorted({e.strip().lower() for e in emails if e and e.strip()})
    if dry_run:
        gifts = pledge_selectors.monthly_gifts_for_emails(emails=emails).count()
        with transaction.atomic():
            erased = _erase_rows(emails=emails, by=None)
            transaction.set_rollback(True)
        return Erasure(erased.signatures, erased.pledges, monthly_canceled=gifts)
    canceled = sum(pledge_services.subscription_cancel_for_email(email=e) for e in emails)
    erased = _erase_rows(emails=emails, by=by)
    return Erasure(erased.signatures, erased.pledges, monthly_canceled=canceled)


@transaction.atomic
def _erase_rows(*, emails, by) -> Erasure:
    signature_ids, pledge_ids = [], []
    for email in emails:
        signature_ids += campaign_services.signature_erase_for_email(email=email)
        pledge_ids += pledge_services.pledge_erase_for_email(email=email)
    if by is not None:
        # After erasure, so the entries' names (object_repr is str()) are the erased ones.
        for model, ids in ((Signature, signature_ids), (Pledge, pledge_ids)):
            if ids:
                LogEntry.objects.log_actions(
                    user_id=by.pk,
                    queryset=model.objects.filter(pk__in=ids),
                    action_flag=CHANGE,
                    change_message=ERASED_MESSAGE,
                )
    return Erasure(signatures=len(signature_ids), pledges=len(pledge_ids))
