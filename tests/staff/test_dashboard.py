"""The campaign dashboard at /admin/dashboard/: who sees it, what it shows, how many queries."""

import random
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from campaigns.models import Campaign, Signature
from pledges.models import Pledge
from tests.staff.conftest import days_ago, make_campaign, pledge, sign

DASHBOARD = "/admin/dashboard/"

# Session, user, the user's permissions and group permissions (has_perm), then the dashboard's
# own: live campaigns, signatures per source (which also give the totals), pledges per source
# (likewise), signatures per day, money per day, and the titles of the source articles.
EXPECTED_QUERIES = 10


def test_the_dashboard_url_is_named_in_the_staff_namespace():
    assert reverse("staff:dashboard") == DASHBOARD


def test_anonymous_visitors_are_sent_to_the_admin_login(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_signed_in_user_who_is_not_staff_is_sent_to_the_admin_login(client, make_staff):
    user = make_staff("campaigner")
    user.is_staff = False
    user.save()
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_editors_may_not_see_the_dashboard(client, editor):
    client.force_login(editor)
    assert client.get(DASHBOARD).status_code == 403


@pytest.mark.parametrize("role", ["campaigner", "finance"])
def test_campaigners_and_finance_see_the_dashboard(client, make_staff, role):
    client.force_login(make_staff(role))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Campaign dashboard" in response.text
    # The admin look: the dashboard extends admin/base_site.html.
    assert 'id="site-name"' in response.text


def test_the_admin_index_links_to_the_dashboard_for_those_who_may_see_it(client, campaigner):
    client.force_login(campaigner)
    response = client.get(reverse("admin:index"))
    assert f'href="{DASHBOARD}"' in response.text


def test_the_admin_index_has_no_dashboard_link_for_editors(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert f'href="{DASHBOARD}"' not in response.text


def test_only_live_campaigns_are_shown(client, campaigner):
    live = make_campaign(title="Live campaign")
    make_campaign(title="Draft campaign", status=Campaign.Status.DRAFT)
    make_campaign(title="Closed campaign", status=Campaign.Status.CLOSED)
    client.force_login(campaigner)
    response = client.get(DASHBOARD)
    assert [item["campaign"] for item in response.context["campaigns"]] == [live]
    assert "Draft campaign" not in response.text
    assert "Closed campaign" not in response.text


def test_figures_equal_the_counters_the_public_pages_show(client, campaigner):
    campaign = make_campaign(money_goal_minor=50_000)
    for _ in range(3):
        sign(campaign)
    sign(campaign, confirm=False)
    sign(campaign, confirm=False)
    pledge(campaign, 2_500)
    pledge(campaign, 1_000)
    pledge(campaign, 700, paid=False)
    other = make_campaign(requires_confirmation=False)
    sign(other)
    campaign.refresh_from_db()
    other.refresh_from_db()

    client.force_login(campaigner)
    response = client.get(DASHBOARD)

    figures = {item["campaign"].pk: item["stats"] for item in response.context["campaigns"]}
    stats = figures[campaign.pk]
    assert stats.signatures_confirmed == campaign.signature_count == 3
    assert stats.signatures_awaiting == 2
    assert stats.pledges_paid == 2
    assert stats.pledges_pending == 1
    assert stats.money_collected_minor == campaign.amount_collected_minor == 3_500
    assert figures[other.pk].signatures_confirmed == other.signature_count == 1
    assert figures[other.pk].money_collected_minor == other.amount_collected_minor == 0
    # Money is shown with core.money.format_money against the goal.
    assert "$35 <span" in response.text
    assert "of $500 goal (7%)" in response.text


def test_a_refund_lowers_money_collected_as_it_lowers_the_public_total(client, campaigner):
    from pledges.services import pledge_apply_refund

    campaign = make_campaign()
    paid = pledge(campaign, 4_000)
    pledge_apply_refund(
        refund={
            "id": "re_test_1",
            "payment_intent": paid.stripe_payment_intent_id or "pi_test_1",
            "amount": 1_500,
            "status": "succeeded",
            "metadata": {"pledge_id": str(paid.pk)},
        }
    )
    campaign.refresh_from_db()
    client.force_login(campaigner)
    stats = client.get(DASHBOARD).context["campaigns"][0]["stats"]
    assert stats.money_collected_minor == campaign.amount_collected_minor == 2_500


def test_the_daily_chart_counts_signatures_by_confirmation_day_and_money_by_payment_day(
    client, campaigner
):
    campaign = make_campaign()
    three_days_ago = days_ago(3)
    for signature in [sign(campaign), sign(campaign)]:
        Signature.objects.filter(pk=signature.pk).update(confirmed_at=three_days_ago)
    Signature.objects.filter(pk=sign(campaign).pk).update(confirmed_at=days_ago(45))
    sign(campaign)  # today
    paid = pledge(campaign, 1_250)
    Pledge.objects.filter(pk=paid.pk).update(paid_at=days_ago(1))
    pledge(campaign, 900, paid=False)

    client.force_login(campaigner)
    response = client.get(DASHBOARD)

    days = {day["day"]: day for day in response.context["campaigns"][0]["days"]}
    today = timezone.localdate()
    assert len(days) == 30
    assert min(days) == today - timezone.timedelta(days=29)
    assert days[today]["signatures"] == 1
    assert days[today - timezone.timedelta(days=3)]["signatures"] == 2
    assert days[today - timezone.timedelta(days=1)]["money"] == "$12.50"
    assert sum(day["signatures"] for day in days.values()) == 3  # the 45-day-old one is out


def test_the_charts_are_accessible_inline_svg_with_a_table_of_the_numbers(client, campaigner):
    campaign = make_campaign()
    sign(campaign)
    pledge(campaign, 2_000)
    client.force_login(campaigner)
    html = client.get(DASHBOARD).text
    assert html.count('<svg role="img"') == 2
    assert "<title id=" in html
    assert "Confirmed signatures per day, last 30 days" in html
    assert "Money paid per day, last 30 days" in html
    assert "<details>" in html and "<table>" in html
    assert "<script" not in html.split('id="content-main"')[1]


def test_sources_show_which_articles_drove_signatures_and_money(client, campaigner):
    campaign = make_campaign()
    article = Article.objects.create(
        title="Families still separated", slug="families-still-separated", body="Text."
    )
    sign(campaign, source="article", source_article_id=article.pk)
    sign(campaign, source="article", source_article_id=article.pk)
    sign(campaign, source="newsletter")
    pledge(campaign, 3_000, source="article", source_article_id=article.pk)

    client.force_login(campaigner)
    response = client.get(DASHBOARD)

    sources = {row["label"]: row for row in response.context["campaigns"][0]["sources"]}
    from_article = sources["Article: Families still separated"]
    assert (from_article["signatures"], from_article["pledges"], from_article["money"]) == (
        "2",
        "1",
        "$30",
    )
    assert sources["Email"]["signatures"] == "1"
    assert '<th scope="row" data-label="Source">Article: Families still separated</th>' in (
        response.text
    )


def test_sources_read_as_people_say_them_and_the_same_name_is_one_row(client, campaigner):
    campaign = make_campaign()
    sign(campaign)  # no source: came straight to the page
    sign(campaign, source="email")
    sign(campaign, source="partner_site")
    pledge(campaign, 1_000)  # the pledge form's own default source
    pledge(campaign, 2_000, source="pledge_form")

    client.force_login(campaigner)
    rows = client.get(DASHBOARD).context["campaigns"][0]["sources"]

    labels = [row["label"] for row in rows]
    assert sorted(labels) == ["Direct", "Email", "Partner site"]
    direct = next(row for row in rows if row["label"] == "Direct")
    assert (direct["signatures"], direct["pledges"], direct["money"]) == ("1", "2", "$30")


def test_campaigns_are_ordered_by_their_latest_signature_or_pledge(client, campaigner):
    quiet = make_campaign(title="Quiet")  # no action at all
    flagship = make_campaign(title="Flagship")
    busy_earlier = make_campaign(title="Busy earlier")
    sign(busy_earlier)
    sign(flagship)
    Signature.objects.filter(campaign=busy_earlier).update(created_at=days_ago(3))
    newer_than_all = make_campaign(title="Brand new")  # newest, but nothing yet

    client.force_login(campaigner)
    titles = [c["campaign"].title for c in client.get(DASHBOARD).context["campaigns"]]

    assert titles == ["Flagship", "Busy earlier", "Brand new", "Quiet"]
    assert newer_than_all and quiet


def _bulk_data(campaigns, *, signatures, pledges, articles):
    """Rows straight into the tables (counters are not the point here, query counts are)."""
    now = timezone.now()
    rng = random.Random(5)
    Signature.objects.bulk_create(
        Signature(
            campaign=campaigns[i % len(campaigns)],
            first_name="A",
            last_name="B",
            email=f"bulk-{i}@example.org",
            email_normalized=f"bulk-{i}@example.org",
            country="US",
            consent_text="yes",
            source=rng.choice(["article", "newsletter", ""]),
            source_article_id=rng.choice(articles).pk,
            confirmed_at=(now - timezone.timedelta(days=rng.randrange(40))) if i % 4 else None,
        )
        for i in range(signatures)
    )
    Pledge.objects.bulk_create(
        Pledge(
            campaign=campaigns[i % len(campaigns)],
            amount_minor=rng.randrange(100, 10_000),
            currency="USD",
            name="A",
            email=f"bulk-{i}@example.org",
            consent_text="yes",
            status=Pledge.Status.PAID if i % 3 else Pledge.Status.PENDING,
            stripe_checkout_session_id=f"cs_{uuid.uuid4().hex}",
            source="article",
            source_article_id=rng.choice(articles).pk,
            paid_at=(now - timezone.timedelta(days=rng.randrange(40))) if i % 3 else None,
            counted_at=now if i % 3 else None,
        )
        for i in range(pledges)
    )


@pytest.mark.parametrize(
    ("n_campaigns", "n_signatures", "n_pledges", "n_articles"),
    [(1, 5, 3, 1), (6, 1_500, 400, 12)],
    ids=["small", "larger"],
)
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, campaigner, django_assert_num_queries, n_campaigns, n_signatures, n_pledges, n_articles
):
    campaigns = [make_campaign() for _ in range(n_campaigns)]
    articles = [
        Article.objects.create(title=f"Story {i}", slug=f"story-{i}", body="Text.")
        for i in range(n_articles)
    ]
    _bulk_data(campaigns, signatures=n_signatures, pledges=n_pledges, articles=articles)
    client.force_login(campaigner)

    with django_assert_num_queries(EXPECTED_QUERIES):
        response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert len(response.context["campaigns"]) == n_campaigns
