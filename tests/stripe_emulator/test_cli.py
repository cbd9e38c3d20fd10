"""``python -m stripe_emulator``, as ``bin/dev-server`` runs it."""

import socket
import subprocess
import sys
import time

import requests

from .conftest import Receiver, session_params


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_serves_healthz_and_the_api_and_delivers_webhooks():
    receiver = Receiver(secret="whsec_cli")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--host", "127.0.0.1", "--port", str(port),
         "--webhook-url", receiver.url, "--webhook-secret", "whsec_cli",
         "--delayed-settlement-seconds", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                health = requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert health.status_code == 200
        created = requests.post(
            f"{base}/v1/checkout/sessions",
            data={"mode": "payment", "line_items[0][price_data][currency]": "eur",
                  "line_items[0][price_data][unit_amount]": "1000",
                  "line_items[0][price_data][product_data][name]": "Pledge",
                  "line_items[0][quantity]": "1", "success_url": session_params()["success_url"],
                  "customer_email": "private@example.org"},
            headers={"Authorization": "Bearer sk_test_emulator"}, timeout=5,
        ).json()  # fmt: skip
        pay = requests.post(f"{created['url']}/pay", allow_redirects=False, timeout=5)
        for _ in range(100):
            if receiver.events:
                break
            time.sleep(0.05)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
        receiver.close()

    assert (created["amount_total"], created["currency"]) == (1000, "eur")
    assert pay.status_code == 303
    assert [event.type for event in receiver.events] == ["checkout.session.completed"]
    assert process.returncode == 0
    assert "POST /v1/checkout/sessions -> 200" in output
    assert "checkout.session.completed" in output
    assert "private@example.org" not in output and "sk_test_emulator" not in output


def test_cli_options_set_the_endpoints_events_version_and_delivery():
    from stripe_emulator.__main__ import emulator_options

    options = emulator_options(
        ["--webhook-url", "http://127.0.0.1:8000/hook/", "--webhook-events",
         "checkout.session.completed, charge.refunded", "--webhook-api-version",
         "2025-03-31.basil", "--delivery", "duplicated", "--delivery-delay", "0.5"]
    )  # fmt: skip

    assert options["webhook_enabled_events"] == ["checkout.session.completed", "charge.refunded"]
    assert options["webhook_api_version"] == "2025-03-31.basil"
    assert (options["delivery"], options["delivery_delay"]) == ("duplicated", 0.5)
    assert options["deliver_webhooks"] is True
