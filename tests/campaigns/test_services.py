"""Signing, confirming, counting and erasing, through the services the views call."""

import logging

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Signature
from core.models import EmailDelivery
from demo.factories.campaigns import CampaignFactory, SignatureFactory

pytestmark = pytest.mark.django_db


def test_signing_stores_an_unconfirmed_signature_that_does_not_count_yet(campaign, sign_kwargs):
    result = services.signature_create(campaign=campaign, **sign_kwargs)

    assert result.created and not result.counted
    assert not result.signature.is_confirmed
    campaign.refresh_from_db()
    assert campaign.signature_count == 0


def test_the_email_is_normalised_by_stripping_and_lower_casing(campaign, sign_kwargs):
    sign_kwargs["email"] = "  Ana.Garcia+News@Example.ORG "
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature

    assert signature.email == "Ana.Garcia+News@Example.ORG"
    assert signature.email_normalized == "ana.garcia+news@example.org"


def test_the_confirmation_email_is_queued_with_the_signature_and_sent_by_the_worker(
    campaign, sign_kwargs, settings, run_tasks
):
    settings.SITE_URL = "https://campaigns.example.org"
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    assert mail.outbox == []  # Nothing is sent on the request path.

    run_tasks()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert "https://campaigns.example.org/take-action/confirm/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Confirm my signature" in html
    signature.refresh_from_db()
    assert signature.confirmation_sent_at is not None


def test_the_same_email_in_another_case_signs_once(campaign, sign_kwargs):
    services.signature_create(campaign=campaign, **sign_kwargs)
    sign_kwargs["email"] = "ANA@example.org"
    sign_kwargs["first_name"] = "Someone else"
    again = services.signature_create(campaign=campaign, **sign_kwargs)

    assert not again.created
    assert Signature.objects.filter(campaign=campaign).count() == 1
    assert Signature.objects.get().first_name == "Ana"  # A repeat changes nothing.


def test_the_same_email_may_sign_other_campaigns(campaign, sign_kwargs):
    other = CampaignFactory()
    services.signature_create(campaign=campaign, **sign_kwargs)
    result = services.signature_create(campaign=other, **sign_kwargs)

    assert result.created


def test_an_unconfirmed_repeat_resends_the_confirmation_at_most_once_per_interval(
    campaign, sign_kwargs, run_tasks
):
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()
    assert len(mail.outbox) == 1  # Throttled: the first email went out moments ago.

    EmailDelivery.objects.filter(status=EmailDelivery.Status.SENT).update(
        sent_at=timezone.now() - services.RESEND_INTERVAL
    )
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()
    assert len(mail.outbox) == 2


def test_a_confirmed_repeat_sends_nothing(campaign, sign_kwargs, run_tasks):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    services.signature_confirm(signature_id=signature.pk)
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()

    assert mail.outbox == []


def test_a_campaign_without_confirmation_counts_the_signature_at_once(
    open_campaign_without_confirmation, sign_kwargs, run_tasks
):
    campaign = open_campaign_without_confirmation
    result = services.signature_create(campaign=campaign, **sign_kwargs)
    services.signature_create(campaign=campaign, **sign_kwargs)
    run_tasks()

    assert result.counted and result.signature.is_confirmed
    campaign.refresh_from_db()
    assert campaign.signature_count == 1
    assert mail.outbox == []


def test_confirming_counts_the_signature_once_however_often_it_is_called(campaign, sign_kwargs):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature

    assert services.signature_confirm(signature_id=signature.pk) is True
    assert services.signature_confirm(signature_id=signature.pk) is False
    campaign.refresh_from_db()
    assert campaign.signature_count == 1


def test_confirming_an_unknown_signature_raises():
    with pytest.raises(Signature.DoesNotExist):
        services.signature_confirm(signature_id=999_999)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Campaign.Status.CLOSED},
        {"status": Campaign.Status.DRAFT},
        {"opens_at": timezone.now() + timezone.timedelta(days=1)},
        {"closes_at": timezone.now() - timezone.timedelta(minutes=1)},
    ],
    ids=["closed", "draft", "not_yet_open", "ended"],
)
def test_a_campaign_that_is_not_open_refuses_signatures(sign_kwargs, changes, request):
    campaign = CampaignFactory(**changes)

    with pytest.raises(ValidationError) as refused:
        services.signature_create(campaign=campaign, **sign_kwargs)
    assert refused.value.code == request.node.callspec.id
    assert not Signature.objects.exists()


def test_a_failed_send_keeps_the_signature_logs_without_the_address_and_can_be_retried(
    campaign, sign_kwargs, settings, caplog, run_tasks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.campaigns.failing_email.FailingBackend"}}
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    with caplog.at_level(logging.INFO):
        run_tasks()

    signature.refresh_from_db()
    assert signature.confirmation_sent_at is None
    assert "failed: ConnectionRefusedError" in caplog.text
    assert "ana@example.org" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    services.signature_send_confirmation(signature_id=signature.pk, force=True)
    run_tasks()
    signature.refresh_from_db()
    assert signature.confirmation_sent_at is not None
    assert len(mail.outbox) == 1


def test_tokens_name_the_signature_and_reject_tampering_and_age(campaign, sign_kwargs):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    token = services.signature_confirmation_token(signature_id=signature.pk)

    assert services.signature_id_from_token(token=token) == signature.pk
    with pytest.raises(services.InvalidToken):
        services.signature_id_from_token(token=token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(services.InvalidToken):
        services.signature_id_from_token(token=f"{signature.pk + 1}:" + token.split(":", 1)[1])


def test_erasing_anonymises_every_campaign_and_keeps_the_counts(sign_kwargs):
    first, second = CampaignFactory(), CampaignFactory()
    for campaign in (first, second):
        sig = services.signature_create(
            campaign=campaign, **{**sign_kwargs, "comment": "Hi", "postal_code": "12345"}
        ).signature
        services.signature_confirm(signature_id=sig.pk)
    kept = SignatureFactory(campaign=first, email="someone@example.org", confirmed=True)
    target = Signature.objects.filter(email_normalized="ana@example.org").first()
    LogEntry.objects.log_actions(
        user_id=User.objects.create_user("staff").pk,
        queryset=Signature.objects.filter(pk=target.pk),
        action_flag=CHANGE,
        change_message="Resent the confirmation email.",
    )

    erased = services.signature_erase_for_email(email=" ANA@example.org ")

    assert len(erased) == 2
    for signature in Signature.objects.exclude(pk=kept.pk):
        assert signature.first_name == signature.last_name == "Erased"
        assert (
            signature.email
            == signature.email_normalized
            == f"erased-{signature.pk}@invalid.example"
        )
        assert signature.postal_code == signature.comment == signature.ip_hash == ""
        assert signature.show_publicly is False
        assert signature.erased_at is not None
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.signature_count, second.signature_count) == (1, 1)
    assert LogEntry.objects.get().object_repr == "Erased"
    assert services.signature_erase_for_email(email="ana@example.org") == []
    kept.refresh_from_db()
    assert kept.first_name != "Erased"


def test_recount_reports_and_fixes_drift(campaign):
    SignatureFactory.create_batch(3, campaign=campaign, confirmed=True)
    SignatureFactory(campaign=campaign)  # Unconfirmed: does not count.

    drifts = services.campaign_recount(dry_run=True)
    campaign.refresh_from_db()
    assert [(d.stored, d.actual) for d in drifts] == [(0, 3)]
    assert campaign.signature_count == 0

    services.campaign_recount()
    campaign.refresh_from_db()
    assert campaign.signature_count == 3
    assert services.campaign_recount() == []


def test_closing_a_campaign_is_idempotent(campaign):
    assert services.campaign_close(campaign=campaign) is True
    assert services.campaign_close(campaign=campaign) is False
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
