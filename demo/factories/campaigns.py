"""Factories for campaigns and signatures, shared by the tests and the demo content."""

import factory
from django.utils import timezone

from campaigns.models import Campaign, Partner, Signature, SuggestedAmount
from campaigns.services import campaign_save, email_normalize


class CampaignFactory(factory.django.DjangoModelFactory):
    """A live, open campaign that requires email confirmation."""

    class Meta:
        model = Campaign
        django_get_or_create = ("slug",)

    title = factory.Sequence(lambda n: f"Campaign number {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    ask = "Act now on this."
    description = "Why it matters, in **Markdown**."
    targets = "US Congress"
    status = Campaign.Status.LIVE
    signature_goal = 1000
    requires_confirmation = True
    money_goal_minor = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, like the admin, so the description's HTML is stored.
        return campaign_save(campaign=model_class(*args, **kwargs))


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Partner Organisation {n}")
    url = ""


class SuggestedAmountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuggestedAmount

    campaign = factory.SubFactory(CampaignFactory)
    amount_minor = 2500


class SignatureFactory(factory.django.DjangoModelFactory):
    """An unconfirmed signature. Use `confirmed=True` for a confirmed one.

    Factories write rows directly and do not touch `signature_count`; tests that need a
    matching counter call `campaigns.services.campaign_recount`.
    """

    class Meta:
        model = Signature

    class Params:
        confirmed = factory.Trait(confirmed_at=factory.LazyFunction(timezone.now))

    campaign = factory.SubFactory(CampaignFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    email_normalized = factory.LazyAttribute(lambda o: email_normalize(o.email))
    country = "US"
    consent_text = "By signing, you add your name to this petition."
    show_publicly = False
