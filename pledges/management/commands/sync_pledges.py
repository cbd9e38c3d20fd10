"""Reconcile unsettled pledges with Stripe, for webhooks that never arrived.

Asks Stripe for the Checkout Session of every pending or processing pledge and applies what it
says through the same services as the webhook (`pledge_sync`), so running it again, or while
webhooks arrive, changes nothing twice. Pending pledges that never got a Checkout Session
(Stripe was down) and were left for a day are marked expired.

Then it pages through Stripe's event list from shortly before the newest event the app has
stored (an hour's overlap, for events delivered out of order) and applies every refund,
dispute and checkout event the webhook missed, backing off when Stripe rate-limits it.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from pledges import services, stripe_gateway, webhooks
from pledges.models import StripeEvent
from pledges.stripe_gateway import PaymentGatewayError

# Stripe lists the events of the last 30 days.
EVENT_HISTORY_SECONDS = 30 * 24 * 3600


class Command(BaseCommand):
    help = "Check pending and processing gifts against Stripe and record what it reports."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=10,
            help="Only gifts started at least this long ago (default 10).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what Stripe says; change nothing."
        )
        parser.add_argument(
            "--events-overlap-minutes",
            type=int,
            default=60,
            help="Ask for events from this long before the newest one stored (default 60).",
        )
        parser.add_argument(
            "--skip-events", action="store_true", help="Do not page through Stripe's events."
        )

    def handle(self, *args, **options):
        if options["older_than_minutes"] < 0:
            raise CommandError("--older-than-minutes cannot be negative.")
        pledges = services.pledges_to_sync(older_than_minutes=options["older_than_minutes"])
        checked = changed = failed = 0
        for pledge in pledges.iterator():
            checked += 1
            before = pledge.status
            try:
                if options["dry_run"]:
                    session = stripe_gateway.checkout_session_retrieve(
                        pledge.stripe_checkout_session_id
                    )
                    self.stdout.write(
                        f"{pledge.pk}: {before}; Stripe says {session.get('status')}/"
                        f"{session.get('payment_status')}"
                    )
                    continue
                pledge = services.pledge_sync(pledge=pledge)
            except PaymentGatewayError as error:
                failed += 1
                self.stderr.write(self.style.WARNING(f"{pledge.pk}: {error}"))
                continue
            if pledge.status != before:
                changed += 1
                self.stdout.write(f"{pledge.pk}: {before} -> {pledge.status}")
        abandoned = services.pledge_expire_abandoned(dry_run=options["dry_run"])
        summary = (
            f"Checked {checked} gift(s); {changed} changed; {failed} could not be checked; "
            f"{abandoned} abandoned without a checkout expired."
        )
        if options["dry_run"]:
            summary += " (dry run: nothing changed)"
        self.stdout.write(self.style.SUCCESS(summary))
        if failed and failed == checked:
            raise CommandError("Stripe could not be reached for any gift.")
        if not options["skip_events"]:
            self._catch_up_events(options)

    def _catch_up_events(self, options) -> None:
        if options["events_overlap_minutes"] < 0:
            raise CommandError("--events-overlap-minutes cannot be negative.")
        newest = StripeEvent.objects.aggregate(newest=Max("created"))["newest"]
        floor = int(time.time()) - EVENT_HISTORY_SECONDS
        since = floor
        if newest is not None:
            since = max(floor, int(newest.timestamp()) - 60 * options["events_overlap_minutes"])
        if options["dry_run"]:
            self.stdout.write(f"Would ask Stripe for events created since {since} (unix time).")
            return
        try:
            counts = webhooks.stripe_events_catch_up(since=since)
        except PaymentGatewayError as error:
            raise CommandError(f"Stripe's event list could not be read: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Events since {since}: {counts['seen']} listed, {counts['applied']} missed and "
                f"now applied, {counts['duplicate']} already applied, {counts['flagged']} "
                f"flagged, {counts['failed']} unreadable."
            )
        )
