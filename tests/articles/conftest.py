import pytest
from django.utils import timezone

from campaigns.models import Campaign
from demo.factories.articles import ArticleFactory, AuthorFactory, ImageFactory, TagFactory
from demo.factories.core import TopicFactory


@pytest.fixture
def topic(db):
    return TopicFactory(name="Demand Equity", slug="demand-equity")


@pytest.fixture
def make_campaign(db):
    """A campaign row made directly: the campaigns app's own factories are not ours to rely on."""

    def make(**fields):
        n = Campaign.objects.count() + 1
        defaults = {
            "title": f"Campaign {n}",
            "slug": f"campaign-{n}",
            "ask": "Tell leaders to act now.",
            "status": Campaign.Status.LIVE,
            "opens_at": timezone.now() - timezone.timedelta(days=1),
        }
        return Campaign.objects.create(**{**defaults, **fields})

    return make


@pytest.fixture
def article(topic):
    return ArticleFactory(
        title="Clooneys donate to help separated children",
        slug="clooneys-donate",
        standfirst="A gift for children separated at the border.",
        topic=topic,
        authors=[AuthorFactory(name="Rosa Writer", slug="rosa-writer")],
        tags=[TagFactory(name="Migration", slug="migration")],
        hero_image=ImageFactory(
            title="Hero", slug="hero", alt_text="Two children holding hands", credit="Getty Images"
        ),
    )
