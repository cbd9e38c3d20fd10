"""Reader pages. Thin: the querysets come from `selectors`, the body from `rendering`.

Caching is set in `urls.py`: reader pages are public for a minute, staff preview never cached.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView

from articles import selectors
from articles.models import Article, Author
from articles.rendering import expand_shortcodes
from articles.search import search_text_clean
from core.models import Topic

PAGE_SIZE = 10


class HomeView(ListView):
    """The lead story (the newest published article), then the latest, paginated."""

    template_name = "articles/home.html"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        articles = list(context["articles"])
        if context["page_obj"].number == 1 and articles:
            context["lead"], articles = articles[0], articles[1:]
        context["articles"] = articles
        return context


class ArticleDetailView(DetailView):
    template_name = "articles/detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return selectors.article_detail_queryset(public=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        body = expand_shortcodes(article.body_html, source_article=article)
        inline_ids = {c.pk for c in body.inline_campaigns}
        context.update(
            body=body,
            related_articles=selectors.article_related(article=article),
            # A campaign already carded in the body gets a plain closing link, not a second card.
            closing_campaigns=[c for c in article.live_campaigns if c.pk not in inline_ids],
            inline_campaigns=[c for c in article.live_campaigns if c.pk in inline_ids],
            canonical_url=f"{settings.SITE_URL}{article.get_absolute_url()}",
            json_ld=news_article_json_ld(article),
        )
        return context


@method_decorator(
    [
        never_cache,
        staff_member_required,  # signed-out visitors go to the staff login
        permission_required("articles.change_article", raise_exception=True),  # others: 403
    ],
    name="dispatch",
)
class ArticlePreviewView(ArticleDetailView):
    """Editors see any article (draft, scheduled) as readers will; never cached, never indexed.

    Previews follow roles: only staff who may change articles (Editors) open one; other staff
    (Campaigners, Finance) get 403.
    """

    def get_queryset(self):
        return selectors.article_detail_queryset(public=False)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = True
        return context


class TopicView(ListView):
    """A topic's published articles and its live campaigns."""

    template_name = "articles/topic.html"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return Article.objects.published().filter(topic=self.topic).for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["topic"] = self.topic
        context["campaigns"] = self.topic.campaigns.live()
        return context


class AuthorView(ListView):
    template_name = "articles/author.html"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return self.author.articles.published().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["author"] = self.author
        return context


class SearchView(ListView):
    """Search with a GET form: no session, no CSRF token, so the page stays cacheable."""

    template_name = "articles/search.html"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"

    def get_queryset(self):
        self.query = search_text_clean(self.request.GET.get("q", ""))
        return selectors.article_search(query=self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        return context


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /news/preview/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def news_article_json_ld(article: Article) -> dict:
    """schema.org NewsArticle data; the template serialises it with escaping, never by hand."""
    url = f"{settings.SITE_URL}{article.get_absolute_url()}"
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "mainEntityOfPage": url,
        "url": url,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": f"{settings.SITE_URL}{author.get_absolute_url()}",
            }
            for author in article.authors.all()
        ],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    if article.hero_image and article.hero_image.file:
        data["image"] = [f"{settings.SITE_URL}{article.hero_image.file.url}"]
    if article.topic:
        data["articleSection"] = article.topic.name
    return data
