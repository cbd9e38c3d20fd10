import pytest

from core.markdown import render_markdown, sanitize_html


def test_markdown_renders_links_lists_and_tables():
    html = render_markdown(
        "A [link](https://example.org).\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )

    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html
    assert "<table>" in html


@pytest.mark.parametrize(
    ("hostile", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="a.png" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ("[x](javascript:alert(1))", "javascript"),
        ('<iframe src="https://evil.example"></iframe>', "iframe"),
        ('<div style="background:url(x)">x</div>', "style"),
        ('<img src="data:image/png;base64,AAAA">', "data:"),
        ("<!-- a comment -->", "<!--"),
    ],
)
def test_hostile_markup_is_removed(hostile, forbidden):
    html = render_markdown(f"Text\n\n{hostile}")

    assert forbidden not in html.lower()


def test_allowed_markup_survives_sanitising():
    html = sanitize_html('<p><strong>Bold</strong> <a href="mailto:a@example.org">mail</a></p>')

    assert "<strong>Bold</strong>" in html
    assert 'href="mailto:a@example.org"' in html


def test_empty_body_renders_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
