import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.money import format_money_full


class Pledge(models.Model):
    """A supporter's gift of money to a campaign ("gift" to staff and supporters alike).

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
        CHARGED_BACK = "charged_back", "Lost to a dispute"

    class Frequency(models.TextChoices):
        ONCE = "once", "Once"
        MONTHLY = "monthly", "Monthly"

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
    # Which Checkout attempt the next try belongs to: the idempotency key names it. It moves on
    # after Stripe answered an error (Stripe replays that answer under the old key for a day)
    # and stays after a timeout (Stripe may have created the session under it).
    checkout_attempt = models.PositiveIntegerField(default=0, editable=False)
    # Kept equal to the sum of the pledge's succeeded Refund rows, under the pledge's row lock.
    amount_refunded_minor = models.PositiveBigIntegerField(default=0)
    # Money a dispute took back and has not returned (see Dispute.withdrawn_minor).
    amount_withdrawn_minor = models.PositiveBigIntegerField(default=0)
    checkout_error = models.CharField(max_length=255, blank=True)

    # Monthly giving (docs/monthly.md). A monthly gift is the pledge the supporter made on the
    # form: its first invoice pays and counts it (and its supporter). Each renewal invoice is
    # a pledge of its own pointing back at the gift, so refunds and disputes of a renewal are
    # those of a one-off payment; a failed renewal is a "failed" row that counts nothing.
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.ONCE)
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name="monthly gift",
        help_text="The monthly gift this renewal payment belongs to.",
    )
    stripe_invoice_id = models.CharField(max_length=255, null=True, blank=True, editable=False)
    stripe_customer_id = models.CharField(max_length=255, blank=True, editable=False)
    stripe_subscription_id = models.CharField(max_length=255, null=True, blank=True, editable=False)
    # Stripe's subscription status on the gift ("active", "past_due", "canceled" ...).
    subscription_status = models.CharField(max_length=30, blank=True, editable=False)
    cancel_at_period_end = models.BooleanField(default=False, editable=False)
    subscription_canceled_at = models.DateTimeField(null=True, blank=True, editable=False)
    subscription_ended_at = models.DateTimeField(null=True, blank=True, editable=False)

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
            # Each Stripe invoice pays (or fails) one row: a duplicate invoice event counts once.
            models.UniqueConstraint(
                fields=["stripe_invoice_id"],
                condition=Q(stripe_invoice_id__isnull=False),
                name="one_pledge_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                condition=Q(stripe_subscription_id__isnull=False, renewal_of__isnull=True),
                name="one_gift_per_subscription",
            ),
            models.CheckConstraint(
                condition=Q(renewal_of__isnull=True) | Q(frequency="monthly"),
                name="renewals_are_monthly",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded_minor__lte=models.F("amount_minor")),
                name="pledge_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount_withdrawn_minor__lte=models.F("amount_minor")
                    - models.F("amount_refunded_minor")
                ),
                name="pledge_refund_and_dispute_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="pledge_campaign_status"),
            models.Index(
                fields=["campaign", "subscription_status"],
                condition=Q(frequency="monthly", renewal_of__isnull=True),
                name="pledge_monthly_gifts",
            ),
        ]
        verbose_name = "gift"
        verbose_name_plural = "gifts"
        permissions = [
            ("export_pledge", "Can export gifts as CSV"),
            ("refund_pledge", "Can refund a gift through Stripe"),
        ]

    def __str__(self):
        # "$25.00 to Reunite All Separated Families — paid" (lists select the campaign with it).
        amount = format_money_full(self.amount_minor, self.currency)
        return f"{amount} to {self.campaign.label} — {self.get_status_display().lower()}"

    @property
    def is_monthly_gift(self) -> bool:
        """The supporter's monthly gift itself (not one of its renewal payments)."""
        return self.frequency == self.Frequency.MONTHLY and self.renewal_of_id is None

    @property
    def net_minor(self) -> int:
        """What the campaign keeps of this pledge once it counts: paid less refunds and disputes."""
        return max(self.amount_minor - self.amount_refunded_minor - self.amount_withdrawn_minor, 0)


class Refund(models.Model):
    """One Stripe refund of (part of) a pledge, asked for by staff here or in Stripe's dashboard.

    Only a succeeded refund lowers the money collected; a failed or canceled one gives it back.
    A row made here starts "requested" before Stripe is asked, so two staff members refunding
    at once cannot ask for more than the pledge has left.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (Stripe not yet answered)"
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires action"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        ERRORED = "errored", "Refused by Stripe"

    class Reason(models.TextChoices):
        REQUESTED_BY_CUSTOMER = "requested_by_customer", "Requested by the supporter"
        DUPLICATE = "duplicate", "Duplicate"
        FRAUDULENT = "fraudulent", "Fraudulent"
        OTHER = "", "Other or not given"

    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, related_name="refunds", verbose_name="gift"
    )
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, editable=False)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=40, choices=Reason.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a refund made in Stripe's dashboard.",
    )
    failure_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_refund_id"],
                condition=Q(stripe_refund_id__isnull=False),
                name="one_row_per_stripe_refund",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        amount = format_money_full(self.amount_minor, self.currency)
        return f"Refund of {amount} — {self.get_status_display().lower()}"


class Dispute(models.Model):
    """A chargeback (or inquiry) on a pledge's payment, as Stripe reports it.

    `withdrawn_minor` is what the dispute currently holds back from the campaign: Stripe
    withdraws the amount when the dispute opens and reinstates it if it is won.
    """

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        PREVENTED = "prevented", "Prevented"

    OPEN_STATUSES = (
        Status.WARNING_NEEDS_RESPONSE,
        Status.WARNING_UNDER_REVIEW,
        Status.NEEDS_RESPONSE,
        Status.UNDER_REVIEW,
    )

    # A chargeback under way: Stripe refuses refunds (`charge_disputed`); an inquiry does not.
    BLOCKS_REFUNDS = (Status.NEEDS_RESPONSE, Status.UNDER_REVIEW)

    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, related_name="disputes", verbose_name="gift"
    )
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=30, choices=Status.choices)
    reason = models.CharField(max_length=60, blank=True)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    funds_withdrawn_at = models.DateTimeField(null=True, blank=True)
    funds_reinstated_at = models.DateTimeField(null=True, blank=True)
    withdrawn_minor = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["evidence_due_by", "-created_at"]
        indexes = [models.Index(fields=["status", "evidence_due_by"], name="dispute_queue")]

    def __str__(self):
        return f"Dispute {self.stripe_dispute_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class StripeEvent(models.Model):
    """Every verified Stripe webhook event, stored once (the primary key is Stripe's id).

    `processed_at` is set in the same transaction as the event's effect. An event the app
    cannot apply yet (an API version it does not read) is kept with `error` set and
    `processed_at` empty, for `replay_stripe_events` or the admin action to apply later.
    """

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    api_version = models.CharField(max_length=40, blank=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField(default=dict)
    created = models.DateTimeField(null=True, blank=True, help_text="When Stripe made it.")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="stripe_event_unprocessed",
            )
        ]

    def __str__(self):
        return f"{self.id} ({self.type})"
