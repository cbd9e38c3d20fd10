from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_comma_separated_integer_list
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from core.images import StoresImageDimensions
from core.markdown import limit_help, validate_markdown
from core.money import CURRENCY_CHOICES, currency, format_money_full

# Campaign labels in staff lists fit a column of a 1280 px wide admin list.
LABEL_LENGTH = 40

DESCRIPTION_MAX_LENGTH = 10_000


def validate_description(value: str) -> None:
    """A campaign description must be within the Markdown limits (a field error otherwise)."""
    validate_markdown(value, max_length=DESCRIPTION_MAX_LENGTH)


class CampaignQuerySet(models.QuerySet):
    def live(self, *, now=None):
        """Campaigns taking signatures right now: `Campaign.accepts("sign")` as SQL."""
        now = now or timezone.now()
        return self.filter(status=Campaign.Status.LIVE).filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
        )

    def public(self):
        """Campaigns anyone may view: live ones and closed ones (which show their result)."""
        return self.exclude(status=Campaign.Status.DRAFT)


class Campaign(StoresImageDimensions, models.Model):
    """A Take Action campaign: one ask, a petition to sign and, optionally, pledges of money."""

    image_dimension_fields = {"hero_image": ("hero_width", "hero_height")}

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    short_title = models.CharField(
        "label in staff lists",
        max_length=40,
        blank=True,
        help_text="For staff lists and the dashboard. Empty: the title, cut to fit.",
    )
    slug = models.SlugField(max_length=200, unique=True)
    topic = models.ForeignKey(
        "core.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    ask = models.CharField(max_length=240, help_text="The one-line ask shown on cards and buttons.")
    description = models.TextField(
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[validate_description],
        help_text="Markdown. " + limit_help(DESCRIPTION_MAX_LENGTH),
    )
    # The description rendered and sanitised when it was saved (`campaigns.services.campaign_save`).
    description_html = models.TextField(blank=True, editable=False)
    hero_image = models.ImageField(upload_to="campaigns/", blank=True)
    # In pixels, stored when the image is saved (`core.images`): pages print them on <img>
    # without opening the file. Empty with no image, or when the file could not be read.
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
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
    signature_milestones = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_comma_separated_integer_list],
        help_text="Later goals, shown once the goal is reached: e.g. 10000,25000.",
    )
    featured_position = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Order on the Take Action page: 1 comes first. Empty: after the featured "
        "ones, by recent activity.",
    )
    last_action_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The latest counted signature or payment."
    )
    requires_confirmation = models.BooleanField(
        default=True, help_text="Signatures count only once confirmed from the emailed link."
    )

    # Pledge settings. Money is an integer in the currency's minor unit (cents, pence, yen).
    pledges_enabled = models.BooleanField("gifts enabled", default=True)
    currency = models.CharField(max_length=3, default="USD", choices=CURRENCY_CHOICES)
    money_goal_minor = models.PositiveBigIntegerField(default=0)
    monthly_enabled = models.BooleanField(
        "offer monthly gifts",
        default=False,
        help_text="The gift form offers Once or Monthly (a Stripe subscription).",
    )
    pledge_minimum_minor = models.PositiveBigIntegerField(
        "smallest gift",
        null=True,
        blank=True,
        help_text="Empty: one major unit (1 USD...) or Stripe's minimum if higher (50 JPY).",
    )
    pledge_maximum_minor = models.PositiveBigIntegerField(
        "largest gift", null=True, blank=True, help_text="Empty: 10,000 major units."
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

    @property
    def label(self) -> str:
        """The short name staff lists use: `short_title`, or the title cut at a word."""
        if self.short_title:
            return self.short_title
        if len(self.title) <= LABEL_LENGTH:
            return self.title
        return self.title[: LABEL_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-") + "…"

    def get_absolute_url(self):
        return reverse("campaigns:detail", kwargs={"slug": self.slug})

    def clean(self):
        """Gift limits Stripe can take: a minimum below Stripe's minimum charge in the
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

    # --- The one rule for "does this campaign take this action now" -------------------------

    ACTIONS = ("sign", "pledge")

    def accepts(self, action: str, *, now=None) -> str | None:
        """None when the campaign takes `action` ("sign" or "pledge") now; otherwise the reason.

        Reasons: "draft" (not published), "closed" (closed by staff), "not_yet_open" (before
        `opens_at`), "ended" (after `closes_at`), "pledges_off" (pledging only: pledges are
        turned off for this campaign). Every page, form, view, service and template asks this
        method (templates through `sign_refusal` / `pledge_refusal`); `CampaignQuerySet.live()`
        is the same rule for signing, written as SQL for lists, and a test holds them equal.
        """
        if action not in self.ACTIONS:
            raise ValueError(f"Unknown action {action!r}; expected one of {self.ACTIONS}.")
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.status == self.Status.CLOSED:
            return "closed"
        if self.opens_at is not None and self.opens_at > now:
            return "not_yet_open"
        if self.closes_at is not None and self.closes_at <= now:
            return "ended"
        if action == "pledge" and not self.pledges_enabled:
            return "pledges_off"
        return None

    @property
    def sign_refusal(self) -> str | None:
        """`accepts("sign")`, for templates (which cannot pass arguments)."""
        return self.accepts("sign")

    @property
    def pledge_refusal(self) -> str | None:
        """`accepts("pledge")`, for templates."""
        return self.accepts("pledge")

    # --- Progress ----------------------------------------------------------------------------

    def milestones(self) -> list[int]:
        """The signature goal and the staff-set later milestones, ascending, without repeats."""
        steps = {self.signature_goal} if self.signature_goal else set()
        for part in (self.signature_milestones or "").split(","):
            part = part.strip()
            if part.isdigit() and int(part) > 0:
                steps.add(int(part))
        return sorted(steps)

    def signature_progress(self) -> "Progress":
        """Signatures against the displayed goal: the first milestone not yet reached."""
        return Progress.towards(self.signature_count, self.milestones())

    def money_progress(self) -> "Progress":
        """Money collected (minor units) against the money goal."""
        goals = [self.money_goal_minor] if self.money_goal_minor else []
        return Progress.towards(self.amount_collected_minor, goals)

    def pledge_limits(self) -> tuple[int, int]:
        """The (minimum, maximum) pledge in minor units. Never outside Stripe's own limits.

        Empty fields mean one major unit and 10,000 major units. The currency table's minimum
        (Stripe's smallest charge) wins over a lower campaign minimum. ValueError when the
        campaign's currency is not in `core.money.CURRENCIES`.
        """
        table = currency(self.currency)
        unit = 10**table.exponent
        minimum = max(self.pledge_minimum_minor or unit, table.minimum_minor)
        maximum = min(self.pledge_maximum_minor or 10_000 * unit, table.maximum_minor)
        return minimum, maximum


@dataclass(frozen=True)
class Progress:
    """A count against a goal, shaped for the progress bars.

    `goal` is the displayed goal: the first milestone above the count (or the last one, once all
    are reached); `reached` is the milestone just passed, if any. `fill` is the bar's width in
    percent with a minimum visible fill, so 40 of 5,000 is not a one-pixel sliver.
    """

    count: int
    goal: int
    reached: int | None

    MINIMUM_FILL = 3

    @classmethod
    def towards(cls, count: int, goals: list[int]) -> "Progress":
        goals = sorted(g for g in goals if g > 0)
        if not goals:
            return cls(count=count, goal=0, reached=None)
        passed = [g for g in goals if g <= count]
        ahead = [g for g in goals if g > count]
        return cls(
            count=count,
            goal=ahead[0] if ahead else goals[-1],
            reached=passed[-1] if passed else None,
        )

    @property
    def remaining(self) -> int:
        return max(0, self.goal - self.count)

    @property
    def percent(self) -> int:
        if self.goal <= 0:
            return 0
        return min(100, self.count * 100 // self.goal)

    @property
    def fill(self) -> int:
        if self.goal <= 0:
            return 0
        return max(self.MINIMUM_FILL, self.percent)


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
    is_default = models.BooleanField(
        "chosen by default", default=False, help_text="Preselected on the form (one per campaign)."
    )

    class Meta:
        ordering = ["position", "amount_minor"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(is_default=True),
                name="one_default_amount_per_campaign",
            ),
            models.UniqueConstraint(
                fields=["campaign", "amount_minor"], name="suggested_amount_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="suggested_amount_positive"
            ),
        ]

    def __str__(self):
        return format_money_full(self.amount_minor, self.campaign.currency)


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
            # "Recent supporters" reads the newest 12 of these; with the filter in the index it
            # reads just those 12, however few supporters chose to be shown (without it,
            # PostgreSQL walked every confirmed row of the campaign: 46 ms at 100,000).
            models.Index(
                fields=["campaign", "-confirmed_at", "-id"],
                name="signature_public_recent",
                condition=models.Q(
                    confirmed_at__isnull=False, erased_at__isnull=True, show_publicly=True
                ),
            ),
        ]

    def __str__(self):
        # "Ada L. — Reunite families": the initial only, so lists and history show little.
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial} — {self.campaign.label}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
