"""What each staff role can and cannot see or change in the admin, page by page.

Each role is a user with `is_staff` in one group from the roles migration, signed in with
`force_login` (django-axes needs a request to authenticate). The admin classes are written by
the articles, campaigns and pledges engineers; a failing assertion here names the file to fix.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author, Tag
from campaigns.models import Campaign
from core.models import EmailDelivery, Topic
from pledges.models import Pledge, StripeEvent
from tests.staff.conftest import make_campaign, pledge, sign

ROLES = ("editor", "campaigner", "finance")

# Who may open each changelist (200); everyone else gets 403.
CHANGELISTS = {
    "articles/article": {"editor"},
    "articles/author": {"editor"},
    "articles/tag": {"editor"},
    "articles/image": {"editor"},
    "core/topic": {"editor", "campaigner"},
    "campaigns/campaign": {"campaigner", "finance"},
    "campaigns/signature": {"campaigner"},
    "pledges/pledge": {"finance"},
    "pledges/stripeevent": {"finance"},
    "pledges/refund": {"finance"},
    "pledges/dispute": {"finance"},
    "auth/user": set(),
    "auth/group": set(),
    "axes/accessattempt": set(),
}

# Who may open each add page (200); everyone else gets 403.
ADD_PAGES = {
    "articles/article": {"editor"},
    "articles/author": {"editor"},
    "core/topic": {"editor"},
    "campaigns/campaign": {"campaigner"},
    "campaigns/signature": set(),  # signatures come only from supporters
    "pledges/pledge": set(),  # pledges come only from Stripe Checkout
    "auth/user": set(),
}

# What each role finds on the admin index: {app_label: {model names}}.
APP_LISTS = {
    "editor": {
        "articles": {"Article", "Author", "Image", "Tag"},
        "core": {"Topic"},
    },
    "campaigner": {
        "campaigns": {"Campaign", "Signature"},
        "core": {"EmailDelivery", "Topic"},
    },
    "finance": {
        "campaigns": {"Campaign"},
        "core": {"EmailDelivery"},
        "pledges": {"Dispute", "Pledge", "Refund", "StripeEvent"},
    },
}


def _changelist(path):
    return f"/admin/{path}/"


def _registered(path):
    from django.apps import apps
    from django.contrib import admin

    app_label, model_name = path.split("/")
    return apps.get_model(app_label, model_name) in admin.site._registry


def _post_action(client, path, action, pks):
    return client.post(
        _changelist(path),
        {"action": action, "_selected_action": [str(pk) for pk in pks], "index": 0},
    )


def _action_names(response):
    form = response.context["action_form"]  # None when the user may run no action at all
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


@pytest.fixture
def supporter_data(db):
    """A campaign with a confirmed signature and a paid and a pending pledge."""
    campaign = make_campaign()
    signature = sign(campaign, email="signer@example.org")
    paid = pledge(campaign, 2_500, email="payer@example.org")
    pending = pledge(campaign, 1_000, paid=False)
    return campaign, signature, paid, pending


# --- Who gets in at all ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "pledges/pledge/", "campaigns/signature/"])
def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(client, make_staff, path):
    user = make_staff("finance")
    user.is_staff = False
    user.save()
    client.force_login(user)
    response = client.get(f"/admin/{path}")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("path", ["", "pledges/pledge/"])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, db, path):
    response = client.get(f"/admin/{path}")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_index_lists_only_the_role_s_models(client, make_staff, role):
    client.force_login(make_staff(role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    found = {
        app["app_label"]: {model["object_name"] for model in app["models"]}
        for app in response.context["app_list"]
    }
    assert found == APP_LISTS[role], (
        f"{role} should see exactly {APP_LISTS[role]}; a missing model means its admin class "
        "is not registered yet (articles/admin.py, campaigns/admin.py, pledges/admin.py)."
    )


# --- Changelists and add pages ---------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(CHANGELISTS))
def test_each_role_opens_only_its_own_changelists(client, make_staff, role, path):
    assert _registered(path), f"No admin registered for {path}: its app's admin.py must add it."
    client.force_login(make_staff(role))
    expected = 200 if role in CHANGELISTS[path] else 403
    assert client.get(_changelist(path)).status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(ADD_PAGES))
def test_each_role_opens_only_its_own_add_pages(client, make_staff, role, path):
    assert _registered(path), f"No admin registered for {path}: its app's admin.py must add it."
    client.force_login(make_staff(role))
    expected = 200 if role in ADD_PAGES[path] else 403
    assert client.get(f"{_changelist(path)}add/").status_code == expected


def test_an_editor_cannot_see_signatures_or_pledges(client, editor, supporter_data):
    _, signature, paid, _ = supporter_data
    client.force_login(editor)
    assert client.get("/admin/campaigns/signature/").status_code == 403
    assert client.get("/admin/pledges/pledge/").status_code == 403
    assert client.get(f"/admin/campaigns/signature/{signature.pk}/change/").status_code == 403
    assert client.get(f"/admin/pledges/pledge/{paid.pk}/change/").status_code == 403


def test_an_editor_never_meets_a_supporter_email_on_their_pages(client, editor, supporter_data):
    client.force_login(editor)
    for path in ("", "articles/article/", "articles/article/add/", "core/topic/"):
        html = client.get(f"/admin/{path}").text
        assert "signer@example.org" not in html
        assert "payer@example.org" not in html


def test_an_editor_can_write_articles_and_topics(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/core/topic/add/", {"name": "Demand Equity", "slug": "demand-equity", "position": 1}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Topic.objects.filter(slug="demand-equity").exists()
    Author.objects.create(name="Ana", slug="ana")
    Tag.objects.create(name="Aid", slug="aid")
    article = Article.objects.create(title="Story", slug="story", body="Text.")
    assert client.get(f"/admin/articles/article/{article.pk}/change/").status_code == 200


def test_an_editor_can_find_campaigns_to_link_from_an_article(client, editor):
    """The article form's campaign picker works for editors.

    articles/admin.py makes `campaigns` an autocomplete field; Django's autocomplete view asks
    for view permission on Campaign, which Editors do not have (they must not see campaign
    admin pages or the dashboard), so the picker answers 403. Fix in articles/admin.py: add
    `filter_horizontal = ["campaigns"]` and, in `get_autocomplete_fields`, append "campaigns"
    only when `campaign_admin.has_view_permission(request)`.
    """
    campaign = make_campaign(title="Reunite families")
    client.force_login(editor)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "campaigns"},
    )
    page = client.get("/admin/articles/article/add/").text
    assert response.status_code == 200 or "Reunite families" in page, (
        "Editors cannot pick a campaign for an article: the autocomplete answers "
        f"{response.status_code}; see this test's docstring for the fix."
    )
    assert campaign.pk


# --- Campaigners -----------------------------------------------------------------------------


def test_a_campaigner_cannot_see_pledges_or_stripe_events(client, campaigner, supporter_data):
    _, _, paid, _ = supporter_data
    client.force_login(campaigner)
    assert client.get("/admin/pledges/pledge/").status_code == 403
    assert client.get(f"/admin/pledges/pledge/{paid.pk}/change/").status_code == 403
    assert client.get("/admin/pledges/stripeevent/").status_code == 403


def test_a_campaigner_sees_no_payment_details_on_campaign_pages(client, campaigner, supporter_data):
    campaign, _, paid, _ = supporter_data
    client.force_login(campaigner)
    for path in ("campaigns/campaign/", f"campaigns/campaign/{campaign.pk}/change/"):
        html = client.get(f"/admin/{path}").text
        assert "payer@example.org" not in html
        assert str(paid.pk) not in html


def test_a_campaigner_edits_campaigns_with_partners_and_suggested_amounts_inline(
    client, campaigner, supporter_data
):
    campaign, _, _, _ = supporter_data
    client.force_login(campaigner)
    response = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/")
    assert response.status_code == 200
    prefixes = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert {"partners", "suggested_amounts"} <= prefixes, prefixes


def test_a_campaigner_sees_a_signature_but_cannot_edit_it(client, campaigner, supporter_data):
    _, signature, _, _ = supporter_data
    client.force_login(campaigner)
    response = client.get(f"/admin/campaigns/signature/{signature.pk}/change/")
    assert response.status_code == 200
    assert 'name="email"' not in response.text  # read-only: shown, not an input


def test_a_campaigner_exports_signatures_as_csv(client, campaigner, supporter_data):
    _, signature, _, _ = supporter_data
    client.force_login(campaigner)
    response = _post_action(client, "campaigns/signature", "export_csv", [signature.pk])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("id,campaign,")
    assert len(body.splitlines()) == 2


def test_staff_without_the_export_permission_cannot_export_signatures(
    client, make_staff, supporter_data
):
    from django.contrib.auth.models import Permission

    _, signature, _, _ = supporter_data
    viewer = make_staff()
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_signature", content_type__app_label="campaigns")
    )
    client.force_login(viewer)
    listing = client.get("/admin/campaigns/signature/")
    assert listing.status_code == 200
    assert "export_csv" not in _action_names(listing)
    assert "erase_supporters" not in _action_names(listing)
    response = _post_action(client, "campaigns/signature", "export_csv", [signature.pk])
    assert not response.get("Content-Type", "").startswith("text/csv")


def test_a_campaigner_erases_a_supporter(client, campaigner, supporter_data):
    _, signature, _, _ = supporter_data
    client.force_login(campaigner)
    asked = _post_action(client, "campaigns/signature", "erase_supporters", [signature.pk])
    assert asked.status_code == 200  # the admin asks first
    response = client.post(
        _changelist("campaigns/signature"),
        {
            "action": "erase_supporters",
            "_selected_action": [str(signature.pk)],
            "confirm_erasure": "yes",
        },
    )
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.erased_at is not None
    assert signature.email != "signer@example.org"


def test_finance_cannot_erase_or_export_signatures(client, finance, supporter_data):
    _, signature, _, _ = supporter_data
    client.force_login(finance)
    response = _post_action(client, "campaigns/signature", "erase_supporters", [signature.pk])
    assert response.status_code == 403
    signature.refresh_from_db()
    assert signature.erased_at is None


# --- Finance ---------------------------------------------------------------------------------


def test_finance_views_campaigns_but_cannot_change_them(client, finance, supporter_data):
    campaign, _, _, _ = supporter_data
    client.force_login(finance)
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/")
    assert page.status_code == 200
    assert 'name="title"' not in page.text
    response = client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/", {"title": "Renamed by finance"}
    )
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title != "Renamed by finance"


def test_finance_sees_the_amount_but_cannot_edit_it(client, finance, supporter_data):
    _, _, paid, _ = supporter_data
    client.force_login(finance)
    url = f"/admin/pledges/pledge/{paid.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "$25" in page.text
    assert 'name="amount_minor"' not in page.text
    assert 'name="amount_refunded_minor"' not in page.text

    response = client.post(
        url,
        {
            "amount_minor": "1",
            "amount_refunded_minor": "2000",
            "status": "refunded",
            "needs_review": "on",
            "review_reason": "Customer called.",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    paid.refresh_from_db()
    assert (paid.amount_minor, paid.amount_refunded_minor, paid.status) == (2_500, 0, "paid")
    assert paid.needs_review is True  # the one thing Finance may change here


def test_finance_exports_pledges_as_csv(client, finance, supporter_data):
    _, _, paid, pending = supporter_data
    client.force_login(finance)
    response = _post_action(client, "pledges/pledge", "export_csv", [paid.pk, pending.pk])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 3
    assert str(paid.pk) in "\n".join(lines)


def test_finance_may_ask_for_refunds_and_an_unpaid_pledge_is_refused(
    client, finance, supporter_data
):
    _, _, _, pending = supporter_data
    client.force_login(finance)
    listing = client.get("/admin/pledges/pledge/")
    assert {"export_csv", "request_refund"} <= _action_names(listing)
    response = _post_action(client, "pledges/pledge", "request_refund", [pending.pk])
    # The confirmation page comes first, and offers nothing to confirm for an unpaid pledge.
    assert response.status_code == 200
    assert "None of the selected gifts can be refunded" in response.content.decode()
    assert 'name="post"' in response.content.decode()
    assert "Confirm: refund" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_opens_a_pledges_refund_page(client, make_staff, supporter_data, role):
    _, _, paid, _ = supporter_data
    client.force_login(make_staff(role))
    url = f"/admin/pledges/pledge/{paid.pk}/refund/"

    expected = 200 if role == "finance" else 403
    assert client.get(url).status_code == expected
    # (The fixture's pledge never reached Stripe: finance sees "nothing left to refund".)
    assert client.post(url, {"amount": "1", "reason": "duplicate"}).status_code == expected


def test_staff_without_refund_permission_get_no_refund_action(client, make_staff, db):
    from django.contrib.auth.models import Permission

    viewer = make_staff()
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_pledge", content_type__app_label="pledges")
    )
    client.force_login(viewer)
    listing = client.get("/admin/pledges/pledge/")
    assert listing.status_code == 200
    assert not {"export_csv", "request_refund"} & _action_names(listing)


def test_finance_cannot_add_or_delete_pledges_or_stripe_events(client, finance, supporter_data):
    _, _, paid, _ = supporter_data
    StripeEvent.objects.create(id="evt_test_1", type="checkout.session.completed")
    client.force_login(finance)
    assert client.get("/admin/pledges/pledge/add/").status_code == 403
    assert client.get(f"/admin/pledges/pledge/{paid.pk}/delete/").status_code == 403
    assert client.get("/admin/pledges/stripeevent/evt_test_1/delete/").status_code == 403
    assert Pledge.objects.filter(pk=paid.pk).exists()


def test_nobody_can_edit_a_paid_amount_not_even_a_superuser(client, make_staff, supporter_data):
    _, _, paid, _ = supporter_data
    client.force_login(make_staff(is_superuser=True))
    page = client.get(f"/admin/pledges/pledge/{paid.pk}/change/")
    assert page.status_code == 200
    assert 'name="amount_minor"' not in page.text


# --- Editorial workflow: preview, schedule, view on site -----------------------------------


def test_an_editor_previews_a_draft_article_that_readers_cannot_see(client, editor):
    draft = Article.objects.create(title="Draft story", slug="draft-story", body="Text.")
    client.force_login(editor)
    change = client.get(f"/admin/articles/article/{draft.pk}/change/")
    preview_url = reverse("articles:preview", kwargs={"pk": draft.pk})
    assert preview_url in change.text, "The article change page links to its preview."
    assert 'name="published_at_0"' in change.text, "Scheduling: a publication time field."
    assert client.get(preview_url).status_code == 200
    client.logout()
    assert client.get(preview_url).status_code in (302, 404)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_campaigner_previews_a_draft_campaign_and_views_a_live_one_on_site(client, campaigner):
    draft = make_campaign(status=Campaign.Status.DRAFT)
    live = make_campaign()
    client.force_login(campaigner)
    preview_url = reverse("campaigns:preview", kwargs={"pk": draft.pk})
    assert preview_url in client.get(f"/admin/campaigns/campaign/{draft.pk}/change/").text
    assert client.get(preview_url).status_code == 200
    live_page = client.get(f"/admin/campaigns/campaign/{live.pk}/change/")
    assert "View on site" in live_page.text
    client.logout()
    assert client.get(preview_url).status_code in (302, 404)


def test_a_published_article_has_a_view_on_site_link(client, editor):
    article = Article.objects.create(
        title="Live story",
        slug="live-story",
        body="Text.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    client.force_login(editor)
    page = client.get(f"/admin/articles/article/{article.pk}/change/")
    assert "View on site" in page.text


@pytest.mark.parametrize("role", ["campaigner", "finance"])
def test_campaigners_and_finance_retry_a_failed_supporter_email(client, make_staff, role):
    delivery = EmailDelivery.objects.create(
        kind="signature_confirmation",
        object_id="1",
        build="campaigns.services.signature_confirmation_message",
        status=EmailDelivery.Status.FAILED,
    )
    client.force_login(make_staff(role))

    response = client.post(
        reverse("admin:core_emaildelivery_changelist"),
        {"action": "retry", "_selected_action": [delivery.pk]},
    )

    assert response.status_code == 302
    # The same email is queued afresh, with every try again.
    assert EmailDelivery.objects.filter(
        kind="signature_confirmation", object_id="1", status=EmailDelivery.Status.QUEUED
    ).exists()


def test_an_editor_sees_no_email_deliveries(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:core_emaildelivery_changelist"))
    assert response.status_code == 403
