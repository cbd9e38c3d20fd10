"""Fixtures for the campaign tests."""

import pytest

from demo.factories.campaigns import CampaignFactory

VALID_SIGNATURE = {
    "first_name": "Ana",
    "last_name": "García",
    "email": "Ana.Garcia@Example.org",
    "country": "MX",
    "postal_code": "",
    "comment": "",
}


@pytest.fixture
def campaign(db):
    return CampaignFactory(slug="reunite-families", title="Reunite families", signature_goal=5000)


@pytest.fixture
def open_campaign_without_confirmation(db):
    return CampaignFactory(slug="count-at-once", requires_confirmation=False)


@pytest.fixture
def signature_data():
    return dict(VALID_SIGNATURE)


@pytest.fixture
def sign_kwargs():
    """Keyword arguments for `signature_create`, minus the campaign."""
    return {
        "first_name": "Ana",
        "last_name": "García",
        "email": "ana@example.org",
        "country": "MX",
        "consent_text": "I agree.",
        "ip_hash": "abc",
    }


def insert_signatures(campaign, count: int) -> None:
    """Insert `count` unconfirmed signatures in one INSERT ... SELECT run by the database.

    For the 100,000-row export test: building that many model instances for `bulk_create`
    takes most of a minute on a busy CI machine; the database generates them in a second or
    two. `WITH RECURSIVE` works the same on SQLite and PostgreSQL.
    """
    from django.db import connection

    from campaigns.models import Signature

    table = connection.ops.quote_name(Signature._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
            INSERT INTO {table} (
                campaign_id, first_name, last_name, email, email_normalized, country,
                postal_code, comment, show_publicly, wants_updates, consent_text, source, utm,
                ip_hash, created_at
            )
            SELECT %s, 'First', 'Last', 'bulk' || i || '@example.org',
                'bulk' || i || '@example.org', 'US', '', '', FALSE, FALSE, 'ok', '', '{{}}', '',
                CURRENT_TIMESTAMP
            FROM n
            """,  # noqa: S608 - the table name comes from the model, not from input.
            [count, campaign.pk],
        )
