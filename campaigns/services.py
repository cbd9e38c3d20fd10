"""Business rules for campaigns: signing, confirming, counting, erasing.

Every change to a campaign's counters goes through a function here, as a single atomic
`UPDATE ... SET x = x + n` (an F() expression), so concurrent requests never lose an update.

Signing rules, in one place:

- One signature per campaign and normalised email. The `one_signature_per_email` unique
  constraint guarantees it: `signature_create` inserts with the conflict ignored and reads the
  row back, the same statements for a new and a known address. It never checks with `exists()`
  first, which two requests at once would both pass.
- A signature counts (`signature_count`) once `confirmed_at` is set: by `signature_confirm` from
  the emailed link, or at once when the campaign does not require confirmation.
- Confirmation emails are queued in the signing transaction (`core.mail`) and sent by the task
  worker, never on the request path; re-sends are throttled to one per `RESEND_INTERVAL`.
  `confirmation_sent_at` records the last email that went out.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Signature
from core.history import history_scrub
from core.mail import email_queue
from core.markdown import render_markdown

logger = logging.getLogger(__name__)

CONFIRM_SALT = "campaigns.confirm"
CONFIRM_MAX_AGE = timedelta(days=7)
RESEND_INTERVAL = timedelta(minutes=10)
ERASED_NAME = "Erased"


# --- Email addresses -----------------------------------------------------------------------


def email_normalize(email: str) -> str:
    """The form of an address used to tell supporters apart: stripped and lower-cased.

    The whole address is lower-cased. RFC 5321 lets a mail server treat the local part as
    case-sensitive, but no mainstream provider does, and people type their address in any case.
    Nothing else is folded: dots and "+tags" are distinct addresses at most providers, so
    "ana+x@example.org" and "ana@example.org" sign separately.
    """
    return (email or "").strip().lower()


# --- Confirmation tokens -------------------------------------------------------------------


class InvalidToken(Exception):
    """The confirmation token was tampered with, malformed or has expired."""


def signature_confirmation_token(*, signature_id: int) -> str:
    """A signed, timestamped token naming the signature; valid for `CONFIRM_MAX_AGE`."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(signature_id))


def signature_id_from_token(*, token: str) -> int:
    """The signature id inside `token`; raises `InvalidToken` if tampered with or expired."""
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
        return int(value)
    except (signing.BadSignature, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc


def signature_confirmation_url(*, signature_id: int) -> str:
    token = signature_confirmation_token(signature_id=signature_id)
    return settings.SITE_URL + reverse("campaigns:confirm", kwargs={"token": token})


# --- Signing ---------------------------------------------------------------------------------


REFUSAL_MESSAGES = {
    "draft": "This campaign is not published.",
    "not_yet_open": "This campaign is not open yet.",
    "closed": "This campaign has closed.",
    "ended": "This campaign has ended.",
    "pledges_off": "This campaign does not take money.",
}


def campaign_require(*, campaign: Campaign, action: str, now=None) -> None:
    """Raise ValidationError, with the refusal reason as its code, unless `campaign` takes
    `action` ("sign" or "pledge") now. The one exception style for "closed": services call
    it; views catch `ValidationError` and show the refusal page for `error.code`."""
    reason = campaign.accepts(action, now=now)
    if reason is not None:
        raise ValidationError(REFUSAL_MESSAGES[reason], code=reason)


@dataclass(frozen=True)
class SignResult:
    """What happened. Views must answer every case the same way (a neutral thank-you)."""

    signature: Signature
    created: bool
    counted: bool  # True when this call made the signature count (no confirmation needed).


def signature_create(
    *,
    campaign: Campaign,
    first_name: str,
    last_name: str,
    email: str,
    country: str,
    postal_code: str = "",
    comment: str = "",
    show_publicly: bool = False,
    wants_updates: bool = False,
    consent_text: str,
    ip_hash: str = "",
    source: str = "",
    utm: dict | None = None,
    source_article_id: int | None = None,
) -> SignResult:
    """Sign `campaign` once per normalised email. Transactional; safe to call concurrently.

    The `one_signature_per_email` constraint decides what is new (an insert that ignores the
    conflict), never a check first; counting goes through `signature_confirm`, which counts a
    signature once however many requests race.

    - New address: inserts the signature. If the campaign requires confirmation, the
      confirmation email is queued in the same transaction; otherwise the signature is
      confirmed and counted at once.
    - Address that already signed: nothing is changed or overwritten. The confirmation email
      is queued again, and the worker sends it only if the signature is still unconfirmed (at
      most once per `RESEND_INTERVAL`).

    Raises ValidationError (code: the refusal reason, see `campaign_require`) when the
    campaign does not take signatures now.
    """
    campaign_require(campaign=campaign, action="sign")
    email = (email or "").strip()
    email_normalized = email_normalize(email)
    candidate = Signature(
        campaign=campaign,
        first_name=first_name,
        last_name=last_name,
        email=email,
        email_normalized=email_normalized,
        country=country,
        postal_code=postal_code,
        comment=comment,
        show_publicly=show_publicly,
        wants_updates=wants_updates,
        consent_text=consent_text,
        ip_hash=ip_hash,
        source=source,
        utm=utm or {},
        source_article_id=source_article_id,
    )
    # A new and a known address run the same statements, so neither the answer nor its timing
    # says who signed before: insert-or-ignore (the unique constraint decides), read the row
    # back, confirm when no confirmation is needed (a conditional UPDATE that counts once),
    # queue the email (the worker decides whether one is needed).
    with transaction.atomic():
        Signature.objects.bulk_create([candidate], ignore_conflicts=True)
        signature = Signature.objects.filter(
            campaign=campaign, email_normalized=email_normalized
        ).first()
        if signature is None:  # Another constraint refused the row: not a repeat.
            raise IntegrityError("The signature could not be stored.")
        created = signature.created_at == candidate.created_at
        counted = False
        if not campaign.requires_confirmation:
            now = timezone.now()
            counted = signature_confirm(signature_id=signature.pk, now=now)
            if counted:  # What this call wrote; no need to read it back.
                signature.confirmed_at = now
        signature_send_confirmation(signature_id=signature.pk)
    return SignResult(signature=signature, created=created, counted=counted)


def signature_confirm(*, signature_id: int, now=None) -> bool:
    """Confirm the signature (at `now`, default the current time) and count it. Idempotent
    and safe to call concurrently.

    The conditional UPDATE (`confirmed_at IS NULL`) changes the row for exactly one caller;
    only that caller adds one to the campaign's `signature_count`. Returns True when this
    call confirmed it, False when it was confirmed already (or erased). Raises
    `Signature.DoesNotExist` for an unknown id.
    """
    now = now or timezone.now()
    # No savepoint inside `signature_create`'s transaction: nothing there catches an error
    # from here, and the two statements it would add are a tenth of a signing request's.
    with transaction.atomic(savepoint=False):
        changed = Signature.objects.filter(
            pk=signature_id, confirmed_at__isnull=True, erased_at__isnull=True
        ).update(confirmed_at=now)
        if changed:
            Campaign.objects.filter(signatures__pk=signature_id).update(
                signature_count=F("signature_count") + 1, last_action_at=now
            )
            return True
    if not Signature.objects.filter(pk=signature_id).exists():
        raise Signature.DoesNotExist(signature_id)
    return False


# --- Confirmation emails ---------------------------------------------------------------------

CONFIRMATION_EMAIL = "signature_confirmation"


def signature_send_confirmation(*, signature_id: int, force: bool = False) -> None:
    """Queue the confirmation email through `core.mail`; the worker sends it.

    Call it inside the transaction that creates or finds the signature: the email is stored
    with it. The worker sends nothing for a confirmed or erased signature, nor (unless `force`,
    the admin's "resend" action) within `RESEND_INTERVAL` of the last one sent; one already
    on its way is joined, not doubled.
    """
    email_queue(
        kind=CONFIRMATION_EMAIL,
        object_id=signature_id,
        build="campaigns.services.signature_confirmation_message",
        on_sent="campaigns.services.signature_confirmation_sent",
        throttle=None if force else RESEND_INTERVAL,
    )


def signature_confirmation_message(*, object_id) -> EmailMultiAlternatives | None:
    """The confirmation email for the worker to send; None once it is not needed any more."""
    signature = (
        Signature.objects.select_related("campaign")
        .filter(pk=object_id, confirmed_at__isnull=True, erased_at__isnull=True)
        .first()
    )
    return None if signature is None else _confirmation_message(signature)


def signature_confirmation_sent(*, object_id, sent_at) -> None:
    """The worker's record that the confirmation email went out (shown in the admin)."""
    Signature.objects.filter(pk=object_id).update(confirmation_sent_at=sent_at)


def _confirmation_message(signature: Signature) -> EmailMultiAlternatives:
    context = {
        "signature": signature,
        "campaign": signature.campaign,
        "confirm_url": signature_confirmation_url(signature_id=signature.pk),
        "campaign_url": settings.SITE_URL + signature.campaign.get_absolute_url(),
        "valid_days": CONFIRM_MAX_AGE.days,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = render_to_string("campaigns/email/confirm_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("campaigns/email/confirm.txt", context),
        to=[signature.email],
    )
    message.attach_alternative(
        render_to_string("campaigns/email/confirm.html", context), "text/html"
    )
    return message


# --- Campaign state and counters -------------------------------------------------------------


@transaction.atomic
def campaign_save(*, campaign: Campaign) -> Campaign:
    """Save `campaign` (new or changed) with its description rendered once into
    `description_html`. The admin and the demo content call this.

    Validate first (the admin form runs the model's validators); the description is checked
    again here and ValidationError raised when over the Markdown limits, so nothing slow is
    ever rendered.
    """
    for validator in Campaign._meta.get_field("description").validators:
        validator(campaign.description)
    campaign.description_html = str(render_markdown(campaign.description))
    campaign.save()
    return campaign


def campaign_close(*, campaign: Campaign) -> bool:
    """Close the campaign to new signatures and pledges. Returns False if it was closed already."""
    changed = (
        Campaign.objects.filter(pk=campaign.pk)
        .exclude(status=Campaign.Status.CLOSED)
        .update(status=Campaign.Status.CLOSED, updated_at=timezone.now())
    )
    campaign.status = Campaign.Status.CLOSED
    return bool(changed)


def campaign_rerender_all(*, dry_run: bool = False) -> list[str]:
    """Render every campaign description again and store it where it changed (after a change
    to the renderer or the sanitiser's allow-list). Returns the slugs of the changed campaigns.

    A description over today's limits keeps its stored HTML and is skipped. Each update is one
    conditional UPDATE of `description_html` alone.
    """
    changed = []
    fields = ("pk", "slug", "description", "description_html")
    for campaign in Campaign.objects.only(*fields).iterator(chunk_size=200):
        try:
            for validator in Campaign._meta.get_field("description").validators:
                validator(campaign.description)
        except ValidationError:
            continue
        html = str(render_markdown(campaign.description))
        if html != campaign.description_html:
            changed.append(campaign.slug)
            if not dry_run:
                Campaign.objects.filter(pk=campaign.pk, description=campaign.description).update(
                    description_html=html
                )
    return changed


@dataclass(frozen=True)
class Drift:
    campaign_id: int
    slug: str
    stored: int
    actual: int


def campaign_recount(*, campaigns=None, dry_run: bool = False) -> list[Drift]:
    """Rebuild `signature_count` from the confirmed signature rows.

    Returns the campaigns whose stored count differed. With `dry_run`, changes nothing. Each
    correction is one UPDATE setting the count from a fresh COUNT(*) taken in the same
    transaction, so it is right at the moment it is written.
    """
    queryset = (campaigns if campaigns is not None else Campaign.objects.all()).annotate(
        actual=Count("signatures", filter=Q(signatures__confirmed_at__isnull=False))
    )
    drifts = [
        Drift(campaign_id=c.pk, slug=c.slug, stored=c.signature_count, actual=c.actual)
        for c in queryset.order_by("pk")
        if c.signature_count != c.actual
    ]
    if not dry_run:
        for drift in drifts:
            with transaction.atomic():
                actual = Signature.objects.filter(
                    campaign_id=drift.campaign_id, confirmed_at__isnull=False
                ).count()
                Campaign.objects.filter(pk=drift.campaign_id).update(signature_count=actual)
    return drifts


# --- Privacy ---------------------------------------------------------------------------------


def signature_erase_for_email(*, email: str) -> list[int]:
    """Anonymise every signature of `email` (normalised) on every campaign.

    Names become "Erased", the address an unroutable placeholder; postal code, comment, IP
    hash and tracking values (a link's `?source=` can carry an address) are cleared; the name
    is no longer shown and no update is sent. The admin history stops naming the rows and
    quoting the address or the name. The rows stay (country and dates too, as anonymous
    statistics), so counts are unchanged. Transactional and idempotent; returns the ids of the
    signatures this call erased. Callers erasing a supporter everywhere use
    `staff.services.supporter_erase`.
    """
    email_normalized = email_normalize(email)
    if not email_normalized:
        return []
    now = timezone.now()
    erased_ids: list[int] = []
    quoted, names = {email_normalized}, set()
    with transaction.atomic():
        for signature in Signature.objects.select_for_update().filter(
            email_normalized=email_normalized, erased_at__isnull=True
        ):
            quoted |= {signature.email, f"{signature.first_name} {signature.last_name}"}
            names |= {signature.first_name, signature.last_name}
            placeholder = f"erased-{signature.pk}@invalid.example"
            signature.first_name = ERASED_NAME
            signature.last_name = ERASED_NAME
            signature.email = placeholder
            signature.email_normalized = placeholder
            signature.postal_code = ""
            signature.comment = ""
            signature.ip_hash = ""
            signature.show_publicly = False
            signature.wants_updates = False
            signature.source = ""
            signature.utm = {}
            signature.erased_at = now
            signature.save(update_fields=[*ERASED_SIGNATURE_FIELDS, "erased_at"])
            erased_ids.append(signature.pk)
        if erased_ids:
            history_scrub(
                model=Signature,
                object_ids=erased_ids,
                object_repr=ERASED_NAME,
                quoted=quoted,
                names=names,
            )
    return erased_ids


# Every personal field of a signature, cleared by `signature_erase_for_email`.
ERASED_SIGNATURE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "email_normalized",
    "postal_code",
    "comment",
    "ip_hash",
    "show_publicly",
    "wants_updates",
    "source",
    "utm",
)


# --- Money counters (called by the pledges app) ----------------------------------------------


def campaign_adjust_pledge_totals(*, campaign_id: int, amount_minor: int, supporters: int) -> None:
    """Move the money counters by signed amounts: a refund or dispute taking money off (negative),
    a failed refund or a won dispute giving it back (positive).

    Call it inside the transaction that changes the pledge's refund or dispute rows.
    """
    if not (amount_minor or supporters):
        return
    # One UPDATE is atomic on its own; it needs no transaction (or savepoint) of its own.
    Campaign.objects.filter(pk=campaign_id).update(
        amount_collected_minor=F("amount_collected_minor") + amount_minor,
        supporter_count=F("supporter_count") + supporters,
    )


def campaign_set_pledge_totals(
    *, campaign_id: int, amount_collected_minor: int, supporter_count: int
) -> None:
    """Overwrite the money counters with totals rebuilt from the pledge rows (reconciliation)."""
    Campaign.objects.filter(pk=campaign_id).update(
        amount_collected_minor=amount_collected_minor, supporter_count=supporter_count
    )
