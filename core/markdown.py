"""Staff-written Markdown to safe HTML.

Markdown allows raw HTML, so everything it produces goes through nh3 (the Rust `ammonia`
sanitiser) with an allow-list: `<script>`, event-handler attributes, `style`, and `javascript:`
or `data:` URLs never reach a reader, even when staff paste them.
"""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> SafeString:
    """Return `html` with everything outside the allow-list removed; safe to render as is."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just sanitised it.


def render_markdown(text: str) -> SafeString:
    """Render staff Markdown (with tables and footnotes) to sanitised HTML."""
    html = markdown_lib.markdown(
        text or "", extensions=["extra", "sane_lists", "smarty"], output_format="html"
    )
    return sanitize_html(html)
