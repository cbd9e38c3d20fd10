"""The petition form: every field validated with a clear message and a code."""

import pytest

from campaigns.forms import CONSENT_TEXT, UPDATES_TEXT, SignatureForm
from tests.campaigns.conftest import VALID_SIGNATURE


def form_with(**changes):
    return SignatureForm(data={**VALID_SIGNATURE, **changes})


def test_a_complete_signature_is_valid():
    form = form_with(show_publicly="on")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["show_publicly"] is True
    assert form.cleaned_data["wants_updates"] is False


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("first_name", "", "required"),
        ("first_name", "   ", "required"),
        ("first_name", "x" * 101, "max_length"),
        ("first_name", "Visit http://spam.example", "no_links"),
        ("last_name", "", "required"),
        ("email", "", "required"),
        ("email", "not-an-email", "invalid"),
        ("email", "ana@", "invalid"),
        ("email", ("a" * 250) + "@example.org", "max_length"),
        ("country", "", "required"),
        ("country", "XX", "invalid_choice"),
        ("postal_code", "1" * 21, "max_length"),
        ("postal_code", "<b>1</b>", "invalid_postal_code"),
        ("comment", "x" * 1001, "max_length"),
    ],
)
def test_bad_input_is_refused_with_a_coded_error(field, value, code):
    form = form_with(**{field: value})

    assert not form.is_valid()
    assert form.has_error(field, code), form.errors.as_data()


def test_hostile_html_in_a_comment_is_kept_as_text_to_be_escaped_when_shown():
    form = form_with(comment="<script>alert(1)</script> Families belong together")
    assert form.is_valid()
    assert form.cleaned_data["comment"] == "<script>alert(1)</script> Families belong together"


def test_tracking_values_are_trimmed_never_refused():
    form = form_with(
        source="article" + "x" * 500,
        utm_source="news<script>letter",
        article="not-a-number",
    )
    assert form.is_valid(), form.errors
    kwargs = form.signature_kwargs()
    assert len(kwargs["source"]) == 100
    assert kwargs["utm"] == {"utm_source": "newsscriptletter"}
    assert kwargs["source_article_id"] is None


def test_the_article_id_and_utm_parameters_are_passed_on():
    form = form_with(source="article", article="42", utm_campaign="spring", utm_medium="email")
    assert form.is_valid()
    kwargs = form.signature_kwargs()
    assert kwargs["source_article_id"] == 42
    assert kwargs["utm"] == {"utm_campaign": "spring", "utm_medium": "email"}


def test_the_consent_text_records_the_wording_agreed_to():
    plain = form_with()
    updates = form_with(wants_updates="on")
    assert plain.is_valid() and updates.is_valid()

    assert plain.consent_text() == CONSENT_TEXT
    assert updates.consent_text() == f"{CONSENT_TEXT}\n{UPDATES_TEXT}"


def test_the_honeypot_is_noticed():
    assert form_with(website="http://spam.example").honeypot_filled()
    assert not form_with().honeypot_filled()


@pytest.mark.django_db
def test_staff_must_describe_a_hero_image():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.forms import CampaignAdminForm

    gif = (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )
    data = {
        "title": "T", "slug": "t", "ask": "Ask", "status": "live", "signature_goal": 10,
        "currency": "USD", "money_goal_minor": 0, "hero_alt": "",
    }  # fmt: skip
    form = CampaignAdminForm(
        data=data, files={"hero_image": SimpleUploadedFile("hero.gif", gif, "image/gif")}
    )

    assert not form.is_valid()
    assert form.has_error("hero_alt", "alt_required")
