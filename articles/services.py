"""Editorial actions on articles. The admin's actions call these; nothing else publishes."""

from django.db import transaction
from django.utils import timezone

from articles.models import Article


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
