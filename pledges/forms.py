"""The form to give: validates an amount strictly (Decimal, never float) and the details.

It never creates a pledge or talks to Stripe; the view hands `cleaned_data` to the services.
"""

import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from core.fields import MoneyField, MoneyFormMixin
from core.forms import SupporterForm
from core.money import exponent, format_money, format_money_full, to_minor
from pledges.models import Refund

# ASCII digits only: `\d` would also take full-width and other Unicode digits.
AMOUNT_PATTERN = re.compile(r"^\d{1,7}(\.\d{1,3})?$", re.ASCII)
OTHER = "other"

CONSENT_TEXT = (
    "We use your name and email to take your gift and send your receipt. "
    "Payments are handled by Stripe; we never see your card details. "
    "If you tick the updates box, we will also email you about this campaign; "
    "you can unsubscribe at any time."
)


def parse_amount(text: str, currency: str) -> int:
    """Parse a typed amount in major units ("25", "25.50") into minor units.

    Raises ValidationError with code "required", "invalid" or "too_precise".
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError("Enter an amount.", code="required")
    if not AMOUNT_PATTERN.fullmatch(text):
        raise ValidationError(
            "Enter the amount as a plain number, like 25 or 25.50.", code="invalid"
        )
    try:
        return to_minor(Decimal(text), currency)
    except (InvalidOperation, ValueError):
        places = exponent(currency)
        allowed = "whole numbers" if places == 0 else f"at most {places} decimal places"
        raise ValidationError(
            f"{currency.upper()} amounts take {allowed}.", code="too_precise"
        ) from None


class PledgeForm(SupporterForm):
    """A gift: an amount (a suggested one, or "Other amount") and the supporter's details.

    Honeypot, tracking fields and consent wording come from `SupporterForm`. The amount must be
    within `Campaign.pledge_limits()`; `pledges.services.pledge_create` checks it again.
    """

    CONSENT_TEXT = CONSENT_TEXT

    amount_choice = forms.ChoiceField(
        label="Amount",
        widget=forms.RadioSelect,
        required=False,
        choices=(),
        error_messages={"invalid_choice": "Choose one of the amounts, or enter another amount."},
    )
    other_amount = forms.CharField(
        label="Other amount",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # Only on campaigns that offer monthly gifts (`__init__` removes it elsewhere).
    frequency = forms.ChoiceField(
        label="How often",
        widget=forms.RadioSelect,
        required=False,
        choices=[("once", "Once"), ("monthly", "Monthly")],
        initial="once",
    )
    name = forms.CharField(
        label="Your name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your name."},
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text="We email your receipt here.",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    public_message = forms.CharField(
        label="Public message (optional)",
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the campaign page with your name (or as Anonymous).",
    )
    is_anonymous = forms.BooleanField(label="Show me as anonymous", required=False)
    wants_updates = forms.BooleanField(
        label="Email me updates about this campaign", required=False, initial=False
    )
    # Identifies this form submission, so posting it twice makes one pledge (see pledge_create).
    form_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, campaign, suggested_amounts=(), default_amount=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_token"].initial = uuid.uuid4
        self.campaign = campaign
        self.currency = campaign.currency.upper()
        self.minimum, self.maximum = campaign.pledge_limits()
        # A suggested amount outside the limits would only ever be refused: never offer it.
        self.suggested = [a for a in suggested_amounts if self.minimum <= a <= self.maximum]
        self.fields["amount_choice"].choices = [
            (str(amount), format_money(amount, self.currency)) for amount in self.suggested
        ] + [(OTHER, "Other amount")]
        if default_amount not in self.suggested:
            default_amount = self.suggested[0] if self.suggested else None
        self.default_amount = default_amount
        self.fields["amount_choice"].initial = str(default_amount) if default_amount else OTHER
        if not campaign.monthly_enabled:
            del self.fields["frequency"]
        self.fields["other_amount"].label = f"Other amount, in {self.currency}"
        self.fields["other_amount"].help_text = (
            f"From {format_money(self.minimum, self.currency)} "
            f"to {format_money(self.maximum, self.currency)}."
        )

    def chosen_amount(self) -> int | None:
        """The amount the button restates ("Give $25 now"): chosen, or preselected."""
        value = self["amount_choice"].value()
        if value and value != OTHER and value.isdigit():
            return int(value)
        if not self.is_bound:
            return self.default_amount
        return None

    def clean_frequency(self):
        return self.cleaned_data.get("frequency") or "once"

    def clean(self):
        cleaned = super().clean()
        if "amount_choice" in self.errors:
            return cleaned
        choice = cleaned.get("amount_choice") or ""
        other = (cleaned.get("other_amount") or "").strip()
        if not choice and not other:
            # Nothing picked at all: the group is at fault, not "Other amount".
            self.add_error(
                "amount_choice",
                ValidationError("Choose an amount, or enter another amount.", code="required"),
            )
            return cleaned
        if choice and choice != OTHER:
            # The choices list already refused anything that is not a suggested amount.
            cleaned["amount_minor"] = int(choice)
            return cleaned
        try:
            amount_minor = parse_amount(other, self.currency)
        except ValidationError as error:
            self.add_error("other_amount", error)
            return cleaned
        if amount_minor < self.minimum:
            self.add_error(
                "other_amount",
                ValidationError(
                    f"The smallest gift is {format_money(self.minimum, self.currency)}.",
                    code="too_small",
                ),
            )
        elif amount_minor > self.maximum:
            self.add_error(
                "other_amount",
                ValidationError(
                    f"The largest gift is {format_money(self.maximum, self.currency)}.",
                    code="too_large",
                ),
            )
        else:
            cleaned["amount_minor"] = amount_minor
        return cleaned

    def pledge_kwargs(self) -> dict:
        """The cleaned data as `pledge_create` keyword arguments (without campaign and ip)."""
        data = self.cleaned_data
        return {
            "amount_minor": data["amount_minor"],
            "currency": self.currency,
            "name": data["name"],
            "email": data["email"],
            "public_message": data["public_message"],
            "is_anonymous": data["is_anonymous"],
            "wants_updates": data["wants_updates"],
            "consent_text": self.consent_text(),
            "form_token": data["form_token"],
            # Only campaigns that offer monthly gifts have the field.
            "frequency": data.get("frequency") or "once",
            **self.tracking(),
        }


# Stripe's refund reasons, as the Refund rows store them ("other" is not offered: say why).
REFUND_REASONS = [(value, label) for value, label in Refund.Reason.choices if value]


class RefundForm(MoneyFormMixin, forms.Form):
    """Finance staff's refund of one pledge: an amount up to its refundable balance, a reason.

    Validates only; the admin view asks `pledges.services` to refund.
    """

    amount = MoneyField(
        label="Amount to refund",
        charge=False,
        help_text="Up to the refundable balance. Partial refunds are fine.",
        error_messages={"required": "Enter the amount to refund."},
    )
    reason = forms.ChoiceField(label="Reason", choices=REFUND_REASONS)

    def __init__(self, *args, balance_minor: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.balance_minor = balance_minor
        self.fields["amount"].initial = balance_minor

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError("Enter an amount above zero.", code="not_positive")
        if amount > self.balance_minor:
            raise ValidationError(
                "At most %(balance)s can be refunded: the rest has been refunded already.",
                code="over_balance",
                params={"balance": format_money_full(self.balance_minor, self.currency)},
            )
        return amount
