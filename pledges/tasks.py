"""Background work for pledges, on Django's tasks framework (`django.tasks`).

The webhook must answer Stripe quickly, so the receipt email is a task: stored by the
configured backend after the payment commits and sent by the worker, never on the request.
"""

from django.tasks import task


@task
def send_pledge_receipt(pledge_id: str) -> bool:
    """Send the receipt for a counted pledge once (see `pledge_send_receipt`)."""
    from pledges.services import pledge_send_receipt

    return pledge_send_receipt(pledge_id=pledge_id)
