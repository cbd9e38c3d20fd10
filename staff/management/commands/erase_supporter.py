"""Erase one supporter's personal data everywhere: `manage.py erase_supporter EMAIL [--dry-run]`.

Calls `staff.services.supporter_erase`, the one erasure path (the admin actions use it too): one
transaction, so either both apps erase or neither does, then reports how many signatures and
pledges were erased. `--dry-run` runs the same erasure and rolls it back (side effects queued
with `on_commit` never run). The email is never printed back in full.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class _DryRun(Exception):
    """Raised to roll back a dry run."""


def mask_email(email: str) -> str:
    """ "jane.doe@example.org" -> "j***@e***.org": enough to tell which request, not who."""
    local, _, domain = email.strip().partition("@")
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***{dot}{tld}" if host else f"{tld[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


class Command(BaseCommand):
    help = (
        "Erase a supporter's personal data from every signature and pledge made with EMAIL. "
        "Reports the counts; --dry-run shows them without erasing."
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
        from staff.services import supporter_erase

        counts = {}
        try:
            with transaction.atomic():
                erased = supporter_erase(email=email)
                counts["signatures"], counts["pledges"] = erased.signatures, erased.pledges
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        who = mask_email(email)
        summary = f"{counts['signatures']} signature(s) and {counts['pledges']} pledge(s)"
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: would erase {summary} for {who}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Erased {summary} for {who}."))
