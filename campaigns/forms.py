"""The petition form. It validates and cleans; `campaigns.services.signature_create` acts."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from campaigns.models import Campaign, SuggestedAmount
from core.fields import MoneyField, MoneyFormMixin
from core.forms import SupporterForm

# The exact wording shown next to the form; stored with every signature (`consent_text`).
CONSENT_TEXT = (
    "By signing, you add your name to this petition. We keep your name, email, country and "
    "postal code to count and deliver your signature, and show your first name and country "
    "only if you ask us to."
)
UPDATES_TEXT = "Email me about this campaign. I can unsubscribe at any time."
SHOW_PUBLICLY_TEXT = "Show my first name and country in the list of supporters."

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINK = re.compile(r"(https?://|www\.)", re.IGNORECASE)


class CountrySelect(forms.Select):
    """A plain <select> whose ~250 options render in one template, not one include each."""

    template_name = "campaigns/widgets/country_select.html"


class CountryChoiceField(LazyTypedChoiceField):
    """The country list, shared by every form instead of deep-copied into each one.

    Django deep-copies each field's choices whenever a form is made; for ~250 countries that
    was most of the sign request's form cost (5 ms). The list is never changed after startup.
    """

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


class SignatureForm(SupporterForm):
    """A supporter's signature; honeypot, tracking and consent come from `SupporterForm`."""

    CONSENT_TEXT = CONSENT_TEXT
    UPDATES_TEXT = UPDATES_TEXT

    first_name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={
            "required": "Enter your first name.",
            "max_length": "Shorten your first name to 100 characters or fewer.",
        },
    )
    last_name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={
            "required": "Enter your last name.",
            "max_length": "Shorten your last name to 100 characters or fewer.",
        },
    )
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text="We send you a link to confirm your signature.",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.org.",
            "max_length": "An email address has 254 characters at most.",
        },
    )
    country = CountryChoiceField(
        choices=[("", "Choose your country")] + list(countries),
        widget=CountrySelect(attrs={"autocomplete": "country"}),
        error_messages={
            "required": "Choose your country.",
            "invalid_choice": "Choose a country from the list.",
        },
    )
    postal_code = forms.CharField(
        label="Postal code (optional)",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        error_messages={"max_length": "A postal code has 20 characters at most."},
    )
    comment = forms.CharField(
        label="Why are you signing? (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Up to 1,000 characters.",
        error_messages={"max_length": "Shorten your comment to 1,000 characters or fewer."},
    )
    show_publicly = forms.BooleanField(label=SHOW_PUBLICLY_TEXT, required=False)
    wants_updates = forms.BooleanField(label=UPDATES_TEXT, required=False)

    PERSONAL_FIELDS = (
        "first_name",
        "last_name",
        "email",
        "country",
        "postal_code",
        "comment",
        "show_publicly",
        "wants_updates",
    )

    def _clean_name(self, value: str) -> str:
        value = " ".join(value.split())
        if CONTROL_CHARACTERS.search(value):
            raise ValidationError("Use letters, spaces and punctuation only.", code="invalid")
        if LINK.search(value):
            raise ValidationError("A name cannot contain a web address.", code="no_links")
        return value

    def clean_first_name(self):
        value = self._clean_name(self.cleaned_data["first_name"])
        if not value:
            raise ValidationError("Enter your first name.", code="required")
        return value

    def clean_last_name(self):
        value = self._clean_name(self.cleaned_data["last_name"])
        if not value:
            raise ValidationError("Enter your last name.", code="required")
        return value

    def clean_email(self):
        # EmailField has already stripped and checked it; the service normalises it.
        return self.cleaned_data["email"]

    def clean_postal_code(self):
        value = " ".join(self.cleaned_data["postal_code"].split()).upper()
        if value and not re.fullmatch(r"[A-Z0-9][A-Z0-9 -]*", value):
            raise ValidationError(
                "Use letters, numbers, spaces and hyphens only.", code="invalid_postal_code"
            )
        return value

    def clean_comment(self):
        # Stored as typed (HTML included) and escaped wherever it is shown.
        value = CONTROL_CHARACTERS.sub("", self.cleaned_data["comment"]).strip()
        return value

    def signature_kwargs(self) -> dict:
        """The cleaned data as `signature_create` keyword arguments (without the campaign)."""
        data = self.cleaned_data
        return {
            **{name: data[name] for name in self.PERSONAL_FIELDS},
            "consent_text": self.consent_text(),
            **self.tracking(),
        }


class CampaignAdminForm(MoneyFormMixin, forms.ModelForm):
    """The campaign form staff use in the admin. Amounts are typed in the currency's units."""

    money_goal_minor = MoneyField(
        label="Money goal",
        charge=False,
        initial=0,
        help_text="In the campaign's currency, e.g. 50,000 for $50,000. 0: no money goal.",
    )
    pledge_minimum_minor = MoneyField(
        label="Smallest gift",
        required=False,
        help_text="Empty: one unit of the currency (1 USD, 1 JPY...).",
    )
    pledge_maximum_minor = MoneyField(
        label="Largest gift",
        required=False,
        help_text="Empty: 10,000 units of the currency.",
    )

    class Meta:
        model = Campaign
        fields = "__all__"
        widgets = {
            "title": forms.TextInput(attrs={"class": "staff-wide", "size": 80}),
            "ask": forms.TextInput(attrs={"class": "staff-wide", "size": 80}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hero_image") and not (cleaned.get("hero_alt") or "").strip():
            self.add_error(
                "hero_alt",
                ValidationError(
                    "Describe the image for readers who cannot see it.", code="alt_required"
                ),
            )
        minimum, maximum = cleaned.get("pledge_minimum_minor"), cleaned.get("pledge_maximum_minor")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error(
                "pledge_maximum_minor",
                ValidationError(
                    "The largest gift must be at least the smallest.",
                    code="maximum_below_minimum",
                ),
            )
        return cleaned


class SuggestedAmountAdminForm(MoneyFormMixin, forms.ModelForm):
    """A suggested gift amount, typed in the campaign's currency (the admin passes it in)."""

    amount_minor = MoneyField(label="Amount")

    class Meta:
        model = SuggestedAmount
        fields = ["amount_minor", "position", "is_default"]
