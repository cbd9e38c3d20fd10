import pytest

from articles.rendering import render_body
from articles.templatetags.article_tags import json_ld
from demo.factories.articles import ArticleFactory, DraftArticleFactory, ImageFactory


def html_of(text, **kwargs):
    return str(render_body(text, **kwargs).html)


@pytest.mark.django_db
def test_markdown_becomes_html():
    html = html_of("Some **bold** words.\n\n## A heading")

    assert "<strong>bold</strong>" in html
    assert "<h2>A heading</h2>" in html


@pytest.mark.django_db
def test_image_shortcode_becomes_a_figure_with_alt_caption_and_credit():
    ImageFactory(
        slug="border-fence",
        alt_text="A fence at dusk",
        caption="The border.",
        credit="Getty Images",
    )

    html = html_of("Before.\n\n[[image:border-fence]]\n\nAfter.")

    assert "<figure" in html
    assert 'alt="A fence at dusk"' in html
    assert "The border." in html and "Getty Images" in html
    assert "[[image" not in html
    assert html.index("Before.") < html.index("<figure") < html.index("After.")


@pytest.mark.django_db
def test_read_more_shortcode_links_to_a_published_article():
    ArticleFactory(title="How you can still help", slug="how-to-help")

    html = html_of("[[read-more:how-to-help]]")

    assert "Read more:" in html
    assert '<a href="/news/how-to-help/">How you can still help</a>' in html


@pytest.mark.django_db
def test_take_action_shortcode_renders_the_campaign_card(make_campaign):
    campaign = make_campaign(title="Reunite families", slug="reunite", ask="Sign to reunite them.")
    article = ArticleFactory()

    body = render_body("[[take-action:reunite]]", source_article=article)

    assert "Reunite families" in body.html
    assert "Sign to reunite them." in body.html
    assert "/take-action/reunite/" in body.html
    assert body.inline_campaigns == [campaign]


@pytest.mark.django_db
def test_unknown_or_unpublished_targets_render_nothing(make_campaign):
    DraftArticleFactory(slug="draft-story", title="Draft story")
    make_campaign(slug="draft-campaign", title="Draft campaign", status="draft")

    html = html_of(
        "Intro.\n\n[[image:missing]]\n\n[[read-more:draft-story]]\n\n"
        "[[take-action:draft-campaign]]\n\n[[take-action:no-campaign-yet]]\n\nOutro."
    )

    assert "Intro." in html and "Outro." in html
    assert "Draft story" not in html and "Draft campaign" not in html
    assert "[[" not in html and "<figure" not in html and "action-card" not in html


@pytest.mark.django_db
def test_shortcode_inside_a_sentence_is_left_as_text():
    ArticleFactory(title="Target", slug="target")

    html = html_of("See [[read-more:target]] here.")

    assert "<a href" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">click</a>', "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">click</a>', "alert"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="position:fixed">x</p>', "style="),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data:"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
        ("<svg onload=alert(1)>", "onload"),
        ("<object data='x.swf'></object>", "<object"),
        ('<form action="https://evil.example"><input name="pw"></form>', "<form"),
    ],
)
def test_hostile_markup_never_reaches_the_reader(text, forbidden):
    html = html_of(f"Hello.\n\n{text}\n\nBye.")

    assert forbidden.lower() not in html.lower()
    assert "Hello." in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        '[[image:"><script>alert(1)</script>]]',
        '[[read-more:x" onmouseover="alert(1)]]',
        "[[take-action:<img src=x onerror=alert(1)>]]",
    ],
)
def test_a_shortcode_with_markup_in_its_slug_stays_inert_text(text):
    ImageFactory(slug="x")

    html = html_of(text)

    assert "<script" not in html and "onerror=" not in html and 'onmouseover="' not in html
    assert "<figure" not in html and "<a " not in html


@pytest.mark.django_db
def test_image_text_from_staff_is_escaped_in_the_figure():
    ImageFactory(
        slug="sneaky", alt_text='"><script>alert(1)</script>', caption="<b onclick=x>hi</b>"
    )

    html = html_of("[[image:sneaky]]")

    assert "<script" not in html and "<b onclick" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_all_targets_of_a_body_load_in_one_query_per_kind(django_assert_num_queries, make_campaign):
    lines = []
    for n in range(20):
        ImageFactory(slug=f"pic-{n}")
        ArticleFactory(slug=f"story-{n}")
        make_campaign(slug=f"camp-{n}")
        lines += [f"[[image:pic-{n}]]", f"[[read-more:story-{n}]]", f"[[take-action:camp-{n}]]"]

    with django_assert_num_queries(3):
        html = html_of("\n\n".join(lines))

    assert html.count("<figure") == 20
    assert html.count("Read more:") == 20
    assert html.count("action-card__title") == 20


@pytest.mark.django_db
def test_a_shortcode_typed_right_under_a_paragraph_still_expands():
    ArticleFactory(title="Target story", slug="target")

    html = html_of("A paragraph ends here.\n[[read-more:target]]\nAnd text goes on.")

    assert '<a href="/news/target/">Target story</a>' in html
    assert "A paragraph ends here." in html and "And text goes on." in html
    assert "[[" not in html


def test_json_ld_tag_escapes_markup_in_values():
    html = json_ld({"headline": "</script><!-- & -->"})

    assert html.startswith('<script type="application/ld+json">')
    assert html.count("</script>") == 1
    assert "<!--" not in html and "\\u003C/script\\u003E" in html
