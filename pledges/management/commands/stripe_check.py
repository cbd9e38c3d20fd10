"""Ask Stripe for the account's webhook endpoints and say whether this site's endpoint will
keep the books: it exists, is enabled, sends every event the app reads and renders them in the
API version the app reads (the SDK's pinned version).

Changes nothing. Exits with an error when something is missing, so a deploy can run it.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from pledges import stripe_gateway
from pledges.stripe_gateway import API_VERSION, PaymentGatewayError
from pledges.webhooks import REQUIRED_EVENTS


def endpoint_problems(endpoint: dict) -> list[str]:
    """What is wrong with one webhook endpoint, as sentences (empty when it is right)."""
    problems = []
    if endpoint.get("status") != "enabled":
        problems.append(f"it is {endpoint.get('status') or 'not enabled'}")
    enabled = set(endpoint.get("enabled_events") or [])
    if "*" not in enabled:
        missing = sorted(set(REQUIRED_EVENTS) - enabled)
        if missing:
            problems.append("it does not send " + ", ".join(missing))
    version = endpoint.get("api_version")
    if version != API_VERSION:
        problems.append(
            f"its API version is {version or 'the account default (not pinned)'}, "
            f"the app reads {API_VERSION}"
        )
    return problems


class Command(BaseCommand):
    help = "Check the account's Stripe webhook endpoint: events enabled and API version."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            help="The endpoint URL to look for (default: SITE_URL + the webhook path).",
        )

    def handle(self, *args, **options):
        url = options["url"] or settings.SITE_URL + reverse("pledges:stripe-webhook")
        try:
            endpoints = stripe_gateway.webhook_endpoints_list()
        except PaymentGatewayError as error:
            raise CommandError(f"Stripe could not be asked: {error}") from error
        self.stdout.write(f"Stripe lists {len(endpoints)} webhook endpoint(s):")
        for endpoint in endpoints:
            self.stdout.write(
                f"  {endpoint.get('id')} {endpoint.get('url')} ({endpoint.get('status')}, "
                f"API version {endpoint.get('api_version') or 'account default'}, "
                f"{len(endpoint.get('enabled_events') or [])} event type(s))"
            )
        ours = [e for e in endpoints if e.get("url") == url]
        if not ours:
            raise CommandError(
                f"No webhook endpoint for {url}. Create one with these events: "
                + ", ".join(REQUIRED_EVENTS)
                + f"; API version {API_VERSION}."
            )
        failures = []
        for endpoint in ours:
            problems = endpoint_problems(endpoint)
            if problems:
                failures.append(f"{endpoint.get('id')}: " + "; ".join(problems) + ".")
            else:
                self.stdout.write(self.style.SUCCESS(f"{endpoint.get('id')} is set up right."))
        if failures:
            raise CommandError(" ".join(failures))
