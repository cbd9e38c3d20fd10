import io
import logging

from core.logging import RedactPersonalData


def record(msg, *args):
    return logging.LogRecord("test", logging.INFO, __file__, 1, msg, args, None)


def test_email_addresses_are_masked_in_messages_and_arguments():
    rec = record("Signed by %s and %s", "ana.maria+x@example.org", "bob@mail.example.co.uk")

    assert RedactPersonalData().filter(rec) is True
    assert rec.getMessage() == "Signed by [email] and [email]"


def test_stripe_keys_are_masked():
    rec = record("Using sk_test_51AbCdEfGhIjKl and whsec_abcdef123456 and rk_live_ZZZZZZZZ")

    RedactPersonalData().filter(rec)

    message = rec.getMessage()
    assert "sk_test_51" not in message and "whsec_abc" not in message and "rk_live" not in message
    assert message.count("[secret]") == 3


def test_plain_messages_are_untouched():
    rec = record("Campaign %s reached %d signatures", "reunite", 100)

    RedactPersonalData().filter(rec)

    assert rec.msg == "Campaign %s reached %d signatures"
    assert rec.getMessage() == "Campaign reunite reached 100 signatures"


def test_the_site_log_handler_writes_redacted_lines():
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactPersonalData) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        handler.handle(record("Thanks sent to %s", "reader@example.org"))
    finally:
        handler.setStream(previous)

    assert "Thanks sent to [email]" in stream.getvalue()
    assert "reader@example.org" not in stream.getvalue()
