"""Load the demo content: the lead story, its campaign, more articles, signatures and pledges.

Idempotent: every object is looked up by a natural key (slug, email) before it is created, so a
second run adds nothing. Each area's content lives in its own module under `demo/`.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from demo import articles, campaigns, pledges, staff


class Command(BaseCommand):
    help = "Load demo articles, campaigns, signatures and gifts (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-staff",
            action="store_true",
            help="Do not create the demo staff account (it is only ever created with DEBUG on).",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            campaigns.load(stdout=self.stdout, style=self.style)
            articles.load(stdout=self.stdout, style=self.style)
            pledges.load(stdout=self.stdout, style=self.style)
        if settings.DEBUG and not options["no_staff"]:
            staff.load(stdout=self.stdout, style=self.style)
        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))
