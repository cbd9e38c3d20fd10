"""Campaigners and Finance see supporter email deliveries and retry failed ones.

A confirmation (campaigners' supporters) or a receipt (finance's) that failed after every try
is listed under "Email deliveries" with a retry action, which needs `change_emaildelivery`.
The rows hold no address, only the kind of email and the object's id. Reversing takes the
permissions away again.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Campaigners", "Finance")
CODENAMES = ("view_emaildelivery", "change_emaildelivery")


def _permissions(apps, db_alias):
    app_config = apps.get_app_config("core")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
    finally:
        app_config.models_module = models_module
    Permission = apps.get_model("auth", "Permission")
    return list(
        Permission.objects.using(db_alias).filter(
            content_type__app_label="core",
            content_type__model="emaildelivery",
            codename__in=CODENAMES,
        )
    )


def grant(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    permissions = _permissions(apps, db_alias)
    for group in Group.objects.using(db_alias).filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    permissions = _permissions(apps, db_alias)
    for group in Group.objects.using(db_alias).filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_finance_sees_refunds_and_disputes"),
        ("core", "0002_email_delivery"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
