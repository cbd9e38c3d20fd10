"""Images get a slug, so bodies place them with [[image:<slug>]] instead of a database id.

Three steps so existing rows get unique slugs: add the column nullable, fill it from the title
and id, then make it required and unique.
"""

from django.db import migrations, models
from django.utils.text import slugify


def fill_slugs(apps, schema_editor):
    Image = apps.get_model("articles", "Image")
    for image in Image.objects.filter(slug__isnull=True).only("pk", "title"):
        image.slug = f"{slugify(image.title)[:180] or 'image'}-{image.pk}"
        image.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="slug",
            field=models.SlugField(max_length=200, null=True, db_index=False),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="image",
            name="slug",
            field=models.SlugField(
                help_text="Place it in a body with [[image:this-slug]].",
                max_length=200,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="body",
            field=models.TextField(
                help_text="Markdown, with [[image:image-slug]], [[read-more:article-slug]] and "
                "[[take-action:campaign-slug]] on lines of their own."
            ),
        ),
    ]
