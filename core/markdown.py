"""Staff-written Markdown to safe HTML, in bounded time.

Markdown allows raw HTML, so everything it produces goes through nh3 (the Rust `ammonia`
sanitiser) with an allow-list: `<script>`, event-handler attributes, `style`, and `javascript:`
or `data:` URLs never reach a reader, even when staff paste them.

Rendering happens once, when staff save (articles.services, campaigns.services), and the HTML is
stored; readers never pay for it. Python-Markdown has several paths that are quadratic (or
worse) in the length of hostile input: 10,000 `[` took 34 s. So the text is bounded before it
is rendered (`validate_markdown`: a total length and a length per block) and the renderer itself
is hardened here:

- link and image text is looked for within `MAX_LINK_TEXT` characters and `MAX_BRACKET_DEPTH`
  nested brackets, and a link's address and title within `MAX_LINK_TARGET` characters, instead
  of scanning to the end of the text from every `[` and `(`;
- raw HTML blocks are not parsed by Python's `html.parser` (quadratic on unclosed tags before
  Python 3.13.4); raw tags stay inline HTML, which nh3 sanitises as before.

`tests/core/test_markdown_limits.py` renders hostile bodies at the limits and prints the times.
"""

import re

import markdown as markdown_lib
import nh3
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe
from markdown import inlinepatterns
from markdown.extensions import Extension

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

# Bounds of one link or image: `[text](address "title")`.
MAX_LINK_TEXT = 1_000
MAX_BRACKET_DEPTH = 8
MAX_LINK_TARGET = 500
# `(address)`, `(address "title")`, `('title')`, `(<address with spaces>)`, with balanced
# parentheses one level deep in the address (Wikipedia's `.../Thing_(disambiguation)`). Each
# part excludes the character that ends it, so matching is linear.
LINK_TARGET = re.compile(
    r"""\(\s*(?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"""
    r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)"""
)
# A footnote marker `[^id]`; Python-Markdown's pattern scans to the end of the text from every
# `[^` that is not closed.
FOOTNOTE_MARKER = r"\[\^([^\]\[\n]{1,100})\]"

# A block is text between blank lines (a paragraph, a list, a table). Inline Markdown costs
# grow with the square of a block's length, so one block is capped well below the whole text.
MAX_BLOCK_LENGTH = 5_000
BLANK_LINES = re.compile(r"\n[ \t]*\n")
# Each line of a list or heading costs about half a millisecond; a long article has a few
# hundred lines (a paragraph is one line).
MAX_LINES = 1_500
# Each level of quoting or of a list re-parses what it holds, recursively: 1,700 nested "1. "
# on one line exhaust Python's stack.
MAX_NESTING = 8
_MARKER = r"(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))"
DEEP_MARKERS = re.compile(rf"^[ \t]*(?:{_MARKER}[ \t]*){{{MAX_NESTING + 1}}}", re.MULTILINE)
DEEP_INDENT = re.compile(rf"^(?: {{4}}|\t){{{MAX_NESTING + 1}}}[ \t]*{_MARKER}", re.MULTILINE)


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


class _BoundedLinkScan:
    """Python-Markdown's link parsing, looking only a bounded distance ahead."""

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802 - overrides
        depth = 1
        end = min(len(data), index + MAX_LINK_TEXT)
        for pos in range(index, end):
            char = data[pos]
            if char == "]":
                depth -= 1
                if depth == 0:
                    return data[index:pos], pos + 1, True
            elif char == "[":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    break
        return "", index, False

    def getLink(self, data: str, index: int):  # noqa: N802 - overrides Python-Markdown's
        # Python-Markdown walks character by character to the matching ")" and, when there
        # is none, to the end of the text. Hand it only a target that plainly closes.
        target = LINK_TARGET.match(data, index, index + MAX_LINK_TARGET)
        if target is None:
            return "", None, index, False
        href, title, end, handled = super().getLink(target.group(0), 0)
        return href, title, index + end, handled


_LINK_PROCESSORS = [
    ("reference", inlinepatterns.ReferenceInlineProcessor, inlinepatterns.REFERENCE_RE, 170),
    ("link", inlinepatterns.LinkInlineProcessor, inlinepatterns.LINK_RE, 160),
    ("image_link", inlinepatterns.ImageInlineProcessor, inlinepatterns.IMAGE_LINK_RE, 150),
    (
        "image_reference",
        inlinepatterns.ImageReferenceInlineProcessor,
        inlinepatterns.IMAGE_REFERENCE_RE,
        140,
    ),
    (
        "short_reference",
        inlinepatterns.ShortReferenceInlineProcessor,
        inlinepatterns.REFERENCE_RE,
        130,
    ),
    (
        "short_image_ref",
        inlinepatterns.ShortImageReferenceInlineProcessor,
        inlinepatterns.IMAGE_REFERENCE_RE,
        125,
    ),
]
_BOUNDED = {
    name: type(f"Bounded{cls.__name__}", (_BoundedLinkScan, cls), {})
    for name, cls, _pattern, _priority in _LINK_PROCESSORS
}


class BoundedTimeExtension(Extension):
    """Bounded link and footnote processors, and no raw-HTML block parser.

    Register it after "extra" (whose footnotes it replaces)."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's hook
        for name, _cls, pattern, priority in _LINK_PROCESSORS:
            md.inlinePatterns.register(_BOUNDED[name](pattern, md), name, priority)
        if "footnote" in md.inlinePatterns:
            footnote = md.inlinePatterns["footnote"]
            md.inlinePatterns.register(
                type(footnote)(FOOTNOTE_MARKER, footnote.footnotes), "footnote", 175
            )
        if "html_block" in md.preprocessors:
            md.preprocessors.deregister("html_block")


def render_markdown(text: str) -> SafeString:
    """Render staff Markdown (with tables and footnotes) to sanitised HTML.

    Call it on text that passed `validate_markdown`; its time is bounded only then.
    """
    try:
        html = markdown_lib.markdown(
            text or "",
            extensions=["extra", "sane_lists", "smarty", BoundedTimeExtension()],
            output_format="html",
        )
    except RecursionError as error:  # Nesting the validator did not foresee: still no 500.
        raise ValidationError(
            "Nest quotes and lists less deeply.", code="nested_too_deep"
        ) from error
    return sanitize_html(html)


def validate_markdown(text: str, *, max_length: int) -> None:
    """Raise ValidationError unless `text` is short enough to render quickly.

    Codes: "max_length" (the whole text), "too_many_lines", "block_too_long" (text between
    two blank lines), "nested_too_deep" (quotes and lists). Costs a few linear passes over the
    text; call it before `render_markdown`.
    """
    text = text or ""
    if len(text) > max_length:
        raise ValidationError(
            "Shorten this text to %(limit)s characters or fewer (it has %(length)s).",
            code="max_length",
            params={"limit": f"{max_length:,}", "length": f"{len(text):,}"},
        )
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise ValidationError(
            "Use %(limit)s lines at most (this text has %(lines)s): join short lines into "
            "paragraphs.",
            code="too_many_lines",
            params={"limit": f"{MAX_LINES:,}", "lines": f"{lines:,}"},
        )
    longest = max((len(block) for block in BLANK_LINES.split(text)), default=0)
    if longest > MAX_BLOCK_LENGTH:
        raise ValidationError(
            "Split the longest paragraph, list or table with a blank line: a block between "
            "blank lines has %(limit)s characters at most (the longest has %(length)s).",
            code="block_too_long",
            params={"limit": f"{MAX_BLOCK_LENGTH:,}", "length": f"{longest:,}"},
        )
    if DEEP_MARKERS.search(text) or DEEP_INDENT.search(text):
        raise ValidationError(
            "Nest quotes and lists at most %(limit)s levels deep.",
            code="nested_too_deep",
            params={"limit": MAX_NESTING},
        )


def limit_help(max_length: int) -> str:
    """The admin help text stating the limits."""
    return (
        f"At most {max_length:,} characters and {MAX_LINES:,} lines, with at most "
        f"{MAX_BLOCK_LENGTH:,} characters between two blank lines."
    )
