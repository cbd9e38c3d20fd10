"""Stripe's nested form encoding, as stripe-python writes it."""

from urllib.parse import urlencode

import pytest
from stripe._encode import _api_encode

from stripe_emulator.encoding import decode_form


def test_decodes_what_stripe_python_encodes():
    params = {
        "mode": "payment",
        "line_items": [
            {"price_data": {"currency": "usd", "product_data": {"name": "A & B"}}, "quantity": 2},
            {"price_data": {"currency": "usd"}, "quantity": 1},
        ],
        "metadata": {"pledge_id": "5f1c", "0": "digits stay keys"},
        "expand": ["payment_intent"],
    }
    body = urlencode(list(_api_encode(params)))

    decoded = decode_form(body)

    assert decoded == {
        "mode": "payment",
        "line_items": [
            {"price_data": {"currency": "usd", "product_data": {"name": "A & B"}}, "quantity": "2"},
            {"price_data": {"currency": "usd"}, "quantity": "1"},
        ],
        "metadata": {"pledge_id": "5f1c", "0": "digits stay keys"},
        "expand": ["payment_intent"],
    }


def test_empty_brackets_append_and_blank_values_are_kept():
    assert decode_form("expand[]=a&expand[]=b&metadata=") == {"expand": ["a", "b"], "metadata": ""}


def test_a_key_used_as_value_and_container_is_an_error():
    with pytest.raises(ValueError):
        decode_form("a=1&a[b]=2")
