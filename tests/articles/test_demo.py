import io

import pytest
from django.core.management.color import no_style
from django.urls import reverse

from articles.models import Article, Image
from demo import articles as demo_articles

pytestmark = pytest.mark.django_db

LEAD = "clooneys-donate-100000-for-separated-migrant-children"


def load():
    out = io.StringIO()
    demo_articles.load(stdout=out, style=no_style())
    return out.getvalue()


def test_demo_articles_load_once_and_a_second_run_adds_nothing():
    load()
    counts = (Article.objects.count(), Image.objects.count())

    load()

    assert counts == (Article.objects.count(), Image.objects.count())
    assert Article.objects.published().count() >= 14
    assert Article.objects.values("topic").distinct().count() >= 5


def test_the_lead_story_leads_the_home_page_with_its_topic_and_pictures(client):
    load()

    home = client.get(reverse("articles:home")).content.decode()
    page = client.get(reverse("articles:detail", kwargs={"slug": LEAD})).content.decode()

    assert "Clooney" in home.split('class="lead-story"')[1].split("</section>")[0]
    assert "Demand Equity" in page
    assert page.count("Illustration: Global Advocate (demo)") == 3  # hero and two inline
    assert page.count("Read more:") == 2
    lead = Article.objects.get(slug=LEAD)
    assert lead.hero_image.file.name.endswith(".png")
    assert lead.hero_image.file.storage.exists(lead.hero_image.file.name)
    assert (lead.hero_image.width, lead.hero_image.height) == (1200, 675)
    assert page.count('width="1200" height="675"') == 3  # its size stored when it was saved


def test_the_lead_story_links_the_campaign_when_it_exists(client, make_campaign):
    make_campaign(
        slug="reunite-separated-families",
        title="Reunite All Separated Families and Support Foreign Aid to End the Root Cause "
        "of the Migration Crisis",
    )

    load()

    lead = Article.objects.get(slug=LEAD)
    assert lead.campaigns.filter(slug="reunite-separated-families").exists()
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "Reunite All Separated Families" in page
    assert "action-card" in page


def test_the_lead_story_reads_well_before_the_campaign_exists(client):
    load()

    page = client.get(reverse("articles:detail", kwargs={"slug": LEAD})).content.decode()

    assert "[[take-action" not in page and "action-card" not in page
