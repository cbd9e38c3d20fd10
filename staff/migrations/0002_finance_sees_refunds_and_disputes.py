"""Finance sees the Refund and Dispute rows (the dispute queue) that pledges 0003 added.

Read-only: refunds are made through the pledge admin's action (`refund_pledge`), disputes are
answered in Stripe's dashboard. Reversing takes the two permissions away again.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = [("pledges", "refund", "view_refund"), ("pledges", "dispute", "view_dispute")]


def _permissions(apps, db_alias):
    app_config = apps.get_app_config("pledges")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    finally:
        app_config.models_module = models_module
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.using(db_alias).get(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        )
        for app_label, model, codename in GRANTS
    ]


def grant(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    finance = Group.objects.using(db_alias).filter(name="Finance").first()
    if finance is not None:
        finance.permissions.add(*_permissions(apps, db_alias))


def revoke(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    finance = Group.objects.using(db_alias).filter(name="Finance").first()
    if finance is not None:
        finance.permissions.remove(*_permissions(apps, db_alias))


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_create_roles"),
        ("pledges", "0003_refunds_disputes_and_stored_events"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
