"""Demo pledges for `manage.py load_demo`."""


def load(*, stdout, style):
    """Create the demo pledges unless they exist already (idempotent)."""
