"""The campaign pages and the petition, through the whole stack (URLs, views, templates)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Signature
from core.models import Topic
from demo.factories.campaigns import CampaignFactory, PartnerFactory, SignatureFactory

pytestmark = pytest.mark.django_db


def sign_url(campaign):
    return reverse("campaigns:sign", kwargs={"slug": campaign.slug})


def confirm_url_for(signature):
    token = services.signature_confirmation_token(signature_id=signature.pk)
    return reverse("campaigns:confirm", kwargs={"token": token})


# --- List -------------------------------------------------------------------------------------


def test_the_list_shows_live_campaigns_filtered_by_topic(client):
    planet = Topic.objects.create(name="Defend the Planet", slug="defend-the-planet")
    equity = Topic.objects.create(name="Demand Equity", slug="demand-equity")
    CampaignFactory(title="Save the forests", topic=planet)
    CampaignFactory(title="Reunite families", topic=equity)
    CampaignFactory(title="Secret draft", status=Campaign.Status.DRAFT, topic=equity)
    CampaignFactory(title="Old and closed", status=Campaign.Status.CLOSED, topic=equity)

    everything = client.get(reverse("campaigns:list")).content.decode()
    filtered = client.get(reverse("campaigns:list"), {"topic": "demand-equity"}).content.decode()

    assert "Save the forests" in everything and "Reunite families" in everything
    assert "Secret draft" not in everything and "Old and closed" not in everything
    assert "Reunite families" in filtered and "Save the forests" not in filtered


# --- Detail -----------------------------------------------------------------------------------


def test_the_campaign_page_shows_the_ask_progress_partners_and_the_form(client, campaign):
    campaign.targets = "US Congress"
    campaign.description = "Families **belong** together.<script>alert(1)</script>"
    services.campaign_save(campaign=campaign)
    PartnerFactory(campaign=campaign, name="Families Together", url="https://example.org/")
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=1234)

    response = client.get(campaign.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert campaign.ask in html and "US Congress" in html and "Families Together" in html
    assert "<strong>belong</strong>" in html and "<script>alert(1)" not in html
    assert re.search(r'<progress[^>]+max="100"[^>]+value="24"', html)  # 1,234 of 5,000
    assert "1,234</strong> signatures of 5,000" in html
    assert "3,766 more needed to reach 5,000." in html
    assert 'action="/take-action/reunite-families/sign/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Give to this campaign" in html  # The pledges app's panel is included.


def test_the_page_passes_the_source_and_article_on_to_the_form(client, campaign):
    html = client.get(
        campaign.get_absolute_url(), {"source": "article", "article": "7", "utm_medium": "email"}
    ).content.decode()

    assert 'name="source" value="article"' in html
    assert 'name="article" value="7"' in html
    assert 'name="utm_medium" value="email"' in html


def test_only_confirmed_supporters_who_opted_in_are_shown_without_their_email(client, campaign):
    SignatureFactory(campaign=campaign, first_name="Shown", show_publicly=True, confirmed=True)
    SignatureFactory(campaign=campaign, first_name="Private", confirmed=True)
    SignatureFactory(campaign=campaign, first_name="Pending", show_publicly=True)
    SignatureFactory(
        campaign=campaign, first_name="Gone", show_publicly=True, confirmed=True,
        erased_at=timezone.now(),
    )  # fmt: skip

    html = client.get(campaign.get_absolute_url()).content.decode()

    assert "Shown, United States of America" in html
    assert "Private" not in html and "Pending" not in html and "Gone" not in html
    assert "@example.org" not in html


def test_share_links_are_plain_urls_without_scripts(client, campaign, settings):
    settings.SITE_URL = "https://campaigns.example.org"
    html = client.get(campaign.get_absolute_url()).content.decode()
    encoded = "https%3A%2F%2Fcampaigns.example.org%2Ftake-action%2Freunite-families%2F"

    assert f"https://www.facebook.com/sharer/sharer.php?u={encoded}" in html
    assert "https://x.com/intent/post?" in html and f"url={encoded}" in html
    assert "https://bsky.app/intent/compose?text=" in html
    assert "https://wa.me/?text=" in html
    assert "mailto:?subject=" in html
    assert 'value="https://campaigns.example.org/take-action/reunite-families/" readonly' in html
    assert "<script" not in html


def test_the_page_lists_published_articles_that_feature_the_campaign(client, campaign):
    from articles.models import Article  # The test may cross apps; the code does not.

    now = timezone.now()
    published = Article.objects.create(
        title="Families still apart", slug="families-still-apart", body="x",
        status="published", published_at=now - timedelta(hours=1),
    )  # fmt: skip
    draft = Article.objects.create(title="Draft story", slug="draft-story", body="x")
    scheduled = Article.objects.create(
        title="Tomorrow's story", slug="tomorrow", body="x",
        status="published", published_at=now + timedelta(days=1),
    )  # fmt: skip
    for article in (published, draft, scheduled):
        article.campaigns.add(campaign)

    html = client.get(campaign.get_absolute_url()).content.decode()

    assert "Families still apart" in html
    assert "Draft story" not in html and "Tomorrow&#x27;s story" not in html


def test_a_draft_is_hidden_from_readers_but_staff_can_preview_it(client, admin_client):
    draft = CampaignFactory(status=Campaign.Status.DRAFT, title="Work in progress")

    assert client.get(draft.get_absolute_url()).status_code == 404
    preview_url = reverse("campaigns:preview", kwargs={"pk": draft.pk})
    assert client.get(preview_url).status_code == 302  # To the staff login.
    response = admin_client.get(preview_url)
    assert response.status_code == 200
    assert "Staff preview" in response.content.decode()
    assert "Work in progress" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": Campaign.Status.CLOSED}, "This petition is not taking signatures"),
        ({"opens_at": timezone.now() + timedelta(days=2)}, "This petition is not open yet"),
        ({"closes_at": timezone.now() - timedelta(days=1)}, "This campaign ended on"),
    ],
)
def test_a_campaign_that_is_not_open_hides_the_form(client, changes, message):
    campaign = CampaignFactory(**changes)

    html = client.get(campaign.get_absolute_url()).content.decode()

    assert message in html
    assert 'class="sign-form"' not in html


def test_the_campaign_page_runs_the_same_queries_with_0_and_10000_signatures(client, campaign):
    def count_queries():
        cache.clear()  # Measure a render, not a page-cache hit (which runs no query at all).
        with CaptureQueriesContext(connection) as captured:
            response = client.get(campaign.get_absolute_url())
        assert response.status_code == 200
        return len(captured)

    PartnerFactory(campaign=campaign)
    empty = count_queries()
    now = timezone.now()
    Signature.objects.bulk_create(
        (
            Signature(
                campaign=campaign, first_name="F", last_name="L", email=f"s{i}@example.org",
                email_normalized=f"s{i}@example.org", country="US", consent_text="ok",
                show_publicly=True, confirmed_at=now,
            )
            for i in range(10_000)
        ),
        batch_size=2000,
    )  # fmt: skip
    services.campaign_recount()
    full = count_queries()

    assert empty == full
    assert full <= 8, f"{full} queries"
    assert (
        "10,000</strong> signatures of 5,000"
        in client.get(campaign.get_absolute_url()).content.decode()
    )


# --- Signing ----------------------------------------------------------------------------------


def test_signing_redirects_to_a_thank_you_page_and_emails_a_confirmation(
    client, campaign, signature_data, run_tasks
):
    response = client.post(
        sign_url(campaign), {**signature_data, "source": "article", "article": "12"}
    )
    assert mail.outbox == []  # The worker sends it, not the request.
    run_tasks()

    assert response.status_code == 303
    assert response["Location"] == reverse("campaigns:thanks", kwargs={"slug": campaign.slug})
    signature = Signature.objects.get()
    assert signature.email_normalized == "ana.garcia@example.org"
    assert (signature.source, signature.source_article_id) == ("article", 12)
    assert signature.consent_text.startswith("By signing")
    assert len(signature.ip_hash) == 64 and "127.0.0.1" not in signature.ip_hash
    assert len(mail.outbox) == 1

    thanks = client.get(response["Location"]).content.decode()
    assert "check your email" in thanks
    assert "/pledges/reunite-families/" in thanks
    assert "https://www.facebook.com/sharer/sharer.php" in thanks


def test_a_repeat_gets_the_same_answer_and_stores_nothing_new(client, campaign, signature_data):
    first = client.post(sign_url(campaign), signature_data)
    again = client.post(sign_url(campaign), {**signature_data, "email": "ana.garcia@example.org"})

    assert (first.status_code, first["Location"]) == (again.status_code, again["Location"])
    assert Signature.objects.count() == 1


def test_invalid_input_re_renders_the_form_with_linked_errors_and_stores_nothing(
    client, campaign, signature_data
):
    response = client.post(
        sign_url(campaign), {**signature_data, "email": "nope", "country": "XX", "first_name": ""}
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert 'class="error-summary"' in html
    assert 'href="#id_email"' in html and 'href="#id_country"' in html
    assert re.search(r'<input[^>]+aria-describedby="[^"]*id_email_error[^"]*"', html)
    assert 'id="id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Ana.Garcia@Example.org"' not in html or "nope" in html
    assert not Signature.objects.exists()


def test_hostile_html_in_a_comment_is_stored_as_text_and_escaped(client, campaign, signature_data):
    hostile = '<img src=x onerror="alert(1)">'
    response = client.post(
        sign_url(campaign), {**signature_data, "email": "bad", "comment": hostile}
    )

    assert response.status_code == 400
    assert hostile not in response.content.decode()
    assert "&lt;img src=x" in response.content.decode()


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, campaign, signature_data):
    response = client.post(sign_url(campaign), {**signature_data, "website": "spam"})

    assert response.status_code == 303
    assert not Signature.objects.exists()


def test_the_honeypot_is_hidden_from_people(client, campaign):
    html = client.get(campaign.get_absolute_url()).content.decode()

    assert re.search(
        r'<div class="hp-field" aria-hidden="true">\s*<label for="id_website">Leave this empty',
        html,
    )
    assert re.search(
        r'<input[^>]+name="website"[^>]+tabindex="-1"|<input[^>]+tabindex="-1"[^>]+name="website"',
        html,
    )


def test_too_many_signatures_from_one_address_get_a_429_page(client, campaign, settings):
    settings.CAMPAIGNS_SIGN_RATE = "3/10m"

    def sign(email, **extra):
        data = {"first_name": "A", "last_name": "B", "email": email, "country": "US"}
        return client.post(sign_url(campaign), data, **extra)

    assert [sign(f"a{i}@example.org").status_code for i in range(3)] == [303, 303, 303]
    response = sign("late@example.org")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Signature.objects.count() == 3
    assert sign("late@example.org", REMOTE_ADDR="10.0.0.9").status_code == 303


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Campaign.Status.CLOSED},
        {"status": Campaign.Status.DRAFT},
        {"opens_at": timezone.now() + timedelta(days=2)},
    ],
    ids=["closed", "draft", "not-yet-open"],
)
def test_a_campaign_that_is_not_open_refuses_a_post_with_a_clear_page(
    client, signature_data, changes
):
    campaign = CampaignFactory(**changes)

    response = client.post(sign_url(campaign), signature_data)

    assert response.status_code == 409
    assert "Your signature was not recorded" in response.content.decode()
    assert not Signature.objects.exists()


def test_signing_needs_a_csrf_token(campaign, signature_data):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(sign_url(campaign), signature_data)

    assert response.status_code == 403
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("requires_confirmation", "statements"),
    [
        # Read the campaign; insert-or-ignore the signature and read it back; queue the email
        # (insert-or-ignore, wake a queued one, the task row); the transaction's savepoint pair
        # (the test runs inside a transaction; in production it is BEGIN and COMMIT).
        (True, 8),
        # The same, plus confirming and counting (a conditional UPDATE of the signature and,
        # for the one caller that changed it, of the campaign; a known address reads instead).
        (False, 10),
    ],
)
def test_signing_runs_a_fixed_number_of_statements_for_a_new_and_a_known_address(
    client, signature_data, requires_confirmation, statements
):
    campaign = CampaignFactory(requires_confirmation=requires_confirmation)
    client.post(sign_url(campaign), {**signature_data, "email": "first@example.org"})

    def statements_for(email):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(sign_url(campaign), {**signature_data, "email": email})
        assert response.status_code == 303
        return [query["sql"] for query in captured]

    new, known = statements_for("new@example.org"), statements_for("first@example.org")

    assert len(new) == len(known) == statements, "\n".join(new)
    assert Signature.objects.filter(campaign=campaign).count() == 2


# --- Confirming -------------------------------------------------------------------------------


def test_opening_the_link_shows_a_button_and_confirms_nothing(client, campaign, sign_kwargs):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature

    response = client.get(confirm_url_for(signature))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Confirm my signature" in html and 'method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    signature.refresh_from_db()
    assert not signature.is_confirmed


def test_pressing_confirm_counts_the_signature_once(client, campaign, sign_kwargs):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    url = confirm_url_for(signature)

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == second.status_code == 200
    assert "Your signature is confirmed" in first.content.decode()
    assert "1</strong> signature of 5,000" in second.content.decode()
    campaign.refresh_from_db()
    assert campaign.signature_count == 1
    assert "already confirmed" in client.get(url).content.decode()


def test_a_tampered_token_gets_a_clear_400_page(client, campaign, sign_kwargs):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    token = services.signature_confirmation_token(signature_id=signature.pk)
    forged = f"{signature.pk + 1}:{token.split(':', 1)[1]}"

    for bad in (forged, "garbage", token + "x"):
        url = reverse("campaigns:confirm", kwargs={"token": bad})
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400
            assert "This confirmation link does not work" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.signature_count == 0


def test_an_expired_token_gets_a_clear_400_page(client, campaign, sign_kwargs, monkeypatch):
    signature = services.signature_create(campaign=campaign, **sign_kwargs).signature
    eight_days_ago = timezone.now().timestamp() - 8 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: eight_days_ago)
    url = confirm_url_for(signature)
    monkeypatch.undo()

    response = client.post(url)

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    signature.refresh_from_db()
    assert not signature.is_confirmed
