"""Create the staff roles as groups with least-privilege permissions (reversible).

Permissions are normally created by a post_migrate signal, after every migration has run, so on
a fresh database they do not exist yet when this runs: the migration creates the content types
and permissions of the apps it needs itself (the same function the signal calls), then links
them. Reversing deletes the three groups and leaves the permissions (Django owns those).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CRUD = ("add", "change", "delete", "view")

# Group -> [(app_label, model, (actions...), (extra codenames...))]. Frozen here on purpose:
# a later change of roles is a new migration, not an edit of this one.
ROLES = {
    "Editors": [
        ("articles", "article", CRUD, ()),
        ("articles", "author", CRUD, ()),
        ("articles", "tag", CRUD, ()),
        ("articles", "image", CRUD, ()),
        ("core", "topic", CRUD, ()),
    ],
    "Campaigners": [
        ("campaigns", "campaign", CRUD, ()),
        ("campaigns", "partner", CRUD, ()),
        ("campaigns", "suggestedamount", CRUD, ()),
        # No add/delete: signatures are created and removed only through campaigns.services
        # (which keeps the counters right); erasure is the `erase_supporter` permission.
        ("campaigns", "signature", ("change", "view"), ("export_signature", "erase_supporter")),
        ("core", "topic", ("view",), ()),
    ],
    "Finance": [
        # "change" lets Finance run the pledge admin's actions; the admin keeps money read-only.
        ("pledges", "pledge", ("change", "view"), ("export_pledge", "refund_pledge")),
        ("pledges", "stripeevent", ("view",), ()),
        ("campaigns", "campaign", ("view",), ()),
    ],
}
APP_LABELS = ("core", "articles", "campaigns", "pledges")


def create_roles(apps, schema_editor):
    db_alias = schema_editor.connection.alias if schema_editor else "default"
    for label in APP_LABELS:
        app_config = apps.get_app_config(label)
        # Historical app configs have no models module, and create_permissions skips those.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0, using=db_alias, apps=apps)
        finally:
            app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLES.items():
        group, _ = Group.objects.using(db_alias).get_or_create(name=group_name)
        permissions = []
        for app_label, model, actions, extra in grants:
            codenames = [f"{action}_{model}" for action in actions] + list(extra)
            found = list(
                Permission.objects.using(db_alias).filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=codenames,
                )
            )
            missing = set(codenames) - {p.codename for p in found}
            if missing:
                raise RuntimeError(f"Permissions missing for {app_label}.{model}: {missing}")
            permissions.extend(found)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    db_alias = schema_editor.connection.alias if schema_editor else "default"
    Group = apps.get_model("auth", "Group")
    Group.objects.using(db_alias).filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_topic"),
        ("articles", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("pledges", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
