"""Render every existing campaign description once into `description_html` (reversible).

A description already over the Markdown limits is stored as escaped plain paragraphs instead
of being rendered (which could take minutes); the admin asks staff to shorten it.
"""

from django.core.exceptions import ValidationError
from django.db import migrations
from django.utils.html import linebreaks

from campaigns.models import validate_description
from core.markdown import render_markdown


def fill(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    for campaign in Campaign.objects.only("pk", "description").iterator(chunk_size=200):
        try:
            validate_description(campaign.description)
        except ValidationError:
            html = linebreaks(campaign.description, autoescape=True)
        else:
            html = str(render_markdown(campaign.description))
        Campaign.objects.filter(pk=campaign.pk).update(description_html=html)


def empty(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.update(description_html="")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_campaign_description_html")]

    operations = [migrations.RunPython(fill, empty)]
