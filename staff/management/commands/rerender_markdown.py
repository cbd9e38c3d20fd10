"""Render stored Markdown HTML again: `manage.py rerender_markdown [--dry-run]`.

Article bodies and campaign descriptions are rendered once, when saved, and stored. After a
change to the renderer or to the sanitiser's allow-list (core/markdown.py), run this so every
stored page follows the new rules. Calls `articles.services.article_rerender_all` and
`campaigns.services.campaign_rerender_all`; `--dry-run` reports what would change.
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Render every article body and campaign description again where the HTML changed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report; change nothing.")

    def handle(self, *args, dry_run, **options):
        from articles.services import article_rerender_all
        from campaigns.services import campaign_rerender_all

        articles = article_rerender_all(dry_run=dry_run)
        campaigns = campaign_rerender_all(dry_run=dry_run)
        verb = "Would re-render" if dry_run else "Re-rendered"
        style = self.style.WARNING if dry_run else self.style.SUCCESS
        self.stdout.write(
            style(f"{verb} {len(articles)} article(s) and {len(campaigns)} campaign(s).")
        )
