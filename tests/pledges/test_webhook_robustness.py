"""The webhook never answers 500: odd but signed events get 400 naming the event id, timestamps
outside the tolerance either way are refused, the other mode is refused, and an event in an API
version the app does not read is stored, flagged and applied later."""

import copy
import json
import logging
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges.models import Pledge, StripeEvent
from tests.pledges.conftest import WEBHOOK_SECRET
from tests.pledges.helpers import checkout_session_for, dispute_for, event, refund_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_pledge(post_event, campaign):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500)
    assert (
        post_event(event("checkout.session.completed", checkout_session_for(pledge))).status_code
        == 200
    )
    pledge.refresh_from_db()
    return pledge


def test_a_timestamp_400_seconds_in_the_future_is_refused(
    post_event, pledge, stripe_webhook_payload_signer
):
    body = json.dumps(event("checkout.session.completed", checkout_session_for(pledge))).encode()
    header = stripe_webhook_payload_signer(body, WEBHOOK_SECRET, timestamp=int(time.time()) + 400)

    response = post_event({}, body=body, header=header)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    pledge.refresh_from_db()
    assert pledge.counted_at is None


def test_a_timestamp_a_little_ahead_of_our_clock_is_accepted(
    post_event, pledge, stripe_webhook_payload_signer
):
    body = json.dumps(event("checkout.session.completed", checkout_session_for(pledge))).encode()
    header = stripe_webhook_payload_signer(body, WEBHOOK_SECRET, timestamp=int(time.time()) + 30)

    assert post_event({}, body=body, header=header).status_code == 200


def _odd_events(pledge):
    """Signed events with shapes the app cannot read, each as Stripe could never send it."""
    session = checkout_session_for(pledge)
    refund = refund_for(pledge, amount=1000)
    dispute = dispute_for(pledge)
    cases = {
        "object is a list": event("checkout.session.completed", [session]),
        "object is a string": event("refund.created", "re_1"),
        "no data": {**event("refund.created", refund), "data": None},
        "id is a number": {**event("refund.created", refund), "id": 12345},
        "type is missing": {
            k: v for k, v in event("refund.created", refund).items() if k != "type"
        },
        "livemode is a string": {**event("refund.created", refund), "livemode": "no"},
        "api_version is a number": {**event("refund.created", refund), "api_version": 2026},
        "refund amount is text": event("refund.created", {**refund, "amount": "1000"}),
        "refund amount is negative": event("refund.created", {**refund, "amount": -5}),
        "refund amount is huge": event("refund.created", {**refund, "amount": 10**30}),
        "refund status unknown": event("refund.updated", {**refund, "status": "exploded"}),
        "refund id missing": event(
            "refund.created", {k: v for k, v in refund.items() if k != "id"}
        ),
        "refund id is a dict": event("refund.created", {**refund, "id": {"x": 1}}),
        "refund metadata is a list": event(
            "refund.created", {**refund, "metadata": ["pledge_id"], "payment_intent": 7}
        ),
        "refund pledge id not a uuid": event(
            "refund.created", {**refund, "metadata": {"pledge_id": "not-a-uuid"}}
        ),
        "dispute status unknown": event("charge.dispute.closed", {**dispute, "status": 3}),
        "dispute amount is a float": event("charge.dispute.created", {**dispute, "amount": 25.0}),
        "dispute evidence is a list": event(
            "charge.dispute.created", {**dispute, "evidence_details": [1], "amount": True}
        ),
        "session metadata is a string": event(
            "checkout.session.completed",
            {**session, "metadata": "pledge", "client_reference_id": 5},
        ),
        "session id is a list": event("checkout.session.expired", {**session, "id": ["cs"]}),
        "charge refunds is a list of strings": event(
            "charge.refunded", {"id": "ch_1", "refunds": {"data": ["re_1"]}}
        ),
        "nul in the event id": {**event("refund.created", refund), "id": "evt_\x00"},
        "nul in a refund id": event("refund.created", {**refund, "id": "re_\x00"}),
    }
    return cases


ODD_NAMES = [
    "object is a list",
    "object is a string",
    "no data",
    "id is a number",
    "type is missing",
    "livemode is a string",
    "api_version is a number",
    "refund amount is text",
    "refund amount is negative",
    "refund amount is huge",
    "refund status unknown",
    "refund id missing",
    "refund id is a dict",
    "refund metadata is a list",
    "refund pledge id not a uuid",
    "dispute status unknown",
    "dispute amount is a float",
    "dispute evidence is a list",
    "session metadata is a string",
    "session id is a list",
    "charge refunds is a list of strings",
    "nul in the event id",
    "nul in a refund id",
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_a_signed_event_the_app_cannot_read_answers_400_never_500(
    name, post_event, paid_pledge, campaign, caplog
):
    odd = _odd_events(paid_pledge)[name]
    before = copy.deepcopy(odd)

    with caplog.at_level(logging.WARNING, logger="pledges.webhooks"):
        response = post_event(odd)

    assert odd == before
    assert response.status_code in (200, 400), response.status_code
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    if response.status_code == 400:
        event_id = odd.get("id") if isinstance(odd, dict) else None
        if isinstance(event_id, str) and "\x00" not in event_id:
            assert any(event_id in r.getMessage() for r in caplog.records), caplog.text
            stored = StripeEvent.objects.get(pk=event_id)
            assert stored.processed_at is None and stored.error.startswith("Unreadable")


def test_every_odd_case_is_in_the_list():
    assert sorted(_odd_events(PledgeFactory.build()).keys()) == sorted(ODD_NAMES)


def test_an_unreadable_event_redelivered_after_a_fix_is_applied(post_event, paid_pledge, campaign):
    good = event("refund.created", refund_for(paid_pledge, amount=1000))
    odd = copy.deepcopy(good)
    odd["data"]["object"]["amount"] = "1000"
    assert post_event(odd).status_code == 400

    # Stripe retries the same event id; this time the object is readable.
    assert post_event(good).status_code == 200

    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 1500
    assert StripeEvent.objects.get(pk=good["id"]).processed_at is not None


def test_an_event_from_the_other_mode_is_refused_and_not_applied(
    post_event, pledge, campaign, caplog
):
    live = {**event("checkout.session.completed", checkout_session_for(pledge)), "livemode": True}

    with caplog.at_level(logging.WARNING, logger="pledges.webhooks"):
        response = post_event(live)

    assert response.status_code == 400
    assert live["id"] in caplog.text
    assert not StripeEvent.objects.exists()
    pledge.refresh_from_db()
    assert pledge.counted_at is None


def test_a_test_event_at_a_live_endpoint_is_refused(post_event, pledge, settings):
    settings.STRIPE_SECRET_KEY = "rk_live_restricted"

    response = post_event(event("checkout.session.completed", checkout_session_for(pledge)))

    assert response.status_code == 400
    pledge.refresh_from_db()
    assert pledge.counted_at is None


def _old_version(event_dict):
    return {**event_dict, "api_version": "2020-08-27"}


def test_an_event_in_an_api_version_the_app_does_not_read_is_stored_and_flagged(
    post_event, pledge, campaign
):
    old = _old_version(event("checkout.session.completed", checkout_session_for(pledge)))

    response = post_event(old)

    assert response.status_code == 200
    stored = StripeEvent.objects.get(pk=old["id"])
    assert (stored.api_version, stored.processed_at) == ("2020-08-27", None)
    assert "2020-08-27" in stored.error
    assert stored.payload == old
    pledge.refresh_from_db()
    assert pledge.counted_at is None
    # A redelivery stays flagged; nothing is applied behind staff's back.
    assert post_event(old).status_code == 200
    pledge.refresh_from_db()
    assert pledge.counted_at is None


def test_replay_stripe_events_applies_flagged_events_once(post_event, pledge, campaign):
    old = _old_version(event("checkout.session.completed", checkout_session_for(pledge)))
    post_event(old)

    dry = _run("replay_stripe_events", "--dry-run")
    pledge.refresh_from_db()
    assert pledge.counted_at is None
    assert old["id"] in dry

    output = _run("replay_stripe_events")
    assert "1 applied" in output
    assert "0 applied" in _run("replay_stripe_events")

    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    stored = StripeEvent.objects.get(pk=old["id"])
    assert stored.processed_at is not None and stored.error == ""
    assert post_event(old).content == b"Already processed."


def test_staff_apply_flagged_events_from_the_admin(
    client, post_event, pledge, campaign, django_user_model
):
    from django.contrib.auth.models import Permission

    old = _old_version(event("checkout.session.completed", checkout_session_for(pledge)))
    post_event(old)
    finance = django_user_model.objects.create_user("finance", is_staff=True)
    finance.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_stripeevent", "refund_pledge"])
    )
    client.force_login(finance)

    response = client.post(
        reverse("admin:pledges_stripeevent_changelist"),
        {"action": "apply_events", "_selected_action": [old["id"]]},
        follow=True,
    )

    assert "1 applied, 0 could not be read" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PAID


def test_every_verified_event_is_stored_with_what_stripe_sent(post_event, pledge):
    unhandled = event("customer.created", {"id": "cus_1", "object": "customer"})

    assert post_event(unhandled).status_code == 200

    stored = StripeEvent.objects.get(pk=unhandled["id"])
    assert (stored.type, stored.api_version, stored.livemode) == (
        "customer.created",
        "2026-10-28.endive",
        False,
    )
    assert stored.payload == unhandled and stored.processed_at is not None
    assert stored.created is not None


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("number", [b"Infinity", b"NaN", b"-Infinity", b"1e400"])
def test_numbers_stripe_never_sends_are_refused_as_unreadable(post_event, pledge, number):
    body = json.dumps(event("refund.created", refund_for(pledge, amount=1))).encode()
    body = body.replace(b'"livemode": false', b'"livemode": ' + number)

    response = post_event({}, body=body)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
