from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo content for development and review: `manage.py load_demo`, and shared factories."""

    name = "demo"
