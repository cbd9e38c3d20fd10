"""Atom feeds: the latest articles, and the latest per topic."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article
from core.models import Topic

FEED_SIZE = 20


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return f"{settings.SITE_NAME}: latest news"

    def link(self):
        return reverse("articles:home")

    def subtitle(self):
        return "News and action for a fairer world."

    def items(self):
        return Article.objects.published().for_listing()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.authors.all()) or None

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.topic.name] if item.topic else []


class TopicArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj):
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj):
        return obj.get_absolute_url()

    def subtitle(self, obj):
        return obj.description or f"The latest on {obj.name}."

    def items(self, obj):
        return Article.objects.published().filter(topic=obj).for_listing()[:FEED_SIZE]
