from django.apps import AppConfig


class PledgesConfig(AppConfig):
    """Pledges of money to campaigns, paid through Stripe Checkout and recorded exactly once."""

    name = "pledges"
    # Staff and supporters read "gift": the money is taken now, never promised for later.
    verbose_name = "Gifts"

    def ready(self):
        from pledges import checks  # noqa: F401 - registers the Stripe settings checks.
