"""The one guard every public supporter POST passes (signing and pledging).

In this order: the open check (`campaign.accepts(action)`), the rate limit per hashed client
address, then the bot check (the honeypot). Each has one answer, the same for both forms:

- not open: the refusal page `refused.html`, status 409, naming the reason;
- too many attempts: the 429 page `429.html` with `Retry-After`, computed from the rate;
- honeypot filled: a 303 to the neutral thank-you page; nothing is stored, counted, emailed or
  sent to Stripe, and the bot cannot tell it from success.
"""

import logging
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from core.net import ip_hash
from core.ratelimit import Rate, is_limited

logger = logging.getLogger(__name__)

# The rate setting for each action: "count/window" (see core.ratelimit.Rate).
RATE_SETTINGS = {"sign": "CAMPAIGNS_SIGN_RATE", "pledge": "PLEDGES_START_RATE"}
REFUSED_STATUS = 409


def retry_after_seconds(rate: str, *, now: float | None = None) -> int:
    """Seconds until the current fixed window of `rate` ends (at least 1)."""
    limit = Rate.parse(rate)
    now = time.time() if now is None else now
    return max(1, limit.seconds - int(now) % limit.seconds)


def refused_response(request, *, campaign, action: str, reason: str) -> HttpResponse:
    """The one refusal page for a POST to a campaign that does not take `action` now."""
    context = {"campaign": campaign, "action": action, "reason": reason}
    return render(request, "refused.html", context, status=REFUSED_STATUS)


def too_many_response(request, *, campaign, rate: str) -> HttpResponse:
    """The one 429 page, with `Retry-After` in seconds."""
    seconds = retry_after_seconds(rate)
    context = {"campaign": campaign, "retry_minutes": max(1, -(-seconds // 60))}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def guard_public_post(
    request, *, campaign, action: str, form, neutral_url: str
) -> HttpResponse | None:
    """None when the POST may go on to validation; otherwise the response to send.

    `form` is a bound `core.forms.SupporterForm`; `neutral_url` the thank-you page a filled
    honeypot is sent to. Counts one hit against the action's rate limit (refused POSTs to a
    closed campaign count nothing).
    """
    reason = campaign.accepts(action)
    if reason is not None:
        return refused_response(request, campaign=campaign, action=action, reason=reason)
    rate = getattr(settings, RATE_SETTINGS[action])
    if is_limited(scope=action, key=ip_hash(request), rate=rate):
        return too_many_response(request, campaign=campaign, rate=rate)
    if form.honeypot_filled():
        logger.info(
            "Honeypot filled on a %s form, campaign %s; nothing stored.", action, campaign.pk
        )
        response = HttpResponseRedirect(neutral_url)
        response.status_code = 303
        return response
    return None
