"""`{% load progress %}`: counts with thousands separators, for progress text on every page."""

from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    """12345 -> "12,345". Anything that is not a whole number comes back unchanged."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
