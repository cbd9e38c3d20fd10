"""No email, IP address, token or secret reaches the logs, tracebacks included, in any flow.

Each test swaps the stream of the site's real log handler (settings.LOGGING, with its redaction
filter and formatter), turns the root logger up to DEBUG, runs one supporter flow through the
whole stack (Stripe over real HTTP against the emulator) and searches what was written.
"""

import io
import json
import logging
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from campaigns.services import CONFIRM_SALT
from core.logging import RedactPersonalData
from demo.factories.campaigns import CampaignFactory
from pledges.models import Pledge
from tests.fixtures.stripe import EMULATOR_SECRET_KEY, EMULATOR_WEBHOOK_SECRET
from tests.pledges.helpers import event

pytestmark = pytest.mark.django_db

EMAIL = "Ottoline.Brakspear@example.org"
FIRST, LAST = "Ottoline", "Brakspear"
IP = "203.0.113.77"
BROKEN_MAIL = "tests.pledges.broken_mail.BrokenBackend"  # a 550 that quotes the address


@pytest.fixture
def site_log():
    """What the site's log handler writes while the test runs, everything from DEBUG up."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactPersonalData) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.setLevel(level)
    handler.setStream(previous)


def assert_clean(text: str, *secrets: str) -> None:
    lowered = text.lower()
    for secret in (EMAIL, FIRST, LAST, IP, EMULATOR_SECRET_KEY, EMULATOR_WEBHOOK_SECRET, *secrets):
        assert secret.lower() not in lowered, f"{secret!r} leaked into the log:\n{text}"


@pytest.fixture
def campaign(settings):
    settings.SITE_URL = "http://testserver"
    return CampaignFactory(slug="reunite", money_goal_minor=100_000)


def sign(client, campaign):
    return client.post(
        reverse("campaigns:sign", kwargs={"slug": campaign.slug}),
        {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "country": "GB"},
        REMOTE_ADDR=IP,
    )


def test_signing_and_confirming_log_nothing_personal(
    client, campaign, site_log, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sign(client, campaign).status_code == 303
    run_tasks()  # the worker sends the queued confirmation
    token = re.search(r"/confirm/([^/]+)/", mail.outbox[0].body)[1]
    confirm = reverse("campaigns:confirm", kwargs={"token": token})
    assert client.get(confirm, REMOTE_ADDR=IP).status_code == 200
    assert client.post(confirm, REMOTE_ADDR=IP).status_code == 200
    # A genuine token for no signature, and a tampered one: both 400, both logged by Django.
    unknown = signing.TimestampSigner(salt=CONFIRM_SALT).sign("999999")
    for bad in (unknown, token[:-3] + "xyz"):
        url = reverse("campaigns:confirm", kwargs={"token": bad})
        assert client.get(url, REMOTE_ADDR=IP).status_code == 400

    logged = site_log.getvalue()
    assert "Bad Request" in logged  # the capture sees Django's request log
    assert_clean(logged, token, unknown, token[:-3])


def test_a_refused_confirmation_email_logs_no_address(
    client, campaign, site_log, settings, run_tasks, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": BROKEN_MAIL}}

    with django_capture_on_commit_callbacks(execute=True):
        assert sign(client, campaign).status_code == 303
    run_tasks()  # the worker's first try meets the refusal

    logged = site_log.getvalue()
    assert "(signature_confirmation) try 1 of" in logged and "SMTPRecipientsRefused" in logged
    assert_clean(logged)


def post_event(client, signer, event_dict) -> int:
    body = json.dumps(event_dict).encode()
    header = signer(body, EMULATOR_WEBHOOK_SECRET)
    response = client.post(
        reverse("pledges:stripe-webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    return response.status_code


def pledge_and_pay(client, campaign, emulator, signer, capture):
    """Pledge through the form, pay on the emulator, deliver the signed event; the pledge."""
    response = client.post(
        reverse("pledges:start", kwargs={"campaign_slug": campaign.slug}),
        {"other_amount": "25", "name": f"{FIRST} {LAST}", "email": EMAIL},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 303
    pledge = Pledge.objects.get()
    session = emulator.pay(pledge.stripe_checkout_session_id)
    with capture(execute=True):
        assert post_event(client, signer, event("checkout.session.completed", session)) == 200
    return Pledge.objects.get()


def test_pledging_paying_and_refunding_log_nothing_personal(
    client,
    admin_client,
    campaign,
    stripe_settings,
    stripe_webhook_payload_signer,
    site_log,
    run_tasks,
    django_capture_on_commit_callbacks,
):
    emulator, signer = stripe_settings, stripe_webhook_payload_signer
    pledge = pledge_and_pay(client, campaign, emulator, signer, django_capture_on_commit_callbacks)
    run_tasks()  # the worker sends the queued receipt
    assert pledge.counted_at is not None and len(mail.outbox) == 1  # the receipt

    admin_client.post(
        reverse("admin:pledges_pledge_changelist"),
        # Confirmed on the refund confirmation page, with the balance it showed.
        {
            "action": "request_refund",
            "post": "yes",
            "_selected_action": [pledge.pk],
            f"balance-{pledge.pk}": str(pledge.amount_minor),
        },
        REMOTE_ADDR=IP,
    )
    refunded = next(e for e in reversed(emulator.events) if e["type"] == "charge.refunded")
    (refunded_id,) = emulator.refunds
    assert post_event(client, signer, refunded) == 200
    # The same event again, and one with a bad signature: logged as such, nothing personal.
    assert post_event(client, signer, refunded) == 200
    bad = client.post(
        reverse("pledges:stripe-webhook"),
        data=b"{}",
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=" + "0" * 64},
    )
    assert bad.status_code == 400

    logged = site_log.getvalue()
    assert "paid and counted" in logged and f"refund {refunded_id} is succeeded" in logged
    assert "bad or stale signature" in logged
    assert_clean(logged, "0" * 64)


def test_a_refused_receipt_logs_no_address(
    client,
    campaign,
    stripe_settings,
    stripe_webhook_payload_signer,
    site_log,
    settings,
    run_tasks,
    django_capture_on_commit_callbacks,
):
    settings.MAILERS = {"default": {"BACKEND": BROKEN_MAIL}}

    pledge_and_pay(
        client, campaign, stripe_settings, stripe_webhook_payload_signer,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    run_tasks()  # the worker's first try meets the refusal

    logged = site_log.getvalue()
    assert "(pledge_receipt) try 1 of" in logged and "SMTPRecipientsRefused" in logged
    assert_clean(logged)


@pytest.mark.parametrize("fault", ["unreachable", "error"])
def test_a_stripe_failure_logs_no_address_or_key(
    client, campaign, stripe_settings, settings, site_log, fault
):
    if fault == "unreachable":
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens
    else:
        stripe_settings.fail_next(1, status=500)

    response = client.post(
        reverse("pledges:start", kwargs={"campaign_slug": campaign.slug}),
        {"other_amount": "25", "name": f"{FIRST} {LAST}", "email": EMAIL},
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 503
    logged = site_log.getvalue()
    assert "Stripe checkout session create failed" in logged
    assert_clean(logged)


def test_a_traceback_is_redacted_line_by_line(site_log):
    token = signing.TimestampSigner(salt=CONFIRM_SALT).sign("42")
    try:
        raise ValueError(f"{EMAIL} from {IP} with {token} and {EMULATOR_SECRET_KEY}")
    except ValueError:
        logging.getLogger("campaigns.services").exception("Something failed")

    logged = site_log.getvalue()
    assert "Something failed" in logged and "Traceback" in logged and "ValueError" in logged
    assert_clean(logged, token)
