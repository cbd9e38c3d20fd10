from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.decorators.cache import cache_control

from articles import feeds, views
from articles.sitemaps import SITEMAPS
from core.pagecache import cached_page

app_name = "articles"

# Reader pages are the same for everyone and set no cookies, so a shared cache may keep them
# for a minute. Staff preview is `never_cache` (see the view).
public = cache_control(public=True, max_age=60)
# The busiest reader pages are also kept whole in the shared cache (core.pagecache): retired at
# once when content changes, and at most 60 s old, counts on cards included.
reader_page = cached_page(timeout=60, query=("page",))
# Search results too, for 30 s: a viral story sends many readers to the same few words. Each
# distinct query is one entry, so the memory it can take is bounded by how fast the servers
# render (every new query is a render) times 30 s.
search_page = cached_page(timeout=30, query=("q", "page"))

urlpatterns = [
    path("", reader_page(views.HomeView.as_view()), name="home"),
    path("news/preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path("news/<slug:slug>/", reader_page(views.ArticleDetailView.as_view()), name="detail"),
    path("topics/<slug:slug>/", reader_page(views.TopicView.as_view()), name="topic"),
    path("authors/<slug:slug>/", reader_page(views.AuthorView.as_view()), name="author"),
    path("search/", search_page(views.SearchView.as_view()), name="search"),
    path("feeds/latest/", public(feeds.LatestArticlesFeed()), name="feed-latest"),
    path("feeds/topics/<slug:slug>/", public(feeds.TopicArticlesFeed()), name="feed-topic"),
    path("sitemap.xml", public(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", public(views.robots_txt), name="robots"),
]
