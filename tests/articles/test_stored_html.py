"""Article bodies are rendered once, when staff save, and stored; readers only expand shortcodes."""

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from articles.models import BODY_MAX_LENGTH, Article
from articles.services import article_save
from demo.factories.articles import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def admin_form(article, **changes):
    data = {
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "topic": article.topic_id or "",
        "status": article.status,
        "published_at_0": article.published_at.strftime("%Y-%m-%d"),
        "published_at_1": article.published_at.strftime("%H:%M:%S"),
    }
    return {**data, **changes}


def test_saving_in_the_admin_stores_the_rendered_body(staff_client):
    article = ArticleFactory(body="Old words.")

    response = staff_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        admin_form(article, body="New **bold** words.<script>alert(1)</script>"),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert "<strong>bold</strong>" in article.body_html
    assert "script" not in article.body_html


def test_a_400_kb_hostile_body_is_a_field_error_and_nothing_is_saved(staff_client):
    article = ArticleFactory(body="Old words.")

    response = staff_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        admin_form(article, body="[" * 400_000),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["body"]
    assert f"at most {BODY_MAX_LENGTH} characters" in errors["body"][0]
    article.refresh_from_db()
    assert article.body == "Old words."


def test_the_admin_help_text_states_the_limit(staff_client):
    response = staff_client.get(reverse("admin:articles_article_add"))

    assert f"At most {BODY_MAX_LENGTH:,} characters" in response.content.decode()


def test_the_reader_page_shows_the_stored_html_not_the_markdown(client):
    article = ArticleFactory(body="Rendered when **saved**.")
    # A change that bypassed the service would not be rendered: readers get what was stored.
    Article.objects.filter(pk=article.pk).update(body="Changed **behind** the service.")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Rendered when <strong>saved</strong>." in html
    assert "behind" not in html


def test_a_take_action_card_shows_live_progress_without_saving_the_article(client, make_campaign):
    campaign = make_campaign(slug="reunite", title="Reunite families", signature_goal=1000)
    article = ArticleFactory(body="Intro.\n\n[[take-action:reunite]]\n\nOutro.")
    url = article.get_absolute_url()

    type(campaign).objects.filter(pk=campaign.pk).update(signature_count=120)
    first = client.get(url).content.decode()
    type(campaign).objects.filter(pk=campaign.pk).update(signature_count=480)
    cache.clear()  # Past the page cache's window (core.pagecache): this is about the render.
    second = client.get(url).content.decode()

    assert "<strong>120</strong>" in first
    assert "<strong>480</strong>" in second
    assert "[[take-action" not in second


def test_a_read_more_target_appears_once_published_without_saving_the_article(client):
    target = ArticleFactory(title="The follow-up", slug="follow-up", status="draft")
    article = ArticleFactory(body="[[read-more:follow-up]]")

    before = client.get(article.get_absolute_url()).content.decode()
    Article.objects.filter(pk=target.pk).update(status="published")
    cache.clear()  # Past the page cache's window (core.pagecache): this is about the render.
    after = client.get(article.get_absolute_url()).content.decode()

    assert "The follow-up" not in before
    assert "The follow-up" in after


def test_the_service_refuses_a_body_over_the_limits():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        article_save(article=Article(title="T", slug="t", body="x" * (BODY_MAX_LENGTH + 1)))
    assert not Article.objects.exists()


def test_the_data_migration_renders_existing_bodies_and_escapes_oversized_ones():
    migration = importlib.import_module("articles.migrations.0004_fill_body_html")
    normal = ArticleFactory(body="Some *old* text.")
    oversized = ArticleFactory(body="Short.")
    Article.objects.filter(pk=normal.pk).update(body_html="")
    Article.objects.filter(pk=oversized.pk).update(body="<b>[" * 20_000, body_html="")

    migration.fill(apps, None)

    normal.refresh_from_db()
    oversized.refresh_from_db()
    assert normal.body_html == "<p>Some <em>old</em> text.</p>"
    assert oversized.body_html.startswith("<p>&lt;b&gt;[")
