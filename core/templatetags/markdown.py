from django import template

from core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """`{{ campaign.description|markdown }}`: safe HTML from staff Markdown."""
    return render_markdown(text)
