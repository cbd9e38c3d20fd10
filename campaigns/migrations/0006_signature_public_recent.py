from django.db import migrations, models


class AddIndexWithoutBlockingWrites(migrations.AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, so supporters keep signing while it builds on a
    large signature table; a plain CREATE INDEX elsewhere (SQLite, the development default)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction.

    dependencies = [
        ("campaigns", "0005_merge_monthly_giving"),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="signature",
            index=models.Index(
                condition=models.Q(
                    ("confirmed_at__isnull", False),
                    ("erased_at__isnull", True),
                    ("show_publicly", True),
                ),
                fields=["campaign", "-confirmed_at", "-id"],
                name="signature_public_recent",
            ),
        ),
    ]
