from django.db import migrations, models

from core.migration_operations import AddIndexWithoutBlockingWrites


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY on PostgreSQL cannot run inside a transaction.

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
