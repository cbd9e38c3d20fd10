"""Demo campaigns for `manage.py load_demo`."""


def load(*, stdout, style):
    """Create the demo campaigns unless they exist already (idempotent)."""
