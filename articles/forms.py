"""The article editor's form: wide headline and standfirst, a body whose embeds must exist.

Validates only. Rendering stays in `articles.rendering`; saving in the admin.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

from articles.models import Article, Image
from campaigns.models import Campaign

# Any embed typed in the body, well-formed or not, so a typo is an error rather than text
# readers would see. `rendering.SHORTCODE` is the stricter pattern that expands them.
EMBED = re.compile(r"\[\[(?P<kind>[a-z-]+):(?P<slug>[^\]\n]*)\]\]")
EMBED_KINDS = ("image", "read-more", "take-action")
SLUG = re.compile(r"[A-Za-z0-9_-]{1,200}")
# A body far longer than any story is a paste gone wrong; the preview refuses it as well.
BODY_MAX_LENGTH = 100_000


def embed_errors(body: str) -> list[ValidationError]:
    """Every embed in `body` that names nothing, in the order written; three queries at most."""
    found = [(m["kind"], m["slug"].strip(), m[0]) for m in EMBED.finditer(body or "")]
    errors = []
    wanted: dict[str, set[str]] = {kind: set() for kind in EMBED_KINDS}
    for kind, slug, code in found:
        if kind not in EMBED_KINDS:
            errors.append(
                ValidationError(
                    "%(code)s is not an embed: use image, read-more or take-action.",
                    code="unknown_embed",
                    params={"code": code},
                )
            )
        elif not SLUG.fullmatch(slug):
            errors.append(
                ValidationError(
                    "%(code)s: a slug has only letters, digits, hyphens and underscores.",
                    code="malformed_embed",
                    params={"code": code},
                )
            )
        else:
            wanted[kind].add(slug)
    existing = {
        "image": set(Image.objects.filter(slug__in=wanted["image"]).values_list("slug", flat=True))
        if wanted["image"]
        else set(),
        "read-more": set(
            Article.objects.filter(slug__in=wanted["read-more"]).values_list("slug", flat=True)
        )
        if wanted["read-more"]
        else set(),
        "take-action": set(
            Campaign.objects.filter(slug__in=wanted["take-action"]).values_list("slug", flat=True)
        )
        if wanted["take-action"]
        else set(),
    }
    names = {"image": "image", "read-more": "article", "take-action": "campaign"}
    reported = set()
    for kind, slug, code in found:
        if kind in wanted and slug in wanted[kind] and slug not in existing[kind]:
            if (kind, slug) in reported:
                continue
            reported.add((kind, slug))
            errors.append(
                ValidationError(
                    "%(code)s names no %(thing)s with the slug “%(slug)s”. Check the slug in "
                    "the embed helper, or create the %(thing)s first.",
                    code="missing_embed",
                    params={"code": code, "thing": names[kind], "slug": slug},
                )
            )
    return errors


class ArticleAdminForm(forms.ModelForm):
    """The article editor. The body's embeds are checked against the database on save."""

    class Meta:
        model = Article
        fields = "__all__"
        widgets = {
            "title": forms.TextInput(attrs={"class": "staff-wide", "size": 80}),
            "standfirst": forms.Textarea(attrs={"class": "staff-wide", "rows": 3}),
            "body": forms.Textarea(
                attrs={"class": "staff-wide staff-editor-body", "rows": 24, "spellcheck": "true"}
            ),
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > BODY_MAX_LENGTH:
            raise ValidationError(
                "Shorten the body to %(max)s characters or fewer.",
                code="too_long",
                params={"max": f"{BODY_MAX_LENGTH:,}"},
            )
        errors = embed_errors(body)
        if errors:
            raise ValidationError(errors)
        return body


class PreviewForm(forms.Form):
    """What the live preview posts: the body as typed and, once saved, the article's id."""

    body = forms.CharField(required=False, max_length=BODY_MAX_LENGTH, strip=False)
    article = forms.IntegerField(required=False, min_value=1)
