"""Editorial actions on articles. The admin's actions call these; nothing else publishes."""

from django.db import transaction
from django.utils import timezone

from articles.models import Article
from articles.rendering import body_source_html


@transaction.atomic
def article_save(*, article: Article) -> Article:
    """Save `article` (new or changed) with its body rendered once into `body_html`.

    The admin's save and the demo content call this; readers then only expand shortcodes.
    Validate first (the admin form runs the model's validators): the body is checked again
    here and ValidationError raised if it is over the Markdown limits, so nothing slow is ever
    rendered.
    """
    for validator in Article._meta.get_field("body").validators:
        validator(article.body)
    article.body_html = body_source_html(article.body)
    article.save()
    return article


@transaction.atomic
def article_publish(*, article: Article, now=None) -> Article:
    """Publish `article`.

    Keeps a publication time already set (a future one schedules the article, a past one keeps
    the original date); sets it to now when there is none. Idempotent.
    """
    article.status = Article.Status.PUBLISHED
    if article.published_at is None:
        article.published_at = now or timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    return article


@transaction.atomic
def article_unpublish(*, article: Article) -> Article:
    """Take `article` back to draft: readers get a 404 again. Keeps `published_at`. Idempotent."""
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "updated_at"])
    return article
