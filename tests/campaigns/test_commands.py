"""`manage.py recount`: rebuild signature counts from the rows."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from demo.factories.campaigns import CampaignFactory, SignatureFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("recount", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_reports_drift_and_changes_nothing(campaign):
    SignatureFactory.create_batch(2, campaign=campaign, confirmed=True)

    output = run("--dry-run")

    assert "reunite-families: stored 0, counted 2 (would change by +2)" in output
    campaign.refresh_from_db()
    assert campaign.signature_count == 0


def test_recount_corrects_the_stored_count(campaign):
    SignatureFactory.create_batch(2, campaign=campaign, confirmed=True)
    SignatureFactory(campaign=campaign)

    run()

    campaign.refresh_from_db()
    assert campaign.signature_count == 2
    assert "are exact" in run()


def test_recount_can_be_limited_to_one_campaign(campaign):
    other = CampaignFactory(slug="other")
    SignatureFactory(campaign=campaign, confirmed=True)
    SignatureFactory(campaign=other, confirmed=True)

    run("--campaign", "other")

    campaign.refresh_from_db()
    other.refresh_from_db()
    assert (campaign.signature_count, other.signature_count) == (0, 1)


def test_an_unknown_campaign_is_an_error(db):
    with pytest.raises(CommandError, match="no-such-campaign"):
        run("--campaign", "no-such-campaign")
