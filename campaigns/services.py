"""Business rules for campaigns: signing, confirming, counting, erasing.

Every change to a campaign's counters goes through a function here, as a single atomic
`UPDATE ... SET x = x + n` (an F() expression), so concurrent requests never lose an update.

Signing rules, in one place:

- One signature per campaign and normalised email. The `one_signature_per_email` unique
  constraint guarantees it: `signature_create` inserts inside a savepoint and treats an
  `IntegrityError` as "already signed". It never checks with `exists()` first, which two
  requests at once would both pass.
- A signature counts (`signature_count`) once `confirmed_at` is set: by `signature_confirm` from
  the emailed link, or at once when the campaign does not require confirmation.
- Confirmation emails go out after the transaction commits. `confirmation_sent_at` is set only
  when a send succeeded, and it throttles re-sends to one per `RESEND_INTERVAL`.
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


class CampaignNotOpen(Exception):
    """The campaign is a draft, closed, or not open yet: it takes no signatures."""


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

    - New address: inserts the signature. If the campaign requires confirmation, the
      confirmation email is queued for after commit; otherwise the signature is confirmed and
      counted at once.
    - Address that already signed: nothing is changed or overwritten. If that signature is
      still unconfirmed, the confirmation email is sent again (at most once per
      `RESEND_INTERVAL`).

    Raises `CampaignNotOpen` if the campaign is not open for signatures.
    """
    if not campaign.is_open():
        raise CampaignNotOpen(campaign.slug)
    email = (email or "").strip()
    email_normalized = email_normalize(email)
    now = timezone.now()
    counts_now = not campaign.requires_confirmation
    with transaction.atomic():
        try:
            with (
                transaction.atomic()
            ):  # A savepoint: the IntegrityError leaves the outer one usable.
                signature = Signature.objects.create(
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
                    confirmed_at=now if counts_now else None,
                )
        except IntegrityError:
            signature = Signature.objects.filter(
                campaign=campaign, email_normalized=email_normalized
            ).first()
            if signature is None:  # Some other constraint failed: not a repeat.
                raise
            if signature.confirmed_at is None and campaign.requires_confirmation:
                _send_confirmation_after_commit(signature.pk, force=False)
            return SignResult(signature=signature, created=False, counted=False)

        if counts_now:
            Campaign.objects.filter(pk=campaign.pk).update(signature_count=F("signature_count") + 1)
        else:
            _send_confirmation_after_commit(signature.pk, force=False)
    return SignResult(signature=signature, created=True, counted=counts_now)


def signature_confirm(*, signature_id: int) -> bool:
    """Confirm the signature and count it. Idempotent and safe to call concurrently.

    The conditional UPDATE (`confirmed_at IS NULL`) changes the row for exactly one caller;
    only that caller adds one to the campaign's `signature_count`. Returns True when this
    call confirmed it, False when it was confirmed already (or erased). Raises
    `Signature.DoesNotExist` for an unknown id.
    """
    with transaction.atomic():
        changed = Signature.objects.filter(
            pk=signature_id, confirmed_at__isnull=True, erased_at__isnull=True
        ).update(confirmed_at=timezone.now())
        if changed:
            Campaign.objects.filter(signatures__pk=signature_id).update(
                signature_count=F("signature_count") + 1
            )
            return True
    if not Signature.objects.filter(pk=signature_id).exists():
        raise Signature.DoesNotExist(signature_id)
    return False


# --- Confirmation emails ---------------------------------------------------------------------


def _send_confirmation_after_commit(signature_id: int, *, force: bool) -> None:
    transaction.on_commit(
        lambda: signature_send_confirmation(signature_id=signature_id, force=force)
    )


def signature_send_confirmation(*, signature_id: int, force: bool = False) -> bool:
    """Email the confirmation link now. Returns True if an email went out.

    Sends nothing for a confirmed or erased signature, nor (unless `force`, used by the admin's
    "resend" action) when one went out less than `RESEND_INTERVAL` ago. The send slot is
    claimed with a conditional UPDATE of `confirmation_sent_at`, so two requests at once send
    one email; if the send fails, the claim is undone, the failure is logged (without the
    address) and the signature stays, ready for a retry.
    """
    now = timezone.now()
    slot = Q(confirmed_at__isnull=True, erased_at__isnull=True)
    if not force:
        slot &= Q(confirmation_sent_at__isnull=True) | Q(
            confirmation_sent_at__lt=now - RESEND_INTERVAL
        )
    signature = (
        Signature.objects.select_related("campaign").filter(pk=signature_id).filter(slot).first()
    )
    if signature is None:
        return False
    previous = signature.confirmation_sent_at
    # `confirmation_sent_at=None` matches IS NULL: the first send claims an empty slot.
    claimed = (
        Signature.objects.filter(pk=signature_id, confirmation_sent_at=previous)
        .filter(slot)
        .update(confirmation_sent_at=now)
    )
    if not claimed:
        return False
    try:
        _confirmation_message(signature).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any backend failure: keep it, allow a retry.
        Signature.objects.filter(pk=signature_id, confirmation_sent_at=now).update(
            confirmation_sent_at=previous
        )
        # The error's type only, no traceback: an SMTP refusal quotes the recipient's address.
        logger.error(
            "Confirmation email for signature %s on campaign %s failed (%s); it can be resent.",
            signature_id,
            signature.campaign_id,
            type(error).__name__,
        )
        return False
    return True


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
