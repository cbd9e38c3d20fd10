"""Staff operations that span apps. `campaigns` imports neither `articles` nor `pledges`, so what
touches a supporter everywhere lives here, above them, and calls each app's own service."""

from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction

from campaigns import services as campaign_services
from campaigns.models import Signature
from pledges import services as pledge_services
from pledges.models import Pledge

ERASED_MESSAGE = "Erased the supporter's personal data."


@dataclass(frozen=True)
class Erasure:
    signatures: int
    pledges: int


@transaction.atomic
def supporter_erase(*, email: str, by=None) -> Erasure:
    """Erase one supporter's personal data from every signature and pledge made with `email`.

    The one erasure path: `manage.py erase_supporter` and the "Erase these supporters" actions
    of the signature and pledge admins call it. One transaction, so both apps erase or neither
    does. Each app's service clears every personal field (names, address, postal code,
    comments, messages, IP hash, tracking values, staff review notes) and scrubs the admin
    history; with `by` (the staff user), each erased row then gets a history entry that names
    no one. Idempotent: a second call erases nothing. Returns the counts.
    """
    signature_ids = campaign_services.signature_erase_for_email(email=email)
    pledge_ids = pledge_services.pledge_erase_for_email(email=email)
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


def supporters_erase(*, emails, by=None) -> Erasure:
    """`supporter_erase` for each of `emails` (the admin actions), in one transaction."""
    signatures = pledges = 0
    with transaction.atomic():
        for email in sorted(set(emails)):
            erased = supporter_erase(email=email, by=by)
            signatures += erased.signatures
            pledges += erased.pledges
    return Erasure(signatures=signatures, pledges=pledges)
