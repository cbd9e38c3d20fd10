from django.contrib import admin, messages

from core.mail import email_retry
from core.models import EmailDelivery, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Supporter emails and how their sending went; failed ones can be tried again."""

    list_display = ["__str__", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["object_id"]
    search_help_text = "Search by signature or gift id."
    actions = ["retry"]
    fields = [
        "kind",
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

    @admin.action(description="Try sending these failed emails again", permissions=["change"])
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=EmailDelivery.Status.FAILED):
            if email_retry(delivery=delivery):
                self.log_change(request, delivery, "Queued the email again.")
                retried += 1
        self.message_user(request, f"Queued {retried} failed email(s) again.", messages.SUCCESS)
