"""Store the width and height of every existing campaign's hero image (reversible: empties
them again).

Each file is opened once, here, so that pages never open it again. A file missing from storage
or unreadable leaves its row's columns empty: the picture is shown without its size, and the
next save of the campaign tries again.
"""

from django.db import migrations

from core.images import fill_missing_dimensions


def fill(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    fill_missing_dimensions(
        Campaign, field="hero_image", width_field="hero_width", height_field="hero_height"
    )


def empty(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.update(hero_width=None, hero_height=None)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0008_campaign_hero_width_height")]

    operations = [migrations.RunPython(fill, empty)]
