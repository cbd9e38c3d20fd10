"""Campaign pages and the petition: thin views over `selectors` (reads) and `services` (writes)."""

import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView, ListView

from campaigns import selectors, services
from campaigns.forms import CONSENT_TEXT, SignatureForm
from campaigns.models import Campaign, Signature
from core.models import Topic
from core.net import ip_hash
from core.ratelimit import is_limited, retry_after

logger = logging.getLogger(__name__)


class CampaignListView(ListView):
    """`/take-action/`: live campaigns, optionally filtered with `?topic=<slug>`."""

    template_name = "campaigns/list.html"
    context_object_name = "campaigns"
    paginate_by = 24

    def get_queryset(self):
        return selectors.campaign_list(topic_slug=self.request.GET.get("topic") or None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        topic_slug = self.request.GET.get("topic") or ""
        context["topics"] = Topic.objects.filter(campaigns__in=Campaign.objects.live()).distinct()
        context["current_topic"] = topic_slug
        return context


def _share_url(campaign: Campaign) -> str:
    return settings.SITE_URL + campaign.get_absolute_url()


def _detail_context(request, campaign, *, form=None, preview=False) -> dict:
    """Everything the campaign page shows; a fixed number of queries whatever the counts."""
    if form is None:
        form = SignatureForm(initial=SignatureForm.initial_from_querystring(request.GET))
    return {
        "campaign": campaign,
        "form": form,
        "consent_text": CONSENT_TEXT,
        "is_open": campaign.is_open(),
        "supporters": selectors.campaign_public_supporters(campaign=campaign),
        "articles": selectors.campaign_featuring_articles(campaign=campaign),
        "share_url": _share_url(campaign),
        "preview": preview,
    }


class CampaignDetailView(DetailView):
    """`/take-action/<slug>/`: the ask, progress, supporters, articles and the sign form."""

    template_name = "campaigns/detail.html"
    preview = False

    def get_object(self, queryset=None):
        return selectors.campaign_for_page(slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        return _detail_context(self.request, self.object, preview=self.preview)


@method_decorator(staff_member_required, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class CampaignPreviewView(CampaignDetailView):
    """Staff see any campaign, drafts included, as readers will; never indexed or cached."""

    preview = True

    def get_object(self, queryset=None):
        return selectors.campaign_for_page(pk=self.kwargs["pk"], public=False)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response


def _not_open(request, campaign):
    return render(request, "campaigns/closed.html", {"campaign": campaign}, status=409)


@require_POST
def signature_sign(request, slug):
    """POST `/take-action/<slug>/sign/`: sign, then 303 to the same neutral thank-you page.

    The answer never says whether the address had signed before. A filled honeypot gets the
    thank-you page too, with nothing stored, so bots learn nothing.
    """
    campaign = get_object_or_404(Campaign, slug=slug)
    if not campaign.is_open():
        return _not_open(request, campaign)
    key = ip_hash(request)
    rate = settings.CAMPAIGNS_SIGN_RATE
    if is_limited(scope="sign", key=key, rate=rate):
        response = render(request, "429.html", {"campaign": campaign}, status=429)
        response["Retry-After"] = str(retry_after(rate=rate))
        return response

    form = SignatureForm(request.POST)
    thanks = redirect(reverse("campaigns:thanks", kwargs={"slug": campaign.slug}))
    thanks.status_code = 303
    if form.honeypot_filled():
        logger.info("Honeypot filled on campaign %s; nothing stored.", campaign.pk)
        return thanks
    if not form.is_valid():
        campaign = selectors.campaign_for_page(slug=slug)
        context = _detail_context(request, campaign, form=form)
        return render(request, "campaigns/detail.html", context, status=400)
    try:
        services.signature_create(campaign=campaign, ip_hash=key, **form.signature_kwargs())
    except services.CampaignNotOpen:  # It closed between the check above and now.
        return _not_open(request, campaign)
    return thanks


def signature_thanks(request, slug):
    """The thank-you step: the same page whatever happened, with share links and the next ask."""
    campaign = selectors.campaign_for_page(slug=slug)
    return render(
        request,
        "campaigns/thanks.html",
        {"campaign": campaign, "share_url": _share_url(campaign)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def signature_confirm(request, token):
    """GET shows a Confirm button (mail scanners that open links confirm nothing); POST confirms.

    Confirming twice is harmless. A tampered or expired token gets a clear page with status 400.
    """
    try:
        signature_id = services.signature_id_from_token(token=token)
        signature = Signature.objects.select_related("campaign").get(pk=signature_id)
    except (services.InvalidToken, Signature.DoesNotExist):
        return render(request, "campaigns/confirm_invalid.html", status=400)
    campaign = signature.campaign
    if request.method == "GET":
        return render(
            request,
            "campaigns/confirm.html",
            {"campaign": campaign, "already": signature.is_confirmed, "token": token},
        )
    services.signature_confirm(signature_id=signature.pk)
    campaign.refresh_from_db(fields=["signature_count"])
    return render(
        request,
        "campaigns/confirmed.html",
        {"campaign": campaign, "share_url": _share_url(campaign)},
    )
