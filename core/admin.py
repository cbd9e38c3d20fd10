from django.contrib import admin, messages

from core.mail import email_retry
from core.models import EmailDelivery, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class KindFilter(admin.SimpleListFilter):
    """The kinds of email there are, by the names staff read (`EmailDelivery.get_kind_display`)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = EmailDelivery.objects.order_by("kind").values_list("kind", flat=True).distinct()
        return [(kind, EmailDelivery(kind=kind).get_kind_display()) for kind in kinds]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Supporter emails and how their sending went; failed ones can be tried again."""

    list_display = ["__str__", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", KindFilter]
    search_fields = ["object_id"]
    search_help_text = "Search by signature or gift id."
    actions = ["retry"]
    fields = [
        "kind_name",
        "object_id",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "lease_expires_at",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # Deliveries come from the services that need an email.

    def has_delete_permission(self, request, obj=None):
        return False  # The history of a send is kept; it holds no personal data.

    @admin.display(description="kind", ordering="kind")
    def kind_name(self, delivery):
        return delivery.get_kind_display()

    @admin.action(description="Try sending these failed emails again", permissions=["change"])
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=EmailDelivery.Status.FAILED):
            if email_retry(delivery=delivery):
                self.log_change(request, delivery, "Queued the email again.")
                retried += 1
        self.message_user(request, f"Queued {retried} failed email(s) again.", messages.SUCCESS)
