from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.services import article_publish, article_unpublish
from demo.factories.articles import ArticleFactory, DraftArticleFactory

pytestmark = pytest.mark.django_db


def test_publishing_a_draft_makes_it_public_now():
    draft = DraftArticleFactory()

    article_publish(article=draft)

    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert draft.published_at is not None and draft.is_public
    assert Article.objects.published().filter(pk=draft.pk).exists()


def test_publishing_keeps_a_future_time_so_the_article_stays_scheduled():
    later = timezone.now() + timedelta(days=2)
    draft = DraftArticleFactory(published_at=later)

    article_publish(article=draft)

    draft.refresh_from_db()
    assert draft.published_at == later
    assert not draft.is_public
    assert not Article.objects.published().filter(pk=draft.pk).exists()


def test_unpublishing_hides_the_article_and_keeps_its_date():
    article = ArticleFactory()
    published_at = article.published_at

    article_unpublish(article=article)

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_at == published_at
    assert not Article.objects.published().filter(pk=article.pk).exists()
