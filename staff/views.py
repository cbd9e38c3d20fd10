"""The staff dashboard: how each live campaign is doing, inside the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.crypto import salted_hmac
from django.views import defaults

from core.money import format_money
from core.net import ip_hash
from core.ratelimit import is_limited
from staff.charts import bar_chart
from staff.forms import StaffPasswordResetForm
from staff.selectors import dashboard_campaign_stats

# The busiest sources per campaign; the rest are counted in a line under the table.
MAX_SOURCES = 15


def dashboard(request):
    """Per live campaign: signatures, pledges, money against the goal, 30-day charts, sources.

    Wrapped in `admin.site.admin_view` by the URLconf, so only active staff get here (others go
    to the admin login); of those, only staff who may view campaigns (not Editors) see it.
    """
    if not request.user.has_perm("campaigns.view_campaign"):
        raise PermissionDenied
    campaigns = [_present(stats) for stats in dashboard_campaign_stats()]
    context = {
        **admin.site.each_context(request),
        "title": "Campaign dashboard",
        "campaigns": campaigns,
    }
    return TemplateResponse(request, "staff/dashboard.html", context)


# How people name where a supporter came from; other codes are shown tidied ("partner_site" ->
# "Partner site"). Sources with no code, or the pledge form's own default, are "Direct".
SOURCE_NAMES = {
    "": "Direct",
    "pledge_form": "Direct",
    "direct": "Direct",
    "email": "Email",
    "newsletter": "Email",
    "mail": "Email",
    "social": "Social media",
    "facebook": "Facebook",
    "twitter": "X (Twitter)",
    "x": "X (Twitter)",
    "bluesky": "Bluesky",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "share": "Shared link",
    "article": "An article",
    "demo": "Demo data",
}


def source_label(*, source: str, article_id: int | None, article_title: str = "") -> str:
    """Where actions came from, as staff would say it: "Article: <title>", "Direct", "Email"."""
    if article_id:
        return f"Article: {article_title}" if article_title else f"Article #{article_id} (deleted)"
    code = (source or "").strip()
    if code.lower() in SOURCE_NAMES:
        return SOURCE_NAMES[code.lower()]
    return code.replace("_", " ").replace("-", " ").capitalize()


def _sources_by_label(rows) -> list[tuple[str, dict]]:
    """Rows that read the same ("" and "pledge_form" are both "Direct") as one, busiest first."""
    merged: dict[str, dict] = {}
    for row in rows:
        label = source_label(
            source=row.source, article_id=row.article_id, article_title=row.article_title
        )
        totals = merged.setdefault(
            label, {"signatures": 0, "awaiting": 0, "pledges": 0, "money_minor": 0}
        )
        totals["signatures"] += row.signatures
        totals["awaiting"] += row.awaiting
        totals["pledges"] += row.pledges
        totals["money_minor"] += row.money_minor
    return sorted(
        merged.items(), key=lambda item: (-item[1]["signatures"], -item[1]["money_minor"], item[0])
    )


def _present(stats):
    """What the template shows for one campaign: formatted money and the two charts."""
    campaign = stats.campaign
    currency = campaign.currency
    labels = [day.day.isoformat() for day in stats.days]
    signature_values = [day.signatures for day in stats.days]
    money_values = [day.money_minor for day in stats.days]
    goal = campaign.money_goal_minor
    return {
        "stats": stats,
        "figures": {
            "signatures_confirmed": f"{stats.signatures_confirmed:,}",
            "signatures_awaiting": f"{stats.signatures_awaiting:,}",
            "signature_goal": f"{campaign.signature_goal:,}",
            "pledges_paid": f"{stats.pledges_paid:,}",
            "pledges_pending": f"{stats.pledges_pending:,}",
        },
        "campaign": campaign,
        "money_collected": format_money(stats.money_collected_minor, currency),
        "money_goal": format_money(goal, currency) if goal else "",
        "money_percent": (stats.money_collected_minor * 100 // goal) if goal else None,
        "signature_percent": (
            stats.signatures_confirmed * 100 // campaign.signature_goal
            if campaign.signature_goal
            else None
        ),
        "days": [
            {
                "day": day.day,
                "signatures": day.signatures,
                "signatures_display": f"{day.signatures:,}",
                "money": format_money(day.money_minor, currency),
            }
            for day in stats.days
        ],
        "sources": [
            {
                "label": label,
                "signatures": f"{row['signatures']:,}",
                "awaiting": f"{row['awaiting']:,}",
                "pledges": f"{row['pledges']:,}",
                "money": format_money(row["money_minor"], currency),
            }
            for label, row in _sources_by_label(stats.sources)
        ],
        "signature_chart": bar_chart(
            chart_id=f"{campaign.pk}-signatures",
            bar_class="staff-bar-signatures",
            values=signature_values,
            labels=[
                f"{label}: {value}" for label, value in zip(labels, signature_values, strict=True)
            ],
            title=f"Confirmed signatures per day, last {len(labels)} days",
            description=(
                f"{sum(signature_values)} signatures confirmed from {labels[0]} to {labels[-1]}; "
                f"the busiest day had {max(signature_values)}."
            ),
            max_label=str(max(signature_values)),
        ),
        "money_chart": bar_chart(
            chart_id=f"{campaign.pk}-money",
            bar_class="staff-bar-money",
            values=money_values,
            labels=[
                f"{label}: {format_money(value, currency)}"
                for label, value in zip(labels, money_values, strict=True)
            ],
            title=f"Money paid per day, last {len(labels)} days",
            description=(
                f"{format_money(sum(money_values), currency)} paid from {labels[0]} to "
                f"{labels[-1]}; the best day brought {format_money(max(money_values), currency)}."
            ),
            max_label=format_money(max(money_values), currency),
        ),
    }


def permission_denied(request, exception=None):
    """The 403 page: admin-styled, with a way back to the admin home, for signed-in staff
    inside the admin; the public page for everyone else (handler403 in config/urls.py)."""
    user = getattr(request, "user", None)
    in_admin = request.path.startswith(reverse("admin:index"))
    if in_admin and user is not None and user.is_active and user.is_staff:
        context = {**admin.site.each_context(request), "title": "You cannot open this page"}
        return TemplateResponse(request, "admin/403.html", context, status=403).render()
    return defaults.permission_denied(request, exception)


# One address gets a few reset emails an hour at most, and one client asks for a few dozen:
# enough for a person who lost the first email, too few to flood a colleague's inbox.
RESET_RATE_PER_EMAIL = "3/h"
RESET_RATE_PER_CLIENT = "20/h"


class StaffPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, for staff, from the admin login page.

    Over the rate limit it sends nothing and answers exactly as when it sends, so the page
    never tells anyone whether an address belongs to staff.
    """

    form_class = StaffPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        email_key = salted_hmac("staff.password_reset", email, algorithm="sha256").hexdigest()
        limited = is_limited(
            scope="password-reset-client", key=ip_hash(self.request), rate=RESET_RATE_PER_CLIENT
        ) or is_limited(scope="password-reset-email", key=email_key, rate=RESET_RATE_PER_EMAIL)
        if limited:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class StaffPasswordResetDoneView(auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class StaffPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class StaffPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}
