"""Article bodies: staff Markdown to safe HTML, with inline cards expanded from shortcodes.

A shortcode sits on a line of its own in the Markdown:

    [[image:<image-slug>]]          a figure with caption and credit
    [[read-more:<article-slug>]]    a "Read more: <title>" link to a published article
    [[take-action:<campaign-slug>]] the campaign's Take Action card

The order is the security contract: the Markdown is rendered and sanitised by nh3 FIRST, and only
then are shortcodes replaced with HTML from our own (auto-escaping) templates. Whatever staff
paste, the only markup that reaches a reader is either sanitised or ours. A shortcode whose slug
is not a plain slug stays inert text; one whose target is unknown, unpublished or not live
renders nothing, so an article written before its campaign exists degrades gracefully.

All targets of one body are fetched in at most one query per shortcode kind.

The work is split in two, so readers never pay for Markdown:

- `body_source_html(text)`, when staff save (`articles.services.article_save`): the slow part,
  Markdown and nh3, stored as `Article.body_html` with the shortcode paragraphs left in it;
- `expand_shortcodes(html)`, per request: one linear regex pass over the stored HTML and at most
  one query per shortcode kind. Shortcodes stay live on purpose: a Take Action card shows the
  campaign's current progress, and a read-more or take-action target appears once it is
  published (or disappears when it is withdrawn) without anyone re-saving the article.
"""

import re
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from campaigns.models import Campaign
from core.markdown import render_markdown

# After Markdown, a shortcode alone on its line is a paragraph of its own. The slug pattern only
# matches slug characters, so anything carrying markup (already escaped by nh3) never matches.
SHORTCODE = re.compile(
    r"<p>\s*\[\[(?P<kind>image|read-more|take-action):(?P<slug>[A-Za-z0-9_-]{1,200})\]\]\s*</p>"
)


# A shortcode line in the Markdown source; given blank lines around it so that Markdown makes it
# a paragraph of its own even when staff typed it straight under a line of text.
SHORTCODE_LINE = re.compile(
    r"^[ \t]*(\[\[(?:image|read-more|take-action):[^\]\n]*\]\])[ \t]*$", re.MULTILINE
)


@dataclass
class Targets:
    """The objects a body's shortcodes point at, keyed by slug."""

    images: dict = field(default_factory=dict)
    articles: dict = field(default_factory=dict)
    campaigns: dict = field(default_factory=dict)


def shortcode_slugs(html: str) -> dict[str, set[str]]:
    """The slugs each kind of shortcode asks for in sanitised `html`."""
    found: dict[str, set[str]] = {"image": set(), "read-more": set(), "take-action": set()}
    for match in SHORTCODE.finditer(html):
        found[match["kind"]].add(match["slug"])
    return found


def fetch_targets(slugs: dict[str, set[str]]) -> Targets:
    """One query per kind that is used: images, published articles, live campaigns."""
    from articles.models import Article, Image  # the models import nothing from here

    targets = Targets()
    if slugs["image"]:
        targets.images = {i.slug: i for i in Image.objects.filter(slug__in=slugs["image"])}
    if slugs["read-more"]:
        targets.articles = {
            a.slug: a
            for a in Article.objects.published()
            .filter(slug__in=slugs["read-more"])
            .select_related("topic")
            .only("title", "slug", "standfirst", "topic__name", "topic__slug")
        }
    if slugs["take-action"]:
        targets.campaigns = {
            c.slug: c for c in Campaign.objects.live().filter(slug__in=slugs["take-action"])
        }
    return targets


def body_source_html(text: str) -> str:
    """The stored form of a body: sanitised HTML, shortcodes not yet expanded.

    Call it on a body that passed `Article.body`'s validators: rendering time is bounded only
    within the Markdown limits.
    """
    return str(render_markdown(SHORTCODE_LINE.sub(r"\n\1\n", text or "")))


def render_body(text: str, *, source_article=None) -> "RenderedBody":
    """Render an article body from its Markdown: both steps at once (tests, previews of text)."""
    return expand_shortcodes(body_source_html(text), source_article=source_article)


def expand_shortcodes(html: str, *, source_article=None) -> "RenderedBody":
    """Expand the shortcodes in stored `html` (from `body_source_html`) from our templates."""
    html = html or ""
    targets = fetch_targets(shortcode_slugs(html))
    inline_campaigns: list = []

    def expand(match: re.Match) -> str:
        kind, slug = match["kind"], match["slug"]
        if kind == "image":
            image = targets.images.get(slug)
            if image is None:
                return ""
            return render_to_string("articles/_figure.html", {"image": image})
        if kind == "read-more":
            article = targets.articles.get(slug)
            if article is None:
                return ""
            return render_to_string("articles/_read_more.html", {"article": article})
        campaign = targets.campaigns.get(slug)
        if campaign is None:
            return ""
        inline_campaigns.append(campaign)
        return render_to_string(
            "campaigns/_action_card.html",
            {"campaign": campaign, "source_article": source_article, "placement": "inline"},
        )

    expanded = SHORTCODE.sub(expand, html)
    # Safe: the text between shortcodes was sanitised by nh3 when the body was saved (only
    # `body_source_html` writes `body_html`), and each replacement comes from one of our
    # auto-escaping templates.
    return RenderedBody(html=mark_safe(expanded), inline_campaigns=inline_campaigns)  # noqa: S308


@dataclass
class RenderedBody:
    html: SafeString
    inline_campaigns: list

    def __str__(self):
        return self.html

    def __html__(self):
        return self.html
