"""Staff tools for campaigns and signatures. Every change goes through `campaigns.services`."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from campaigns import services
from campaigns.forms import CampaignAdminForm
from campaigns.models import Campaign, Partner, Signature, SuggestedAmount
from core.exports import csv_cell, csv_response, log_export
from core.money import format_money

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
    extra = 0
    fields = ("amount_minor", "position")
    verbose_name = "suggested pledge amount (minor units, e.g. cents)"


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = (
        "title",
        "status",
        "topic",
        "signature_progress",
        "signature_count",
        "money_collected",
        "supporter_count",
        "opens_at",
        "closes_at",
    )
    list_filter = ("status", "topic", "requires_confirmation", "pledges_enabled")
    list_select_related = ("topic",)
    search_fields = ("title", "slug", "ask")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "created_at"
    inlines = (PartnerInline, SuggestedAmountInline)
    actions = ("close_campaigns",)
    readonly_fields = (
        "preview_link",
        "signature_count",
        "amount_collected_minor",
        "supporter_count",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "topic", "ask", "description", "targets")}),
        ("Hero image", {"fields": ("hero_image", "hero_alt", "hero_credit")}),
        (
            "Publishing",
            {"fields": ("status", "opens_at", "closes_at", "preview_link")},
        ),
        ("Petition", {"fields": ("signature_goal", "requires_confirmation")}),
        (
            "Pledges",
            {
                "fields": (
                    "pledges_enabled",
                    "currency",
                    "money_goal_minor",
                    "monthly_enabled",
                    "pledge_minimum_minor",
                    "pledge_maximum_minor",
                ),
                "description": "Amounts are in the currency's minor unit: 5000000 is $50,000.",
            },
        ),
        (
            "Counts (rebuilt by manage.py recount)",
            {
                "fields": (
                    "signature_count",
                    "amount_collected_minor",
                    "supporter_count",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    @admin.display(description="Signatures")
    def signature_progress(self, obj):
        percent = obj.signature_count * 100 // obj.signature_goal if obj.signature_goal else 0
        return f"{obj.signature_count:,} of {obj.signature_goal:,} ({percent}%)"

    @admin.display(description="Raised", ordering="amount_collected_minor")
    def money_collected(self, obj):
        return format_money(obj.amount_collected_minor, obj.currency)

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
        yield (
            [
                pk,
                slug,
                csv_cell(first),
                csv_cell(last),
                csv_cell(email) if updates else "",
                country,
                csv_cell(postal),
                public,
                updates,
                csv_cell(confirmed),
                csv_cell(created),
                csv_cell(source),
                csv_cell(";".join(f"{k}={v}" for k, v in sorted((utm or {}).items()))),
                article_id or "",
                "yes" if erased_at else "",
            ]
        )


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ("__str__", "campaign", "country", "is_confirmed", "show_publicly", "created_at")
    list_filter = ("campaign", ConfirmedFilter, ("country", CountryFilter), "wants_updates")
    list_select_related = ("campaign",)
    search_fields = ("email_normalized", "email")
    search_help_text = "Search by email address."
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
        sent = failed = 0
        for signature in queryset.unconfirmed().filter(erased_at__isnull=True):
            if services.signature_send_confirmation(signature_id=signature.pk, force=True):
                self.log_change(request, signature, "Resent the confirmation email.")
                sent += 1
            else:
                failed += 1
        self.message_user(request, f"Sent {sent} confirmation email(s).", messages.SUCCESS)
        if failed:
            self.message_user(
                request, f"{failed} could not be sent; see the logs.", messages.WARNING
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
        emails = set(
            queryset.filter(erased_at__isnull=True).values_list("email_normalized", flat=True)
        )
        # Every row of these supporters, on every campaign, is about to be anonymised.
        affected = list(
            Signature.objects.filter(
                email_normalized__in=emails, erased_at__isnull=True
            ).values_list("pk", flat=True)
        )
        erased = sum(services.signature_erase_for_email(email=email) for email in emails)
        if affected:
            # Logged after erasure, so the admin history keeps no name (object_repr is str()).
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=Signature.objects.filter(pk__in=affected),
                action_flag=CHANGE,
                change_message="Erased the supporter's personal data.",
            )
        self.message_user(
            request,
            f"Erased {erased} signature(s) from {len(emails)} supporter(s).",
            messages.SUCCESS,
        )
