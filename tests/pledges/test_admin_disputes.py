"""Staff see open disputes in a queue, soonest evidence deadline first, and each pledge's
refunds and disputes on its page."""

import time

import pytest
from django.urls import reverse

from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.services import pledge_apply_dispute, pledge_apply_refund, pledge_mark_paid
from tests.pledges.test_admin import staff

pytestmark = pytest.mark.django_db


def paid(campaign, amount_minor=2_500):
    pledge = PledgeFactory(campaign=campaign, amount_minor=amount_minor)
    pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)
    pledge.refresh_from_db()
    return pledge


def dispute(pledge, dispute_id, status, due_in_days):
    return pledge_apply_dispute(
        dispute={
            "id": dispute_id,
            "amount": pledge.amount_minor,
            "currency": "usd",
            "status": status,
            "reason": "fraudulent",
            "payment_intent": pledge.stripe_payment_intent_id,
            "evidence_details": {"due_by": int(time.time()) + due_in_days * 86400},
        }
    )


def test_the_open_dispute_queue_lists_open_disputes_soonest_deadline_first(client, campaign):
    dispute(paid(campaign), "dp_later", "needs_response", 9)
    dispute(paid(campaign), "dp_sooner", "under_review", 2)
    dispute(paid(campaign), "dp_done", "lost", 1)
    client.force_login(staff("view_dispute"))

    response = client.get(reverse("admin:pledges_dispute_changelist"), {"queue": "open"})

    assert response.status_code == 200
    listed = [d.stripe_dispute_id for d in response.context["cl"].result_list]
    assert listed == ["dp_sooner", "dp_later"]
    assert "Evidence due by" in response.content.decode()


def test_a_pledges_page_shows_its_refunds_and_disputes(client, campaign):
    pledge = paid(campaign)
    pledge_apply_refund(
        refund={
            "id": "re_test_admin",
            "amount": 500,
            "status": "succeeded",
            "payment_intent": pledge.stripe_payment_intent_id,
        }
    )
    dispute(pledge, "dp_test_admin", "needs_response", 5)
    client.force_login(staff("view_refund", "view_dispute"))

    html = client.get(reverse("admin:pledges_pledge_change", args=[pledge.pk])).content.decode()

    assert "re_test_admin" in html and "dp_test_admin" in html


def test_stored_events_show_their_payload_and_error(client, campaign, post_event):
    from tests.pledges.helpers import event

    unread = {**event("customer.created", {"id": "cus_1"}), "api_version": "2020-08-27"}
    post_event(unread)
    client.force_login(staff("view_stripeevent"))

    html = client.get(reverse("admin:pledges_stripeevent_change", args=[unread["id"]])).content
    assert b"cus_1" in html
