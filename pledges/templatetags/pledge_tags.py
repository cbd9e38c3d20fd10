"""`{% load pledge_tags %}`: pledge facts for templates other apps render (no queries)."""

from django import template

from pledges.stripe_gateway import is_live_mode

register = template.Library()


@register.simple_tag
def stripe_test_mode() -> bool:
    """True unless the site takes real payments: `{% stripe_test_mode as test_mode %}`."""
    return not is_live_mode()
