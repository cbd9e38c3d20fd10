"""Staff fixtures: a user per role, and campaigns with signatures and pledges made the way the
apps make them (through their services), so the counters the public pages show are consistent."""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import signature_confirm, signature_create
from pledges.services import pledge_create, pledge_mark_paid
from staff.roles import ROLE_GROUPS

_serial = itertools.count(1)
CONSENT = "I agree to the privacy notice."


@pytest.fixture
def make_staff(db):
    """A staff user in one role (editor, campaigner, finance), or in none."""

    def make(role=None, **extra):
        user = get_user_model().objects.create_user(
            username=f"{role or 'staff'}-{next(_serial)}",
            email="staff@example.org",
            password=None,  # unusable: tests sign in with force_login, and hashing is slow
            is_staff=True,
            **extra,
        )
        if role:
            user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        return user

    return make


@pytest.fixture
def editor(make_staff):
    return make_staff("editor")


@pytest.fixture
def campaigner(make_staff):
    return make_staff("campaigner")


@pytest.fixture
def finance(make_staff):
    return make_staff("finance")


def make_campaign(**fields):
    n = next(_serial)
    defaults = {
        "title": f"Campaign {n}",
        "slug": f"campaign-{n}",
        "ask": "Sign now",
        "status": Campaign.Status.LIVE,
        "signature_goal": 1000,
        "money_goal_minor": 100_000,
        "currency": "USD",
        "requires_confirmation": True,
    }
    return Campaign.objects.create(**{**defaults, **fields})


def sign(campaign, *, confirm=True, email=None, **fields):
    """A signature made by `signature_create`, confirmed by `signature_confirm` if asked."""
    result = signature_create(
        campaign=campaign,
        first_name="Ana",
        last_name="Lima",
        email=email or f"supporter-{next(_serial)}@example.org",
        country="US",
        consent_text=CONSENT,
        **fields,
    )
    if confirm:
        signature_confirm(signature_id=result.signature.pk)
    result.signature.refresh_from_db()
    return result.signature


def pledge(campaign, amount_minor, *, paid=True, email=None, **fields):
    """A pledge made by `pledge_create` and, if paid, counted by `pledge_mark_paid`."""
    new = pledge_create(
        campaign=campaign,
        amount_minor=amount_minor,
        name="Ana Lima",
        email=email or f"pledger-{next(_serial)}@example.org",
        consent_text=CONSENT,
        **fields,
    )
    if paid:
        session = {
            "id": f"cs_test_{uuid.uuid4().hex}",
            "payment_status": "paid",
            "amount_total": amount_minor,
            "currency": campaign.currency.lower(),
            "client_reference_id": str(new.pk),
            "metadata": {"pledge_id": str(new.pk)},
        }
        pledge_mark_paid(session=session, send_receipt=False)
    new.refresh_from_db()
    return new


def days_ago(n):
    return timezone.now() - timedelta(days=n)
