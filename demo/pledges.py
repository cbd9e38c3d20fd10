"""Demo pledges for `manage.py load_demo`.

A handful of paid pledges on the lead campaign, recorded through the pledge services with a
Stripe-shaped session dict (demo only: no Stripe call), so the campaign's money counters move
exactly as they would for real payments. Idempotent: each demo pledge is found by its fixed
(fake) Checkout Session id before it is created.
"""

from django.utils import timezone

from campaigns.models import Campaign
from demo.campaigns import spread_over_last_days
from demo.factories.pledges import checkout_session_for
from pledges.forms import CONSENT_TEXT
from pledges.models import Pledge
from pledges.services import pledge_mark_paid

LEAD_SLUG = "reunite-separated-families"

DEMO_PLEDGES = [
    # (session id, name, email, amount in minor units, anonymous, public message)
    (
        "cs_demo_0001",
        "Maria Lopez",
        "maria.lopez@example.org",
        5000,
        False,
        "Every family deserves to be whole again.",
    ),
    ("cs_demo_0002", "James Carter", "james.carter@example.org", 2500, False, ""),
    (
        "cs_demo_0003",
        "Anonymous donor",
        "anon.one@example.org",
        10000,
        True,
        "For the children still waiting.",
    ),
    (
        "cs_demo_0004",
        "Priya Shah",
        "priya.shah@example.org",
        1000,
        False,
        "Small, but from the heart.",
    ),
    ("cs_demo_0005", "Anonymous donor", "anon.two@example.org", 25000, True, ""),
    ("cs_demo_0006", "Tomás Reyes", "tomas.reyes@example.org", 7500, False, "Reunite them now."),
]


def load(*, stdout, style):
    """Create the demo pledges unless they exist already (idempotent)."""
    campaign = Campaign.objects.filter(slug=LEAD_SLUG).first()
    if campaign is None:
        stdout.write(style.WARNING(f"No campaign {LEAD_SLUG!r}; demo gifts skipped."))
        return
    created = 0
    now = timezone.now()
    for index, (session_id, name, email, amount, anonymous, message) in enumerate(DEMO_PLEDGES):
        if Pledge.objects.filter(stripe_checkout_session_id=session_id).exists():
            continue
        # Rows are written directly rather than through pledge_create so the demo also loads
        # when the campaign is closed; the payment is recorded through the real service.
        pledge = Pledge.objects.create(
            campaign=campaign,
            amount_minor=amount,
            currency=campaign.currency.upper(),
            name=name,
            email=email,
            public_message=message,
            is_anonymous=anonymous,
            wants_updates=not anonymous,
            consent_text=CONSENT_TEXT,
            source="demo",
            stripe_checkout_session_id=session_id,
        )
        pledge_mark_paid(
            session=checkout_session_for(pledge, payment_intent=f"pi_demo_{session_id[-4:]}"),
            send_receipt=False,
        )
        # Dated in the past, spread over the demo's 30 days, like the signatures.
        moment = spread_over_last_days(index, len(DEMO_PLEDGES), now=now)
        Pledge.objects.filter(pk=pledge.pk).update(
            created_at=moment, paid_at=moment, counted_at=moment, updated_at=moment
        )
        created += 1
    stdout.write(style.SUCCESS(f"Demo gifts: {created} created."))
