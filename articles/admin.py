from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from articles import services
from articles.forms import ArticleAdminForm, PreviewForm
from articles.models import Article, Author, Image, Tag
from articles.rendering import render_body
from campaigns.models import Campaign

# The embed finder shows this many of each kind; staff narrow the search for the rest.
EMBED_RESULTS = 8
THUMBNAIL_WIDTH = 80


def thumbnail(image, *, width: int = THUMBNAIL_WIDTH):
    """A small <img> of an `Image` (alt empty: the title or alt text is next to it), or a dash."""
    if image is None or not image.file:
        return "—"
    return format_html(
        '<img src="{}" alt="" width="{}" class="staff-thumbnail" loading="lazy">',
        image.file.url,
        width,
    )


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Alt text is required by the model (blank=False); the form rejects an empty one."""

    list_display = ["thumbnail", "title", "slug", "credit", "created_at"]
    list_display_links = ["thumbnail", "title"]
    search_fields = ["title", "slug", "alt_text", "caption", "credit"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["preview", "title", "slug", "file", "alt_text", "caption", "credit", "embed_code"]
    readonly_fields = ["preview", "embed_code"]

    @admin.display(description="Picture")
    def thumbnail(self, obj):
        return thumbnail(obj)

    @admin.display(description="Picture")
    def preview(self, obj):
        return thumbnail(obj, width=320) if obj.pk else "Upload a file and save to see it here."

    @admin.display(description="Embed code")
    def embed_code(self, obj):
        return format_html("<code>[[image:{}]]</code>", obj.slug) if obj.pk else "—"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["title", "topic", "status", "published_at", "preview_link"]
    list_filter = ["status", "topic", "authors", "tags"]
    list_select_related = ["topic"]
    search_fields = ["title", "standfirst", "body", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["authors", "tags", "related"]
    # The picture is chosen from the image list's popup, which shows thumbnails (a text-only
    # autocomplete cannot); the chosen one is shown beside the field.
    raw_id_fields = ["hero_image"]
    filter_horizontal = ["campaigns"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Picture", {"fields": ["hero_image", "hero_thumbnail"]}),
        ("Filing", {"fields": ["topic", "tags", "authors"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Read more and Take Action", {"fields": ["related", "campaigns"]}),
    ]

    readonly_fields = ["hero_thumbnail"]

    @admin.display(description="Current picture")
    def hero_thumbnail(self, obj):
        return thumbnail(obj.hero_image if obj.pk else None, width=240)

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.body_preview_view),
                name="articles_article_body_preview",
            ),
            path(
                "embeds/",
                self.admin_site.admin_view(self.embed_finder_view),
                name="articles_article_embeds",
            ),
            *super().get_urls(),
        ]

    def _may_edit(self, request) -> bool:
        return self.has_change_permission(request) or self.has_add_permission(request)

    def body_preview_view(self, request):
        """The body as readers will see it, drawn by `render_body` (the public page's renderer).

        POST only, so the admin's CSRF protection covers it; staff who may write articles only.
        Answers a fragment of sanitised HTML for the editor's preview pane.
        """
        return require_POST(self._body_preview)(request)

    def _body_preview(self, request):
        if not self._may_edit(request):
            raise PermissionDenied
        form = PreviewForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest("The preview takes a body of 100,000 characters at most.")
        article = None
        if form.cleaned_data["article"]:
            article = Article.objects.filter(pk=form.cleaned_data["article"]).first()
        body = render_body(form.cleaned_data["body"], source_article=article)
        response = HttpResponse(body.html, content_type="text/html; charset=utf-8")
        response["X-Robots-Tag"] = "noindex"
        return response

    def embed_finder_view(self, request):
        """Search campaigns, images and articles and show their embed codes (three queries).

        A page of its own without JavaScript; `?fragment=1` gives just the results for the
        editor's embed helper to insert.
        """
        return require_safe(self._embed_finder)(request)

    def _embed_finder(self, request):
        if not self._may_edit(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()[:100]
        results = embed_search(query=query) if query else []
        context = {
            **self.admin_site.each_context(request),
            "title": "Find embed codes",
            "opts": self.model._meta,
            "query": query,
            "results": results,
        }
        template = (
            "admin/articles/article/_embed_results.html"
            if request.GET.get("fragment")
            else "admin/articles/article/embed_finder.html"
        )
        return TemplateResponse(request, template, context)

    def response_add(self, request, obj, post_url_continue=None):
        if "_preview" in request.POST:
            return self._saved_then_preview(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_preview" in request.POST:
            return self._saved_then_preview(request, obj)
        return super().response_change(request, obj)

    def _saved_then_preview(self, request, obj):
        # The no-JavaScript path to a preview: save, then the staff preview page, which links
        # back to the editor.
        self.message_user(request, f"Saved “{obj}”. This is the preview.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("articles:preview", kwargs={"pk": obj.pk}))

    def get_autocomplete_fields(self, request):
        # Campaign's admin lives in the campaigns app; autocomplete needs its search_fields.
        # Declared here rather than in `autocomplete_fields` so the system checks pass even
        # before that admin is registered.
        fields = list(super().get_autocomplete_fields(request))
        try:
            campaign_admin = self.admin_site.get_model_admin(Campaign)
        except NotRegistered:
            return fields
        # Autocomplete asks the campaign admin, which answers only staff who may view
        # campaigns; everyone else picks from the plain list (`filter_horizontal`).
        if campaign_admin.search_fields and campaign_admin.has_view_permission(request):
            fields.append("campaigns")
        return fields

    def save_model(self, request, obj, form, change):
        # The body's HTML is rendered once, here, and stored; readers never render Markdown.
        services.article_save(article=obj)

    def view_on_site(self, obj):
        # Drafts and scheduled articles are 404 to the public: send staff to the preview.
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("articles:preview", kwargs={"pk": obj.pk})

    @admin.display(description="Preview")
    def preview_link(self, obj):
        return format_html(
            '<a href="{}">Preview</a>', reverse("articles:preview", kwargs={"pk": obj.pk})
        )

    @admin.action(description="Publish the selected articles", permissions=["change"])
    def publish(self, request, queryset):
        for article in queryset:
            services.article_publish(article=article)
            self.log_change(request, article, "Published.")
        self.message_user(request, f"Published {len(queryset)} article(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected articles", permissions=["change"])
    def unpublish(self, request, queryset):
        for article in queryset:
            services.article_unpublish(article=article)
            self.log_change(request, article, "Unpublished.")
        self.message_user(request, f"Unpublished {len(queryset)} article(s).", messages.SUCCESS)


def embed_search(*, query: str) -> list[dict]:
    """Campaigns, images and articles matching `query`, each with its embed code (3 queries)."""
    campaigns = Campaign.objects.filter(
        Q(title__icontains=query) | Q(short_title__icontains=query) | Q(slug__icontains=query)
    ).order_by("-created_at")[:EMBED_RESULTS]
    images = Image.objects.filter(
        Q(title__icontains=query) | Q(slug__icontains=query) | Q(alt_text__icontains=query)
    ).order_by("-created_at")[:EMBED_RESULTS]
    articles = (
        Article.objects.filter(Q(title__icontains=query) | Q(slug__icontains=query))
        .select_related("hero_image")
        .order_by("-published_at", "-id")[:EMBED_RESULTS]
    )
    results = [
        {
            "kind": "Campaign",
            "label": c.title,
            "detail": c.get_status_display(),
            "code": f"[[take-action:{c.slug}]]",
            "thumbnail_url": c.hero_image.url if c.hero_image else "",
        }
        for c in campaigns
    ]
    results += [
        {
            "kind": "Image",
            "label": i.title,
            "detail": i.alt_text,
            "code": f"[[image:{i.slug}]]",
            "thumbnail_url": i.file.url if i.file else "",
        }
        for i in images
    ]
    results += [
        {
            "kind": "Article",
            "label": a.title,
            "detail": a.get_status_display(),
            "code": f"[[read-more:{a.slug}]]",
            "thumbnail_url": a.hero_image.file.url if a.hero_image and a.hero_image.file else "",
        }
        for a in articles
    ]
    return results
