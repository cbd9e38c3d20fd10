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
