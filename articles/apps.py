from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    """The newsroom: articles, authors, images, and the pages, feeds and search readers use."""

    name = "articles"

    def ready(self):
        from articles.models import Article, Author, Image, Tag
        from core.pagecache import invalidate_on

        invalidate_on(Article, Author, Image, Tag)
