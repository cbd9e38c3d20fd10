"""Pledge pages: the form that hands over to Stripe Checkout, and the thank-you page."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.services import REFUSAL_MESSAGES
from core.intake import guard_public_post, refused_response
from core.net import ip_hash
from core.ratelimit import is_limited
from pledges import selectors, services
from pledges.forms import CONSENT_TEXT, PledgeForm
from pledges.models import Pledge
from pledges.stripe_gateway import PaymentGatewayError, is_live_mode

THANKS_CHECK_RATE = "20/m"
UNAVAILABLE = "Payments are unavailable right now, please try again in a few minutes."


def _base_context(campaign):
    return {"campaign": campaign, "test_mode": not is_live_mode()}


def _render_form(request, campaign, form, *, status=200, error=""):
    context = _base_context(campaign) | {
        "form": form,
        "pledge_refusal": campaign.accepts("pledge"),
        "gateway_error": error,
        "consent_text": CONSENT_TEXT,
        "recent_pledges": selectors.recent_public_pledges(campaign=campaign),
        "org": org_details(),
    }
    return render(request, "pledges/start.html", context, status=status)


def org_details() -> dict:
    """Who receives the money, from settings; empty values are simply not shown."""
    return {
        "legal_name": settings.ORG_LEGAL_NAME,
        "registration": settings.ORG_REGISTRATION,
        "tax_statement": settings.ORG_TAX_STATEMENT,
        "address": settings.ORG_ADDRESS,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def start(request, campaign_slug):
    """GET: the form to give. POST: create the pledge and 303 to Stripe Checkout.

    `core.intake.guard_public_post` answers a campaign not taking money, too many attempts
    and a filled honeypot (nothing is created or sent to Stripe).
    """
    campaign = selectors.campaign_for_pledging(slug=campaign_slug)
    if campaign is None:
        raise Http404("No such campaign.")
    suggested, default = selectors.amount_choices(campaign=campaign)
    form_kwargs = {"campaign": campaign, "suggested_amounts": suggested, "default_amount": default}
    if request.method != "POST":
        initial = PledgeForm.initial_from_querystring(request.GET)
        return _render_form(request, campaign, PledgeForm(initial=initial, **form_kwargs))
    form = PledgeForm(request.POST, **form_kwargs)
    neutral_url = reverse("pledges:received", kwargs={"campaign_slug": campaign.slug})
    refused = guard_public_post(
        request, campaign=campaign, action="pledge", form=form, neutral_url=neutral_url
    )
    if refused is not None:
        return refused
    if not form.is_valid():
        return _render_form(request, campaign, form, status=400)
    try:
        pledge = services.pledge_create(
            campaign=campaign, ip_hash=ip_hash(request), **form.pledge_kwargs()
        )
    except ValidationError as error:
        if error.code in REFUSAL_MESSAGES:  # It stopped taking money between guard and now.
            return refused_response(request, campaign=campaign, action="pledge", reason=error.code)
        form.add_error(None, error)
        return _render_form(request, campaign, form, status=400)
    if pledge.status != Pledge.Status.PENDING:  # The same form, posted again after paying.
        return redirect("pledges:thanks", pledge_id=pledge.pk)
    try:
        checkout_url = services.pledge_start_checkout(pledge=pledge)
    except services.CheckoutRefused as refusal:
        # Stripe refused something the supporter can change: say so by the field.
        form.add_error(refusal.field, ValidationError(str(refusal), code=refusal.code))
        return _render_form(request, campaign, form, status=400)
    except PaymentGatewayError:
        return _render_form(request, campaign, form, status=503, error=UNAVAILABLE)
    response = redirect(checkout_url)
    response.status_code = 303  # See Other: the browser GETs Checkout, never re-POSTs.
    return response


def received(request, campaign_slug):
    """The neutral thank-you a filled honeypot is sent to: nothing was stored or charged."""
    campaign = selectors.campaign_for_pledging(slug=campaign_slug)
    if campaign is None:
        raise Http404("No such campaign.")
    return render(
        request,
        "pledges/received.html",
        {"campaign": campaign, "share_url": settings.SITE_URL + campaign.get_absolute_url()},
    )


def thanks(request, pledge_id):
    """After Checkout: confirm the payment (if the webhook has not yet) and say what is next."""
    pledge = selectors.pledge_with_campaign(pledge_id=pledge_id)
    if pledge is None:
        raise Http404("No such gift.")
    session_id = request.GET.get("session_id", "")
    check_failed = False
    # Each reload asks Stripe once at most every few seconds per pledge (the webhook is the
    # main path; this only covers it arriving late).
    if (
        pledge.counted_at is None
        and pledge.status in services.UNSETTLED
        and not is_limited(scope="pledge-thanks", key=str(pledge.pk), rate=THANKS_CHECK_RATE)
    ):
        try:
            pledge = services.pledge_sync(pledge=pledge, session_id=session_id or None)
        except PaymentGatewayError:
            check_failed = True
        else:
            # Counting this pledge just now changed the campaign's totals: show the new ones.
            pledge.campaign.refresh_from_db(fields=["amount_collected_minor", "supporter_count"])
    campaign = pledge.campaign
    is_paid = pledge.counted_at is not None
    context = _base_context(campaign) | {
        "pledge": pledge,
        "check_failed": check_failed,
        "share_url": settings.SITE_URL + campaign.get_absolute_url(),
        "is_paid": is_paid,
        # The sign ask, unless this supporter has signed already (one query, paid pages only).
        "show_sign_ask": is_paid
        and campaign.accepts("sign") is None
        and not selectors.has_signed(campaign=campaign, email=pledge.email),
    }
    response = render(request, "pledges/thanks.html", context)
    response["Cache-Control"] = "no-store"
    return response


MANAGE_RATE = "10/10m"


def _manage_page(request, *, gift=None, token="", problem="", status=200):
    context = {"gift": gift, "token": token, "problem": problem, "test_mode": not is_live_mode()}
    response = render(request, "pledges/manage.html", context, status=status)
    response["Cache-Control"] = "no-store"
    # The token is in the URL: never send it to another site (Stripe's portal included).
    response["Referrer-Policy"] = "same-origin"
    return response


def _gift_or_problem(token):
    try:
        return services.gift_from_manage_token(token=token), ""
    except ValidationError as error:
        return None, error.code


@require_http_methods(["GET", "HEAD"])
def manage(request):
    """A receipt's "manage your monthly gift" link (`?t=<signed token>`): a page with one
    confirm button (opening a link does nothing by itself; mail scanners open links)."""
    token = request.GET.get("t", "")[:500]
    gift, problem = _gift_or_problem(token)
    if gift is None:
        return _manage_page(request, problem=problem, status=410 if problem == "expired" else 404)
    return _manage_page(request, gift=gift, token=token)


@require_POST
def manage_portal(request):
    """POST from the manage page (`token` in the body): a Stripe Customer Portal session for
    this gift's supporter only, then 303 there."""
    token = request.POST.get("token", "")[:500]
    gift, problem = _gift_or_problem(token)
    if gift is None:
        return _manage_page(request, problem=problem, status=410 if problem == "expired" else 404)
    if is_limited(scope="pledge-manage", key=ip_hash(request), rate=MANAGE_RATE):
        response = _manage_page(request, gift=gift, token=token, problem="busy", status=429)
        response["Retry-After"] = "600"
        return response
    try:
        portal_url = services.gift_portal_url(gift=gift)
    except PaymentGatewayError:
        response = _manage_page(request, gift=gift, token=token, problem="down", status=503)
        response["Retry-After"] = "60"
        return response
    response = redirect(portal_url)
    response.status_code = 303
    return response
