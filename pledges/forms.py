"""The pledge form: validates an amount strictly (Decimal, never float) and the supporter's details.

It never creates a pledge or talks to Stripe; the view hands `cleaned_data` to the services.
"""

import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from core.forms import honeypot_field
from core.money import CURRENCIES, exponent, format_money, to_minor

# ASCII digits only: `\d` would also take full-width and other Unicode digits.
AMOUNT_PATTERN = re.compile(r"^\d{1,7}(\.\d{1,3})?$", re.ASCII)
OTHER = "other"

CONSENT_TEXT = (
    "We use your name and email to process this pledge and send your receipt. "
    "Payments are handled by Stripe; we never see your card details. "
    "If you tick the updates box, we will also email you about this campaign; "
    "you can unsubscribe at any time."
)


def pledge_limits(campaign) -> tuple[int, int]:
    """The campaign's (minimum, maximum) pledge in minor units; default 1 to 10,000 major units,
    never outside what Stripe takes in the currency (`core.money.CURRENCIES`)."""
    unit = 10 ** exponent(campaign.currency)
    minimum = campaign.pledge_minimum_minor or unit
    maximum = campaign.pledge_maximum_minor or 10_000 * unit
    if campaign.currency.upper() in CURRENCIES:
        stripe_limits = CURRENCIES[campaign.currency.upper()]
        minimum = max(minimum, stripe_limits.minimum_minor)
        maximum = min(maximum, stripe_limits.maximum_minor)
    return minimum, maximum


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


class PledgeForm(forms.Form):
    amount_choice = forms.ChoiceField(
        label="Amount", widget=forms.RadioSelect, required=False, choices=()
    )
    other_amount = forms.CharField(
        label="Other amount",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # Only on campaigns that offer monthly gifts (removed in __init__ elsewhere).
    frequency = forms.ChoiceField(
        label="How often",
        widget=forms.RadioSelect,
        required=False,
        choices=[("once", "Once"), ("monthly", "Monthly")],
        initial="once",
    )
    name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
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
    # Honeypot: hidden from people (CSS and aria-hidden); bots that fill every field trip it.
    website = honeypot_field()

    def __init__(self, *args, campaign, suggested_amounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_token"].initial = uuid.uuid4
        self.campaign = campaign
        self.currency = campaign.currency.upper()
        self.minimum, self.maximum = pledge_limits(campaign)
        self.suggested = [amount for amount in suggested_amounts if amount > 0]
        self.fields["amount_choice"].choices = [
            (str(amount), format_money(amount, self.currency)) for amount in self.suggested
        ] + [(OTHER, "Other amount")]
        if not campaign.monthly_enabled:
            del self.fields["frequency"]
        self.fields["other_amount"].label = f"Other amount, in {self.currency}"
        self.fields["other_amount"].help_text = (
            f"In {self.currency}, from {format_money(self.minimum, self.currency)} "
            f"to {format_money(self.maximum, self.currency)}."
        )

    def clean_frequency(self):
        return self.cleaned_data.get("frequency") or "once"

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError("Leave this field empty.", code="honeypot")
        return ""

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("amount_choice") or ""
        if choice and choice != OTHER:
            # The choices list already refused anything that is not a suggested amount.
            amount_minor = int(choice)
        else:
            try:
                amount_minor = parse_amount(cleaned.get("other_amount", ""), self.currency)
            except ValidationError as error:
                self.add_error("other_amount", error)
                return cleaned
        if amount_minor < self.minimum:
            self.add_error(
                "other_amount",
                ValidationError(
                    f"The smallest pledge is {format_money(self.minimum, self.currency)}.",
                    code="too_small",
                ),
            )
        elif amount_minor > self.maximum:
            self.add_error(
                "other_amount",
                ValidationError(
                    f"The largest pledge is {format_money(self.maximum, self.currency)}.",
                    code="too_large",
                ),
            )
        else:
            cleaned["amount_minor"] = amount_minor
        return cleaned
