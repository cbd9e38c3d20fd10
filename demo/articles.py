"""Demo articles for `manage.py load_demo`.

The lead story (the Clooney Foundation for Justice's gift for children separated at the US-Mexico
border), two related stories it links to, and a dozen shorter ones across five topics, so lists,
pagination, search and feeds have something to show. Every sentence is our own; the facts come
from `../shared/seed/`. Pictures are drawn here with Pillow (never downloaded) and saved through
the model's storage (MEDIA_ROOT).

Idempotent: topics, authors, images and articles are looked up by slug and never duplicated. The
campaign `reunite-separated-families` (from `demo/campaigns.py`, loaded first) is linked when it
exists; without it the inline card simply renders nothing.
"""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from articles.models import Article, Author, Image, Tag
from articles.services import article_save
from campaigns.models import Campaign
from core.models import Topic

LEAD_SLUG = "clooneys-donate-100000-for-separated-migrant-children"
LEAD_CAMPAIGN_SLUG = "reunite-separated-families"
CREDIT = "Illustration: Global Advocate (demo)"

TOPICS = [
    ("demand-equity", "Demand Equity", "Justice, rights and fair treatment for everyone.", 1),
    ("defend-the-planet", "Defend the Planet", "Climate, forests, oceans and clean air.", 2),
    ("girls-and-women", "Girls & Women", "Equal rights, safety and opportunity for women.", 3),
    ("health", "Health", "Vaccines, clinics and health care within everyone's reach.", 4),
    ("end-hunger", "End Hunger", "Ending hunger and building fair food systems.", 5),
]

AUTHORS = [
    ("hannah-whitlock", "Hannah Whitlock", "Staff writer covering migration and human rights."),
    ("tomas-adeyemi", "Tomás Adeyemi", "Staff writer covering climate and the environment."),
    ("priya-lindqvist", "Priya Lindqvist", "Staff writer covering health and gender equality."),
]

# (slug, title, alt text, caption, colours top/bottom, shape)
IMAGES = [
    (
        "separated-families-hero",
        "Families belong together",
        "An illustration of a tall and a small figure holding hands under a warm evening sky.",
        "Advocates are asking for every separated child to be returned to their family.",
        ((11, 61, 145), (200, 16, 46)),
        "family",
    ),
    (
        "young-center-advocacy",
        "Standing beside children in court",
        "An illustration of a courthouse with columns, drawn in blue and white.",
        "Child advocates accompany young migrants through their immigration hearings.",
        ((7, 42, 102), (90, 140, 200)),
        "court",
    ),
    (
        "foundation-giving",
        "A record of giving",
        "An illustration of a heart shape rising above a row of simple houses.",
        "The foundation's earlier grants include support for refugee education.",
        ((120, 20, 60), (240, 160, 70)),
        "heart",
    ),
    (
        "planet-hero",
        "Forests and rivers",
        "An illustration of green hills, a river and a pale sun.",
        "Communities are asking governments to protect forests and rivers.",
        ((20, 90, 60), (140, 200, 160)),
        "hills",
    ),
]

LEAD_BODY = """\
The Clooney Foundation for Justice, the charity led by Amal and George Clooney, is giving \
$100,000 to help children who were taken from their parents at the US–Mexico border.

The grant will go to the Young Center for Immigrant Children's Rights at the University of \
Chicago, a human rights organisation that speaks up for children who reach the United States \
without a parent or guardian.

[[image:young-center-advocacy]]

The donation follows a six-week period in which more than 2,300 children were separated from \
their families under the administration's "zero-tolerance" approach to people crossing the border \
without permission. Governments and rights groups around the world condemned the practice.

[[take-action:reunite-separated-families]]

In a joint statement, the couple said that their own children would one day ask how the country \
let this happen, and what their parents did in response. They added that while they had no power \
to change the policy, they could help defend the people it had harmed.

## What the Young Center does

The centre's advocates stay at the side of unaccompanied children while their deportation cases \
go through the courts, pressing for decisions that put each child's safety and wellbeing first. \
It also argues for a separate immigration justice system built around the needs of children.

Its executive director, Maria Woltjen, welcomed the gift. She described the treatment of the \
separated children as a violation of their legal rights and of their most basic needs, and said \
the foundation's support had arrived at a moment when it mattered enormously.

[[read-more:how-you-can-help-separated-families]]

[[image:foundation-giving]]

## A record of giving

The foundation was set up to advance justice in courtrooms, classrooms and communities across \
the world. Its work so far has included confronting hate groups, helping Syrian refugee children \
get back into school, launching the TrialWatch initiative to monitor unfair trials, and \
sponsoring Syrian and Yazidi refugees as they resettle in the United States.

The Clooneys had already given $500,000 to March for Our Lives, the student movement that grew \
out of the school shooting in Parkland, Florida, and went to Washington to stand with it.

## An executive order, and open questions

With criticism mounting at home and abroad, the president signed an executive order that halts \
the separation of families at the border. He has said the order leaves the "zero-tolerance" \
prosecution policy in place, and it does not say how families will be kept together or how the \
thousands of children already separated will get back to their parents.

[[read-more:world-leaders-condemn-family-separations]]

Global Advocate campaigns for the rights of refugees and migrants, and for justice and freedom \
for everyone. Add your name to the campaign above to call for every family to be reunited.
"""

RELATED = [
    {
        "slug": "how-you-can-help-separated-families",
        "title": "How You Can Help Families Separated at the Border",
        "standfirst": "Donations, letters and volunteering: practical ways to support children "
        "and parents who have been split apart.",
        "topic": "demand-equity",
        "author": "hannah-whitlock",
        "hours_ago": 20,
        "tags": ["migration", "refugees"],
        "body": """\
Many readers have asked what they can do for the families separated at the US–Mexico border. \
The honest answer is that several small steps, taken by many people, add up.

## Support the groups doing the work

Legal aid organisations and child advocacy groups need money to pay lawyers, interpreters and \
caseworkers. A regular gift, however small, lets them plan ahead.

## Tell your representatives what you think

Elected officials count the calls and letters they receive. A short, polite message asking them \
to reunite every family and to fund aid that tackles the reasons people flee is worth sending.

## Give your time

If you speak Spanish or an Indigenous language of Central America, volunteer interpreters are \
often in short supply. Others help by collecting clothes, books and toys for children in care.

[[read-more:clooneys-donate-100000-for-separated-migrant-children]]
""",
    },
    {
        "slug": "world-leaders-condemn-family-separations",
        "title": "World Leaders Condemn the Separation of Migrant Children",
        "standfirst": "Heads of government and religious leaders have urged the United States "
        "to stop taking children from their parents at the border.",
        "topic": "demand-equity",
        "author": "hannah-whitlock",
        "hours_ago": 30,
        "tags": ["migration", "human-rights"],
        "body": """\
Criticism of the policy of separating migrant children from their parents has come from every \
continent, uniting political and faith leaders who rarely agree on much else.

Several heads of government called the practice inhumane and asked Washington to change course. \
Religious leaders of many traditions described the separation of children from their families \
as contrary to basic moral teaching.

United Nations human rights officials said that detaining children because of their parents' \
migration status is never in a child's best interest, and urged the authorities to keep \
families together while their claims are heard.

[[read-more:how-you-can-help-separated-families]]
""",
    },
]

MORE = [
    (
        "defend-the-planet",
        "tomas-adeyemi",
        "Coastal Towns Plant Mangroves to Hold Back the Sea",
        "Volunteers are restoring the forests that once protected low-lying villages from storms.",
        ["climate"],
    ),
    (
        "defend-the-planet",
        "tomas-adeyemi",
        "Why Clean Air Is a Question of Fairness",
        "The people who breathe the dirtiest air are often those who pollute the least.",
        ["climate", "human-rights"],
    ),
    (
        "defend-the-planet",
        "tomas-adeyemi",
        "Students Take Their Climate Case to Court",
        "A group of young people argues that weak climate policy threatens their future rights.",
        ["climate"],
    ),
    (
        "girls-and-women",
        "priya-lindqvist",
        "Keeping Girls in School After the Age of Twelve",
        "Scholarships, safe transport and clean toilets all help girls finish their education.",
        ["education"],
    ),
    (
        "girls-and-women",
        "priya-lindqvist",
        "Women Farmers Push for Equal Land Rights",
        "Where women cannot own the land they work, harvests and family incomes suffer.",
        ["food", "human-rights"],
    ),
    (
        "girls-and-women",
        "priya-lindqvist",
        "Ending Child Marriage, One Village at a Time",
        "Local leaders and young activists are changing attitudes from within their communities.",
        ["human-rights"],
    ),
    (
        "health",
        "priya-lindqvist",
        "Community Health Workers Reach the Last Mile",
        "Trained neighbours bring vaccines and basic care to families far from any clinic.",
        ["vaccines"],
    ),
    (
        "health",
        "priya-lindqvist",
        "The Quiet Success of Childhood Vaccines",
        "Routine immunisation remains one of the most effective tools in public health.",
        ["vaccines"],
    ),
    (
        "health",
        "hannah-whitlock",
        "Refugees Deserve Access to Mental Health Care",
        "Many people fleeing violence carry trauma that goes untreated for years.",
        ["refugees"],
    ),
    (
        "end-hunger",
        "tomas-adeyemi",
        "School Meals Keep Children Learning",
        "A hot lunch can be the difference between a child in class and a child at work.",
        ["food", "education"],
    ),
    (
        "end-hunger",
        "tomas-adeyemi",
        "Cutting Food Waste Between Farm and Market",
        "Better storage and roads mean more of each harvest reaches the people who need it.",
        ["food"],
    ),
    (
        "demand-equity",
        "hannah-whitlock",
        "What Foreign Aid Really Pays For",
        "Aid budgets are small, but they fund clinics, schools and the rule of law.",
        ["refugees", "human-rights"],
    ),
]

TAGS = {
    "migration": "Migration",
    "refugees": "Refugees",
    "human-rights": "Human rights",
    "climate": "Climate",
    "education": "Education",
    "food": "Food",
    "vaccines": "Vaccines",
}


def load(*, stdout, style):
    """Create the demo articles unless they exist already (idempotent)."""
    topics = {}
    for slug, name, description, position in TOPICS:
        topic, _ = Topic.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
        if not topic.description:  # made by demo/campaigns.py with its name only
            topic.description, topic.position = description, position
            topic.save(update_fields=["description", "position"])
        topics[slug] = topic
    authors = {
        slug: Author.objects.get_or_create(slug=slug, defaults={"name": name, "bio": bio})[0]
        for slug, name, bio in AUTHORS
    }
    tags = {
        slug: Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in TAGS.items()
    }
    images = {spec[0]: _image(*spec) for spec in IMAGES}
    now = timezone.now()
    created = 0

    for story in RELATED:
        article, was_created = _article(
            slug=story["slug"],
            title=story["title"],
            standfirst=story["standfirst"],
            body=story["body"],
            topic=topics[story["topic"]],
            published_at=now - timedelta(hours=story["hours_ago"]),
        )
        created += was_created
        if was_created:
            article.authors.set([authors[story["author"]]])
            article.tags.set([tags[t] for t in story["tags"]])

    lead, was_created = _article(
        slug=LEAD_SLUG,
        title="The Clooneys Donate $100,000 to Help Migrant Children Separated From Their Parents",
        standfirst="The Clooney Foundation for Justice is backing the Young Center for Immigrant "
        "Children's Rights as families wait to be reunited.",
        body=LEAD_BODY,
        topic=topics["demand-equity"],
        published_at=now - timedelta(minutes=30),
        hero_image=images["separated-families-hero"],
    )
    created += was_created
    if was_created:
        lead.authors.set([authors["hannah-whitlock"]])
        lead.tags.set([tags["migration"], tags["refugees"], tags["human-rights"]])
        lead.related.set(Article.objects.filter(slug__in=[s["slug"] for s in RELATED]))

    for position, (topic, author, title, standfirst, tag_slugs) in enumerate(MORE, start=1):
        article, was_created = _article(
            slug=_slugify(title),
            title=title,
            standfirst=standfirst,
            body=_short_body(title, standfirst, topics[topic].name),
            topic=topics[topic],
            published_at=now - timedelta(days=position, hours=2),
            hero_image=images["planet-hero"] if topic == "defend-the-planet" else None,
        )
        created += was_created
        if was_created:
            article.authors.set([authors[author]])
            article.tags.set([tags[t] for t in tag_slugs])

    # The campaign may arrive on a later run (demo/campaigns.py loads first when it exists).
    campaign = Campaign.objects.filter(slug=LEAD_CAMPAIGN_SLUG).first()
    if campaign is not None:
        for slug in [LEAD_SLUG, "how-you-can-help-separated-families"]:
            Article.objects.get(slug=slug).campaigns.add(campaign)
        aid = Article.objects.filter(slug="what-foreign-aid-really-pays-for").first()
        if aid is not None:
            aid.campaigns.add(campaign)

    stdout.write(style.SUCCESS(f"Articles: {created} created, {Article.objects.count()} in all."))


def _article(*, slug, title, standfirst, body, topic, published_at, hero_image=None):
    existing = Article.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    article = Article(
        slug=slug,
        title=title,
        standfirst=standfirst,
        body=body,
        topic=topic,
        status=Article.Status.PUBLISHED,
        published_at=published_at,
        hero_image=hero_image,
    )
    return article_save(article=article), True


def _slugify(title: str) -> str:
    from django.utils.text import slugify

    return slugify(title)[:200]


def _short_body(title: str, standfirst: str, topic_name: str) -> str:
    """A short, plainly-demo body, so search and feeds have words to work with."""
    return (
        f"{standfirst}\n\n"
        f"This is demonstration content for the {topic_name} section of Global Advocate. "
        "It shows how a short news story looks in lists, feeds and search results.\n\n"
        f"## Why it matters\n\n"
        "Change happens when people who care about an issue learn what is at stake and then "
        "act together. Every story on this site ends with a way to do that.\n\n"
        "## What comes next\n\n"
        f"Follow the {topic_name} topic page for new stories and campaigns, or subscribe to its "
        "Atom feed in your reader."
    )


def _image(slug, title, alt_text, caption, colours, shape) -> Image:
    existing = Image.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    image = Image(title=title, slug=slug, alt_text=alt_text, caption=caption, credit=CREDIT)
    # Saved through the field's storage under demo/, so `make clean` can remove demo media.
    storage = Image._meta.get_field("file").storage
    image.file.name = storage.save(
        f"demo/images/{slug}.png", ContentFile(_draw(title, colours, shape))
    )
    image.save()
    return image


def _draw(title: str, colours, shape: str, size=(1200, 675)) -> bytes:
    """A gradient with a simple shape and the title: drawn here, never downloaded."""
    width, height = size
    top, bottom = colours
    picture = PILImage.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        t = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    white = (255, 255, 255)
    if shape == "family":
        draw.ellipse((470, 170, 550, 250), fill=white)
        draw.rounded_rectangle((460, 260, 560, 500), radius=30, fill=white)
        draw.ellipse((640, 290, 700, 350), fill=white)
        draw.rounded_rectangle((630, 360, 710, 500), radius=24, fill=white)
        draw.line((560, 330, 640, 390), fill=white, width=14)
    elif shape == "court":
        draw.polygon([(400, 220), (800, 220), (600, 120)], fill=white)
        for x in range(430, 780, 70):
            draw.rectangle((x, 240, x + 30, 460), fill=white)
        draw.rectangle((390, 470, 810, 500), fill=white)
    elif shape == "heart":
        draw.ellipse((500, 120, 610, 230), fill=white)
        draw.ellipse((590, 120, 700, 230), fill=white)
        draw.polygon([(505, 195), (695, 195), (600, 320)], fill=white)
        for x in range(300, 900, 120):
            draw.rectangle((x, 420, x + 80, 500), fill=white)
            draw.polygon([(x - 10, 420), (x + 90, 420), (x + 40, 370)], fill=white)
    else:
        draw.ellipse((820, 90, 940, 210), fill=(255, 244, 200))
        draw.polygon(
            [(0, 500), (300, 330), (650, 480), (950, 320), (1200, 460), (1200, 675), (0, 675)],
            fill=(30, 110, 70),
        )
        draw.polygon([(500, 675), (620, 520), (700, 520), (780, 675)], fill=(120, 180, 230))
    try:
        font = ImageFont.load_default(size=44)
    except (OSError, TypeError):  # Pillow without FreeType: the small bitmap font
        font = ImageFont.load_default()
    draw.rectangle((0, height - 110, width, height), fill=(0, 0, 0))
    draw.text((40, height - 85), title, fill=white, font=font)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
