"""sitemap.xml: published articles, topics, and live campaigns. URLs use SITE_URL's host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from articles.models import Article
from campaigns.models import Campaign
from core.models import Topic


class SiteUrlSitemap(Sitemap):
    """Absolute URLs on the configured SITE_URL, whatever host the request came in on."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"


class ArticleSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at")

    def lastmod(self, item):
        return item.updated_at


class TopicSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return Topic.objects.only("slug")


class CampaignSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.9

    def items(self):
        return Campaign.objects.live().only("slug", "updated_at").order_by("-created_at")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "campaigns": CampaignSitemap}
