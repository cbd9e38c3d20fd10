"""Finance staff's view of gifts (`Pledge`): read-only money, Stripe links, CSV export, refunds."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from campaigns.models import Campaign
from core.exports import csv_response, log_export
from core.money import format_money, format_money_full
from pledges import selectors, services, webhooks
from pledges.forms import REFUND_REASONS, RefundForm
from pledges.models import Dispute, Pledge, Refund, StripeEvent
from pledges.stripe_gateway import PaymentGatewayError, is_live_mode

# The admin is the top layer: erasing a supporter spans campaigns and pledges, so it goes
# through the one erasure service above both apps.
from staff.admin_actions import erase_supporters

# One confirmation page lists every pledge it refunds; more than this at once is a mistake.
MAX_REFUNDS_AT_ONCE = 100


def refundable_minor(pledge: Pledge) -> int:
    """What is left to refund: the pledges service's answer (refunds in flight held back)."""
    return services.pledge_refundable_minor(pledge=pledge)


def _dashboard_link(kind: str, stripe_id: str):
    """A link to `stripe_id` in Stripe's dashboard (its test-mode half unless live), or a dash."""
    if not stripe_id:
        return "—"
    prefix = "https://dashboard.stripe.com/" + ("" if is_live_mode() else "test/")
    return format_html(
        '<a href="{}" rel="noopener noreferrer">{}</a>', prefix + kind + stripe_id, stripe_id
    )


class PendingOverAnHourFilter(admin.SimpleListFilter):
    """The queue to chase: checkouts started over an hour ago that Stripe never settled."""

    title = "stuck"
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("pending_1h", "Pending for over an hour")]

    def queryset(self, request, queryset):
        if self.value() == "pending_1h":
            return queryset.filter(
                status__in=services.UNSETTLED,
                created_at__lt=timezone.now() - timedelta(hours=1),
            )
        return queryset


CSV_HEADER = [
    "gift_id",
    "created_at",
    "paid_at",
    "campaign",
    "status",
    "amount",
    "currency",
    "amount_minor",
    "amount_refunded_minor",
    "name",
    "email",
    "is_anonymous",
    "wants_updates",
    "public_message",
    "stripe_checkout_session_id",
    "stripe_payment_intent_id",
    "needs_review",
    "frequency",
    "monthly_gift_id",
]


def pledge_csv_rows(queryset):
    """Yield CSV rows for `queryset`, read in chunks; emails only where updates were asked for."""
    for pledge in queryset.select_related("campaign").order_by("pk").iterator(chunk_size=2000):
        # Raw values: `csv_response` makes every cell formula-safe.
        yield [
            pledge.pk,
            pledge.created_at,
            pledge.paid_at,
            pledge.campaign.slug,
            pledge.status,
            format_money(pledge.amount_minor, pledge.currency),
            pledge.currency,
            pledge.amount_minor,
            pledge.amount_refunded_minor,
            pledge.name,
            # Only supporters who asked for updates may be contacted from an export.
            pledge.email if pledge.wants_updates else "",
            pledge.is_anonymous,
            pledge.wants_updates,
            pledge.public_message,
            pledge.stripe_checkout_session_id or "",
            pledge.stripe_payment_intent_id,
            pledge.needs_review,
            # "monthly" for a monthly gift and each of its renewals, which name the gift.
            pledge.frequency,
            pledge.renewal_of_id or (pledge.pk if pledge.is_monthly_gift else ""),
        ]


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    change_list_template = "pledges/admin/change_list.html"
    change_form_template = "pledges/admin/change_form.html"
    # Five columns fit 1280 px beside the filters; the Stripe link and the dates are on each
    # pledge's page (and the date hierarchy), "needs review" is in the status and a filter.
    list_display = ["amount", "campaign_label", "supporter", "status_and_review", "paid_at"]
    list_display_links = ["amount"]
    list_filter = [
        "status",
        "frequency",
        "needs_review",
        PendingOverAnHourFilter,
        "campaign",
        "currency",
    ]
    list_select_related = ["campaign"]
    search_fields = [
        "=id",
        "email",
        "name",
        "=stripe_checkout_session_id",
        "=stripe_payment_intent_id",
    ]
    search_help_text = "Search by name, email, gift id or Stripe id."
    date_hierarchy = "created_at"
    actions = ["export_csv", "request_refund", "erase_supporters"]
    readonly_fields = [
        "id",
        "campaign",
        "amount",
        "amount_minor",
        "currency",
        "status",
        "amount_refunded",
        "refund_rows",
        "dispute_rows",
        "checkout_session_link",
        "payment_link",
        "checkout_error",
        "name",
        "email",
        "public_message",
        "is_anonymous",
        "wants_updates",
        "consent_text",
        "source",
        "utm",
        "source_article_id",
        "created_at",
        "updated_at",
        "paid_at",
        "counted_at",
        "receipt_sent_at",
        "erased_at",
        "frequency",
        "renewal_of",
        "subscription_status",
        "cancel_at_period_end",
        "subscription_canceled_at",
        "subscription_ended_at",
        "stripe_subscription_id",
        "stripe_customer_id",
        "stripe_invoice_id",
    ]
    fieldsets = [
        (
            "Payment",
            {
                "fields": [
                    "id",
                    "campaign",
                    "amount",
                    "status",
                    "amount_refunded",
                    "refund_rows",
                    "dispute_rows",
                    "checkout_session_link",
                    "payment_link",
                    "checkout_error",
                ]
            },
        ),
        (
            "Monthly giving",
            {
                "fields": [
                    "frequency",
                    "renewal_of",
                    "subscription_status",
                    "cancel_at_period_end",
                    "subscription_canceled_at",
                    "subscription_ended_at",
                    "stripe_subscription_id",
                    "stripe_customer_id",
                    "stripe_invoice_id",
                ]
            },
        ),
        ("Review", {"fields": ["needs_review", "review_reason"]}),
        (
            "Supporter",
            {
                "fields": [
                    "name",
                    "email",
                    "public_message",
                    "is_anonymous",
                    "wants_updates",
                    "consent_text",
                ]
            },
        ),
        ("Source", {"fields": ["source", "utm", "source_article_id"]}),
        (
            "Dates",
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "paid_at",
                    "counted_at",
                    "receipt_sent_at",
                    "erased_at",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # Financial records stay; erase personal data with `erase_supporter`.

    def has_export_permission(self, request):
        return request.user.has_perm("pledges.export_pledge")

    def has_refund_permission(self, request):
        return request.user.has_perm("pledges.refund_pledge")

    def has_erase_permission(self, request):
        # One permission for one behaviour: erasing a supporter, wherever staff start it.
        return request.user.has_perm("campaigns.erase_supporter")

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, pledge):
        return format_money_full(pledge.amount_minor, pledge.currency)

    @admin.display(description="campaign", ordering="campaign__title")
    def campaign_label(self, pledge):
        return pledge.campaign.label

    @admin.display(description="supporter", ordering="name")
    def supporter(self, pledge):
        return pledge.name

    @admin.display(description="status", ordering="status")
    def status_and_review(self, pledge):
        status = pledge.get_status_display()
        if pledge.needs_review:
            return format_html("{} <strong>· needs review</strong>", status)
        return status

    @admin.display(description="refunded")
    def amount_refunded(self, pledge):
        refunded = format_money_full(pledge.amount_refunded_minor, pledge.currency)
        balance = format_money_full(refundable_minor(pledge), pledge.currency)
        return f"{refunded} (refundable balance {balance})"

    @admin.display(description="refunds")
    def refund_rows(self, pledge):
        # Shown as text, not inlines: nothing here is edited, and the change form's POST
        # stays the pledge's own fields.
        rows = pledge.refunds.select_related("requested_by").order_by("created_at")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} {} — {} ({}{})",
                (
                    (
                        refund.stripe_refund_id or f"#{refund.pk}",
                        format_money_full(refund.amount_minor, refund.currency),
                        refund.get_status_display(),
                        refund.get_reason_display(),
                        f", by {refund.requested_by}" if refund.requested_by else "",
                    )
                    for refund in rows
                ),
            )
            or "—"
        )

    @admin.display(description="disputes")
    def dispute_rows(self, pledge):
        rows = pledge.disputes.order_by("created_at")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} {} — {} ({}), evidence due {}",
                (
                    (
                        dispute.stripe_dispute_id,
                        format_money_full(dispute.amount_minor, dispute.currency),
                        dispute.get_status_display(),
                        dispute.reason or "no reason given",
                        dispute.evidence_due_by or "—",
                    )
                    for dispute in rows
                ),
            )
            or "—"
        )

    @admin.display(description="Stripe payment")
    def payment_link(self, pledge):
        return _dashboard_link("payments/", pledge.stripe_payment_intent_id)

    @admin.display(description="Stripe checkout session")
    def checkout_session_link(self, pledge):
        return _dashboard_link("checkout/sessions/", pledge.stripe_checkout_session_id)

    @admin.action(description="Export selected gifts as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        # Exporting personal data leaves a trace in the admin history, on each campaign.
        campaign_ids = list(queryset.order_by().values_list("campaign_id", flat=True).distinct())
        log_export(
            user=request.user,
            objects=Campaign.objects.filter(pk__in=campaign_ids),
            message="Exported gifts as CSV.",
        )
        return csv_response(
            header=CSV_HEADER, rows=pledge_csv_rows(queryset), filename_prefix="gifts"
        )

    @admin.action(
        description="Refund selected gifts in full (asks to confirm)", permissions=["refund"]
    )
    def request_refund(self, request, queryset):
        """First a confirmation page listing each pledge and its balance; Stripe only on Confirm.

        The page posts back each pledge's balance as shown; a pledge whose balance changed in
        between (a refund recorded meanwhile) is skipped, so what is refunded is what was shown.
        """
        pledges = list(
            queryset.select_related("campaign").order_by("-created_at")[: MAX_REFUNDS_AT_ONCE + 1]
        )
        if len(pledges) > MAX_REFUNDS_AT_ONCE:
            self.message_user(
                request,
                f"Refund at most {MAX_REFUNDS_AT_ONCE} gifts at a time; "
                "filter the list to fewer first. Nothing was refunded.",
                messages.ERROR,
            )
            return None
        if request.POST.get("post") == "yes":
            return self._refund_confirmed(request, pledges)
        refundable = [(p, refundable_minor(p)) for p in pledges]
        totals: dict[str, int] = {}
        for pledge, balance in refundable:
            if balance:
                totals[pledge.currency] = totals.get(pledge.currency, 0) + balance
        context = {
            **self.admin_site.each_context(request),
            "title": "Confirm the refunds",
            "opts": self.model._meta,
            "rows": [
                {
                    "pledge": pledge,
                    "amount": format_money_full(pledge.amount_minor, pledge.currency),
                    "refunded": format_money_full(pledge.amount_refunded_minor, pledge.currency),
                    "balance_minor": balance,
                    "balance": format_money_full(balance, pledge.currency),
                }
                for pledge, balance in refundable
            ],
            "totals": [format_money_full(total, code) for code, total in sorted(totals.items())],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": reverse("admin:pledges_pledge_changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "pledges/admin/refund_confirmation.html", context)

    def _refund_confirmed(self, request, pledges):
        asked = 0
        for pledge in pledges:
            balance = refundable_minor(pledge)
            if not balance:
                continue
            if request.POST.get(f"balance-{pledge.pk}") != str(balance):
                self.message_user(
                    request,
                    f"{pledge}: the balance changed since the confirmation page; not refunded. "
                    "Review it again.",
                    messages.WARNING,
                )
                continue
            if self._ask_stripe(request, pledge, amount_minor=balance):
                asked += 1
        if asked:
            self.message_user(
                request,
                f"Stripe was asked to refund {asked} gift{'s' if asked != 1 else ''}. "
                "A refund lowers the total once Stripe says it succeeded.",
                messages.SUCCESS,
            )
        return None

    def _ask_stripe(self, request, pledge, *, amount_minor, reason="requested_by_customer"):
        """One refund request to Stripe, recorded in the admin history; False on a refusal."""
        try:
            refund = services.pledge_request_refund(
                pledge=pledge, amount_minor=amount_minor, reason=reason, requested_by=request.user
            )
        except ValidationError as error:
            self.message_user(request, f"{pledge}: {error.messages[0]}", messages.WARNING)
            return False
        except PaymentGatewayError as error:
            self.message_user(request, f"{pledge}: {error}", messages.ERROR)
            return False
        reason_text = dict(REFUND_REASONS).get(reason, reason)
        self.log_change(
            request,
            pledge,
            f"Asked Stripe to refund {format_money_full(amount_minor, pledge.currency)} "
            f"({reason_text}; refund {refund.pk}).",
        )
        return True

    def get_urls(self):
        return [
            path(
                "monthly/",
                self.admin_site.admin_view(self.monthly_view),
                name="pledges_pledge_monthly",
            ),
            path(
                "<path:object_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="pledges_pledge_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request, object_id):
        """A refund of one pledge from its change page: amount (partial allowed) and reason."""
        if not self.has_refund_permission(request):
            raise PermissionDenied
        pledge = get_object_or_404(Pledge.objects.select_related("campaign"), pk=object_id)
        balance = refundable_minor(pledge)
        change_url = reverse("admin:pledges_pledge_change", args=[pledge.pk])
        form = RefundForm(
            request.POST if request.method == "POST" else None,
            balance_minor=balance,
            currency=pledge.currency,
        )
        if request.method == "POST" and balance and form.is_valid():
            amount = form.cleaned_data["amount"]
            if self._ask_stripe(
                request, pledge, amount_minor=amount, reason=form.cleaned_data["reason"]
            ):
                self.message_user(
                    request,
                    f"Stripe was asked to refund {format_money_full(amount, pledge.currency)}. "
                    "It lowers the total once Stripe says it succeeded.",
                    messages.SUCCESS,
                )
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund {pledge}",
            "opts": self.model._meta,
            "original": pledge,
            "pledge": pledge,
            "form": form,
            "amount": format_money_full(pledge.amount_minor, pledge.currency),
            "refunded": format_money_full(pledge.amount_refunded_minor, pledge.currency),
            "balance_minor": balance,
            "balance": format_money_full(balance, pledge.currency),
            "change_url": change_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "pledges/admin/refund.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_refund_permission(request) and refundable_minor(obj):
            context["refund_url"] = reverse("admin:pledges_pledge_refund", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Erase these supporters everywhere", permissions=["erase"])
    def erase_supporters(self, request, queryset):
        emails = (
            queryset.filter(erased_at__isnull=True)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        return erase_supporters(self, request, queryset, emails=emails, action="erase_supporters")

    def monthly_view(self, request):
        """Finance: live monthly gifts, failed renewals and cancellations over the last 12
        months, per campaign, in currency units (three queries)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        since = timezone.now() - timedelta(days=365)
        rows = [
            row
            | {
                "active_amount": format_money(row["active_minor"], row["currency"]),
                "failed_amount": format_money(row["failed_minor"], row["currency"]),
                "canceled_amount": format_money(row["canceled_minor"], row["currency"]),
            }
            for row in selectors.monthly_finance(since=since)
        ]
        context = self.admin_site.each_context(request) | {
            "title": "Monthly giving",
            "opts": self.model._meta,
            "rows": rows,
            "since": since,
        }
        return TemplateResponse(request, "pledges/admin/monthly.html", context)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # Started (intent) against collected (paid, net of refunds) for what is listed:
            # filter by campaign to see one campaign's figures.
            context["pledge_totals"] = [
                {
                    "currency": row["currency"],
                    "started": format_money_full(row["pledged"], row["currency"]),
                    "collected": format_money_full(row["paid"] - row["refunded"], row["currency"]),
                }
                for row in selectors.pledge_totals(pledges=context["cl"].queryset)
            ]
        return response


class OpenDisputeFilter(admin.SimpleListFilter):
    """The queue to answer: disputes still open, soonest evidence deadline first."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("open", "Open (needs an answer or under review)")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=Dispute.OPEN_STATUSES)
        return queryset


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Chargebacks, soonest evidence deadline first; answered in Stripe's dashboard."""

    list_display = [
        "stripe_dispute_id",
        "pledge_link",
        "amount",
        "status",
        "reason",
        "evidence_due_by",
        "withdrawn",
    ]
    list_filter = [OpenDisputeFilter, "status", "reason"]
    list_select_related = ["pledge"]
    search_fields = ["=stripe_dispute_id", "=pledge__id"]
    ordering = ["evidence_due_by"]
    readonly_fields = [
        "stripe_dispute_id",
        "pledge",
        "amount_minor",
        "currency",
        "status",
        "reason",
        "evidence_due_by",
        "funds_withdrawn_at",
        "funds_reinstated_at",
        "withdrawn_minor",
        "created_at",
        "updated_at",
        "dashboard_link",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="gift")
    def pledge_link(self, dispute):
        return str(dispute.pledge_id)[:8]

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, dispute):
        return format_money_full(dispute.amount_minor, dispute.currency)

    @admin.display(description="held back")
    def withdrawn(self, dispute):
        return format_money_full(dispute.withdrawn_minor, dispute.currency)

    @admin.display(description="in Stripe")
    def dashboard_link(self, dispute):
        return _dashboard_link("disputes/", dispute.stripe_dispute_id)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["pk", "pledge", "amount", "status", "reason", "requested_by", "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["pledge", "requested_by"]
    search_fields = ["=stripe_refund_id", "=pledge__id"]
    readonly_fields = [
        "pledge",
        "stripe_refund_id",
        "amount_minor",
        "currency",
        "status",
        "reason",
        "requested_by",
        "failure_reason",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, refund):
        return format_money_full(refund.amount_minor, refund.currency)


class UnprocessedFilter(admin.SimpleListFilter):
    title = "processed"
    parameter_name = "unprocessed"

    def lookups(self, request, model_admin):
        return [("1", "Not applied (flagged or unreadable)")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(processed_at__isnull=True)
        return queryset


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "api_version", "livemode", "received_at", "processed_at", "error"]
    list_filter = [UnprocessedFilter, "type", "api_version", "livemode"]
    search_fields = ["=id"]
    readonly_fields = [
        "id",
        "type",
        "api_version",
        "livemode",
        "created",
        "received_at",
        "processed_at",
        "error",
        "payload",
    ]
    actions = ["apply_events"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_apply_permission(self, request):
        return request.user.has_perm("pledges.refund_pledge")

    @admin.action(
        description="Apply selected events now (after fixing the endpoint's API version)",
        permissions=["apply"],
    )
    def apply_events(self, request, queryset):
        counts = webhooks.replay_stored_events(events=queryset.filter(processed_at__isnull=True))
        self.message_user(
            request,
            f"{counts['applied']} applied, {counts['failed']} could not be read.",
            messages.SUCCESS if not counts["failed"] else messages.WARNING,
        )
