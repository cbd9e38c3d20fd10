from django.apps import AppConfig


class StaffConfig(AppConfig):
    """How staff work: roles (groups), the campaign dashboard and login protection."""

    name = "staff"
