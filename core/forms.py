"""Form pieces the public forms share."""

from django import forms


def honeypot_field() -> forms.CharField:
    """A field people never see (the template hides it with CSS and aria-hidden; no tab stop).

    Bots that fill every field fill it too; each form decides how to answer them.
    """
    return forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
