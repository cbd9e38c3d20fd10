"""Editorial actions on articles. The admin's actions call these; nothing else publishes."""

from django.core.exceptions import ValidationError
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


def article_rerender_all(*, dry_run: bool = False) -> list[str]:
    """Render every article body again and store it where it changed (after a change to the
    renderer or the sanitiser's allow-list). Returns the slugs of the changed articles.

    A body over today's limits keeps its stored HTML and is skipped: it is never rendered.
    Each update is one conditional UPDATE of `body_html` alone, so nothing else an editor is
    saving meanwhile is overwritten, and `updated_at` is left alone.
    """
    changed = []
    for article in Article.objects.only("pk", "slug", "body", "body_html").iterator(chunk_size=200):
        try:
            for validator in Article._meta.get_field("body").validators:
                validator(article.body)
        except ValidationError:
            continue
        html = body_source_html(article.body)
        if html != article.body_html:
            changed.append(article.slug)
            if not dry_run:
                Article.objects.filter(pk=article.pk, body=article.body).update(body_html=html)
    return changed


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
