"""One money field for every amount staff type: major units in, integer minor units out.

Staff think in dollars and yen, Stripe and the database in cents and yen. `MoneyField` takes
"50,000" or "25.50" in the currency's major unit, refuses more decimals than the currency has,
and cleans to an integer in the minor unit (5000000, 2550); it shows a stored amount back as
"50000.00" (or "3000" for yen). The currency comes from the form: `MoneyFormMixin` reads it
from the submitted `currency` field, the instance, or a `currency=` keyword (inline forms get
their campaign's), and hands it to every money field and widget on the form.

`charge=True` fields are one card payment (a pledge minimum, maximum or suggested amount) and
must lie between Stripe's minimum and maximum charge for the currency (`core.money.CURRENCIES`);
`charge=False` fields are totals such as a goal, any whole amount from zero up.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from core.money import CURRENCIES, SYMBOLS, currency, format_money_full, to_major

DEFAULT_CURRENCY = "USD"
# Digits with optional thousands commas or spaces, then an optional decimal part. ASCII only.
MONEY_PATTERN = re.compile(r"^\d{1,3}(?:[, ]?\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$", re.ASCII)
# Goals may be bigger than one charge, but not absurd: a billion major units.
TOTAL_MAXIMUM_MAJOR = 1_000_000_000


def major_text(amount_minor: int, code: str) -> str:
    """A stored amount as staff type it: 2550 USD -> "25.50", 3000 JPY -> "3000"."""
    places = currency(code).exponent
    return f"{to_major(amount_minor, code):.{places}f}"


class MoneyInput(forms.TextInput):
    """A text box for an amount in major units, with the currency's symbol and code beside it.

    A text box, not `type=number`: browsers differ on decimal commas and spin buttons, and
    `inputmode=decimal` already brings up the number keyboard on phones.
    """

    template_name = "core/widgets/money_input.html"

    def __init__(self, attrs=None, currency: str = DEFAULT_CURRENCY):
        super().__init__(
            attrs={"inputmode": "decimal", "autocomplete": "off", "size": 14, **(attrs or {})}
        )
        self.currency = currency

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["currency"] = {
            "code": self.currency,
            "symbol": SYMBOLS.get(self.currency, ""),
            "exponent": currency(self.currency).exponent,
        }
        return context


class MoneyField(forms.Field):
    """An amount typed in major units, cleaned to an int in the minor unit (see module doc)."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": "Enter an amount as a number, like 25 or 25.50.",
        "too_precise": "%(code)s amounts take %(allowed)s.",
        "below_minimum": "Stripe's smallest %(code)s charge is %(minimum)s.",
        "above_maximum": "Stripe's largest %(code)s charge is %(maximum)s.",
        "too_large": "Enter at most %(maximum)s.",
    }

    def __init__(self, *, charge: bool = True, currency: str = DEFAULT_CURRENCY, **kwargs):
        # A model field's form defaults (min_value, max_value) mean nothing in major units.
        kwargs.pop("min_value", None)
        kwargs.pop("max_value", None)
        kwargs.pop("max_digits", None)
        self.charge = charge
        super().__init__(**kwargs)
        self.set_currency(currency)

    def set_currency(self, code: str) -> None:
        self.currency = code.upper()
        self.widget.currency = self.currency

    def prepare_value(self, value):
        # Stored amounts arrive as ints (minor units); typed ones as text, shown back as typed.
        if isinstance(value, int) and not isinstance(value, bool):
            return major_text(value, self.currency)
        return value

    def to_python(self, value) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30 or not MONEY_PATTERN.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            major = Decimal(text.replace(",", "").replace(" ", ""))
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        places = currency(self.currency).exponent
        minor = major.scaleb(places)
        if minor != minor.to_integral_value():
            allowed = "whole numbers only" if places == 0 else f"at most {places} decimal places"
            raise ValidationError(
                self.error_messages["too_precise"],
                code="too_precise",
                params={"code": self.currency, "allowed": allowed},
            )
        return int(minor)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        table = currency(self.currency)
        if self.charge:
            if value < table.minimum_minor:
                raise ValidationError(
                    self.error_messages["below_minimum"],
                    code="below_minimum",
                    params={
                        "code": self.currency,
                        "minimum": format_money_full(table.minimum_minor, self.currency),
                    },
                )
            if value > table.maximum_minor:
                raise ValidationError(
                    self.error_messages["above_maximum"],
                    code="above_maximum",
                    params={
                        "code": self.currency,
                        "maximum": format_money_full(table.maximum_minor, self.currency),
                    },
                )
        elif value > TOTAL_MAXIMUM_MAJOR * 10**table.exponent:
            raise ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={
                    "maximum": format_money_full(
                        TOTAL_MAXIMUM_MAJOR * 10**table.exponent, self.currency
                    )
                },
            )

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial if initial != "" else None)
        except ValidationError:
            return True


class MoneyFormMixin:
    """Gives every `MoneyField` on the form the form's currency (see the module docstring).

    Order: a `currency=` keyword, then the submitted `currency` field when it is one campaigns
    can take, then `instance.currency`, then USD.
    """

    currency_field = "currency"

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = self._form_currency(currency)
        for field in self.fields.values():
            if isinstance(field, MoneyField):
                field.set_currency(self.currency)

    def _form_currency(self, explicit: str | None) -> str:
        candidates = [explicit]
        if self.is_bound and self.currency_field in self.fields:
            candidates.append(self.data.get(self.add_prefix(self.currency_field)))
        instance = getattr(self, "instance", None)
        candidates.append(getattr(instance, self.currency_field, None))
        for code in candidates:
            if isinstance(code, str) and code.upper() in CURRENCIES:
                return code.upper()
        return DEFAULT_CURRENCY
