"""Pictures keep their size in their row (`core.images`): read once when the file is saved,
so that pages print it without opening the file."""

import importlib
import logging

import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from articles.models import Image
from campaigns.models import Campaign
from demo.factories.articles import ImageFactory, png_bytes
from demo.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


def picture(name: str, *, width: int, height: int) -> ContentFile:
    return ContentFile(png_bytes(width=width, height=height), name=name)


def test_saving_an_image_stores_its_width_and_height():
    image = ImageFactory(file=picture("fence.png", width=40, height=30))

    image.refresh_from_db()
    assert (image.width, image.height) == (40, 30)


def test_saving_a_campaign_with_a_hero_image_stores_its_width_and_height():
    campaign = CampaignFactory(hero_image=picture("hero.png", width=1200, height=630))

    campaign.refresh_from_db()
    assert (campaign.hero_width, campaign.hero_height) == (1200, 630)


def test_a_campaign_without_a_hero_image_has_no_size():
    campaign = CampaignFactory()

    campaign.refresh_from_db()
    assert (campaign.hero_width, campaign.hero_height) == (None, None)


def test_replacing_the_file_stores_the_new_size():
    image = ImageFactory(file=picture("small.png", width=40, height=30))
    image = Image.objects.get(pk=image.pk)

    image.file = picture("large.png", width=90, height=60)
    image.save()

    image.refresh_from_db()
    assert (image.width, image.height) == (90, 60)


def test_clearing_the_hero_image_empties_its_size():
    campaign = CampaignFactory(hero_image=picture("hero.png", width=1200, height=630))
    campaign = Campaign.objects.get(pk=campaign.pk)

    campaign.hero_image = ""
    campaign.save()

    campaign.refresh_from_db()
    assert (campaign.hero_width, campaign.hero_height) == (None, None)


def test_a_file_already_in_storage_saved_with_update_fields_stores_its_size_too():
    # What the demo content does: the file is written to storage first, then only its name
    # is set on the row and saved with `update_fields`.
    campaign = Campaign.objects.get(pk=CampaignFactory().pk)
    storage = Campaign._meta.get_field("hero_image").storage
    campaign.hero_image.name = storage.save("campaigns/demo.png", picture("x", width=64, height=48))

    campaign.save(update_fields=["hero_image"])

    campaign.refresh_from_db()
    assert (campaign.hero_width, campaign.hero_height) == (64, 48)


def test_saving_other_fields_never_opens_the_file(media_storage_refuses_open):
    image = Image.objects.get(pk=ImageFactory(file=picture("a.png", width=40, height=30)).pk)

    image.title = "A new title"
    image.save()

    image.refresh_from_db()
    assert (image.title, image.width, image.height) == ("A new title", 40, 30)


def test_a_file_missing_at_save_leaves_the_size_empty_and_logs_only_the_id(caplog):
    image = ImageFactory.build(file=None)
    image.file.name = "images/never-uploaded-jane-doe.png"

    with caplog.at_level(logging.WARNING, logger="core.images"):
        image.save()

    image.refresh_from_db()
    assert (image.width, image.height) == (None, None)
    assert [r.getMessage() for r in caplog.records] == [
        "articles.Image (new): image dimensions unreadable (FileNotFoundError)"
    ]


def test_the_image_migration_fills_existing_rows_and_leaves_a_missing_file_empty():
    kept = ImageFactory(file=picture("kept.png", width=40, height=30))
    lost = ImageFactory(file=picture("lost.png", width=50, height=20))
    Image.objects.update(width=None, height=None)  # rows saved before the columns existed
    lost.file.storage.delete(lost.file.name)

    migration = importlib.import_module("articles.migrations.0007_fill_image_dimensions")
    migration.fill(apps, None)

    assert Image.objects.get(pk=kept.pk).width == 40
    assert Image.objects.get(pk=kept.pk).height == 30
    assert Image.objects.filter(pk=lost.pk, width=None, height=None).exists()


def test_the_campaign_migration_fills_existing_heroes_and_leaves_a_missing_file_empty():
    kept = CampaignFactory(hero_image=picture("kept.png", width=1200, height=630))
    lost = CampaignFactory(hero_image=picture("lost.png", width=800, height=600))
    without = CampaignFactory()
    Campaign.objects.update(hero_width=None, hero_height=None)
    lost.hero_image.storage.delete(lost.hero_image.name)

    migration = importlib.import_module("campaigns.migrations.0009_fill_hero_dimensions")
    migration.fill(apps, None)

    sizes = dict(Campaign.objects.values_list("pk", "hero_width"))
    assert sizes == {kept.pk: 1200, lost.pk: None, without.pk: None}
    assert Campaign.objects.get(pk=kept.pk).hero_height == 630
