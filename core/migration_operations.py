"""Migration operations that only some databases run, or run differently.

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


class AddIndexWithoutBlockingWrites(migrations.AddIndex):
    """`CREATE INDEX CONCURRENTLY` on PostgreSQL, so supporters keep signing while it builds on
    a large table; a plain `CREATE INDEX` elsewhere (SQLite, the development default). The
    migration that uses it must set `atomic = False`: CONCURRENTLY cannot run in a transaction.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)
