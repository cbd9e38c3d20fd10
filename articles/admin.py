from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.urls import reverse
from django.utils.html import format_html

from articles import services
from articles.models import Article, Author, Image, Tag
from campaigns.models import Campaign


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

    list_display = ["title", "slug", "credit", "created_at"]
    search_fields = ["title", "slug", "alt_text", "caption", "credit"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "file", "alt_text", "caption", "credit"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "status", "published_at", "preview_link"]
    list_filter = ["status", "topic", "authors", "tags"]
    list_select_related = ["topic"]
    search_fields = ["title", "standfirst", "body", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["hero_image", "authors", "tags", "related"]
    filter_horizontal = ["campaigns"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Picture", {"fields": ["hero_image"]}),
        ("Filing", {"fields": ["topic", "tags", "authors"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Read more and Take Action", {"fields": ["related", "campaigns"]}),
    ]

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
