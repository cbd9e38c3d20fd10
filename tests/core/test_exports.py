"""One formula-safe CSV writer (core.exports.csv_response) behind every export, column by column."""

import csv
import io

import pytest
from django.core.validators import validate_email
from django.urls import reverse

from campaigns.admin import EXPORT_COLUMNS as SIGNATURE_COLUMNS
from campaigns.models import Signature
from core.exports import FORMULA_START, csv_cell
from demo.factories.campaigns import CampaignFactory, SignatureFactory
from demo.factories.pledges import PledgeFactory
from pledges.admin import CSV_HEADER as PLEDGE_COLUMNS
from pledges.models import Pledge

# Passes Django's email validation, and a spreadsheet would run it as a command.
FORMULA_EMAIL = "=cmd|'/Ccalc'!A0@example.org"


@pytest.mark.parametrize("start", FORMULA_START)
def test_a_cell_starting_with_a_formula_character_is_neutralised(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"


def test_a_formula_after_leading_spaces_is_neutralised():
    assert csv_cell("  =1+1") == "'  =1+1"


def test_plain_text_numbers_and_empty_values_are_written_as_they_are():
    assert csv_cell("Ana Lima") == "Ana Lima"
    assert csv_cell(-5) == "-5"
    assert csv_cell(None) == ""
    assert csv_cell(True) == "True"


def test_the_formula_email_is_a_valid_address():
    validate_email(FORMULA_EMAIL)  # raises if not: the export must cope with what forms accept


def parsed(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], rows[1:]
    return [dict(zip(header, row, strict=True)) for row in data]


@pytest.fixture
def hostile_signature(db):
    return SignatureFactory(
        campaign=CampaignFactory(slug="-campaign"),
        first_name='=HYPERLINK("https://evil.example")',
        last_name="+1+1",
        email=FORMULA_EMAIL,
        wants_updates=True,  # so the address is exported
        postal_code="-12",
        source="@SUM1",
        utm={"=utm_source": "x"},
    )


@pytest.mark.parametrize("column", SIGNATURE_COLUMNS)
def test_every_signature_export_column_is_formula_safe(admin_client, hostile_signature, column):
    response = admin_client.post(
        reverse("admin:campaigns_signature_changelist"),
        {"action": "export_csv", "_selected_action": [hostile_signature.pk]},
    )

    (row,) = parsed(response)
    assert not row[column].lstrip(" ").startswith(FORMULA_START), (column, row[column])


def test_the_signature_export_keeps_the_hostile_values_readable(admin_client, hostile_signature):
    response = admin_client.post(
        reverse("admin:campaigns_signature_changelist"),
        {"action": "export_csv", "_selected_action": [hostile_signature.pk]},
    )

    (row,) = parsed(response)
    assert row["email"] == "'" + FORMULA_EMAIL
    assert row["first_name"] == '\'=HYPERLINK("https://evil.example")'
    assert row["postal_code"] == "'-12"
    assert row["campaign"] == "'-campaign"
    assert Signature.objects.count() == 1


@pytest.fixture
def hostile_pledge(db):
    return PledgeFactory(
        campaign=CampaignFactory(slug="+campaign"),
        name="@SUM(A1:A9)",
        email=FORMULA_EMAIL,
        wants_updates=True,
        public_message="=1+1",
        stripe_checkout_session_id="=cs_test",
        stripe_payment_intent_id="-pi_test",
    )


@pytest.mark.parametrize("column", PLEDGE_COLUMNS)
def test_every_pledge_export_column_is_formula_safe(admin_client, hostile_pledge, column):
    response = admin_client.post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "export_csv", "_selected_action": [hostile_pledge.pk]},
    )

    (row,) = parsed(response)
    assert not row[column].lstrip(" ").startswith(FORMULA_START), (column, row[column])


def test_the_pledge_export_writes_the_formula_email_as_text(admin_client, hostile_pledge):
    response = admin_client.post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "export_csv", "_selected_action": [hostile_pledge.pk]},
    )

    (row,) = parsed(response)
    assert row["email"] == "'" + FORMULA_EMAIL
    assert row["name"] == "'@SUM(A1:A9)"
    assert Pledge.objects.count() == 1
