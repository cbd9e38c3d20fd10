"""The admin lists this project shapes run the same number of queries for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.staff.conftest import make_campaign, pledge, sign

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "make_row"),
    [
        ("admin:pledges_pledge_changelist", lambda c: pledge(c, 2500)),
        ("admin:campaigns_signature_changelist", lambda c: sign(c)),
        ("admin:campaigns_campaign_changelist", lambda c: make_campaign()),
    ],
)
def test_admin_lists_run_a_fixed_number_of_queries(admin_client, url_name, make_row):
    campaign = make_campaign(title="A campaign with a title long enough to need a short label")
    for _ in range(3):
        make_row(campaign)
    few = queries(admin_client, reverse(url_name))
    for _ in range(27):
        make_row(campaign)

    assert queries(admin_client, reverse(url_name)) == few
