"""Benchmark the staff dashboard: `manage.py bench_dashboard [--renders N] [--keep]`.

Seeds live campaigns with 100,000 signatures and 10,000 pledges (bulk_create) into the
configured database, renders /admin/dashboard/ N times with the test client as a Campaigner, and
prints the median time and the query count. Everything runs in one transaction that is rolled
back at the end, so the database is left as it was; `--keep` commits the seeded rows instead
(use it only on a throwaway database). Meant for PostgreSQL, e.g.
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_staff_bench`.
"""

import random
import statistics
import time
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from campaigns.models import Campaign, Signature
from pledges.models import Pledge
from staff.roles import CAMPAIGNERS

BATCH = 5_000
SOURCES = ["article", "newsletter", "social", ""]


class _Rollback(Exception):
    """Raised to undo the seeded rows."""


class Command(BaseCommand):
    help = (
        "Seed signatures and gifts, time renders of the staff dashboard, print the median "
        "and the query count. Rolls the data back unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--signatures", type=int, default=100_000)
        parser.add_argument("--pledges", type=int, default=10_000)
        parser.add_argument("--campaigns", type=int, default=5)
        parser.add_argument("--renders", type=int, default=20)
        parser.add_argument(
            "--keep", action="store_true", help="Commit the seeded rows (throwaway databases)."
        )

    def handle(self, *args, signatures, pledges, campaigns, renders, keep, **options):
        if renders < 1 or campaigns < 1:
            raise CommandError("--renders and --campaigns must be at least 1.")
        if not Group.objects.filter(name=CAMPAIGNERS).exists():
            raise CommandError("The staff roles are missing; run migrate first.")
        try:
            setup_test_environment()  # lets the test client's "testserver" host in
        except RuntimeError:
            pass  # already set up: running under the test runner
        self.stdout.write(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        try:
            with transaction.atomic():
                self._seed(signatures=signatures, pledges=pledges, campaigns=campaigns)
                self._measure(renders=renders)
                if not keep:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("Seeded rows rolled back.")
        else:
            self.stdout.write(self.style.WARNING("Seeded rows kept (--keep)."))

    def _seed(self, *, signatures, pledges, campaigns):
        started = time.perf_counter()
        rng = random.Random(20)
        run = uuid.uuid4().hex[:8]
        now = timezone.now()
        live = Campaign.objects.bulk_create(
            Campaign(
                title=f"Bench campaign {run}-{i}",
                slug=f"bench-{run}-{i}",
                ask="Sign",
                status=Campaign.Status.LIVE,
                money_goal_minor=10_000_000,
            )
            for i in range(campaigns)
        )
        articles = Article.objects.bulk_create(
            Article(title=f"Bench story {run}-{i}", slug=f"bench-{run}-{i}", body="Text.")
            for i in range(20)
        )
        article_ids = [a.pk for a in articles] + [None]
        Signature.objects.bulk_create(
            (
                Signature(
                    campaign=live[i % campaigns],
                    first_name="Bench",
                    last_name="Supporter",
                    email=f"bench-{run}-{i}@example.invalid",
                    email_normalized=f"bench-{run}-{i}@example.invalid",
                    country="US",
                    consent_text="Bench data.",
                    source=rng.choice(SOURCES),
                    source_article_id=rng.choice(article_ids),
                    confirmed_at=(
                        now - timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
                        if rng.random() < 0.8
                        else None
                    ),
                )
                for i in range(signatures)
            ),
            batch_size=BATCH,
        )
        statuses = [Pledge.Status.PAID] * 6 + [Pledge.Status.PENDING, Pledge.Status.EXPIRED]
        pledge_rows = []
        for i in range(pledges):
            status = rng.choice(statuses)
            paid = status == Pledge.Status.PAID
            paid_at = now - timedelta(days=rng.randrange(60)) if paid else None
            pledge_rows.append(
                Pledge(
                    campaign=live[i % campaigns],
                    amount_minor=rng.randrange(500, 50_000),
                    currency="USD",
                    status=status,
                    name="Bench Supporter",
                    email=f"bench-{run}-{i}@example.invalid",
                    consent_text="Bench data.",
                    source=rng.choice(SOURCES),
                    source_article_id=rng.choice(article_ids),
                    stripe_checkout_session_id=f"cs_bench_{run}_{i}",
                    paid_at=paid_at,
                    counted_at=paid_at,
                )
            )
        Pledge.objects.bulk_create(pledge_rows, batch_size=BATCH)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
                cursor.execute("ANALYZE campaigns_signature, pledges_pledge, campaigns_campaign")
        self.stdout.write(
            f"Seeded {campaigns} live campaigns, {signatures:,} signatures, {pledges:,} gifts "
            f"in {time.perf_counter() - started:.1f} s."
        )

    def _measure(self, *, renders):
        user = get_user_model().objects.create_user(
            username=f"bench-{uuid.uuid4().hex[:8]}", password=None, is_staff=True
        )
        user.groups.add(Group.objects.get(name=CAMPAIGNERS))
        client = Client()
        client.force_login(user)
        url = reverse("staff:dashboard")
        response = client.get(url, secure=True)  # warm-up: connection, templates, caches
        if response.status_code != 200:
            raise CommandError(f"The dashboard answered {response.status_code}.")
        timings, sql_timings = [], []
        for _ in range(renders):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url, secure=True)
                timings.append((time.perf_counter() - started) * 1000)
            sql_timings.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        self.stdout.write(
            self.style.SUCCESS(
                f"Dashboard: median {statistics.median(timings):.0f} ms over {renders} renders "
                f"(min {min(timings):.0f}, max {max(timings):.0f}), {len(queries)} SQL queries "
                f"taking a median {statistics.median(sql_timings):.0f} ms."
            )
        )
