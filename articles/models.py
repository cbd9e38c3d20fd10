from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.images import StoresImageDimensions
from core.markdown import limit_help, validate_markdown

# About 8,000 words: longer than any feature we run, short enough to render in well under a
# second whatever it holds (tests/core/test_markdown_limits.py).
BODY_MAX_LENGTH = 50_000


def validate_body(value: str) -> None:
    """An article body must be within the Markdown limits (a field error otherwise)."""
    validate_markdown(value, max_length=BODY_MAX_LENGTH)


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="authors/", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Image(StoresImageDimensions, models.Model):
    """A picture with its alt text, caption and credit, for heroes and inline placement."""

    image_dimension_fields = {"file": ("width", "height")}

    title = models.CharField(max_length=200, help_text="For finding it in the admin.")
    slug = models.SlugField(
        max_length=200, unique=True, help_text="Place it in a body with [[image:this-slug]]."
    )
    file = models.ImageField(upload_to="images/")
    # In pixels, stored when the file is saved (`core.images`): pages print them on <img> without
    # opening the file. Empty when the file could not be read.
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(
        max_length=250, help_text="What the picture shows, for readers who cannot see it."
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=120, blank=True, help_text='E.g. "Getty Images".')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class ArticleQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """What readers may see: published, with a publication time that has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def for_listing(self):
        """Everything a teaser shows (topic, hero, authors) in two queries, however many rows."""
        return self.select_related("topic", "hero_image").prefetch_related("authors")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.CharField(
        max_length=400, blank=True, help_text="The one- or two-sentence summary under the headline."
    )
    body = models.TextField(
        max_length=BODY_MAX_LENGTH,
        validators=[validate_body],
        help_text="Markdown, with [[image:image-slug]], [[read-more:article-slug]] and "
        "[[take-action:campaign-slug]] on lines of their own. " + limit_help(BODY_MAX_LENGTH),
    )
    # The body rendered and sanitised when it was saved (`articles.services.article_save`),
    # shortcodes still in place: they are expanded per request, because what they show (a
    # campaign's progress, whether a story is published) changes without the article changing.
    body_html = models.TextField(blank=True, editable=False)
    hero_image = models.ForeignKey(
        Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    authors = models.ManyToManyField(Author, related_name="articles", blank=True)
    topic = models.ForeignKey(
        "core.Topic", on_delete=models.PROTECT, related_name="articles", null=True, blank=True
    )
    tags = models.ManyToManyField(Tag, related_name="articles", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="A future time schedules the article."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    related = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text="Hand-picked 'Read more' stories, shown before others on the same topic.",
    )
    campaigns = models.ManyToManyField(
        "campaigns.Campaign",
        related_name="articles",
        blank=True,
        help_text="The campaigns this article asks readers to act on.",
    )

    # Title, standfirst and body as one weighted tsvector, for search. PostgreSQL keeps it: a
    # trigger sets it on every insert and on updates of those fields (migration 0003), so
    # bulk inserts and raw updates keep it too. Unused (always empty) on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_published"),
            GinIndex(fields=["search_vector"], name="article_search_vector"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )
