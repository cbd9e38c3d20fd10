import uuid

from django.db import models
from django.db.models import Q

from core.money import format_money_full


class Pledge(models.Model):
    """A supporter's pledge of money to a campaign.

    Created pending before Stripe Checkout; counts toward the campaign only once Stripe confirms
    payment (`counted_at` is set in the same transaction as the campaign's total changes).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (checkout started)"
        PROCESSING = "processing", "Processing (payment not settled)"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        REFUNDED = "refunded", "Refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="pledges"
    )
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    public_message = models.CharField(max_length=280, blank=True)
    is_anonymous = models.BooleanField(default=False)
    wants_updates = models.BooleanField(default=False)
    consent_text = models.TextField()

    source = models.CharField(max_length=100, blank=True)
    utm = models.JSONField(default=dict, blank=True)
    # articles.Article id, kept without a foreign key (pledges does not depend on articles).
    source_article_id = models.PositiveBigIntegerField(null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)

    # A random value the pledge form carries: re-posting the same form (a double click, a retry
    # after an outage) finds this pledge again instead of creating a second one.
    form_token = models.UUIDField(null=True, blank=True, editable=False)

    stripe_checkout_session_id = models.CharField(max_length=255, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    amount_refunded_minor = models.PositiveBigIntegerField(default=0)
    checkout_error = models.CharField(max_length=255, blank=True)
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_checkout_session_id"],
                condition=Q(stripe_checkout_session_id__isnull=False),
                name="one_pledge_per_checkout_session",
            ),
            models.UniqueConstraint(
                fields=["form_token"],
                condition=Q(form_token__isnull=False),
                name="one_pledge_per_form_submission",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded_minor__lte=models.F("amount_minor")),
                name="pledge_refund_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="pledge_campaign_status")]
        permissions = [
            ("export_pledge", "Can export pledges as CSV"),
            ("refund_pledge", "Can refund a pledge through Stripe"),
        ]

    def __str__(self):
        # "$25.00 to Reunite All Separated Families — paid" (lists select the campaign with it).
        amount = format_money_full(self.amount_minor, self.currency)
        return f"{amount} to {self.campaign.label} — {self.get_status_display().lower()}"


class StripeEvent(models.Model):
    """A Stripe webhook event, stored once, in the same transaction as its effect."""

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.id} ({self.type})"
