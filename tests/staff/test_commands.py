"""`manage.py create_staff_user` and `manage.py erase_supporter`, through call_command."""

from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from campaigns.models import Signature
from pledges.models import Pledge
from staff.management.commands.erase_supporter import mask_email
from tests.staff.conftest import make_campaign, pledge, sign

PASSWORD = "a-long-staff-passphrase-42"


def create(*args, **options):
    out = StringIO()
    call_command("create_staff_user", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "group"),
    [("editor", "Editors"), ("campaigner", "Campaigners"), ("finance", "Finance")],
)
def test_create_staff_user_makes_a_staff_member_of_one_role(db, monkeypatch, role, group):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)
    output = create("ana", email="ana@example.org", role=role, password_from_env="STAFF_PASSWORD")
    user = get_user_model().objects.get(username="ana")
    assert user.is_staff and not user.is_superuser
    assert [g.name for g in user.groups.all()] == [group]
    assert user.check_password(PASSWORD)
    assert f"in {group}" in output


def test_create_staff_user_records_the_creation_in_the_admin_history(db, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)
    create("ana", email="ana@example.org", role="finance", password_from_env="STAFF_PASSWORD")
    user = get_user_model().objects.get(username="ana")
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.action_flag == ADDITION
    assert "Finance" in entry.get_change_message()


def test_create_staff_user_refuses_an_unknown_role(db, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="Unknown role 'admin'"):
        create("ana", email="ana@example.org", role="admin", password_from_env="STAFF_PASSWORD")
    assert not get_user_model().objects.exists()


def test_create_staff_user_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "password")
    with pytest.raises(CommandError, match="Password rejected"):
        create("ana", email="ana@example.org", role="editor", password_from_env="STAFF_PASSWORD")
    assert not get_user_model().objects.exists()


def test_create_staff_user_refuses_an_existing_username(db, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)
    create("ana", email="ana@example.org", role="editor", password_from_env="STAFF_PASSWORD")
    with pytest.raises(CommandError, match="already exists"):
        create("ana", email="ana@example.org", role="finance", password_from_env="STAFF_PASSWORD")
    assert [g.name for g in get_user_model().objects.get().groups.all()] == ["Editors"]


def test_create_staff_user_needs_a_password_source_when_not_in_a_terminal(db, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="No password"):
        create("ana", email="ana@example.org", role="editor")
    monkeypatch.delenv("UNSET_PW", raising=False)
    with pytest.raises(CommandError, match="unset or empty"):
        create(
            "ana", email="ana@example.org", role="editor", password_from_env="UNSET_PASSWORD_VAR"
        )


def test_create_staff_user_prompts_twice_for_the_password_in_a_terminal(db, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    create("ana", email="ana@example.org", role="campaigner")
    assert get_user_model().objects.get(username="ana").check_password(PASSWORD)


def test_create_staff_user_rejects_two_different_passwords(db, monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="did not match"):
        create("ana", email="ana@example.org", role="campaigner")


# --- erase_supporter -------------------------------------------------------------------------


def erase(*args, **options):
    out = StringIO()
    call_command("erase_supporter", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def supporter(db):
    """One person who signed two campaigns and pledged once, plus someone else."""
    first, second = make_campaign(), make_campaign()
    sign(first, email="Jane.Doe@example.org")
    sign(second, email="jane.doe@example.org", confirm=False)
    pledge(first, 1_500, email="jane.doe@example.org")
    sign(first, email="someone.else@example.org")
    return first, second


def test_erase_supporter_erases_signatures_and_pledges_and_reports_counts(supporter):
    first, _ = supporter
    output = erase("jane.doe@example.org")
    assert "Erased 2 signature(s) and 1 gift(s)" in output
    assert not Signature.objects.filter(email_normalized="jane.doe@example.org").exists()
    assert not Pledge.objects.filter(email__iexact="jane.doe@example.org").exists()
    assert Signature.objects.filter(email_normalized="someone.else@example.org").exists()
    # Counts on the public page stay: erasure anonymises, it does not un-sign.
    first.refresh_from_db()
    assert (first.signature_count, first.amount_collected_minor) == (2, 1_500)


def test_erase_supporter_never_prints_the_email_back(supporter):
    output = erase("jane.doe@example.org") + erase("jane.doe@example.org", dry_run=True)
    assert "jane.doe@example.org" not in output.lower()
    assert "example.org" not in output
    assert "j***@e***.org" in output


def test_erase_supporter_dry_run_counts_and_changes_nothing(supporter):
    output = erase("jane.doe@example.org", dry_run=True)
    assert "would erase 2 signature(s) and 1 gift(s)" in output
    assert Signature.objects.filter(email_normalized="jane.doe@example.org").count() == 2
    assert Pledge.objects.filter(email="jane.doe@example.org", erased_at__isnull=True).exists()


def test_erase_supporter_twice_erases_nothing_the_second_time(supporter):
    erase("jane.doe@example.org")
    assert "Erased 0 signature(s) and 0 gift(s)" in erase("jane.doe@example.org")


def test_erase_supporter_refuses_something_that_is_not_an_email(db):
    with pytest.raises(CommandError):
        erase("jane")


def test_masked_emails_keep_only_first_letters():
    assert mask_email("jane.doe@example.org") == "j***@e***.org"
    assert mask_email("x@localhost") == "x***@l***"


def test_erase_supporter_erases_nothing_if_the_pledge_side_fails(supporter, monkeypatch):
    def fail(*, email):
        raise RuntimeError("pledges unavailable")

    monkeypatch.setattr("pledges.services.pledge_erase_for_email", fail)
    with pytest.raises(RuntimeError):
        erase("jane.doe@example.org")
    # One transaction: the signatures erased before the failure are restored.
    assert Signature.objects.filter(email_normalized="jane.doe@example.org").count() == 2


# --- rerender_markdown -----------------------------------------------------------------------


def test_rerender_markdown_refreshes_stale_stored_html_only(db):
    from articles.models import Article
    from demo.factories.articles import ArticleFactory
    from demo.factories.campaigns import CampaignFactory

    fresh = ArticleFactory(body="Already *right*.")
    stale = ArticleFactory(body="Now **bold**.")
    Article.objects.filter(pk=stale.pk).update(body_html="<p>Old rules.</p>")
    campaign = CampaignFactory(description="Why **now**.")
    type(campaign).objects.filter(pk=campaign.pk).update(description_html="")

    dry = StringIO()
    call_command("rerender_markdown", dry_run=True, stdout=dry)
    stale.refresh_from_db()
    assert "Would re-render 1 article(s) and 1 campaign(s)" in dry.getvalue()
    assert stale.body_html == "<p>Old rules.</p>"

    out = StringIO()
    call_command("rerender_markdown", stdout=out)
    stale.refresh_from_db()
    campaign.refresh_from_db()
    fresh.refresh_from_db()
    assert "Re-rendered 1 article(s) and 1 campaign(s)" in out.getvalue()
    assert stale.body_html == "<p>Now <strong>bold</strong>.</p>"
    assert campaign.description_html == "<p>Why <strong>now</strong>.</p>"
    assert fresh.body_html == "<p>Already <em>right</em>.</p>"
