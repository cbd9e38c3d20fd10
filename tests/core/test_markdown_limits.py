"""The Markdown renderer stays fast on hostile text within the limits, and refuses what is over.

Run with `-s` to see the timings: `pytest tests/core/test_markdown_limits.py -s -q`.
"""

import time

import pytest
from django.core.exceptions import ValidationError

from core.markdown import (
    MAX_BLOCK_LENGTH,
    MAX_LINES,
    MAX_NESTING,
    render_markdown,
    validate_markdown,
)

ARTICLE_LIMIT = 50_000
# Each pattern repeated into blocks of the longest allowed length, up to the article limit.
HOSTILE_UNITS = [
    "[", "![", "[^", "[a", "[x](", '[x]("a)', "[]", "]", "(", "<", "<a ", "<!--", "<http",
    "&", "\\", "*", "_", "`", "**a ", "'\"", "> ", "- \n", "1. ", "  - ", "|", "a|b\n", "# ",
    "    a\n", "*[a]: ", "[a]: ", "~~", "::", "{:", "\n", "- a\n", "1. a\n", "a\n-\n", "a\n=\n",
    "> a\n", "* * *\n", ": a\n", "```\n",
]  # fmt: skip
# What one render may take on a loaded two-core CI runner (unpatched, 10,000 "[" took 34 s);
# the printed times on an idle machine are under one second.
BUDGET_SECONDS = 3


def hostile_text(unit: str, *, length: int = ARTICLE_LIMIT) -> str:
    """`unit` repeated into the longest blocks allowed, as many as the length and lines allow."""
    block = (unit * (MAX_BLOCK_LENGTH // len(unit) + 1))[: MAX_BLOCK_LENGTH - 2].strip("\n")
    if block.count("\n") + 1 > MAX_LINES - 2:
        block = "\n".join(block.split("\n")[: MAX_LINES - 2])
    blocks, size, lines = [], 0, 0
    while size + len(block) + 2 <= length and lines + block.count("\n") + 3 <= MAX_LINES:
        blocks.append(block)
        size += len(block) + 2
        lines += block.count("\n") + 2
    return "\n\n".join(blocks)


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_hostile_text_at_the_limit_is_refused_or_renders_within_the_budget(unit):
    text = hostile_text(unit)
    started = time.perf_counter()
    try:
        validate_markdown(text, max_length=ARTICLE_LIMIT)
    except ValidationError as error:
        elapsed = time.perf_counter() - started
        shown = f"refused ({error.code}): {len(text):,} chars of {unit!r}"
        print(f"\n{elapsed * 1000:8.1f} ms  {shown}")  # noqa: T201 - the timings are what -s shows
        assert elapsed < 0.1
        return

    started = time.perf_counter()
    render_markdown(text)
    elapsed = time.perf_counter() - started

    print(f"\n{elapsed * 1000:8.1f} ms  rendered {len(text):,} chars of {unit!r}")  # noqa: T201 - the timings are what -s shows
    assert elapsed < BUDGET_SECONDS


def test_400_kb_of_brackets_is_refused_without_rendering():
    started = time.perf_counter()
    with pytest.raises(ValidationError) as error:
        validate_markdown("[" * 400_000, max_length=ARTICLE_LIMIT)

    assert error.value.code == "max_length"
    assert "50,000" in error.value.messages[0]
    assert time.perf_counter() - started < 0.1


def test_a_block_over_the_block_limit_is_refused():
    text = "Short intro.\n\n" + "word " * (MAX_BLOCK_LENGTH // 5 + 1)

    with pytest.raises(ValidationError) as error:
        validate_markdown(text, max_length=ARTICLE_LIMIT)

    assert error.value.code == "block_too_long"


def test_too_many_lines_are_refused():
    with pytest.raises(ValidationError) as error:
        validate_markdown("- item\n" * (MAX_LINES + 1), max_length=ARTICLE_LIMIT)

    assert error.value.code == "too_many_lines"


@pytest.mark.parametrize("marker", ["> ", ">", "- ", "* ", "1. ", "2) "])
def test_quotes_and_lists_nested_too_deep_are_refused(marker):
    validate_markdown(marker * MAX_NESTING + "deep enough", max_length=ARTICLE_LIMIT)
    with pytest.raises(ValidationError) as error:
        validate_markdown(marker * (MAX_NESTING + 1) + "too deep", max_length=ARTICLE_LIMIT)

    assert error.value.code == "nested_too_deep"


def test_lists_nested_too_deep_by_indentation_are_refused():
    nested = "".join(" " * (4 * level) + "- item\n" for level in range(MAX_NESTING + 2))

    with pytest.raises(ValidationError) as error:
        validate_markdown(nested, max_length=ARTICLE_LIMIT)

    assert error.value.code == "nested_too_deep"


def test_ordinary_text_at_the_limit_is_accepted():
    paragraph = "A sentence with a [link](https://example.org) and *emphasis*. " * 40
    text = "\n\n".join([paragraph] * (ARTICLE_LIMIT // (len(paragraph) + 2)))

    validate_markdown(text, max_length=ARTICLE_LIMIT)
    assert "<a href" in render_markdown(text[:5000])
