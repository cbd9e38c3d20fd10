"""The base every public supporter form shares (the petition and the pledge form).

One honeypot policy, one set of tracking fields cleaned in one place, and the consent wording
stored with the row. Forms validate; they never act (the views hand `tracking()` and
`consent_text()` to the services).
"""

import re

from django import forms

HONEYPOT_FIELD = "website"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
TRACKING_FIELDS = ("source", *UTM_FIELDS, "article")
TRACKING_MAX_LENGTH = 100

_TRACKING_VALUE = re.compile(r"[^\w .:/@+-]")


def tracking_value(value) -> str:
    """A `?source=` or `utm_*` value made safe to store: printable, short. Never an error.

    A supporter must not be turned away because a link they followed carried odd tracking
    parameters, so bad values are trimmed rather than rejected.
    """
    value = _TRACKING_VALUE.sub("", str(value or "")).strip()
    return value[:TRACKING_MAX_LENGTH]


def article_id_value(value) -> int | None:
    """The id of the article the supporter came from, or None if absent or not an id."""
    value = str(value or "").strip()
    if value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    return None


def tracking_querystring(query) -> dict[str, str]:
    """The tracking parameters of a landing URL, cleaned, without empty ones.

    For links that carry them on (the campaign page's pledge button, for instance).
    """
    values = {name: tracking_value(query.get(name, "")) for name in TRACKING_FIELDS}
    article = article_id_value(query.get("article"))
    values["article"] = str(article) if article else ""
    return {name: value for name, value in values.items() if value}


def honeypot_field() -> forms.CharField:
    """A field people never see (the template hides it with CSS and aria-hidden; no tab stop).

    Bots that fill every field fill it too. `SupporterForm.honeypot_filled()` is the one test;
    the public-POST guard answers a filled one with the neutral thank-you.
    """
    return forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class SupporterForm(forms.Form):
    """Base of the sign and pledge forms: honeypot, tracking fields and consent wording.

    Subclasses set `CONSENT_TEXT` (the wording shown next to the form) and may set
    `UPDATES_TEXT` (appended when the supporter ticks `wants_updates`).
    """

    CONSENT_TEXT = ""
    UPDATES_TEXT = ""

    # Bots fill every field; people never see this one.
    website = honeypot_field()

    # Where the supporter came from: carried from the landing URL's querystring.
    source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_term = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_content = forms.CharField(required=False, widget=forms.HiddenInput)
    article = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_from_querystring(query) -> dict:
        """Initial hidden values from the landing page's `?source=`, `utm_*` and `article=`."""
        return tracking_querystring(query)

    def honeypot_filled(self) -> bool:
        """True when the hidden field people never see has a value: a bot."""
        return bool(str(self.data.get(self.add_prefix(HONEYPOT_FIELD), "")).strip())

    def clean_website(self):
        # Never a field error: the guard has already answered a filled honeypot.
        return ""

    def clean(self):
        cleaned = super().clean()
        for name in ("source", *UTM_FIELDS):
            cleaned[name] = tracking_value(cleaned.get(name))
        cleaned["article"] = article_id_value(cleaned.get("article"))
        return cleaned

    def tracking(self) -> dict:
        """`source`, `utm` and `source_article_id` keyword arguments for the services."""
        data = self.cleaned_data
        return {
            "source": data["source"],
            "utm": {name: data[name] for name in UTM_FIELDS if data[name]},
            "source_article_id": data["article"],
        }

    def consent_text(self) -> str:
        """The wording this supporter agreed to, as shown on the form; stored with the row."""
        if self.UPDATES_TEXT and self.cleaned_data.get("wants_updates"):
            return f"{self.CONSENT_TEXT}\n{self.UPDATES_TEXT}"
        return self.CONSENT_TEXT
