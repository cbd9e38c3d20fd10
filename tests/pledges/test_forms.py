"""The pledge form parses amounts strictly, in the campaign's currency, into minor units."""

import pytest

from demo.factories.campaigns import CampaignFactory
from pledges.forms import PledgeForm

pytestmark = pytest.mark.django_db


def make_form(campaign, *, suggested=(), **data):
    values = {"name": "Ada", "email": "ada@example.org", "amount_choice": "other"}
    values.update(data)
    return PledgeForm(values, campaign=campaign, suggested_amounts=list(suggested))


@pytest.mark.parametrize(
    ("typed", "expected_minor"),
    [("25", 2500), ("25.50", 2550), ("25.5", 2550), ("1", 100), ("10000", 1_000_000)],
)
def test_usd_amounts_typed_plainly_become_cents(typed, expected_minor):
    campaign = CampaignFactory(currency="USD")
    form = make_form(campaign, other_amount=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_minor"] == expected_minor


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("-5", "invalid"),
        ("1e3", "invalid"),
        ("0.001", "too_precise"),
        ("25,000.5.1", "invalid"),
        ("abc", "invalid"),
        ("", "required"),
        ("   ", "required"),
        ("25.", "invalid"),
        (".5", "invalid"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("１２", "invalid"),  # full-width digits are not ASCII digits
        ("0", "too_small"),
        ("0.99", "too_small"),
        ("10000.01", "too_large"),
        ("12345678", "invalid"),
    ],
)
def test_malformed_or_out_of_range_usd_amounts_give_a_field_error_with_a_code(typed, code):
    campaign = CampaignFactory(currency="USD")
    form = make_form(campaign, other_amount=typed)

    assert not form.is_valid()
    assert form.has_error("other_amount", code=code), form.errors.as_data()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("500", 500), ("10000", 10000), ("1.5", None), ("0.1", None), ("50", 50)],
)
def test_yen_amounts_are_whole_yen(typed, expected):
    campaign = CampaignFactory(currency="JPY")
    form = make_form(campaign, other_amount=typed)

    if expected is None:
        assert form.has_error("other_amount", code="too_precise")
    else:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["amount_minor"] == expected


def test_yen_amounts_below_stripes_minimum_of_50_yen_are_too_small():
    form = make_form(CampaignFactory(currency="JPY"), other_amount="49")

    assert form.has_error("other_amount", code="too_small")
    assert "¥50" in form.errors["other_amount"][0]


def test_the_campaigns_own_minimum_and_maximum_apply():
    campaign = CampaignFactory(currency="EUR", pledge_minimum_minor=500, pledge_maximum_minor=5000)

    assert make_form(campaign, other_amount="4.99").has_error("other_amount", code="too_small")
    assert make_form(campaign, other_amount="50.01").has_error("other_amount", code="too_large")
    assert make_form(campaign, other_amount="50").is_valid()


def test_a_suggested_amount_can_be_chosen_with_one_click():
    campaign = CampaignFactory(currency="GBP")
    form = make_form(campaign, suggested=[1000, 2500], amount_choice="2500", other_amount="")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_minor"] == 2500


def test_an_amount_that_is_not_on_the_suggested_list_cannot_be_posted_as_a_choice():
    campaign = CampaignFactory(currency="USD")
    form = make_form(campaign, suggested=[1000], amount_choice="1", other_amount="")

    assert form.has_error("amount_choice", code="invalid_choice")


def test_updates_are_not_opted_in_unless_ticked():
    campaign = CampaignFactory(currency="USD")
    form = make_form(campaign, other_amount="5")

    assert form.is_valid()
    assert form.cleaned_data["wants_updates"] is False
    assert form.fields["wants_updates"].initial is False


def test_name_and_a_valid_email_are_required():
    campaign = CampaignFactory(currency="USD")
    form = make_form(campaign, other_amount="5", name="", email="not-an-email")

    assert form.has_error("name", code="required")
    assert form.has_error("email", code="invalid")


def test_the_default_suggested_amount_is_chosen_and_restated_on_the_button():
    campaign = CampaignFactory(currency="USD")
    form = PledgeForm(campaign=campaign, suggested_amounts=[1000, 2500, 5000], default_amount=2500)

    assert form["amount_choice"].initial == "2500"
    assert form.chosen_amount() == 2500


def test_without_a_default_the_first_suggested_amount_is_chosen():
    form = PledgeForm(campaign=CampaignFactory(), suggested_amounts=[1000, 2500])

    assert form["amount_choice"].initial == "1000"


def test_suggested_amounts_outside_the_limits_are_not_offered():
    campaign = CampaignFactory(pledge_minimum_minor=2000)
    form = PledgeForm(campaign=campaign, suggested_amounts=[1000, 2500], default_amount=1000)

    assert [value for value, _ in form.fields["amount_choice"].choices] == ["2500", "other"]
    assert form.chosen_amount() == 2500


def test_no_amount_at_all_is_reported_on_the_amount_group_not_on_other_amount():
    form = make_form(CampaignFactory(), suggested=[2500], amount_choice="", other_amount="")

    assert form.has_error("amount_choice", code="required")
    assert not form.has_error("other_amount")


def test_other_amount_typed_without_choosing_it_still_counts():
    # Without CSS the field is always visible: someone may type in it and leave the radio alone.
    form = make_form(CampaignFactory(), suggested=[2500], amount_choice="", other_amount="40")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_minor"] == 4000


def test_a_filled_honeypot_is_never_a_field_error():
    form = make_form(CampaignFactory(), other_amount="25", website="http://spam.example")

    assert form.honeypot_filled()
    assert form.is_valid(), form.errors
