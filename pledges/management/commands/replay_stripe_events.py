"""Apply stored Stripe events that were not applied: events in an API version the app did not
read (after the endpoint's version was fixed) and events that could not be read.

Each goes through the same code as the webhook (`process_event`), oldest first, so running it
twice, or while webhooks arrive, applies nothing twice.
"""

from django.core.management.base import BaseCommand

from pledges import webhooks
from pledges.models import StripeEvent


class Command(BaseCommand):
    help = "Apply stored Stripe events that were flagged or could not be read."

    def add_arguments(self, parser):
        parser.add_argument("--event", action="append", default=[], help="Only this event id.")
        parser.add_argument("--dry-run", action="store_true", help="List them; apply nothing.")

    def handle(self, *args, **options):
        events = StripeEvent.objects.filter(processed_at__isnull=True)
        if options["event"]:
            events = events.filter(pk__in=options["event"])
        if options["dry_run"]:
            for stored in events.order_by("received_at"):
                self.stdout.write(
                    f"{stored.pk} {stored.type} ({stored.api_version}): {stored.error}"
                )
            self.stdout.write(self.style.SUCCESS(f"{events.count()} event(s) would be applied."))
            return
        counts = webhooks.replay_stored_events(events=events)
        style = self.style.SUCCESS if not counts["failed"] else self.style.WARNING
        self.stdout.write(
            style(
                f"{counts['applied']} applied, {counts['duplicate']} already applied, "
                f"{counts['failed']} could not be read."
            )
        )
