"""Every change staff make in the admin is in its history (LogEntry: who, when, what)."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from campaigns.models import Campaign, Signature
from core.models import Topic
from pledges.models import Pledge
from tests.staff.conftest import make_campaign, pledge, sign


def _entries(model, obj=None):
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return entries.filter(object_id=str(obj.pk)) if obj is not None else entries


def _post_action(client, path, action, pks, **extra):
    return client.post(
        f"/admin/{path}/",
        {"action": action, "_selected_action": [str(pk) for pk in pks], "index": 0, **extra},
    )


def test_adding_through_the_admin_form_logs_who_added_what(client, editor):
    client.force_login(editor)
    client.post("/admin/core/topic/add/", {"name": "Aid", "slug": "aid", "position": 0})
    entry = _entries(Topic).get()
    assert (entry.user, entry.action_flag, entry.object_repr) == (editor, ADDITION, "Aid")


def test_closing_a_campaign_is_logged(client, campaigner):
    campaign = make_campaign()
    client.force_login(campaigner)
    _post_action(client, "campaigns/campaign", "close_campaigns", [campaign.pk])
    entry = _entries(Campaign, campaign).get()
    assert (entry.user, entry.action_flag) == (campaigner, CHANGE)


def test_erasing_a_supporter_is_logged_without_their_name(client, campaigner):
    signature = sign(make_campaign(), email="private.person@example.org")
    client.force_login(campaigner)
    _post_action(client, "campaigns/signature", "erase_supporters", [signature.pk])
    assert not _entries(Signature, signature).exists()  # asked first: nothing erased yet
    _post_action(
        client, "campaigns/signature", "erase_supporters", [signature.pk], confirm_erasure="yes"
    )
    entry = _entries(Signature, signature).get()
    assert entry.user == campaigner
    assert "Ana" not in entry.object_repr and "private" not in entry.get_change_message()


def test_exporting_signatures_is_logged(client, campaigner):
    campaign = make_campaign()
    signature = sign(campaign)
    client.force_login(campaigner)
    response = _post_action(client, "campaigns/signature", "export_csv", [signature.pk])
    b"".join(response.streaming_content)
    assert _entries(Campaign, campaign).filter(user=campaigner).exists()


def test_a_finance_review_note_is_logged(client, finance):
    paid = pledge(make_campaign(), 1_000)
    client.force_login(finance)
    client.post(
        f"/admin/pledges/pledge/{paid.pk}/change/",
        {"needs_review": "on", "review_reason": "Check the card.", "_save": "Save"},
    )
    entry = _entries(Pledge, paid).get()
    assert (entry.user, entry.action_flag) == (finance, CHANGE)


def test_exporting_pledges_is_logged(client, finance):
    paid = pledge(make_campaign(), 1_000)
    client.force_login(finance)
    response = _post_action(client, "pledges/pledge", "export_csv", [paid.pk])
    b"".join(response.streaming_content)
    assert LogEntry.objects.filter(user=finance).exists()


def test_publishing_an_article_from_the_list_is_logged(client, editor):
    from articles.models import Article

    article = Article.objects.create(title="Story", slug="story", body="Text.")
    client.force_login(editor)
    _post_action(client, "articles/article", "publish", [article.pk])
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    entry = _entries(Article, article).get()
    assert (entry.user, entry.action_flag) == (editor, CHANGE)
