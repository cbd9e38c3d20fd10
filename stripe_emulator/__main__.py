"""``python -m stripe_emulator``: serve the emulator until interrupted (used by ``make run``)."""

import argparse
import logging
import signal
import sys
import threading

from .server import API_VERSION, StripeEmulator
from .webhooks import DELIVERY_MODES


def emulator_options(argv: list[str] | None = None) -> dict:
    """The command line as ``StripeEmulator`` keyword arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m stripe_emulator",
        allow_abbrev=False,
        description="Offline Stripe-compatible test server (test mode only, no real payments).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parser.add_argument("--webhook-url", help="where signed events are POSTed (none: no webhooks)")
    parser.add_argument("--webhook-secret", default="whsec_test_emulator")
    parser.add_argument(
        "--webhook-events",
        default="*",
        help="comma-separated event types the endpoint receives ('*': all, the default)",
    )
    parser.add_argument(
        "--webhook-api-version",
        default=API_VERSION,
        help=f"the API version events are rendered in (default {API_VERSION}, the SDK's)",
    )
    parser.add_argument("--delivery", choices=DELIVERY_MODES, default="in_order")
    parser.add_argument(
        "--delivery-delay", type=float, default=0.0, help="seconds before each first attempt"
    )
    parser.add_argument(
        "--delayed-settlement-seconds",
        type=float,
        default=10.0,
        help="after 'Pay with delayed settlement', settle as succeeded this much later "
        "(negative: never, settle with the Python helper instead)",
    )
    args = parser.parse_args(argv)
    return {
        "host": args.host,
        "port": args.port,
        "webhook_url": args.webhook_url,
        "webhook_secret": args.webhook_secret,
        "deliver_webhooks": bool(args.webhook_url),
        "webhook_enabled_events": [e.strip() for e in args.webhook_events.split(",") if e.strip()],
        "webhook_api_version": args.webhook_api_version,
        "delivery": args.delivery,
        "delivery_delay": args.delivery_delay,
        "delayed_settlement_seconds": (
            args.delayed_settlement_seconds if args.delayed_settlement_seconds >= 0 else None
        ),
    }


def main(argv: list[str] | None = None) -> int:
    options = emulator_options(argv)
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s stripe-emulator %(message)s"
    )
    emulator = StripeEmulator(**options)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: `&` in scripts ignores it
        signal.signal(signum, lambda *_: stopped.set())
    emulator.start()
    logging.getLogger("stripe_emulator").info(
        "listening on %s (webhooks: %s, delivery: %s)",
        emulator.base_url,
        options["webhook_url"] or "off",
        options["delivery"],
    )
    try:
        stopped.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
