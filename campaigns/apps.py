from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Take Action campaigns and their petitions: the asks, the signatures and the counts."""

    name = "campaigns"
