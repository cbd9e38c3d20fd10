"""Search on a stored, indexed vector instead of recomputing `to_tsvector` per request.

A trigger keeps `search_vector` in step on every insert and on updates of title, standfirst or
body, whatever does the write (admin, services, bulk inserts, raw SQL); existing rows are filled
here. PostgreSQL only: SQLite keeps a plain (unused) column and its substring search.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

from core.migration_operations import AddIndexOnPostgreSQL, RunSQLOnPostgreSQL

VECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(NEW.standfirst, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(NEW.body, '')), 'C')
"""

CREATE_TRIGGER = f"""
CREATE OR REPLACE FUNCTION articles_article_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := {VECTOR};
    RETURN NEW;
END
$$;
CREATE TRIGGER articles_article_search_vector
    BEFORE INSERT OR UPDATE OF title, standfirst, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector();
UPDATE articles_article SET title = title;
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS articles_article_search_vector ON articles_article;
DROP FUNCTION IF EXISTS articles_article_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_image_slug"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        RunSQLOnPostgreSQL(CREATE_TRIGGER, DROP_TRIGGER),
        AddIndexOnPostgreSQL(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_vector"
            ),
        ),
    ]
