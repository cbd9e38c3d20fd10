"""The hosted test checkout page: plain, accessible HTML with no external assets."""

from html import escape

__all__ = ["format_amount", "render_checkout_page"]

_ZERO_DECIMAL = set("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMAL = set("BHD JOD KWD OMR TND".split())

_STYLE = """
body{font:1rem/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1a1a1a}
main{max-width:32rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;
border:1px solid #c9ced6}
.banner{margin:0;background:#7a3e00;color:#fff;padding:.75rem 1rem;font-weight:700;
text-align:center}
h1{font-size:1.5rem;margin:.5rem 0}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
.alert{border:2px solid #a4161a;background:#fdecec;color:#7d0f12;padding:.75rem;border-radius:6px}
.notice{border:2px solid #1d4f91;background:#eaf1fb;color:#123a6b;padding:.75rem;border-radius:6px}
form{margin:.5rem 0}
button{font:inherit;width:100%;padding:.75rem;border-radius:6px;border:2px solid #1d4f91;
background:#1d4f91;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1d4f91}
button:focus-visible,a:focus-visible{outline:3px solid #e8a100;outline-offset:2px}
a{color:#1d4f91}
.help{color:#4a4f57;font-size:.9rem}
"""


def format_amount(amount_minor: int, currency: str) -> str:
    """``2550, "usd"`` -> ``"25.50 USD"``; ``500, "jpy"`` -> ``"500 JPY"``."""
    code = currency.upper()
    exponent = 0 if code in _ZERO_DECIMAL else 3 if code in _THREE_DECIMAL else 2
    if exponent == 0:
        return f"{amount_minor:,} {code}"
    major, minor = divmod(amount_minor, 10**exponent)
    return f"{major:,}.{minor:0{exponent}d} {code}"


def _button(session_id: str, action: str, label: str, css: str = "") -> str:
    css_attr = f' class="{css}"' if css else ""
    return (
        f'<form method="post" action="/checkout/{escape(session_id)}/{action}">'
        f'<button type="submit"{css_attr}>{escape(label)}</button></form>'
    )


def render_checkout_page(session: dict, description: str, message: str = "") -> str:
    """The page for one Checkout Session; buttons only while it is open."""
    session_id = session["id"]
    amount = format_amount(session["amount_total"], session["currency"])
    if session["status"] == "open":
        alert = f'<p class="alert" role="alert">{escape(message)}</p>' if message else ""
        body = f"""{alert}
<p class="help">Choose what the test payment should do. Nothing is charged.</p>
{_button(session_id, "pay", "Pay")}
{_button(session_id, "pay-delayed", "Pay with delayed settlement", "secondary")}
{_button(session_id, "decline", "Decline", "secondary")}
{_button(session_id, "cancel", "Cancel", "secondary")}"""
    else:
        state = {
            "complete": "This checkout session is already complete; it cannot be paid again.",
            "expired": "This checkout session has expired; it can no longer be paid.",
        }[session["status"]]
        body = f'<p class="notice" role="status">{escape(message or state)}</p>'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Test checkout: {escape(amount)} (Stripe emulator)</title>
<style>{_STYLE}</style>
</head>
<body>
<header><p class="banner">TEST MODE — Stripe emulator, no real payment</p></header>
<main>
<h1>Test checkout</h1>
<p>{escape(description)}</p>
<p class="amount">{escape(amount)}</p>
{body}
</main>
</body>
</html>
"""
