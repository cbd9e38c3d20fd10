from django import template

from core.money import format_money

register = template.Library()


@register.simple_tag
def money(amount_minor, currency):
    """`{% money campaign.amount_collected_minor campaign.currency %}` -> "$1,250"."""
    return format_money(amount_minor or 0, currency)


@register.filter
def percent_of(value, goal):
    """Progress as a whole percentage, capped at 100 (0 when there is no goal)."""
    try:
        value, goal = int(value or 0), int(goal or 0)
    except (TypeError, ValueError):
        return 0
    if goal <= 0:
        return 0
    return min(100, value * 100 // goal)
