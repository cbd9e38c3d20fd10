"""One erasure service (staff.services.supporter_erase) behind the command and both admin actions.

Each entry point is checked the same way: read every signature, pledge and admin history row
back and search them for the supporter's address and name.
"""

from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Campaign, Signature
from campaigns.services import signature_confirm, signature_create
from demo.factories.pledges import checkout_session_for
from pledges.models import Pledge
from pledges.services import pledge_create, pledge_mark_paid
from staff.services import supporter_erase
from tests.staff.conftest import CONSENT, make_campaign

EMAIL = "Zephyrine.Quixote@example.org"
FIRST, LAST = "Zephyrine", "Quixote"
TRACES = ("zephyrine", "quixote")


def sign(campaign, *, email, first_name, last_name, confirm=True, **fields):
    signature = signature_create(
        campaign=campaign,
        first_name=first_name,
        last_name=last_name,
        email=email,
        country="US",
        consent_text=CONSENT,
        **fields,
    ).signature
    if confirm:
        signature_confirm(signature_id=signature.pk)
    return signature


def pledge(campaign, amount_minor, *, email, name, paid=True, **fields):
    made = pledge_create(
        campaign=campaign,
        amount_minor=amount_minor,
        name=name,
        email=email,
        consent_text=CONSENT,
        **fields,
    )
    if paid:
        Pledge.objects.filter(pk=made.pk).update(
            stripe_checkout_session_id=f"cs_test_{made.pk.hex}"
        )
        made.refresh_from_db()
        pledge_mark_paid(session=checkout_session_for(made), send_receipt=False)
    made.refresh_from_db()
    return made


def log(user, obj, message):
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=type(obj).objects.filter(pk=obj.pk),
        action_flag=CHANGE,
        change_message=message,
    )


@pytest.fixture
def supporter(db, admin_user):
    """Zephyrine signed two campaigns and pledged twice; staff wrote about her; Bob also signed."""
    first, second = make_campaign(), make_campaign()
    signed = sign(
        first,
        email=EMAIL,
        first_name=FIRST,
        last_name=LAST,
        postal_code="90210",
        comment="My family, the Quixotes, were separated.",
        show_publicly=True,
        wants_updates=True,
        source=f"newsletter-{EMAIL}",
        utm={"utm_term": EMAIL.lower()},
        ip_hash="a" * 64,
    )
    sign(second, email=EMAIL.upper(), first_name=FIRST, last_name=LAST, confirm=False)
    paid = pledge(
        first,
        2_500,
        email=EMAIL,
        name=f"{FIRST} {LAST}",
        public_message="For the Quixote family reunion",
        wants_updates=True,
        ip_hash="b" * 64,
    )
    Pledge.objects.filter(pk=paid.pk).update(
        needs_review=True, review_reason=f"{FIRST} Quixote phoned from {EMAIL} about her card"
    )
    pledge(second, 1_000, paid=False, email=EMAIL.lower(), name=FIRST)
    log(admin_user, signed, "Resent the confirmation email.")  # object_repr holds her name
    log(admin_user, paid, f"Called {FIRST} {LAST} back.")
    log(admin_user, first, f"Exported after a request from {EMAIL}.")  # a campaign's entry
    bob = sign(first, email="bob@example.org", first_name="Bob", last_name="Builder")
    return {"campaigns": (first, second), "bob": bob}


def everything_stored() -> str:
    rows = [
        *Signature.objects.values(),
        *Pledge.objects.values(),
        *LogEntry.objects.values("object_repr", "change_message"),
    ]
    return repr(rows).lower()


def erase_with_the_command(client, admin_user, supporter):
    call_command("erase_supporter", EMAIL, stdout=StringIO())


def erase_in_the_admin(client, admin_user, changelist, one):
    """The admin asks first (nothing is erased yet), then erases when staff confirm."""
    client.force_login(admin_user)
    picked = {"action": "erase_supporters", "_selected_action": [one.pk]}
    asked = client.post(reverse(changelist), picked)
    assert asked.status_code == 200
    assert b"Yes, erase" in asked.content
    assert Signature.objects.filter(email_normalized=EMAIL.lower(), erased_at=None).exists()
    response = client.post(reverse(changelist), {**picked, "confirm_erasure": "yes"})
    assert response.status_code == 302


def erase_from_the_signature_admin(client, admin_user, supporter):
    one = Signature.objects.filter(email_normalized=EMAIL.lower()).first()
    erase_in_the_admin(client, admin_user, "admin:campaigns_signature_changelist", one)


def erase_from_the_pledge_admin(client, admin_user, supporter):
    one = Pledge.objects.filter(email__iexact=EMAIL).first()
    erase_in_the_admin(client, admin_user, "admin:pledges_pledge_changelist", one)


ENTRY_POINTS = [erase_with_the_command, erase_from_the_signature_admin, erase_from_the_pledge_admin]


@pytest.mark.parametrize("erase", ENTRY_POINTS)
def test_no_row_keeps_the_address_or_the_name(client, admin_user, supporter, erase):
    before = everything_stored()
    assert all(trace in before for trace in TRACES)  # the search finds her before erasure

    erase(client, admin_user, supporter)

    after = everything_stored()
    for trace in TRACES:
        assert trace not in after, trace
    assert "bob@example.org" in after and "builder" in after  # someone else is untouched


@pytest.mark.parametrize("erase", ENTRY_POINTS)
def test_every_personal_field_is_cleared_and_the_counts_stay(client, admin_user, supporter, erase):
    first, _second = supporter["campaigns"]
    first.refresh_from_db()
    counts = (first.signature_count, first.amount_collected_minor, first.supporter_count)
    assert counts == (2, 2_500, 1)

    erase(client, admin_user, supporter)

    for signature in Signature.objects.exclude(pk=supporter["bob"].pk):
        assert signature.erased_at is not None
        assert (signature.first_name, signature.last_name) == ("Erased", "Erased")
        assert signature.email.endswith("@invalid.example")
        assert signature.postal_code == signature.comment == signature.ip_hash == ""
        assert signature.source == "" and signature.utm == {}
        assert not signature.show_publicly and not signature.wants_updates
    for erased in Pledge.objects.all():
        assert erased.erased_at is not None
        assert erased.name == erased.email == erased.public_message == erased.ip_hash == ""
        assert erased.review_reason == "" and erased.utm == {}
        assert erased.is_anonymous and not erased.wants_updates
    assert Pledge.objects.filter(needs_review=True).count() == 1  # the flag itself stays
    first.refresh_from_db()
    assert counts == (first.signature_count, first.amount_collected_minor, first.supporter_count)


def test_the_admin_actions_record_who_erased_without_naming_anyone(client, admin_user, supporter):
    erase_from_the_pledge_admin(client, admin_user, supporter)

    entries = LogEntry.objects.filter(change_message="Erased the supporter's personal data.")
    assert {e.content_type.model for e in entries} == {"signature", "pledge"}
    assert all(e.user == admin_user for e in entries)
    assert entries.count() == 4  # two signatures, two pledges


def test_erasing_twice_erases_nothing_the_second_time(supporter):
    first = supporter_erase(email=EMAIL)
    second = supporter_erase(email=EMAIL)

    assert (first.signatures, first.pledges) == (2, 2)
    assert (second.signatures, second.pledges) == (0, 0)


def test_an_editor_without_the_erase_permission_sees_no_erase_action(client, editor, supporter):
    client.force_login(editor)

    response = client.post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "erase_supporters", "_selected_action": list(Pledge.objects.values("pk"))},
    )

    assert response.status_code == 403
    assert not Pledge.objects.filter(erased_at__isnull=False).exists()
    assert Campaign.objects.count() == 2


def test_an_unrelated_history_entry_keeps_a_first_name_alone(db, admin_user):
    campaign = make_campaign()
    sign(campaign, email=EMAIL, first_name=FIRST, last_name=LAST)
    log(admin_user, campaign, f"Added the rally on {FIRST} Street.")
    log(admin_user, campaign, f"Called {EMAIL} back.")

    supporter_erase(email=EMAIL)

    messages = LogEntry.objects.filter(object_id=str(campaign.pk)).values_list(
        "change_message", flat=True
    )
    assert f"Added the rally on {FIRST} Street." in messages  # only her own entries lose it
    assert not any(EMAIL.lower() in m.lower() for m in messages)
