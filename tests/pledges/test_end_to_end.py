"""A pledge over real HTTP both ways: the app, the emulator's checkout page and its webhooks."""

import re
import urllib.request

import pytest

from campaigns.models import Campaign
from pledges.models import Pledge, StripeEvent
from stripe_emulator.server import StripeEmulator
from tests.pledges.conftest import WEBHOOK_SECRET


@pytest.fixture
def delivering_emulator(live_server, settings):
    emulator = StripeEmulator(
        webhook_url=f"{live_server.url}/pledges/stripe/webhook/",
        webhook_secret=WEBHOOK_SECRET,
        deliver_webhooks=True,
    )
    emulator.start()
    settings.STRIPE_SECRET_KEY = "sk_test_emulator"
    settings.STRIPE_API_BASE = emulator.base_url
    settings.SITE_URL = live_server.url
    settings.CSRF_COOKIE_SECURE = False  # plain http on loopback
    yield emulator
    emulator.stop()


@pytest.mark.django_db(transaction=True)
def test_a_supporter_pledges_pays_on_the_test_checkout_and_is_counted_once(
    live_server, delivering_emulator, campaign
):
    emu = delivering_emulator
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    form_page = opener.open(f"{live_server.url}/pledges/{campaign.slug}/", timeout=10).read()
    assert b"test mode" in form_page
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1).decode()
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "amount_choice": "2500",
            "name": "Ada Supporter",
            "email": "ada@example.org",
        }
    ).encode()
    request = urllib.request.Request(
        f"{live_server.url}/pledges/{campaign.slug}/",
        data=data,
        headers={"Referer": f"{live_server.url}/pledges/{campaign.slug}/"},
    )
    checkout = opener.open(request, timeout=10)  # follows the 303 to the emulator's page
    assert checkout.url.startswith(f"{emu.base_url}/checkout/cs_test_")
    assert b"TEST MODE" in checkout.read()

    # Press "Pay": the emulator redirects back to the success page and posts the webhook.
    thanks = opener.open(urllib.request.Request(f"{checkout.url}/pay", data=b""), timeout=10)
    assert b"Thank you for your gift" in thanks.read()
    assert emu.wait_for_deliveries(timeout=10)

    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.PAID
    assert StripeEvent.objects.filter(type="checkout.session.completed").count() == 1
    assert [outcome for _, outcome in emu.deliveries] == [200]
    campaign = Campaign.objects.get(pk=pledge.campaign_id)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
