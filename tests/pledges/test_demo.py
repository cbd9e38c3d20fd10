"""The demo pledges load through the services, once."""

from io import StringIO

import pytest
from django.core.management.color import no_style

from demo import pledges as demo_pledges
from pledges.models import Pledge

pytestmark = pytest.mark.django_db


def test_demo_pledges_are_paid_counted_and_loaded_only_once(campaign):
    demo_pledges.load(stdout=StringIO(), style=no_style())
    demo_pledges.load(stdout=StringIO(), style=no_style())

    pledges = Pledge.objects.filter(campaign=campaign)
    assert pledges.count() == len(demo_pledges.DEMO_PLEDGES)
    assert set(pledges.values_list("status", flat=True)) == {Pledge.Status.PAID}
    assert pledges.filter(is_anonymous=True).exists()
    assert pledges.exclude(public_message="").exists()
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == sum(row[3] for row in demo_pledges.DEMO_PLEDGES)
    assert campaign.supporter_count == len(demo_pledges.DEMO_PLEDGES)


def test_demo_pledges_are_skipped_without_the_lead_campaign(db):
    out = StringIO()

    demo_pledges.load(stdout=out, style=no_style())

    assert not Pledge.objects.exists()
    assert "skipped" in out.getvalue()
