from django.db import models
from django.urls import reverse


class Topic(models.Model):
    """An editorial theme such as "Demand Equity", shared by articles and campaigns.

    It lives in `core` because both articles and campaigns are filed under topics, and
    `campaigns` must not depend on `articles`.
    """

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="One or two sentences for the topic page.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first in menus.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


class EmailDelivery(models.Model):
    """One supporter email on its way out, sent by the task worker through `core.mail`.

    The row is the truth about the email, not the task queue: `core.mail.email_deliver` claims
    it under a lease (`lease_expires_at`), and every attempt schedules its own follow-up before
    it sends, so a worker killed mid-send is retried once the lease runs out. No address is
    stored here: `build` renders the message from `object_id` when it is sent.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not needed"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.SENDING)

    kind = models.CharField(max_length=40, help_text='What it is, e.g. "signature_confirmation".')
    object_id = models.CharField(max_length=64, help_text="The signature or gift it is about.")
    # Dotted paths of module-level functions: build(*, object_id) -> EmailMessage | None, and
    # on_sent(*, object_id, sent_at) -> None.
    build = models.CharField(max_length=200)
    on_sent = models.CharField(max_length=200, blank=True)
    # Not sent again within this many seconds of the last sent email of the same kind and object.
    throttle_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(
        max_length=100, blank=True, help_text="The error's type only: mail errors quote addresses."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "email deliveries"
        constraints = [
            # One email of a kind per object on its way at a time: a second request joins it.
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="one_active_delivery_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "object_id", "sent_at"], name="delivery_kind_object_sent"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.object_id}"

    # What staff read for a stored kind that does not say it plainly. The stored value is an
    # identifier other code looks rows up by, so it keeps its name ("pledge" is not shown).
    KIND_NAMES = {"pledge_receipt": "Gift receipt"}

    def get_kind_display(self) -> str:
        return self.KIND_NAMES.get(self.kind) or self.kind.replace("_", " ").capitalize()
