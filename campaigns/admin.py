"""Staff tools for campaigns and signatures. Every change goes through `campaigns.services`."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from campaigns import services
from campaigns.forms import CampaignAdminForm, SuggestedAmountAdminForm
from campaigns.models import Campaign, Partner, Signature, SuggestedAmount
from core.exports import csv_response, log_export
from core.money import CURRENCIES, format_money_full

# The admin is the top layer: erasing a supporter spans campaigns and pledges, so it goes
# through the one erasure service above both apps.
from staff.admin_actions import erase_supporters

EXPORT_CHUNK_SIZE = 2000
EXPORT_COLUMNS = [
    "id",
    "campaign",
    "first_name",
    "last_name",
    "email",
    "country",
    "postal_code",
    "show_publicly",
    "wants_updates",
    "confirmed_at",
    "created_at",
    "source",
    "utm",
    "source_article_id",
    "erased",
]


class PartnerInline(admin.TabularInline):
    model = Partner
    extra = 0
    fields = ("name", "url", "position")


class SuggestedAmountInline(admin.TabularInline):
    model = SuggestedAmount
    form = SuggestedAmountAdminForm
    extra = 0
    fields = ("amount_minor", "position", "is_default")
    verbose_name = "suggested gift amount"


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    # Five columns fit 1280 px beside the filters; opening dates are on each campaign's page.
    list_display = ("short_label", "status", "signature_progress", "money_collected", "closes_at")
    list_display_links = ("short_label",)
    list_filter = ("status", "topic", "currency", "requires_confirmation", "pledges_enabled")
    list_select_related = ("topic",)
    search_fields = ("title", "short_title", "slug", "ask")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "created_at"
    inlines = (PartnerInline, SuggestedAmountInline)
    actions = ("close_campaigns",)
    readonly_fields = (
        "preview_link",
        "signature_count",
        "money_summary",
        "supporter_count",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "short_title",
                    "slug",
                    "topic",
                    "ask",
                    "description",
                    "targets",
                )
            },
        ),
        ("Hero image", {"fields": ("hero_image", "hero_alt", "hero_credit")}),
        (
            "Publishing",
            {"fields": ("status", "opens_at", "closes_at", "featured_position", "preview_link")},
        ),
        (
            "Petition",
            {"fields": ("signature_goal", "signature_milestones", "requires_confirmation")},
        ),
        (
            "Gifts",
            {
                "fields": (
                    "pledges_enabled",
                    "currency",
                    "money_goal_minor",
                    "monthly_enabled",
                    "pledge_minimum_minor",
                    "pledge_maximum_minor",
                ),
                "description": "Amounts are in the campaign's currency: type 50,000 for $50,000 "
                "or 25.50 for $25.50 (whole numbers for yen).",
            },
        ),
        (
            "Counts (rebuilt by manage.py recount)",
            {
                "fields": (
                    "signature_count",
                    "money_summary",
                    "supporter_count",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        # The description's HTML is rendered once, here, and stored; readers never render it.
        services.campaign_save(campaign=obj)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        # Suggested amounts are typed in the currency the form is about to save, which on a
        # POST is the submitted one (staff may change both at once).
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if issubclass(inline.form, SuggestedAmountAdminForm):
            code = request.POST.get("currency", "") if request.method == "POST" else ""
            if code.upper() not in CURRENCIES:
                code = getattr(obj, "currency", None) or "USD"
            kwargs["form_kwargs"] = {"currency": code}
        return kwargs

    @admin.display(description="Campaign", ordering="title")
    def short_label(self, obj):
        return obj.label

    @admin.display(description="Signatures", ordering="signature_count")
    def signature_progress(self, obj):
        percent = obj.signature_count * 100 // obj.signature_goal if obj.signature_goal else 0
        return f"{obj.signature_count:,} of {obj.signature_goal:,} ({percent}%)"

    @admin.display(description="Raised", ordering="amount_collected_minor")
    def money_collected(self, obj):
        raised = format_money_full(obj.amount_collected_minor, obj.currency)
        people = f"{obj.supporter_count:,} supporter{'s' if obj.supporter_count != 1 else ''}"
        return f"{raised} ({people})"

    @admin.display(description="Money")
    def money_summary(self, obj):
        """ "$560.00 collected of $50,000.00 goal", or without the goal when there is none."""
        collected = format_money_full(obj.amount_collected_minor or 0, obj.currency)
        if not obj.money_goal_minor:
            return f"{collected} collected (no money goal)"
        goal = format_money_full(obj.money_goal_minor, obj.currency)
        return f"{collected} collected of {goal} goal"

    @admin.display(description="Preview")
    def preview_link(self, obj):
        if not obj.pk:
            return "Save the campaign to preview it."
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview as readers will see it</a>',
            reverse("campaigns:preview", kwargs={"pk": obj.pk}),
        )

    def get_view_on_site_url(self, obj=None):
        if obj is not None and obj.status == Campaign.Status.DRAFT:
            return reverse("campaigns:preview", kwargs={"pk": obj.pk})
        return super().get_view_on_site_url(obj)

    @admin.action(description="Close the selected campaigns", permissions=["change"])
    def close_campaigns(self, request, queryset):
        closed = 0
        for campaign in queryset:
            if services.campaign_close(campaign=campaign):
                self.log_change(request, campaign, "Closed the campaign.")
                closed += 1
        self.message_user(request, f"Closed {closed} campaign(s).", messages.SUCCESS)


class ConfirmedFilter(admin.SimpleListFilter):
    title = "confirmed"
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return (("yes", "Confirmed"), ("no", "Not confirmed"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.confirmed()
        if self.value() == "no":
            return queryset.unconfirmed()
        return queryset


def signature_csv_rows(queryset):
    """Yield CSV rows for `queryset`, reading rows in chunks (never the whole table at once).

    The email is included only for supporters who asked for updates.
    """
    rows = queryset.order_by("pk").values_list(
        "pk",
        "campaign__slug",
        "first_name",
        "last_name",
        "email",
        "country",
        "postal_code",
        "show_publicly",
        "wants_updates",
        "confirmed_at",
        "created_at",
        "source",
        "utm",
        "source_article_id",
        "erased_at",
    )
    for row in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        (pk, slug, first, last, email, country, postal, public, updates, *rest) = row
        confirmed, created, source, utm, article_id, erased_at = rest
        # Raw values: `csv_response` makes every cell formula-safe.
        yield [
            pk,
            slug,
            first,
            last,
            email if updates else "",
            country,
            postal,
            public,
            updates,
            confirmed,
            created,
            source,
            ";".join(f"{k}={v}" for k, v in sorted((utm or {}).items())),
            article_id or "",
            "yes" if erased_at else "",
        ]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    # Fits 1280 px beside the filters; "show publicly" is a filter and on each signature's page.
    list_display = ("supporter", "campaign_label", "country", "is_confirmed", "source", "signed")
    list_filter = (
        "campaign",
        ConfirmedFilter,
        ("country", CountryFilter),
        "wants_updates",
        "show_publicly",
    )
    list_select_related = ("campaign",)
    search_fields = ("email_normalized", "first_name", "last_name")
    search_help_text = "Search by name or email address."
    date_hierarchy = "created_at"
    actions = ("resend_confirmation", "export_csv", "erase_supporters")
    show_full_result_count = False
    fields = (
        "campaign",
        "first_name",
        "last_name",
        "email",
        "country",
        "postal_code",
        "comment",
        "show_publicly",
        "wants_updates",
        "consent_text",
        "source",
        "utm",
        "source_article_id",
        "ip_hash",
        "created_at",
        "confirmed_at",
        "confirmation_sent_at",
        "erased_at",
    )
    readonly_fields = fields

    @admin.display(description="Supporter", ordering="last_name")
    def supporter(self, obj):
        return f"{obj.first_name} {obj.last_name[:1]}." if obj.last_name else obj.first_name

    @admin.display(description="Campaign", ordering="campaign__title")
    def campaign_label(self, obj):
        return obj.campaign.label

    @admin.display(description="Signed", ordering="created_at")
    def signed(self, obj):
        return date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")

    @admin.display(boolean=True, description="Confirmed", ordering="confirmed_at")
    def is_confirmed(self, obj):
        return obj.is_confirmed

    def get_search_results(self, request, queryset, search_term):
        # The stored normalised form is lower-case; match it however staff type the address.
        return super().get_search_results(request, queryset, search_term.strip().lower())

    def has_add_permission(self, request):
        return False  # Signatures come only from supporters, through the petition form.

    def has_delete_permission(self, request, obj=None):
        return False  # Deleting would change the counts; erase personal data instead.

    def has_export_permission(self, request):
        return request.user.has_perm("campaigns.export_signature")

    def has_erase_permission(self, request):
        return request.user.has_perm("campaigns.erase_supporter")

    @admin.action(description="Resend the confirmation email", permissions=["view"])
    def resend_confirmation(self, request, queryset):
        queued = 0
        for signature in queryset.unconfirmed().filter(erased_at__isnull=True):
            services.signature_send_confirmation(signature_id=signature.pk, force=True)
            self.log_change(request, signature, "Queued the confirmation email again.")
            queued += 1
        self.message_user(
            request,
            f"Queued {queued} confirmation email(s); failed sends are listed under Email "
            "deliveries.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Export as CSV (email only where updates were asked for)",
        permissions=["export"],
    )
    def export_csv(self, request, queryset):
        campaign_ids = list(queryset.order_by().values_list("campaign_id", flat=True).distinct())
        log_export(
            user=request.user,
            objects=Campaign.objects.filter(pk__in=campaign_ids),
            message="Exported signatures as CSV.",
        )
        return csv_response(
            header=EXPORT_COLUMNS,
            rows=signature_csv_rows(queryset),
            filename_prefix="signatures",
        )

    @admin.action(description="Erase these supporters on every campaign", permissions=["erase"])
    def erase_supporters(self, request, queryset):
        emails = (
            queryset.filter(erased_at__isnull=True)
            .values_list("email_normalized", flat=True)
            .distinct()
        )
        return erase_supporters(self, request, queryset, emails=emails, action="erase_supporters")
