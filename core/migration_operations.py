"""Migration operations that only some databases run.

PostgreSQL-only schema (GIN indexes, triggers) still belongs in the migration history, so the
model state is the same everywhere and `makemigrations --check` is clean on every database;
SQLite, which development and some test runs use, just skips the database step.
"""

from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """`AddIndex` for an index only PostgreSQL can build (GIN, GiST); a no-op elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """`RunSQL` that runs on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
