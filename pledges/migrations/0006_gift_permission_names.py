"""Rename the stored permission names of the Pledge model to "gift" (reversible).

Django writes a permission's name ("Can add pledge") into auth_permission once, when it creates
the permission, and never updates it when the model's verbose_name changes: 0005 renamed the
model to "gift" for staff, and this migration brings the stored names along, so the user and
group pages in the admin say "gift" too. Codenames (what the code and the staff roles check)
are unchanged. On a fresh database the rows may not exist yet; nothing is updated then, and
Django creates them later with the new names.
"""

from django.db import migrations

# codename -> (old name, new name). Frozen here on purpose, as the staff roles are.
NAMES = {
    "add_pledge": ("Can add pledge", "Can add gift"),
    "change_pledge": ("Can change pledge", "Can change gift"),
    "delete_pledge": ("Can delete pledge", "Can delete gift"),
    "view_pledge": ("Can view pledge", "Can view gift"),
    "export_pledge": ("Can export pledges as CSV", "Can export gifts as CSV"),
    "refund_pledge": ("Can refund a pledge through Stripe", "Can refund a gift through Stripe"),
}


def _rename(apps, schema_editor, *, new):
    db_alias = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    stored = Permission.objects.using(db_alias).filter(
        content_type__app_label="pledges", content_type__model="pledge"
    )
    for codename, (old_name, new_name) in NAMES.items():
        stored.filter(codename=codename).update(name=new_name if new else old_name)


def to_gift(apps, schema_editor):
    _rename(apps, schema_editor, new=True)


def to_pledge(apps, schema_editor):
    _rename(apps, schema_editor, new=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("pledges", "0005_gift_wording"),
    ]

    operations = [migrations.RunPython(to_gift, to_pledge)]
