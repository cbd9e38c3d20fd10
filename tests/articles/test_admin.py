import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Image
from demo.factories.articles import ArticleFactory, DraftArticleFactory, ImageFactory, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_article_list_shows_title_topic_status_and_date(staff_client, article):
    response = staff_client.get(reverse("admin:articles_article_changelist"))

    html = response.content.decode()
    assert response.status_code == 200
    assert article.title in html and "Demand Equity" in html and "Published" in html
    assert reverse("articles:preview", kwargs={"pk": article.pk}) in html


def test_admin_search_and_filter_work(staff_client, article):
    url = reverse("admin:articles_article_changelist")

    assert article.title in staff_client.get(url, {"q": "Clooneys"}).content.decode()
    assert article.title not in staff_client.get(url, {"status__exact": "draft"}).content.decode()


def test_publish_action_publishes_and_logs_to_history(staff_client, admin_user):
    draft = DraftArticleFactory()

    response = staff_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_public
    entry = LogEntry.objects.get(object_id=str(draft.pk))
    assert entry.action_flag == CHANGE and entry.user == admin_user
    assert "Published" in entry.get_change_message()


def test_unpublish_action_hides_the_article_and_logs_it(staff_client):
    article = ArticleFactory()

    staff_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish", "_selected_action": [article.pk]},
    )

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert "Unpublished" in LogEntry.objects.get(object_id=str(article.pk)).get_change_message()


def test_view_on_site_sends_drafts_to_the_preview(staff_client):
    draft = DraftArticleFactory()

    response = staff_client.get(reverse("admin:articles_article_change", args=[draft.pk]))

    assert reverse("articles:preview", kwargs={"pk": draft.pk}) in response.content.decode()


def test_image_admin_requires_alt_text(staff_client):
    response = staff_client.post(
        reverse("admin:articles_image_add"),
        {
            "title": "No alt",
            "slug": "no-alt",
            "file": SimpleUploadedFile("x.png", png_bytes(), content_type="image/png"),
            "alt_text": "   ",
        },
    )

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Image.objects.exists()


def test_an_image_uploaded_in_the_admin_stores_its_size(staff_client):
    response = staff_client.post(
        reverse("admin:articles_image_add"),
        {
            "title": "Border fence",
            "slug": "border-fence",
            "file": SimpleUploadedFile("x.png", png_bytes(width=40, height=30), "image/png"),
            "alt_text": "A fence at dusk",
        },
    )

    assert response.status_code == 302
    image = Image.objects.get(slug="border-fence")
    assert (image.width, image.height) == (40, 30)


def test_the_image_list_and_form_load_when_a_file_is_gone(staff_client):
    image = ImageFactory(title="Border fence", slug="border-fence")
    image.file.storage.delete(image.file.name)

    assert staff_client.get(reverse("admin:articles_image_changelist")).status_code == 200
    change = reverse("admin:articles_image_change", args=[image.pk])
    assert staff_client.get(change).status_code == 200


def test_article_form_pages_load(staff_client):
    assert staff_client.get(reverse("admin:articles_article_add")).status_code == 200
    assert staff_client.get(reverse("admin:articles_author_add")).status_code == 200
    assert staff_client.get(reverse("admin:articles_tag_add")).status_code == 200


def test_article_form_uses_autocomplete_for_related_items(staff_client):
    html = staff_client.get(reverse("admin:articles_article_add")).content.decode()

    for field in ["authors", "tags", "related", "campaigns"]:
        tag = re.search(rf'<select[^>]*name="{field}"[^>]*>', html)
        assert tag is not None and "admin-autocomplete" in tag[0], field


def test_the_picture_is_chosen_from_the_image_list_which_shows_thumbnails(staff_client):
    image = ImageFactory(title="Border fence", slug="border-fence")
    form = staff_client.get(reverse("admin:articles_article_add")).content.decode()
    popup = staff_client.get(
        reverse("admin:articles_image_changelist"), {"_to_field": "id", "_popup": "1"}
    ).content.decode()

    assert re.search(
        r'<input type="text" name="hero_image"[^>]*class="vForeignKeyRawIdAdminField"', form
    )
    assert 'id="lookup_id_hero_image"' in form
    assert f'<img src="{image.file.url}" alt="" width="80" class="staff-thumbnail"' in popup
