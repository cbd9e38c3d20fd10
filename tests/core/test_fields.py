"""The one money field staff type amounts into: major units in, integer minor units stored."""

import pytest
from django import forms

from core.fields import MoneyField, MoneyFormMixin, MoneyInput
from core.money import format_money_full


class PledgeLimitsForm(MoneyFormMixin, forms.Form):
    currency = forms.CharField()
    minimum = MoneyField(required=False)
    goal = MoneyField(charge=False, required=False)


def clean(currency, **data):
    form = PledgeLimitsForm(data={"currency": currency, **data})
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("currency", "typed", "stored"),
    [
        ("USD", "25.50", 2550),
        ("USD", "50,000", 5_000_000),
        ("EUR", "1 250.5", 125_050),
        ("GBP", "0.30", 30),
        ("JPY", "3,000", 3000),
    ],
)
def test_an_amount_typed_in_major_units_is_stored_in_minor_units(currency, typed, stored):
    form = clean(currency, minimum=typed)

    assert form.errors == {}
    assert form.cleaned_data["minimum"] == stored


@pytest.mark.parametrize(
    ("currency", "typed", "message"),
    [
        ("USD", "25.505", "USD amounts take at most 2 decimal places."),
        ("EUR", "0.001", "EUR amounts take at most 2 decimal places."),
        ("JPY", "100.5", "JPY amounts take whole numbers only."),
    ],
)
def test_more_decimals_than_the_currency_has_is_refused(currency, typed, message):
    form = clean(currency, minimum=typed)

    assert form.errors["minimum"] == [message]
    assert form.errors.as_data()["minimum"][0].code == "too_precise"


@pytest.mark.parametrize(
    ("currency", "below", "at_minimum", "message"),
    [
        ("USD", "0.49", "0.50", "Stripe's smallest USD charge is $0.50."),
        ("EUR", "0.49", "0.50", "Stripe's smallest EUR charge is €0.50."),
        ("GBP", "0.29", "0.30", "Stripe's smallest GBP charge is £0.30."),
        ("JPY", "49", "50", "Stripe's smallest JPY charge is ¥50."),
    ],
)
def test_a_charge_below_stripes_minimum_is_refused(currency, below, at_minimum, message):
    assert clean(currency, minimum=below).errors["minimum"] == [message]
    assert clean(currency, minimum=at_minimum).errors == {}


def test_a_charge_above_stripes_maximum_is_refused():
    form = clean("USD", minimum="1,000,000")

    assert form.errors["minimum"] == ["Stripe's largest USD charge is $999,999.99."]


def test_a_goal_is_a_total_not_a_charge_so_zero_and_millions_are_fine():
    assert clean("USD", goal="0").cleaned_data["goal"] == 0
    assert clean("JPY", goal="50,000,000").cleaned_data["goal"] == 50_000_000
    assert clean("USD", goal="2,000,000,000").errors["goal"] == ["Enter at most $1,000,000,000.00."]


@pytest.mark.parametrize("typed", ["-5", "25,50", "1e3", "$25", "twenty", "2" * 40])
def test_anything_but_a_plain_number_is_refused(typed):
    form = clean("USD", minimum=typed)

    assert form.errors.as_data()["minimum"][0].code == "invalid"


@pytest.mark.parametrize(
    ("currency", "stored", "shown", "symbol"),
    [("USD", 2550, "25.50", "$"), ("EUR", 5000, "50.00", "€"), ("GBP", 30, "0.30", "£"),
     ("JPY", 3000, "3000", "¥")],
)  # fmt: skip
def test_a_stored_amount_is_shown_in_major_units_with_the_currency(currency, stored, shown, symbol):
    form = PledgeLimitsForm(initial={"minimum": stored}, currency=currency)

    html = str(form["minimum"])
    assert f'value="{shown}"' in html
    assert 'inputmode="decimal"' in html
    assert f">{symbol}<" in html
    assert f">{currency}<" in html


def test_the_submitted_currency_decides_how_the_amount_is_read():
    # The same text is 25 dollars or 2,550 yen: the form reads the currency being saved.
    assert clean("USD", minimum="2550").cleaned_data["minimum"] == 255_000
    assert clean("JPY", minimum="2550").cleaned_data["minimum"] == 2550


def test_an_unknown_submitted_currency_falls_back_rather_than_guessing_decimals():
    form = PledgeLimitsForm(data={"currency": "XXX", "minimum": "1"})

    assert form.currency == "USD"


def test_unchanged_amounts_do_not_count_as_a_change():
    field = MoneyField(currency="USD")

    assert not field.has_changed(2550, "25.50")
    assert field.has_changed(2550, "25.51")


def test_the_widget_is_one_class_used_by_the_field():
    assert isinstance(MoneyField().widget, MoneyInput)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(56000, "USD", "$560.00"), (5_000_000, "EUR", "€50,000.00"), (30, "GBP", "£0.30"),
     (3000, "JPY", "¥3,000"), (1250, "SEK", "12.50 SEK")],
)  # fmt: skip
def test_read_only_figures_show_every_minor_digit(amount, currency, text):
    assert format_money_full(amount, currency) == text
