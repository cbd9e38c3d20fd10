"""`{% load pledge_tags %}`: pledge facts for templates other apps render (no queries;
monthly_giving runs one)."""

from django import template

from pledges.stripe_gateway import is_live_mode

register = template.Library()


@register.simple_tag
def stripe_test_mode() -> bool:
    """True unless the site takes real payments: `{% stripe_test_mode as test_mode %}`."""
    return not is_live_mode()


@register.inclusion_tag("pledges/_monthly_summary.html")
def monthly_giving(campaign):
    """Monthly supporters and their monthly total for the campaign page (one query):
    `{% monthly_giving campaign %}`."""
    from pledges.selectors import monthly_summary

    return {"campaign": campaign, "summary": monthly_summary(campaign=campaign)}
