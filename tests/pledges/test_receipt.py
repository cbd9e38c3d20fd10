"""The receipt email's content: who received the money, what was paid, and how to get it back."""

import pytest
from django.core import mail

from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.services import (
    pledge_mark_paid,
    pledge_receipt_context,
    pledge_send_receipt,
    pledge_start_checkout,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(settings):
    settings.ORG_LEGAL_NAME = "Global Advocate Foundation"
    settings.ORG_REGISTRATION = "EIN 12-3456789"
    settings.ORG_ADDRESS = "1 Main Street, Springfield, USA"
    settings.ORG_TAX_STATEMENT = "Global Advocate Foundation is a 501(c)(3) public charity."


def paid(campaign, **extra):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500, name="Ada", **extra)
    pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)
    pledge.refresh_from_db()
    return pledge


def test_the_receipt_names_the_organisation_amount_date_reference_tax_and_refunds(
    campaign, org, mailoutbox, run_tasks
):
    pledge = paid(campaign)

    pledge_send_receipt(pledge_id=pledge.pk)
    run_tasks()  # the worker sends the queued receipt

    (message,) = mail.outbox
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert "Global Advocate Foundation" in body
        assert "EIN 12-3456789" in body and "1 Main Street, Springfield, USA" in body
        assert "$25" in body
        assert pledge.paid_at.strftime("%-d %B %Y") in body
        assert str(pledge.pk) in body
        assert "501(c)(3) public charity" in body
        assert "refund" in body
    assert "pledged" not in message.subject.lower() and "$25" in message.subject


def test_the_card_is_named_only_when_stripe_gave_brand_and_last_four(campaign, org):
    pledge = paid(campaign)

    assert pledge_receipt_context(pledge=pledge)["card"] == ""
    pledge.card_brand, pledge.card_last4 = "visa", "4242"
    assert pledge_receipt_context(pledge=pledge)["card"] == "Visa ending in 4242"


def test_without_org_settings_the_site_name_receives_the_money(campaign, settings):
    settings.ORG_LEGAL_NAME = ""
    settings.ORG_TAX_STATEMENT = ""
    context = pledge_receipt_context(pledge=paid(campaign))

    assert context["org_name"] == settings.SITE_NAME
    assert context["tax_statement"] == ""


def test_the_receipt_names_the_card_stripe_charged(
    campaign, org, stripe_settings, mailoutbox, run_tasks
):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    # Paid on the emulator's hosted page with its test Visa ending in 4242; the receipt is
    # queued with the payment and the worker asks Stripe which card paid.
    pledge_mark_paid(session=stripe_settings.pay(pledge.stripe_checkout_session_id))
    run_tasks()

    (message,) = mail.outbox
    assert "Visa ending in 4242" in message.body
    assert "Visa ending in 4242" in message.alternatives[0].content


def test_a_receipt_waits_for_no_card_details_when_stripe_is_unreachable(
    campaign, org, stripe_settings, mailoutbox, run_tasks
):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    pledge_mark_paid(session=stripe_settings.pay(pledge.stripe_checkout_session_id))
    stripe_settings.fail_next(10, status=500)
    run_tasks()

    (message,) = mail.outbox
    assert "ending in" not in message.body
    assert "$25" in message.body
