"""The roles data migration: three groups with least-privilege permissions, reversible."""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

roles_migration = importlib.import_module("staff.migrations.0001_create_roles")


def _codenames(group_name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group_name).permissions.select_related("content_type")
    }


def test_editors_work_on_articles_and_topics_only(db):
    perms = _codenames("Editors")
    for model in ("article", "author", "tag", "image"):
        for action in ("add", "change", "delete", "view"):
            assert f"articles.{action}_{model}" in perms
    assert {"core.add_topic", "core.change_topic", "core.delete_topic", "core.view_topic"} <= perms
    assert not {p for p in perms if p.startswith(("campaigns.", "pledges.", "auth."))}


def test_campaigners_run_campaigns_and_signatures_but_touch_no_money(db):
    perms = _codenames("Campaigners")
    assert {
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.view_campaign",
        "campaigns.change_partner",
        "campaigns.add_suggestedamount",
        "campaigns.view_signature",
        "campaigns.export_signature",
        "campaigns.erase_supporter",
        "core.view_topic",
    } <= perms
    assert "campaigns.delete_signature" not in perms  # would change the public counts
    assert "campaigns.add_signature" not in perms
    assert "core.change_topic" not in perms
    assert not {p for p in perms if p.startswith(("pledges.", "articles.", "auth."))}


def test_finance_handles_pledges_and_only_views_campaigns(db):
    assert _codenames("Finance") == {
        "pledges.view_pledge",
        "pledges.change_pledge",
        "pledges.export_pledge",
        "pledges.refund_pledge",
        "pledges.view_stripeevent",
        "pledges.view_refund",
        "pledges.view_dispute",
        "campaigns.view_campaign",
    }


def test_the_migration_reverses_and_applies_again(db):
    roles_migration.remove_roles(apps, None)
    assert not Group.objects.filter(name__in=["Editors", "Campaigners", "Finance"]).exists()
    roles_migration.create_roles(apps, None)
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Editors",
        "Campaigners",
        "Finance",
    }
    assert len(_codenames("Finance")) == 6
