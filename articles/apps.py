from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    """The newsroom: articles, authors, images, and the pages, feeds and search readers use."""

    name = "articles"
