"""Erase one supporter's personal data everywhere: `manage.py erase_supporter EMAIL [--dry-run]`.

Calls `staff.services.supporter_erase`, the one erasure path (the admin actions use it too): it
cancels the supporter's monthly gifts at Stripe, then erases in one transaction, so either both
apps erase or neither does; the command reports the counts. `--dry-run` counts what would happen
and changes nothing, at Stripe or here. The email is never printed back in full.
"""

from django.core.management.base import BaseCommand, CommandError


def mask_email(email: str) -> str:
    """ "jane.doe@example.org" -> "j***@e***.org": enough to tell which request, not who."""
    local, _, domain = email.strip().partition("@")
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***{dot}{tld}" if host else f"{tld[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


class Command(BaseCommand):
    help = (
        "Erase a supporter's personal data from every signature and gift made with EMAIL, "
        "canceling their monthly gifts at Stripe. Reports the counts; --dry-run shows them "
        "without changing anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be erased; change nothing."
        )

    def handle(self, *args, email, dry_run, **options):
        if "@" not in email:
            raise CommandError("That does not look like an email address.")
        # Imported here so `manage.py help` works even while an app's service is unavailable.
        from pledges.stripe_gateway import PaymentGatewayError
        from staff.services import supporter_erase

        who = mask_email(email)
        try:
            erased = supporter_erase(email=email, dry_run=dry_run)
        except PaymentGatewayError as error:
            raise CommandError(
                f"Stripe could not cancel the monthly gifts of {who} ({error}); nothing was "
                "erased. Run the command again once Stripe answers."
            ) from None
        summary = f"{erased.signatures} signature(s) and {erased.pledges} gift(s)"
        if dry_run:
            summary += f" and cancel {erased.monthly_canceled} monthly gift(s)"
            self.stdout.write(self.style.WARNING(f"Dry run: would erase {summary} for {who}."))
        else:
            if erased.monthly_canceled:
                summary += f", canceling {erased.monthly_canceled} monthly gift(s) at Stripe"
            self.stdout.write(self.style.SUCCESS(f"Erased {summary} for {who}."))
