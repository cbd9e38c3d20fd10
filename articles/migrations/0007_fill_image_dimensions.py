"""Store the width and height of every existing picture (reversible: empties them again).

Each file is opened once, here, so that pages never open it again. A file missing from storage
or unreadable leaves its row's columns empty: the picture is shown without its size, and the
next save of the image tries again.
"""

from django.db import migrations

from core.images import fill_missing_dimensions


def fill(apps, schema_editor):
    Image = apps.get_model("articles", "Image")
    fill_missing_dimensions(Image, field="file", width_field="width", height_field="height")


def empty(apps, schema_editor):
    apps.get_model("articles", "Image").objects.update(width=None, height=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_image_width_height")]

    operations = [migrations.RunPython(fill, empty)]
