import io
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage

from articles.models import Article, Author, Image, Tag
from articles.services import article_save
from demo.factories.core import TopicFactory


def png_bytes(*, width: int = 8, height: int = 6, color=(11, 61, 145)) -> bytes:
    """A small PNG made on the spot (tests and demo never download pictures)."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Staff Writer {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    bio = "Writes about justice and the people fighting for it."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"Picture {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    file = factory.LazyAttribute(lambda o: ContentFile(png_bytes(), name=f"{o.slug}.png"))
    alt_text = "A blue rectangle"
    caption = "A caption for the picture."
    credit = "Illustration: Global Advocate (test)"


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article (published an hour ago). Use `status`/`published_at` for others."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.title)[:180]}-{n}")
    # Fixed words, not Faker's: a random English sentence can match a search test's query.
    standfirst = factory.Sequence(lambda n: f"Summary of article number {n}.")
    body = "A first paragraph.\n\nA second paragraph."
    topic = factory.SubFactory(TopicFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, like the admin, so the body's HTML is stored.
        return article_save(article=model_class(*args, **kwargs))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.set(extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)

    @factory.post_generation
    def related(self, create, extracted, **kwargs):
        if create and extracted:
            self.related.set(extracted)

    @factory.post_generation
    def campaigns(self, create, extracted, **kwargs):
        if create and extracted:
            self.campaigns.set(extracted)


class DraftArticleFactory(ArticleFactory):
    status = Article.Status.DRAFT
    published_at = None
