"""One word for giving money: staff and supporters read "gift" and "give", never "pledge".

The money is taken at once, and "pledge" suggests a promise to pay later (issue 9). The code
keeps its names (`pledges` app, `Pledge` model, `/pledges/` URLs); what people read does not
say it. Each page is rendered as staff see it, with gifts, refunds and disputes present, so a
heading, column, action, message or permission name that still says "pledge" fails here.
"""

import importlib
import re
import time
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from core.models import EmailDelivery
from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.admin import CSV_HEADER
from pledges.models import Pledge
from pledges.services import (
    pledge_apply_dispute,
    pledge_apply_refund,
    pledge_mark_paid,
    pledge_receipt_message,
    pledge_send_receipt,
)
from tests.staff.conftest import make_campaign, pledge, sign

permission_names = importlib.import_module("pledges.migrations.0006_gift_permission_names")

THE_WORD = re.compile(r"pledg", re.IGNORECASE)


class _VisibleText(HTMLParser):
    """What a reader sees or hears: text outside scripts and styles, and the attributes a
    browser shows or a screen reader announces. Names, ids, classes and links are not read."""

    READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden_depth += 1
        attributes = dict(attrs)
        self.parts += [v for k, v in attrs if k in self.READ_ATTRIBUTES and v]
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def assert_says_gift_not_pledge(text: str) -> None:
    found = [text[max(m.start() - 40, 0) : m.end() + 40] for m in THE_WORD.finditer(text)]
    assert not found, f"'pledge' is still shown: {found}"


def page_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())


@pytest.fixture
def giving(db):
    """A live campaign with signatures, a paid gift with a refund and a dispute, a pending gift,
    and a live monthly gift with a failed renewal: every row the staff pages list."""
    campaign = make_campaign(title="Clean Water for All", monthly_enabled=True)
    sign(campaign)
    sign(campaign, confirm=False)
    paid = pledge(campaign, 5_000, email="ada@example.org", source="newsletter")
    pledge(campaign, 2_500, paid=False, email="bo@example.org")
    pledge_apply_refund(
        refund={
            "id": "re_test_one_word",
            "amount": 500,
            "status": "succeeded",
            "payment_intent": paid.stripe_payment_intent_id,
        }
    )
    pledge_apply_dispute(
        dispute={
            "id": "dp_test_one_word",
            "amount": 1_000,
            "currency": "usd",
            "status": "needs_response",
            "reason": "fraudulent",
            "payment_intent": paid.stripe_payment_intent_id,
            "evidence_details": {"due_by": int(time.time()) + 5 * 86400},
        }
    )
    monthly = PledgeFactory(
        campaign=campaign,
        email="cy@example.org",
        source="",
        frequency=Pledge.Frequency.MONTHLY,
        stripe_subscription_id="sub_test_one_word",
        subscription_status="active",
    )
    pledge_mark_paid(session=checkout_session_for(monthly), send_receipt=False)
    PledgeFactory(
        campaign=campaign,
        email="cy@example.org",
        source="",
        frequency=Pledge.Frequency.MONTHLY,
        renewal_of=monthly,
        stripe_checkout_session_id=None,
        status=Pledge.Status.FAILED,
    )
    paid.refresh_from_db()
    return {"campaign": campaign, "paid": paid, "monthly": monthly}


def test_the_staff_dashboard_counts_gifts(client, finance, giving):
    client.force_login(finance)
    text = page_text(client, reverse("staff:dashboard"))

    assert "Gifts paid" in text and "Gifts pending" in text and "Paid gifts" in text
    assert_says_gift_not_pledge(text)


def test_the_admin_index_lists_gifts(client, finance, giving):
    client.force_login(finance)
    text = page_text(client, reverse("admin:index"))

    assert "Gifts" in text
    assert_says_gift_not_pledge(text)


def test_the_gift_list_its_actions_and_totals_say_gift(client, finance, giving):
    client.force_login(finance)
    text = page_text(client, reverse("admin:pledges_pledge_changelist"))

    assert "Select gift to change" in text
    assert "Export selected gifts as CSV" in text
    assert "Started" in text and "Collected" in text
    assert_says_gift_not_pledge(text)


def test_a_gift_page_with_its_refund_and_dispute_says_gift(client, finance, giving):
    client.force_login(finance)
    for gift in (giving["paid"], giving["monthly"].renewals.get()):
        text = page_text(client, reverse("admin:pledges_pledge_change", args=[gift.pk]))

        assert "Change gift" in text or "View gift" in text
        assert_says_gift_not_pledge(text)


def test_the_refund_pages_say_gift(client, finance, giving):
    client.force_login(finance)
    paid = giving["paid"]
    assert_says_gift_not_pledge(
        page_text(client, reverse("admin:pledges_pledge_refund", args=[paid.pk]))
    )
    response = client.post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "request_refund", "_selected_action": [paid.pk]},
    )
    text = visible_text(response.content.decode())

    assert "Selected gifts and what each would refund" in text
    assert_says_gift_not_pledge(text)


def test_the_refund_and_dispute_lists_name_the_gift(client, finance, giving):
    client.force_login(finance)
    for name in ("refund", "dispute"):
        text = page_text(client, reverse(f"admin:pledges_{name}_changelist"))

        assert "Gift" in text
        assert_says_gift_not_pledge(text)


def test_the_monthly_giving_page_says_gift(client, finance, giving):
    client.force_login(finance)
    text = page_text(client, reverse("admin:pledges_pledge_monthly"))

    assert "Clean Water for All" in text  # the live gift and its failed renewal are listed
    assert_says_gift_not_pledge(text)


def test_the_csv_export_names_its_columns_and_file_for_gifts(client, finance, giving):
    client.force_login(finance)
    response = client.post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "export_csv", "_selected_action": [giving["paid"].pk]},
    )
    header = next(iter(response.streaming_content)).decode()

    assert header.startswith("gift_id,")
    assert header.strip().split(",") == CSV_HEADER
    assert_says_gift_not_pledge(header)
    assert re.search(r'filename="gifts-[^"]+\.csv"', response["Content-Disposition"])


def test_the_finance_role_and_its_permissions_say_gift(client, giving):
    """Permission names are stored rows (0006 renamed them): the group page lists them all."""
    admin = get_user_model().objects.create_superuser("root", "root@example.org", None)
    client.force_login(admin)
    finance = Group.objects.get(name="Finance")
    text = page_text(client, reverse("admin:auth_group_change", args=[finance.pk]))

    assert "Can refund a gift through Stripe" in text
    assert "Can export gifts as CSV" in text
    assert_says_gift_not_pledge(text)


def test_the_email_deliveries_name_the_receipt_a_gift_receipt(client, finance, giving):
    pledge_send_receipt(pledge_id=giving["paid"].pk)
    delivery = EmailDelivery.objects.get(kind="pledge_receipt")  # the stored kind: an identifier
    client.force_login(finance)
    listed = page_text(client, reverse("admin:core_emaildelivery_changelist"))
    shown = page_text(client, reverse("admin:core_emaildelivery_change", args=[delivery.pk]))

    assert "Gift receipt" in listed and "Gift receipt" in shown
    assert_says_gift_not_pledge(listed)
    assert_says_gift_not_pledge(shown)


def test_the_campaign_form_names_its_gift_settings(client, campaigner, giving):
    client.force_login(campaigner)
    campaign = giving["campaign"]
    text = page_text(client, reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    listed = page_text(client, reverse("admin:campaigns_campaign_changelist"))

    assert "Gifts enabled" in text and "Smallest gift" in text and "Largest gift" in text
    assert_says_gift_not_pledge(text)
    assert_says_gift_not_pledge(listed)


def test_the_receipt_email_says_gift(giving, settings):
    settings.ORG_LEGAL_NAME = "Global Advocate Foundation"
    message = pledge_receipt_message(object_id=giving["paid"].pk)
    html = message.alternatives[0].content
    # The links keep their `/pledges/` paths (URLs are not renamed); nobody reads them as words.
    without_links = re.sub(r"https?://\S+", "", message.body)

    assert "Thank you for your gift" in message.body
    assert_says_gift_not_pledge(message.subject)
    assert_says_gift_not_pledge(without_links)
    assert_says_gift_not_pledge(visible_text(html))


def test_permission_names_stored_before_the_rename_say_gift_after_it_and_back_on_reverse(db):
    """A database made before the rename keeps "Can add pledge" rows: 0006 renames them."""
    stored = Permission.objects.filter(
        content_type__app_label="pledges", content_type__model="pledge"
    )
    for codename, (old_name, _new_name) in permission_names.NAMES.items():
        stored.filter(codename=codename).update(name=old_name)
    schema_editor = SimpleNamespace(connection=connection)

    permission_names.to_gift(apps, schema_editor)
    renamed = dict(stored.values_list("codename", "name"))
    assert renamed["add_pledge"] == "Can add gift"
    assert renamed["refund_pledge"] == "Can refund a gift through Stripe"
    assert len(renamed) == 6 and not [name for name in renamed.values() if THE_WORD.search(name)]

    permission_names.to_pledge(apps, schema_editor)
    assert stored.get(codename="export_pledge").name == "Can export pledges as CSV"
