"""`manage.py bench_dashboard`: seeds, measures, and leaves the database as it was."""

from io import StringIO

from django.core.management import call_command

from campaigns.models import Campaign, Signature
from pledges.models import Pledge


def test_the_benchmark_reports_timing_and_queries_and_rolls_its_rows_back(db):
    out = StringIO()
    call_command("bench_dashboard", signatures=300, pledges=40, campaigns=2, renders=2, stdout=out)
    output = out.getvalue()
    assert "Seeded 2 live campaigns, 300 signatures, 40 gifts" in output
    assert "over 2 renders" in output
    assert "10 SQL queries" in output
    assert "rolled back" in output
    assert not Signature.objects.exists()
    assert not Pledge.objects.exists()
    assert not Campaign.objects.exists()
