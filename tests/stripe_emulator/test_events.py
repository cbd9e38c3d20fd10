"""The events list and the webhook endpoint, as the app's reconciliation and going-live check
read them; API versions; rate limits."""

import pytest
import requests
import stripe

from stripe_emulator import StripeEmulator
from stripe_emulator.server import API_VERSION

from .conftest import make_client, session_params


@pytest.fixture
def history(stripe_emulator, stripe_client):
    """Six events: two sessions paid, one refunded (two events), one disputed, one expired."""
    first, second, third = (
        stripe_client.v1.checkout.sessions.create(params=session_params()).id for _ in range(3)
    )
    intent = stripe_emulator.pay(first)["payment_intent"]
    disputed = stripe_emulator.pay(second)["payment_intent"]
    stripe_emulator.refund(intent, amount=100)
    stripe_emulator.dispute(disputed)
    stripe_emulator.expire(third)
    return [event["id"] for event in stripe_emulator.events]


def test_events_are_listed_newest_first_and_paged_with_starting_after(stripe_client, history):
    first = stripe_client.v1.events.list(params={"limit": 2})
    second = stripe_client.v1.events.list(params={"limit": 2, "starting_after": first.data[-1].id})
    last = stripe_client.v1.events.list(params={"limit": 2, "starting_after": second.data[-1].id})

    assert len(history) == 6
    assert [e.id for e in first.data + second.data + last.data] == history[::-1]
    assert (first.has_more, second.has_more, last.has_more) == (True, True, False)
    assert first.object == "list" and first.url == "/v1/events"


def test_ending_before_pages_towards_newer_events(stripe_client, history):
    page = stripe_client.v1.events.list(params={"limit": 2, "ending_before": history[2]})

    assert [e.id for e in page.data] == [history[4], history[3]]
    assert page.has_more is True


def test_the_sdk_auto_pages_through_every_event(stripe_client, history):
    listed = stripe_client.v1.events.list(params={"limit": 2})

    assert [e.id for e in listed.auto_paging_iter()] == history[::-1]


def test_events_filter_by_type_with_wildcards_and_by_types(stripe_client, history):
    charges = stripe_client.v1.events.list(params={"type": "charge.*"})
    chosen = stripe_client.v1.events.list(
        params={"types": ["checkout.session.expired", "refund.created"]}
    )

    assert [e.type for e in charges.data] == ["charge.dispute.created", "charge.refunded"]
    assert [e.type for e in chosen.data] == ["checkout.session.expired", "refund.created"]


def test_events_filter_by_created(stripe_emulator, stripe_client, history):
    stripe_emulator.advance_clock(3600)
    session_id = stripe_client.v1.checkout.sessions.create(params=session_params()).id
    stripe_emulator.pay(session_id)
    cutoff = stripe_emulator.now() - 60

    recent = stripe_client.v1.events.list(params={"created": {"gt": cutoff}})
    older = stripe_client.v1.events.list(params={"created": {"lte": cutoff}, "limit": 100})

    assert [e.type for e in recent.data] == ["checkout.session.completed"]
    assert len(older.data) == len(history)


@pytest.mark.parametrize(
    ("params", "param"),
    [({"limit": 101}, "limit"), ({"starting_after": "evt_unknown"}, "starting_after"),
     ({"typ": "charge.refunded"}, "typ"), ({"created": {"after": 1}}, "created[after]")],
)  # fmt: skip
def test_bad_list_parameters_are_a_400_naming_the_param(stripe_client, history, params, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.events.list(params=params)

    assert caught.value.param == param


def test_the_webhook_endpoint_is_listed_with_its_events_version_and_status():
    emulator = StripeEmulator(
        webhook_url="https://news.example.org/pledges/stripe/webhook/",
        deliver_webhooks=False,
        webhook_enabled_events=["checkout.session.completed"],
        webhook_api_version="2025-03-31.basil",
        webhook_status="disabled",
    ).start()
    try:
        client = make_client(emulator)
        (endpoint,) = client.v1.webhook_endpoints.list().data
        again = client.v1.webhook_endpoints.retrieve(endpoint.id)
    finally:
        emulator.stop()

    assert endpoint.id.startswith("we_") and again.id == endpoint.id
    assert endpoint.url == "https://news.example.org/pledges/stripe/webhook/"
    assert endpoint.enabled_events == ["checkout.session.completed"]
    assert (endpoint.api_version, endpoint.status) == ("2025-03-31.basil", "disabled")
    assert "secret" not in endpoint


def test_no_webhook_url_means_no_endpoint(stripe_client):
    assert stripe_client.v1.webhook_endpoints.list().data == []


def test_events_carry_the_endpoints_api_version_defaulting_to_the_sdks(stripe_emulator):
    assert API_VERSION == stripe.api_version
    assert stripe_emulator.build_event("x.y", {})["api_version"] == stripe.api_version

    stripe_emulator.webhook_api_version = "2025-03-31.basil"
    session_id = (
        make_client(stripe_emulator).v1.checkout.sessions.create(params=session_params()).id
    )
    stripe_emulator.pay(session_id)

    assert stripe_emulator.events[-1]["api_version"] == "2025-03-31.basil"


def test_answers_carry_the_requested_stripe_version_or_the_accounts(stripe_emulator):
    url = f"{stripe_emulator.base_url}/v1/events"
    auth = {"Authorization": "Bearer sk_test_x"}

    default = requests.get(url, headers=auth, timeout=5)
    pinned = requests.get(url, headers={**auth, "Stripe-Version": "2025-03-31.basil"}, timeout=5)
    nonsense = requests.get(url, headers={**auth, "Stripe-Version": "latest please"}, timeout=5)

    assert default.headers["Stripe-Version"] == stripe_emulator.api_version == stripe.api_version
    assert pinned.headers["Stripe-Version"] == "2025-03-31.basil"
    assert nonsense.status_code == 400
    assert "Invalid Stripe API version" in nonsense.json()["error"]["message"]


def test_the_sdk_sends_its_pinned_version_and_gets_it_back(stripe_client, open_session):
    session = stripe_client.v1.checkout.sessions.retrieve(open_session)

    assert session.last_response.headers["Stripe-Version"] == stripe.api_version


def test_requests_over_the_rate_limit_get_429_rate_limit(stripe_emulator, stripe_client):
    stripe_emulator.requests_per_second = 3

    answers = []
    for _ in range(10):
        try:
            stripe_client.v1.events.list()
            answers.append(200)
        except stripe.RateLimitError as error:
            answers.append((error.http_status, error.error.code))

    assert answers[:3] == [200, 200, 200]
    assert (429, "rate_limit") in answers[3:]
