from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from core.money import CURRENCY_CHOICES, currency


class CampaignQuerySet(models.QuerySet):
    def live(self, *, now=None):
        """Campaigns open to the public right now: live, opened, and not yet closed."""
        now = now or timezone.now()
        return self.filter(status=Campaign.Status.LIVE).filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
        )

    def public(self):
        """Campaigns anyone may view: live ones and closed ones (which show their result)."""
        return self.exclude(status=Campaign.Status.DRAFT)


class Campaign(models.Model):
    """A Take Action campaign: one ask, a petition to sign and, optionally, pledges of money."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    topic = models.ForeignKey(
        "core.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    ask = models.CharField(max_length=240, help_text="The one-line ask shown on cards and buttons.")
    description = models.TextField(blank=True, help_text="Markdown. Sanitised when shown.")
    hero_image = models.ImageField(upload_to="campaigns/", blank=True)
    hero_alt = models.CharField(
        "hero image alt text", max_length=250, blank=True, help_text="Required with an image."
    )
    hero_credit = models.CharField(max_length=120, blank=True, help_text='E.g. "Getty Images".')
    targets = models.CharField(
        max_length=200,
        blank=True,
        help_text='Who the petition is addressed to, e.g. "US Congress".',
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    signature_goal = models.PositiveIntegerField(default=1000)
    requires_confirmation = models.BooleanField(
        default=True, help_text="Signatures count only once confirmed from the emailed link."
    )

    # Pledge settings. Money is an integer in the currency's minor unit (cents, pence, yen).
    pledges_enabled = models.BooleanField(default=True)
    currency = models.CharField(max_length=3, default="USD", choices=CURRENCY_CHOICES)
    money_goal_minor = models.PositiveBigIntegerField(default=0)
    monthly_enabled = models.BooleanField(
        "offer monthly gifts",
        default=False,
        help_text="The pledge form offers Once or Monthly (a Stripe subscription).",
    )
    pledge_minimum_minor = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Empty: one major unit (1 USD...) or Stripe's minimum if higher (50 JPY).",
    )
    pledge_maximum_minor = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty: 10,000 major units."
    )

    # Counters, kept for speed; changed only by campaigns.services with atomic F() updates and
    # rebuilt from the rows by `manage.py recount`.
    signature_count = models.PositiveIntegerField(default=0, editable=False)
    amount_collected_minor = models.BigIntegerField(default=0, editable=False)
    supporter_count = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="campaign_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(amount_collected_minor__gte=0), name="campaign_collected_not_negative"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaigns:detail", kwargs={"slug": self.slug})

    def clean(self):
        """Pledge limits Stripe can take: a minimum below Stripe's minimum charge in the
        currency would fail at Checkout for every supporter who tried it."""
        super().clean()
        try:
            limits = currency(self.currency)
        except ValueError:
            return  # The field's choices already say so.
        errors = {}
        if self.pledge_minimum_minor is not None:
            if self.pledge_minimum_minor < limits.minimum_minor:
                errors["pledge_minimum_minor"] = ValidationError(
                    f"Stripe's smallest {limits.code} charge is {limits.minimum_minor} "
                    "(in the minor unit); the minimum cannot be lower.",
                    code="below_stripe_minimum",
                )
        if self.pledge_maximum_minor is not None:
            if self.pledge_maximum_minor > limits.maximum_minor:
                errors["pledge_maximum_minor"] = ValidationError(
                    f"Stripe takes at most {limits.maximum_minor} (in the minor unit).",
                    code="above_stripe_maximum",
                )
            elif self.pledge_maximum_minor < max(
                self.pledge_minimum_minor or 0, limits.minimum_minor
            ):
                errors["pledge_maximum_minor"] = ValidationError(
                    "The maximum cannot be below the minimum.", code="below_minimum"
                )
        if errors:
            raise ValidationError(errors)

    def signing_state(self, *, now=None) -> str:
        """Why the campaign does or does not take signatures: "open", "draft", "closed" (by
        staff), "not_yet_open" (before `opens_at`) or "ended" (after `closes_at`)."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.status == self.Status.CLOSED:
            return "closed"
        if self.opens_at is not None and self.opens_at > now:
            return "not_yet_open"
        if self.closes_at is not None and self.closes_at <= now:
            return "ended"
        return "open"

    def is_open(self, *, now=None) -> bool:
        """True while supporters may sign or pledge."""
        now = now or timezone.now()
        return (
            self.status == self.Status.LIVE
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or self.closes_at > now)
        )


class Partner(models.Model):
    """An organisation running the campaign with us."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(max_length=120)
    url = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class SuggestedAmount(models.Model):
    """A one-click amount offered on the pledge form, in the campaign's minor unit."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="suggested_amounts"
    )
    amount_minor = models.PositiveBigIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "amount_minor"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "amount_minor"], name="suggested_amount_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="suggested_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.amount_minor} {self.campaign.currency}"


class SignatureQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True)


class Signature(models.Model):
    """One supporter's name on one campaign's petition.

    Counts toward the campaign once `confirmed_at` is set. The same normalised email signs a
    campaign once at most: the unique constraint, not a check in code, guarantees it.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="signatures")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    email_normalized = models.CharField(max_length=254, editable=False)
    country = CountryField()
    postal_code = models.CharField(max_length=20, blank=True)
    comment = models.TextField(max_length=1000, blank=True)
    show_publicly = models.BooleanField(default=False)
    wants_updates = models.BooleanField(default=False)
    consent_text = models.TextField(help_text="The exact wording the supporter agreed to.")

    # Where the action came from.
    source = models.CharField(max_length=100, blank=True)
    utm = models.JSONField(default=dict, blank=True)
    # articles.Article id, kept without a foreign key: campaigns does not depend on articles.
    source_article_id = models.PositiveBigIntegerField(null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "email_normalized"], name="one_signature_per_email"
            ),
        ]
        permissions = [
            ("export_signature", "Can export signatures as CSV"),
            ("erase_supporter", "Can erase a supporter's personal data"),
        ]
        indexes = [
            models.Index(fields=["campaign", "confirmed_at"], name="signature_campaign_confirmed"),
            models.Index(fields=["email_normalized"], name="signature_email"),
        ]

    def __str__(self):
        return f"{self.first_name} on {self.campaign_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
