"""The admin's "Erase these supporters" action, shared by the signature and gift admins.

Erasure cannot be undone and can cancel a supporter's monthly gifts at Stripe, so the action
asks first, as Django's own "Delete selected" does: the first POST shows what will be erased
and which monthly gifts will stop; only the confirming POST erases, through
`staff.services.supporters_erase`, the one erasure path.
"""

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.money import format_money_full
from pledges.selectors import monthly_gifts_for_emails
from pledges.stripe_gateway import PaymentGatewayError
from staff.services import supporters_erase

CONFIRM_FIELD = "confirm_erasure"


def erase_supporters(modeladmin, request, queryset, *, emails, action: str):
    """Ask (GET-like first POST) or erase (the confirming POST) the supporters behind `emails`.

    Returns the confirmation page, or None to send staff back to the list with a message.
    """
    emails = sorted({e.strip().lower() for e in emails if e and e.strip()})
    if not emails:
        modeladmin.message_user(
            request, "These rows are erased already: there is nothing left to erase.", messages.INFO
        )
        return None
    if request.POST.get(CONFIRM_FIELD) == "yes":
        try:
            erased = supporters_erase(emails=emails, by=request.user)
        except PaymentGatewayError as error:
            modeladmin.message_user(
                request,
                f"Stripe could not cancel the monthly gifts ({error}), so nothing was erased. "
                "Try again in a few minutes.",
                messages.ERROR,
            )
            return None
        canceled = (
            f" Canceled {erased.monthly_canceled} monthly gift(s) at Stripe."
            if erased.monthly_canceled
            else ""
        )
        modeladmin.message_user(
            request,
            f"Erased {erased.signatures} signature(s) and {erased.pledges} gift(s) "
            f"from {len(emails)} supporter(s).{canceled}",
            messages.SUCCESS,
        )
        return None

    preview = supporters_erase(emails=emails, dry_run=True)
    gifts = [
        {
            "campaign": gift.campaign.title,
            "amount": format_money_full(gift.amount_minor, gift.currency),
            "since": gift.created_at,
        }
        for gift in monthly_gifts_for_emails(emails=emails)
    ]
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Erase these supporters?",
        "opts": opts,
        "supporters": len(emails),
        "preview": preview,
        "gifts": gifts,
        "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirm_field": CONFIRM_FIELD,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "staff/erase_confirm.html", context)
