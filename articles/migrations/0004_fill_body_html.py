"""Render every existing article body once into `body_html` (reversible: empties it again).

A body already over the Markdown limits (saved before they existed) is not rendered, which
could take minutes: it is stored as escaped plain paragraphs, and the admin asks staff to
shorten it at the next save.
"""

from django.core.exceptions import ValidationError
from django.db import migrations
from django.utils.html import linebreaks

from articles.models import validate_body
from articles.rendering import body_source_html


def fill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.only("pk", "body").iterator(chunk_size=200):
        try:
            validate_body(article.body)
        except ValidationError:
            html = linebreaks(article.body, autoescape=True)
        else:
            html = body_source_html(article.body)
        Article.objects.filter(pk=article.pk).update(body_html=html)


def empty(apps, schema_editor):
    apps.get_model("articles", "Article").objects.update(body_html="")


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_article_body_html")]

    operations = [migrations.RunPython(fill, empty)]
