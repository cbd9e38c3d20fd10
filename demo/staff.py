"""The demo staff account, created by `load_demo` in development (DEBUG on) only."""

from django.contrib.auth import get_user_model

DEMO_USERNAME = "demo-admin"
DEMO_PASSWORD = "demo-admin-password"  # noqa: S105 - development only, printed for the newcomer.


def load(*, stdout, style):
    """Create (or reset) the demo superuser and print how to sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={"email": "demo-admin@localhost", "is_staff": True, "is_superuser": True},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    stdout.write(
        style.WARNING(
            f"Demo staff login (development only): {DEMO_USERNAME} / {DEMO_PASSWORD} at /admin/"
        )
    )
