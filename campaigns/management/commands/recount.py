"""`manage.py recount [--dry-run] [--campaign SLUG]`: rebuild signature counts from the rows.

Each campaign's stored `signature_count` is compared with the number of its confirmed
signatures; any drift is reported and (unless --dry-run) corrected. Money counters are rebuilt
by the pledges app's own command.
"""

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from campaigns.services import campaign_recount


class Command(BaseCommand):
    help = "Rebuild each campaign's signature count from its confirmed signatures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report any drift without changing anything."
        )
        parser.add_argument("--campaign", metavar="SLUG", help="Only this campaign.")

    def handle(self, *args, dry_run=False, campaign=None, **options):
        campaigns = Campaign.objects.all()
        if campaign:
            campaigns = campaigns.filter(slug=campaign)
            if not campaigns.exists():
                raise CommandError(f'No campaign has the slug "{campaign}".')
        drifts = campaign_recount(campaigns=campaigns, dry_run=dry_run)
        for drift in drifts:
            verb = "would change" if dry_run else "changed"
            self.stdout.write(
                self.style.WARNING(
                    f"{drift.slug}: stored {drift.stored}, counted {drift.actual} "
                    f"({verb} by {drift.actual - drift.stored:+d})"
                )
            )
        checked = campaigns.count()
        if not drifts:
            self.stdout.write(self.style.SUCCESS(f"All {checked} campaign count(s) are exact."))
        elif dry_run:
            self.stdout.write(
                self.style.NOTICE(
                    f"Dry run: {len(drifts)} of {checked} count(s) drift; none changed."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Corrected {len(drifts)} of {checked} count(s)."))
