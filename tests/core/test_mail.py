"""The one queued sender of supporter email (core.mail): retries, backoff, lease, staff retry.

The worker here is the real one (`db_worker --batch`, through the `run_tasks` fixture);
time passes by moving the stored due times back, as a clock would.
"""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from campaigns import services
from core.models import EmailDelivery
from demo.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db
Status = EmailDelivery.Status


@pytest.fixture
def campaign(db):
    return CampaignFactory(requires_confirmation=True)


@pytest.fixture
def sign_kwargs():
    return {
        "first_name": "Ana",
        "last_name": "García",
        "email": "ana@example.org",
        "country": "MX",
        "consent_text": "I agree.",
    }


def later(seconds: float) -> None:
    """`seconds` pass: every stored due time (tasks, tries, leases) moves that much closer."""
    delta = timedelta(seconds=seconds)
    for task in DBTaskResult.objects.filter(run_after__isnull=False):
        task.run_after -= delta
        task.save(update_fields=["run_after"])
    for delivery in EmailDelivery.objects.all():
        if delivery.next_attempt_at:
            delivery.next_attempt_at -= delta
        if delivery.lease_expires_at:
            delivery.lease_expires_at -= delta
        if delivery.sent_at:
            delivery.sent_at -= delta
        delivery.save()


@pytest.fixture
def failing_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.campaigns.failing_email.FailingBackend"}}
    return settings


def working_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_the_email_is_stored_in_the_signing_transaction_and_waits_for_the_worker(
    campaign, sign_kwargs
):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature

    delivery = EmailDelivery.objects.get()
    assert (delivery.kind, delivery.object_id, delivery.status) == (
        "signature_confirmation",
        str(signature.pk),
        Status.QUEUED,
    )
    task = DBTaskResult.objects.get()
    assert task.task_path == "core.mail.email_deliver"
    assert task.args_kwargs["kwargs"] == {
        "kind": "signature_confirmation",
        "object_id": str(signature.pk),
    }
    assert mail.outbox == []


def test_a_failing_mail_server_is_tried_six_times_over_more_than_an_hour_then_shown_failed(
    campaign, sign_kwargs, failing_mail, run_tasks, caplog
):
    assert failing_mail.MAIL_RETRY_DELAYS == [60, 240, 600, 1200, 1800]
    services.signature_create(campaign=campaign, **sign_kwargs)
    waited = 0
    with caplog.at_level(logging.INFO):
        run_tasks()
        for _ in range(10):
            delivery = EmailDelivery.objects.get()
            if delivery.status == Status.FAILED:
                break
            # Nothing runs before the backoff delay is over.
            wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
            later(wait - 5)
            run_tasks()
            assert EmailDelivery.objects.get().attempts == delivery.attempts
            later(6)
            waited += wait + 1
            run_tasks()

    delivery = EmailDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 6
    assert delivery.last_error == "ConnectionRefusedError"
    assert waited >= 60 * 60  # Five retries spread over more than an hour.
    assert "try 6 of 6 failed: ConnectionRefusedError" in caplog.text
    assert sign_kwargs["email"] not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    assert mail.outbox == []


def test_a_send_that_fails_once_goes_out_on_the_next_try(
    campaign, sign_kwargs, failing_mail, run_tasks
):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    run_tasks()
    working_mail(failing_mail)
    later((EmailDelivery.objects.get().next_attempt_at - timezone.now()).total_seconds())
    run_tasks()

    assert [m.to for m in mail.outbox] == [[sign_kwargs["email"]]]
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.SENT, 2, "")
    signature.refresh_from_db()
    assert signature.confirmation_sent_at == delivery.sent_at


def test_staff_retry_a_failed_email_from_the_admin(
    campaign, sign_kwargs, failing_mail, run_tasks, client
):
    failing_mail.MAIL_RETRY_DELAYS = []  # One try, then failed.
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()
    failed = EmailDelivery.objects.get()
    assert failed.status == Status.FAILED

    working_mail(failing_mail)
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw-12345678")
    client.force_login(admin)
    listing = client.get("/admin/core/emaildelivery/?status__exact=failed")
    assert "Signature confirmation for" in listing.text
    response = client.post(
        "/admin/core/emaildelivery/",
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "Queued 1 failed email(s) again." in response.text
    run_tasks()

    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.filter(status=Status.SENT).count() == 1
    failed.refresh_from_db()
    assert failed.status == Status.FAILED  # The history stays.


def test_a_worker_killed_mid_send_blocks_a_resend_only_until_its_lease_ends(
    campaign, sign_kwargs, settings, run_tasks
):
    # The first send dies with its worker: a BaseException escapes the task, as with a kill,
    # and nothing records the outcome.
    settings.MAILERS = {"default": {"BACKEND": "tests.core.dying_mail.DyingBackend"}}
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()
    delivery = EmailDelivery.objects.get()
    assert delivery.status == Status.SENDING and delivery.attempts == 1
    lease = (delivery.lease_expires_at - timezone.now()).total_seconds()
    assert 0 < lease <= settings.MAIL_LEASE_SECONDS

    working_mail(settings)
    services.signature_create(campaign=campaign, **sign_kwargs)  # The supporter asks again.
    run_tasks()
    assert mail.outbox == []  # Another attempt may still be sending: one email, not two.

    later(settings.MAIL_LEASE_SECONDS)
    run_tasks()

    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get().status == Status.SENT


def test_a_repeat_request_joins_the_email_on_its_way_instead_of_sending_two(
    campaign, sign_kwargs, run_tasks
):
    services.signature_create(campaign=campaign, **sign_kwargs)
    services.signature_create(campaign=campaign, **sign_kwargs)
    services.signature_create(campaign=campaign, **sign_kwargs)

    assert EmailDelivery.objects.count() == 1
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_delivery_whose_task_was_lost_is_picked_up_by_the_next_send(
    campaign, sign_kwargs, run_tasks
):
    lost = services.signature_create(campaign=campaign, **sign_kwargs)
    DBTaskResult.objects.all().delete()  # Say the database failed as its task was stored.
    later(10 * 60)
    sign_kwargs["email"] = "someone.else@example.org"
    services.signature_create(campaign=campaign, **sign_kwargs)

    run_tasks()
    run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [lost.signature.email, "someone.else@example.org"]
    )


def test_the_immediate_backend_sends_at_once_where_a_test_asks_for_it(
    campaign, sign_kwargs, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

    services.signature_create(campaign=campaign, **sign_kwargs)

    assert len(mail.outbox) == 1
