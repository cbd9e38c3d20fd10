"""Checkout Session parameters checked as strictly as Stripe checks them."""

import pytest
import stripe

from core.money import CURRENCIES
from stripe_emulator import validation

from .conftest import session_params

UNIT_AMOUNT = "line_items[0][price_data][unit_amount]"


def item(currency="usd", unit_amount=2550, quantity=1, **price_data):
    return {
        "price_data": {
            "currency": currency, "unit_amount": unit_amount,
            "product_data": {"name": "Pledge"}, **price_data,
        },
        "quantity": quantity,
    }  # fmt: skip


def refused(stripe_client, **overrides) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(params=session_params(**overrides))
    assert caught.value.http_status == 400
    return caught.value


@pytest.mark.parametrize(
    ("currency", "too_small", "smallest"),
    [("usd", 49, 50), ("eur", 49, 50), ("gbp", 29, 30), ("jpy", 49, 50), ("mxn", 999, 1000)],
)
def test_amounts_under_stripes_minimum_charge_are_amount_too_small(
    stripe_client, currency, too_small, smallest
):
    error = refused(stripe_client, line_items=[item(currency, too_small)])

    assert (error.code, error.param) == ("amount_too_small", UNIT_AMOUNT)
    session = stripe_client.v1.checkout.sessions.create(
        params=session_params(line_items=[item(currency, smallest)])
    )
    assert session.amount_total == smallest


def test_amounts_over_eight_digits_are_amount_too_large(stripe_client):
    error = refused(stripe_client, line_items=[item(unit_amount=100_000_000)])
    assert (error.code, error.param) == ("amount_too_large", UNIT_AMOUNT)

    error = refused(stripe_client, line_items=[item(unit_amount=50_000_000, quantity=2)])
    assert error.code == "amount_too_large"


@pytest.mark.parametrize("currency", ["xyz", "usdollars", "bhd"])
def test_currencies_stripe_does_not_support_are_refused(stripe_client, currency):
    error = refused(stripe_client, line_items=[item(currency)])

    assert (error.code, error.param) == ("invalid_currency", "line_items[0][price_data][currency]")
    assert "Stripe currently supports these currencies" in str(error)


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.org", "sp ace@example.org"])
def test_malformed_customer_emails_are_email_invalid_without_repeating_the_address(
    stripe_client, email
):
    error = refused(stripe_client, customer_email=email)

    assert (error.code, error.param) == ("email_invalid", "customer_email")
    assert email not in str(error)


@pytest.mark.parametrize("param", ["success_url", "cancel_url"])
@pytest.mark.parametrize("url", ["/relative/path", "javascript:alert(1)", "ftp://example.org/x"])
def test_urls_that_are_not_absolute_http_are_url_invalid(stripe_client, param, url):
    error = refused(stripe_client, **{param: url})

    assert (error.code, error.param) == ("url_invalid", param)


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"payment_intent_data": {"metdata": {"a": "b"}}}, "payment_intent_data[metdata]"),
        ({"payment_intent_data": {"descripton": "x"}}, "payment_intent_data[descripton]"),
        ({"line_items": [item(unit_amont=5)]}, "line_items[0][price_data][unit_amont]"),
        ({"line_items": [{**item(), "quantiy": 1}]}, "line_items[0][quantiy]"),
        ({"customer_mail": "a@example.org"}, "customer_mail"),
    ],
)
def test_unknown_parameters_at_any_depth_are_parameter_unknown_naming_the_param(
    stripe_client, overrides, param
):
    error = refused(stripe_client, **overrides)

    assert (error.code, error.param) == ("parameter_unknown", param)


def test_stripes_real_optional_parameters_are_accepted_and_reach_the_payment(
    stripe_emulator, stripe_client
):
    now = stripe_emulator.now()
    session = stripe_client.v1.checkout.sessions.create(
        params=session_params(
            payment_method_configuration="pmc_donations",
            payment_intent_data={
                "description": "Pledge to Reunite Families",
                "statement_descriptor_suffix": "REUNITE",
                "metadata": {"pledge_id": "pledge-1"},
            },
            locale="es-419",
            submit_type="donate",
            expires_at=now + 3600,
            client_reference_id="pledge-1",
            metadata={"pledge_id": "pledge-1"},
        )
    )

    assert session.payment_method_configuration_details.id == "pmc_donations"
    assert (session.locale, session.expires_at) == ("es-419", now + 3600)
    intent = stripe_client.v1.payment_intents.retrieve(
        stripe_emulator.pay(session.id)["payment_intent"]
    )
    assert intent.description == "Pledge to Reunite Families"
    assert intent.statement_descriptor_suffix == "REUNITE"
    assert stripe_client.v1.charges.retrieve(intent.latest_charge).description == (
        "Pledge to Reunite Families"
    )


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"locale": "klingon"}, "locale"),
        ({"submit_type": "give"}, "submit_type"),
        ({"payment_method_configuration": "card"}, "payment_method_configuration"),
        ({"payment_intent_data": {"statement_descriptor_suffix": "X" * 23}},
         "payment_intent_data[statement_descriptor_suffix]"),
        ({"payment_intent_data": {"statement_descriptor_suffix": "<b>"}},
         "payment_intent_data[statement_descriptor_suffix]"),
        ({"client_reference_id": "x" * 201}, "client_reference_id"),
        ({"metadata": {"k" * 41: "v"}}, "metadata"),
    ],
)  # fmt: skip
def test_invalid_values_of_known_parameters_name_the_parameter(stripe_client, overrides, param):
    assert refused(stripe_client, **overrides).param == param


def test_expires_at_must_fall_between_30_minutes_and_24_hours(stripe_emulator, stripe_client):
    now = stripe_emulator.now()
    for expires_at in (now + 600, now + 25 * 3600):
        assert refused(stripe_client, expires_at=expires_at).param == "expires_at"


def test_the_emulators_minimums_agree_with_the_apps_currency_table():
    for code, entry in CURRENCIES.items():
        assert code.lower() in validation.SUPPORTED_CURRENCIES
        assert validation.MINIMUM_CHARGE[code.lower()] == entry.minimum_minor, code
        assert validation.MAXIMUM_AMOUNT == entry.maximum_minor
