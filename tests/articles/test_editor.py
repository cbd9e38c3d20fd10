"""The article editor: the live preview endpoint, the embed finder, embeds checked on save,
"Save and preview" without JavaScript, thumbnails, and who may use each."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from articles.models import Article
from demo.factories.articles import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:articles_article_body_preview")
EMBEDS = reverse("admin:articles_article_embeds")
BODY = """Families are still apart.

[[image:border-fence]]

<script>alert("x")</script><a href="javascript:alert(1)" onclick="steal()">click</a>

[[take-action:reunite-families]]
[[read-more:older-story]]
"""


def role_client(role: str | None) -> Client:
    user = User.objects.create_user(f"user-{role}", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client():
    return role_client("Editors")


@pytest.fixture
def embeds(make_campaign):
    ImageFactory(title="Border fence", slug="border-fence", alt_text="A fence at dusk")
    ArticleFactory(title="An older story", slug="older-story")
    return make_campaign(title="Reunite families", slug="reunite-families")


def public_body(html: str) -> str:
    return re.search(
        # The body ends where the tags, the share links or the article's end begin.
        r'<div class="article__body prose">\s*(.*?)\s*</div>\s*'
        r'(?:<p class="article__tags"|<section class="share"|</article>)',
        html,
        re.S,
    )[1]


def test_the_preview_is_the_public_pages_sanitised_body_exactly(client, editor_client, embeds):
    article = ArticleFactory(slug="the-story", body=BODY)

    preview = editor_client.post(PREVIEW, {"body": BODY, "article": article.pk})
    public = client.get(article.get_absolute_url())

    html = preview.content.decode()
    assert preview.status_code == 200
    assert preview["Content-Type"] == "text/html; charset=utf-8"
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert 'alt="A fence at dusk"' in html  # the image embed, from the site's figure template
    assert "Reunite families" in html  # the Take Action card
    assert "An older story" in html  # the Read more link
    assert html.strip() in public_body(public.content.decode())
    assert public_body(public.content.decode()).startswith(html.strip()[:200])


def test_the_preview_needs_the_csrf_token(embeds):
    user = User.objects.create_user("csrf-editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(PREVIEW, {"body": "Hello"}).status_code == 403

    page = client.get(reverse("admin:articles_article_add"))
    token = page.cookies["csrftoken"].value
    response = client.post(PREVIEW, {"body": "Hello"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.content.decode().strip() == "<p>Hello</p>"


@pytest.mark.parametrize(
    ("role", "status"),
    [("Editors", 200), ("Campaigners", 403), ("Finance", 403), (None, 403)],
)
def test_only_staff_who_write_articles_may_preview_or_find_embeds(role, status):
    client = role_client(role)

    assert client.post(PREVIEW, {"body": "Hi"}).status_code == status
    assert client.get(EMBEDS, {"q": "x"}).status_code == status


def test_people_who_are_not_staff_are_sent_to_the_admin_login(client):
    response = client.post(PREVIEW, {"body": "Hi"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_preview_answers_only_post_and_refuses_an_oversized_body(editor_client):
    assert editor_client.get(PREVIEW).status_code == 405
    assert editor_client.post(PREVIEW, {"body": "x" * 100_001}).status_code == 400


def test_the_embed_finder_lists_codes_with_thumbnails_and_a_fragment_for_the_script(
    editor_client, embeds
):
    page = editor_client.get(EMBEDS, {"q": "e"}).content.decode()
    fragment = editor_client.get(EMBEDS, {"q": "fence", "fragment": "1"}).content.decode()

    assert "[[take-action:reunite-families]]" in page
    assert "[[read-more:older-story]]" in page
    assert "[[image:border-fence]]" in fragment and "<html" not in fragment
    assert 'class="staff-thumbnail"' in fragment
    assert 'data-code="[[image:border-fence]]"' in fragment


def article_data(**overrides):
    data = {"title": "A new story", "slug": "a-new-story", "standfirst": "", "body": "Text.",
            "status": "draft", "campaigns": []}  # fmt: skip
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[take-action:no-such-campaign]]",
         "[[take-action:no-such-campaign]] names no campaign with the slug “no-such-campaign”."),
        ("[[image:gone]]", "[[image:gone]] names no image with the slug “gone”."),
        ("[[read-more:lost]]", "[[read-more:lost]] names no article with the slug “lost”."),
        ("[[take-action:two words]]", "[[take-action:two words]]: a slug has only letters"),
        ("[[video:cats]]", "[[video:cats]] is not an embed: use image, read-more or take-action."),
    ],
)  # fmt: skip
def test_an_embed_naming_a_missing_item_is_a_clear_error_on_save(editor_client, body, message):
    response = editor_client.post(
        reverse("admin:articles_article_add"), article_data(body=f"Intro.\n\n{body}\n")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["body"]
    assert any(error.startswith(message) for error in errors), errors
    assert not Article.objects.filter(slug="a-new-story").exists()


def test_embeds_that_exist_save_even_when_not_yet_live(editor_client, embeds, make_campaign):
    make_campaign(title="Coming soon", slug="coming-soon", status="draft")
    body = (
        "[[take-action:reunite-families]]\n\n[[take-action:coming-soon]]\n\n[[image:border-fence]]"
    )

    response = editor_client.post(reverse("admin:articles_article_add"), article_data(body=body))

    assert response.status_code == 302
    assert Article.objects.get(slug="a-new-story").body == body


def test_save_and_preview_saves_then_opens_the_staff_preview(editor_client):
    response = editor_client.post(
        reverse("admin:articles_article_add"), article_data(_preview="Save and preview")
    )

    article = Article.objects.get(slug="a-new-story")
    assert response.status_code == 302
    assert response["Location"] == reverse("articles:preview", kwargs={"pk": article.pk})


def test_the_editor_has_wide_fields_the_preview_pane_and_a_local_script(editor_client):
    html = editor_client.get(reverse("admin:articles_article_add")).content.decode()

    assert re.search(r'<input type="text" name="title"[^>]*class="staff-wide"', html)
    assert re.search(r'<textarea name="standfirst"[^>]*class="staff-wide"', html)
    assert 'id="body-preview"' in html
    assert 'name="_preview"' in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any(src.endswith("js/article-editor.js") for src in scripts)
    assert all(src.startswith("/") for src in scripts)  # no CDN


def test_images_show_thumbnails_in_the_list_and_the_articles_picture(editor_client):
    image = ImageFactory(title="Border fence", slug="border-fence")
    article = ArticleFactory(hero_image=image)

    listing = editor_client.get(reverse("admin:articles_image_changelist")).content.decode()
    change = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()

    assert f'<img src="{image.file.url}" alt="" width="80" class="staff-thumbnail"' in listing
    assert f'<img src="{image.file.url}" alt="" width="240" class="staff-thumbnail"' in change
