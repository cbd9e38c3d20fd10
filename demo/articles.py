"""Demo articles for `manage.py load_demo`."""


def load(*, stdout, style):
    """Create the demo articles unless they exist already (idempotent)."""
