from django.conf import settings

from core.models import Topic


def site(request):
    """The site's name, base URL and topic menu, for the layout, meta tags and share links.

    `nav_topics` is a lazy queryset: one query, only on pages that render the menu.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "nav_topics": Topic.objects.only("name", "slug"),
    }
