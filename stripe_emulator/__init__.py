"""An offline, Stripe-compatible test server: Checkout, refunds, disputes, events, webhooks.

A development and test tool only; no app imports it. ``python -m stripe_emulator --help``.
"""

from .server import StripeEmulator, StripeError

__all__ = ["StripeEmulator", "StripeError"]
