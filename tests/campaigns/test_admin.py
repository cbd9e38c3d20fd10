"""Staff tools in the Django admin: campaigns, signatures, export, resend and erasure."""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Campaign, Signature
from demo.factories.articles import png_bytes
from demo.factories.campaigns import CampaignFactory, SignatureFactory
from tests.campaigns.conftest import insert_signatures

pytestmark = pytest.mark.django_db

SIGNATURES_URL = reverse("admin:campaigns_signature_changelist")
CAMPAIGNS_URL = reverse("admin:campaigns_campaign_changelist")


def staff_client(client, *codenames):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    perms = Permission.objects.filter(
        content_type__app_label="campaigns",
        codename__in=["view_signature", "view_campaign", "change_campaign", *codenames],
    )
    user.user_permissions.set(perms)
    client.force_login(user)
    return client


def run_action(client, url, action, objects):
    return client.post(
        url, {"action": action, "_selected_action": [str(obj.pk) for obj in objects]}
    )


def test_the_campaign_list_shows_status_progress_and_counts(admin_client, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=1250)

    response = admin_client.get(CAMPAIGNS_URL, {"q": "reunite"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "1,250 of 5,000 (25%)" in html and "Live" in html


def test_the_campaign_form_opens_with_the_preview_link_for_a_draft(admin_client):
    draft = CampaignFactory(status=Campaign.Status.DRAFT)

    response = admin_client.get(reverse("admin:campaigns_campaign_change", args=[draft.pk]))

    assert response.status_code == 200
    assert reverse("campaigns:preview", kwargs={"pk": draft.pk}) in response.content.decode()


def test_closing_campaigns_from_the_list_is_logged(admin_client, campaign):
    run_action(admin_client, CAMPAIGNS_URL, "close_campaigns", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    assert LogEntry.objects.filter(
        object_id=str(campaign.pk), change_message="Closed the campaign."
    ).exists()


def test_signatures_are_searchable_by_email_and_read_only(admin_client, campaign):
    signature = SignatureFactory(campaign=campaign, email="Findme@Example.org")
    SignatureFactory(campaign=campaign, email="other@example.org")

    response = admin_client.get(SIGNATURES_URL, {"q": "FINDME@example.org"})
    assert response.context["cl"].result_count == 1

    change = admin_client.get(reverse("admin:campaigns_signature_change", args=[signature.pk]))
    assert change.status_code == 200
    assert 'name="email"' not in change.content.decode()
    assert admin_client.get(reverse("admin:campaigns_signature_add")).status_code == 403


def test_signatures_filter_by_campaign_confirmed_and_country(admin_client, campaign):
    SignatureFactory(campaign=campaign, country="MX", confirmed=True)
    SignatureFactory(campaign=campaign, country="US")

    confirmed = admin_client.get(
        SIGNATURES_URL, {"confirmed": "yes", "campaign__id__exact": campaign.pk}
    )
    mexico = admin_client.get(SIGNATURES_URL, {"country": "MX"})

    assert confirmed.context["cl"].result_count == 1
    assert mexico.context["cl"].result_count == 1


def test_resending_the_confirmation_from_the_admin_queues_it_for_the_worker_and_logs(
    admin_client, campaign, run_tasks
):
    pending = SignatureFactory(campaign=campaign, email="pending@example.org")
    done = SignatureFactory(campaign=campaign, confirmed=True)

    run_action(admin_client, SIGNATURES_URL, "resend_confirmation", [pending, done])
    assert mail.outbox == []  # Queued: the admin's request sends nothing itself.
    run_tasks()

    assert [m.to for m in mail.outbox] == [["pending@example.org"]]
    assert LogEntry.objects.filter(object_id=str(pending.pk)).exists()


def test_export_streams_csv_with_email_only_for_those_who_want_updates(client, campaign):
    SignatureFactory(campaign=campaign, email="yes@example.org", wants_updates=True)
    SignatureFactory(campaign=campaign, email="no@example.org", wants_updates=False)
    SignatureFactory(campaign=campaign, first_name="=HYPERLINK(1)", wants_updates=False)
    client = staff_client(client, "export_signature")

    response = run_action(client, SIGNATURES_URL, "export_csv", Signature.objects.all())

    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert "yes@example.org" in body and "no@example.org" not in body
    assert "'=HYPERLINK(1)" in body
    assert LogEntry.objects.filter(object_id=str(campaign.pk)).exists()


def test_export_needs_the_export_permission(client, campaign):
    SignatureFactory(campaign=campaign)
    client = staff_client(client)

    response = run_action(client, SIGNATURES_URL, "export_csv", Signature.objects.all())

    assert not getattr(response, "streaming", False)
    assert "export_csv" not in client.get(SIGNATURES_URL).content.decode()


def test_export_streams_100000_rows(client, campaign):
    insert_signatures(campaign, 100_000)
    client = staff_client(client, "export_signature")
    response = client.post(
        SIGNATURES_URL, {"action": "export_csv", "select_across": "1", "index": "0",
                         "_selected_action": ["1"]},
    )  # fmt: skip

    assert response.streaming
    stream = iter(response.streaming_content)
    assert next(stream).startswith(b"id,campaign,")  # The header goes out before rows are read.
    rows = sum(1 for _ in csv.reader(io.StringIO(b"".join(stream).decode())))
    assert rows == 100_000


def test_erasing_a_supporter_from_the_admin_needs_the_permission(client, campaign):
    other = CampaignFactory()
    target = SignatureFactory(campaign=campaign, email="erase@example.org", first_name="Zed")
    SignatureFactory(campaign=other, email="ERASE@example.org", first_name="Zed")

    no_perm = staff_client(client)
    run_action(no_perm, SIGNATURES_URL, "erase_supporters", [target])
    assert Signature.objects.filter(first_name="Zed").count() == 2

    no_perm.logout()
    user = User.objects.get(username="editor")
    user.user_permissions.add(Permission.objects.get(codename="erase_supporter"))
    client.force_login(user)
    asked = run_action(client, SIGNATURES_URL, "erase_supporters", [target])
    assert "Erase these supporters?" in asked.content.decode()  # asks first, erases nothing
    assert Signature.objects.filter(first_name="Zed").count() == 2
    client.post(
        SIGNATURES_URL,
        {"action": "erase_supporters", "_selected_action": [target.pk], "confirm_erasure": "yes"},
    )

    assert not Signature.objects.filter(first_name="Zed").exists()
    assert Signature.objects.filter(first_name="Erased").count() == 2
    entries = LogEntry.objects.filter(change_message="Erased the supporter's personal data.")
    assert entries.count() == 2
    assert all("Zed" not in e.object_repr for e in entries)


def test_staff_can_create_a_campaign_with_partners_and_amounts_typed_in_dollars(admin_client):
    url = reverse("admin:campaigns_campaign_add")
    assert admin_client.get(url).status_code == 200
    data = {
        "title": "New campaign", "slug": "new-campaign", "ask": "Do it.", "status": "draft",
        "signature_goal": "100", "requires_confirmation": "on", "pledges_enabled": "on",
        "currency": "USD", "money_goal_minor": "1,000",
        "partners-TOTAL_FORMS": "1", "partners-INITIAL_FORMS": "0",
        "partners-0-name": "Helpers United", "partners-0-position": "0",
        "suggested_amounts-TOTAL_FORMS": "1", "suggested_amounts-INITIAL_FORMS": "0",
        "suggested_amounts-0-amount_minor": "25", "suggested_amounts-0-position": "0",
    }  # fmt: skip

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get(slug="new-campaign")
    assert [p.name for p in campaign.partners.all()] == ["Helpers United"]
    assert [a.amount_minor for a in campaign.suggested_amounts.all()] == [2500]
    assert campaign.money_goal_minor == 100_000
    assert campaign.signature_count == 0


def test_a_hero_image_uploaded_in_the_admin_stores_its_size(admin_client):
    data = {
        "title": "New campaign", "slug": "new-campaign", "ask": "Do it.", "status": "draft",
        "signature_goal": "100", "currency": "USD", "money_goal_minor": "0",
        "hero_alt": "Families at the border",
        "hero_image": SimpleUploadedFile("hero.png", png_bytes(width=1200, height=630)),
        "partners-TOTAL_FORMS": "0", "partners-INITIAL_FORMS": "0",
        "suggested_amounts-TOTAL_FORMS": "0", "suggested_amounts-INITIAL_FORMS": "0",
    }  # fmt: skip

    response = admin_client.post(reverse("admin:campaigns_campaign_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get(slug="new-campaign")
    assert (campaign.hero_width, campaign.hero_height) == (1200, 630)


def test_view_on_site_opens_the_preview_for_a_draft():
    from django.contrib.admin.sites import site

    from campaigns.admin import CampaignAdmin

    draft = CampaignFactory(status=Campaign.Status.DRAFT)
    live = CampaignFactory()
    model_admin = CampaignAdmin(Campaign, site)

    assert model_admin.get_view_on_site_url(draft) == f"/take-action/preview/{draft.pk}/"
    assert model_admin.get_view_on_site_url(live).startswith("/admin/r/")  # The shortcut view.
