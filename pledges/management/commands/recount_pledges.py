"""Rebuild every campaign's money collected and supporter count from the pledge rows.

The counters are kept for speed by `campaigns.services`; this puts them right if they ever
drift (a manual database edit, a restored backup). Safe to run at any time.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from pledges import services


class Command(BaseCommand):
    help = "Recount campaigns' money collected and supporters from counted gifts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report differences; change nothing."
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            changes = services.pledge_recount(dry_run=options["dry_run"])
        for change in changes:
            old_amount, new_amount = change["amount_collected_minor"]
            old_count, new_count = change["supporter_count"]
            self.stdout.write(
                f"Campaign {change['campaign_id']}: collected {old_amount} -> {new_amount}, "
                f"supporters {old_count} -> {new_count}"
            )
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(self.style.SUCCESS(f"{len(changes)} campaign(s) {verb}."))
