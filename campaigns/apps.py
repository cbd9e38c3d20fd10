from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Take Action campaigns and their petitions: the asks, the signatures and the counts."""

    name = "campaigns"

    def ready(self):
        from campaigns.models import Campaign, Partner, SuggestedAmount
        from core.pagecache import invalidate_on

        # Signatures are not here on purpose: counts are bounded by the cache timeout instead.
        invalidate_on(Campaign, Partner, SuggestedAmount)
