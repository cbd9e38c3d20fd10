"""Property-based tests: random and hostile values posted to the sign form and the confirm link.

Never a 500; nothing stored partially (a stored signature passes the model's own validation and
the counters match the rows).
"""

from urllib.parse import quote

import pytest
from django.core import signing
from django.db.models import Count, Q
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import given
from hypothesis import strategies as st

from campaigns.models import Campaign, Signature
from campaigns.services import CONFIRM_SALT
from demo.factories.campaigns import CampaignFactory
from tests.fuzz import FUZZ, form_data, form_value, hostile_text

pytestmark = pytest.mark.django_db

SIGN_FIELDS = dict.fromkeys(
    (
        "first_name",
        "last_name",
        "email",
        "country",
        "postal_code",
        "comment",
        "show_publicly",
        "wants_updates",
        "website",
        "source",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "article",
    ),
    form_value,
)
# Values that pass the form often enough for the storing path to be exercised too.
PLAUSIBLE = {
    "first_name": st.one_of(st.just("Ana"), form_value),
    "last_name": st.one_of(st.just("Lima"), form_value),
    "email": st.one_of(st.just("ana@example.org"), st.emails(), form_value),
    "country": st.one_of(st.sampled_from(["US", "GB", "BR"]), form_value),
}


@pytest.fixture
def campaigns(settings):
    settings.CAMPAIGNS_SIGN_RATE = "100000/m"
    return [
        CampaignFactory(slug="needs-confirming"),
        CampaignFactory(slug="counts-at-once", requires_confirmation=False),
    ]


def assert_consistent():
    latest = Signature.objects.order_by("-pk").first()
    if latest is not None:
        latest.full_clean()  # what was stored is valid, a whole row
    for campaign in Campaign.objects.annotate(
        confirmed=Count("signatures", filter=Q(signatures__confirmed_at__isnull=False))
    ):
        assert campaign.signature_count == campaign.confirmed


# Either anything at all, or the required fields plausible and the rest hostile, so that both
# the refusing and the storing paths are exercised.
SIGN_POSTS = st.one_of(
    form_data({**SIGN_FIELDS, **PLAUSIBLE}),
    st.fixed_dictionaries(
        PLAUSIBLE, optional={k: v for k, v in SIGN_FIELDS.items() if k not in PLAUSIBLE}
    ),
)


@FUZZ
@given(data=SIGN_POSTS, which=st.sampled_from([0, 1]))
def test_any_post_to_the_sign_form_is_answered_without_a_500(campaigns, data, which):
    campaign = campaigns[which]
    before = Signature.objects.count()

    response = Client().post(reverse("campaigns:sign", kwargs={"slug": campaign.slug}), data)

    assert response.status_code in (303, 400, 429)
    if response.status_code != 303:
        assert Signature.objects.count() == before
    assert_consistent()


@FUZZ
@given(token=hostile_text, method=st.sampled_from(["get", "post"]))
def test_any_confirmation_token_is_answered_without_a_500(campaigns, token, method):
    try:
        url = reverse("campaigns:confirm", kwargs={"token": token})
    except NoReverseMatch:  # e.g. a "/" in it: no such URL, the router answers 404
        url = "/take-action/confirm/" + token.replace("\x00", "%00") + "/"

    response = getattr(Client(), method)(url)

    assert response.status_code in (200, 400, 404, 405)
    assert_consistent()


@FUZZ
@given(value=st.one_of(st.integers(), hostile_text), method=st.sampled_from(["get", "post"]))
def test_a_genuinely_signed_token_for_any_value_is_answered_without_a_500(campaigns, value, method):
    token = signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(value))

    # Quoted as a browser sends it: a raw "#" or "?" would end the path before the token does.
    response = getattr(Client(), method)(f"/take-action/confirm/{quote(token, safe='')}/")

    assert response.status_code in (200, 400, 404)
    assert_consistent()
