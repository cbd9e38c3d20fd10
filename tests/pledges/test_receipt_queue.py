"""The webhook answers Stripe without waiting for the receipt email: the receipt is queued."""

import pytest
from django.core import mail
from django.tasks import default_task_backend

from core.mail import email_deliver
from core.models import EmailDelivery
from pledges.services import RECEIPT_EMAIL
from tests.pledges.helpers import checkout_session_for, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    """A backend that stores tasks and runs none, like a queue whose worker is busy."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    return default_task_backend


def test_the_webhook_answers_before_the_receipt_is_sent(
    post_event, pledge, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(event("checkout.session.completed", checkout_session_for(pledge)))

    assert response.status_code == 200
    assert mail.outbox == []  # nothing was sent while Stripe waited for the answer
    (queued,) = queue.results
    assert queued.task.name == email_deliver.name
    assert queued.kwargs == {"kind": RECEIPT_EMAIL, "object_id": str(pledge.pk)}
    assert EmailDelivery.objects.get(kind=RECEIPT_EMAIL).object_id == str(pledge.pk)

    # The worker runs the stored task later; the receipt goes out once.
    email_deliver.call(**queued.kwargs)
    email_deliver.call(**queued.kwargs)
    assert [m.to for m in mail.outbox] == [[pledge.email]]
