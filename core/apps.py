from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site-wide plumbing the three product apps share: safe Markdown, rate limits, health."""

    name = "core"

    def ready(self):
        from core import checks  # noqa: F401 - registers the system checks.
        from core.models import Topic
        from core.pagecache import invalidate_on

        invalidate_on(Topic)
