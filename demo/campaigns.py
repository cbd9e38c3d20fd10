"""Demo campaigns for `manage.py load_demo`: the lead story's campaign, a few more, signatures.

Idempotent: campaigns are looked up by slug and signatures by campaign and email, so a second
run adds nothing. Names come from a seeded Faker, so every run (and every machine) gets the
same people. Counters are rebuilt through `campaigns.services.campaign_recount`.
"""

import io
from datetime import timedelta

import factory.random
from django.core.files.base import ContentFile
from django.utils import timezone
from faker import Faker
from PIL import Image, ImageDraw

from campaigns.models import Campaign, Partner, Signature, SuggestedAmount
from campaigns.services import campaign_recount, campaign_save, email_normalize
from core.models import Topic
from demo.factories.campaigns import SignatureFactory

LEAD_SLUG = "reunite-separated-families"
DEMO_SIGNATURES = 40
DEMO_DAYS = 30  # Demo activity is spread over this many past days (the dashboard's charts).
COUNTRIES = ["US", "US", "US", "MX", "CA", "GB", "DE", "GT", "HN", "SV", "FR", "ES"]

TOPICS = {
    "demand-equity": "Demand Equity",
    "defend-the-planet": "Defend the Planet",
    "end-hunger": "End Hunger",
    "girls-and-women": "Girls and Women",
}

LEAD_DESCRIPTION = """\
Thousands of children were separated from their parents at the US–Mexico border. Many were
sent to shelters hundreds of miles away, and some families have still not been reunited,
years later.

Children belong with their families. Every day apart does harm that can last a lifetime.

**We ask Congress to:**

1. Fund the work to find and reunite every family that was separated, wherever the parents
   are now.
2. Support foreign aid that tackles why families flee in the first place: violence, poverty
   and the loss of land and livelihoods to climate change.

Add your name, then share the petition. When enough of us sign, it is delivered to every
member of Congress.
"""

CAMPAIGNS = [
    {
        "slug": LEAD_SLUG,
        "title": (
            "Reunite All Separated Families and Support Foreign Aid to End the Root Cause "
            "of the Migration Crisis"
        ),
        "topic": "demand-equity",
        "ask": "Tell Congress: reunite every separated family and fund aid that tackles why "
        "people flee.",
        "description": LEAD_DESCRIPTION,
        "targets": "US Congress",
        "signature_goal": 5000,
        "milestones": "10000,25000",
        "featured_position": 1,
        "money_goal_minor": 5_000_000,
        "amounts": [1000, 2500, 5000, 10000],
        "default": 2500,
        "partners": [
            ("Families Together Coalition", ""),
            ("Border Children's Legal Network", ""),
        ],
        "signatures": DEMO_SIGNATURES,
        "hero_alt": "An abstract banner of blue bands with a red circle.",
    },
    {
        "slug": "defend-the-planet",
        "title": "Protect the Rainforests That Protect Us All",
        "topic": "defend-the-planet",
        "ask": "Ask world leaders to end deforestation by 2030 and fund the communities "
        "who guard the forests.",
        "description": "Forests store carbon, shelter wildlife and feed millions of people. "
        "Every year we lose an area the size of a small country.\n\nSign to ask leaders "
        "to keep their promise to end deforestation by 2030.",
        "targets": "G20 leaders",
        "signature_goal": 10000,
        "money_goal_minor": 2_500_000,
        "amounts": [1000, 2500, 5000],
        "default": 2500,
        "partners": [("Forest Guardians Alliance", "")],
        "signatures": 12,
    },
    {
        "slug": "school-meals-for-every-child",
        "title": "A School Meal for Every Child",
        "topic": "end-hunger",
        "ask": "Ask governments to guarantee a healthy school meal for every child by 2030.",
        "description": "A daily meal keeps children in school and helps them learn. "
        "Millions still go without.",
        "targets": "Ministers of education",
        "signature_goal": 2000,
        "money_goal_minor": 0,
        "pledges_enabled": False,
        "amounts": [],
        "partners": [],
        "signatures": 6,
    },
    {
        "slug": "girls-education-fund",
        "title": "Keep Girls in School",
        "topic": "girls-and-women",
        "ask": "Ask donors to fully fund girls' education in crisis zones.",
        "description": "When crises hit, girls are the first to leave school and the last "
        "to return.",
        "targets": "Donor governments",
        "signature_goal": 3000,
        "money_goal_minor": 1_000_000,
        "amounts": [500, 1500, 3000],
        "default": 1500,
        "partners": [],
        "signatures": 5,
    },
    {
        "slug": "clean-water-pledge-2025",
        "title": "Clean Water for 10 Million People",
        "topic": "defend-the-planet",
        "ask": "Ask water ministers to commit to safe water for 10 million people.",
        "description": "This campaign has closed. Thank you to everyone who signed.",
        "targets": "Water ministers",
        "signature_goal": 1000,
        "money_goal_minor": 0,
        "pledges_enabled": False,
        "status": Campaign.Status.CLOSED,
        "amounts": [],
        "partners": [],
        "signatures": 8,
    },
]


def _hero_image(seed: int) -> ContentFile:
    """A plain, generated banner (bands of colour): no downloads, no real photo to credit."""
    image = Image.new("RGB", (1200, 630), (11, 61, 145))
    draw = ImageDraw.Draw(image)
    for band in range(7):
        shade = (11 + band * 18 + seed * 7) % 256, 61 + band * 12, 145 - band * 9
        draw.rectangle([0, band * 90, 1200, band * 90 + 90], fill=shade)
    draw.ellipse([760, 120, 1100, 460], fill=(200, 16, 46))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue())


def _topic(slug: str) -> Topic:
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": TOPICS[slug]})
    return topic


def spread_over_last_days(index: int, count: int, *, now, days: int = DEMO_DAYS):
    """The `index`-th of `count` moments spread evenly over the last `days`, oldest first.

    The latest lies a little in the past, so anything a visitor does now comes after it.
    """
    return now - timedelta(days=days) + timedelta(days=days) * (index + 1) / (count + 1)


def _signatures(campaign: Campaign, count: int, fake: Faker, *, now) -> int:
    created = 0
    for i in range(count):
        email = f"demo-{campaign.slug[:20]}-{i}@example.org"
        first_name, last_name = fake.first_name(), fake.last_name()
        if Signature.objects.filter(
            campaign=campaign, email_normalized=email_normalize(email)
        ).exists():
            continue
        moment = spread_over_last_days(i, count, now=now)
        signature = SignatureFactory(
            campaign=campaign,
            first_name=first_name,
            last_name=last_name,
            email=email,
            country=COUNTRIES[i % len(COUNTRIES)],
            show_publicly=i % 3 != 0,
            wants_updates=i % 2 == 0,
            source="demo",
            confirmed_at=moment + timedelta(minutes=3),
        )
        # `created_at` is set on insert (auto_now_add); the demo dates it in the past.
        Signature.objects.filter(pk=signature.pk).update(created_at=moment)
        created += 1
    return created


def load(*, stdout, style):
    """Create the demo campaigns unless they exist already (idempotent)."""
    fake = Faker("en_US")
    fake.seed_instance(2026)
    factory.random.reseed_random(2026)
    now = timezone.now()
    for spec in CAMPAIGNS:
        campaign, created = Campaign.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "topic": _topic(spec["topic"]),
                "ask": spec["ask"],
                "description": spec["description"],
                "targets": spec["targets"],
                "status": spec.get("status", Campaign.Status.LIVE),
                "opens_at": now - timedelta(days=30),
                "signature_goal": spec["signature_goal"],
                "money_goal_minor": spec["money_goal_minor"],
                "pledges_enabled": spec.get("pledges_enabled", True),
                "currency": "USD",
            },
        )
        if created:
            campaign_save(campaign=campaign)  # renders the description once, as the admin does
            Campaign.objects.filter(pk=campaign.pk).update(
                created_at=now - timedelta(days=DEMO_DAYS + 5),
                featured_position=spec.get("featured_position"),
                signature_milestones=spec.get("milestones", ""),
            )
            campaign.refresh_from_db()
        if spec.get("hero_alt") and not campaign.hero_image:
            # Saved through the field's storage under demo/, so `make clean` removes demo media.
            storage = Campaign._meta.get_field("hero_image").storage
            campaign.hero_image.name = storage.save(
                f"demo/campaigns/{campaign.slug}.png", _hero_image(len(campaign.slug))
            )
            campaign.hero_alt = spec["hero_alt"]
            campaign.hero_credit = "Illustration generated for the demo"
            campaign.save(update_fields=["hero_image", "hero_alt", "hero_credit"])
        for position, amount in enumerate(spec["amounts"]):
            SuggestedAmount.objects.get_or_create(
                campaign=campaign,
                amount_minor=amount,
                defaults={"position": position, "is_default": amount == spec.get("default")},
            )
        for position, (name, url) in enumerate(spec["partners"]):
            Partner.objects.get_or_create(
                campaign=campaign, name=name, defaults={"url": url, "position": position}
            )
        added = _signatures(campaign, spec["signatures"], fake, now=now)
        verb = "Created" if created else "Found"
        stdout.write(f"{verb} campaign {campaign.slug} (+{added} demo signatures).")
    demo = Campaign.objects.filter(slug__in=[c["slug"] for c in CAMPAIGNS])
    campaign_recount(campaigns=demo)
    for campaign in demo.filter(last_action_at__isnull=True):
        latest = campaign.signatures.confirmed().order_by("-confirmed_at").first()
        if latest is not None:
            Campaign.objects.filter(pk=campaign.pk).update(last_action_at=latest.confirmed_at)
    stdout.write(style.SUCCESS("Demo campaigns are ready."))
