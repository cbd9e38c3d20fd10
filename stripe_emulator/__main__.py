"""``python -m stripe_emulator``: serve the emulator until interrupted (used by ``make run``)."""

import argparse
import logging
import signal
import sys
import threading

from .server import StripeEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_emulator",
        description="Offline Stripe-compatible test server (test mode only, no real payments).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parser.add_argument("--webhook-url", help="where signed events are POSTed (none: no webhooks)")
    parser.add_argument("--webhook-secret", default="whsec_test_emulator")
    parser.add_argument(
        "--delayed-settlement-seconds",
        type=float,
        default=10.0,
        help="after 'Pay with delayed settlement', settle as succeeded this much later "
        "(negative: never, settle with the Python helper instead)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s stripe-emulator %(message)s"
    )
    emulator = StripeEmulator(
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        deliver_webhooks=bool(args.webhook_url),
        delayed_settlement_seconds=(
            args.delayed_settlement_seconds if args.delayed_settlement_seconds >= 0 else None
        ),
    )
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: `&` in scripts ignores it
        signal.signal(signum, lambda *_: stopped.set())
    emulator.start()
    logging.getLogger("stripe_emulator").info(
        "listening on %s (webhooks: %s)", emulator.base_url, args.webhook_url or "off"
    )
    try:
        stopped.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
