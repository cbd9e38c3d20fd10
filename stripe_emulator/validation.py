"""Parameter checks with Stripe's limits: currencies, minimum and maximum amounts, emails, URLs.

The emulator imports no app code, so it keeps its own copy of Stripe's published limits; the
app's table (``core/money.py``) is checked against this one by the emulator's tests.
"""

import re
from urllib.parse import urlsplit

from .errors import invalid

__all__ = [
    "MAXIMUM_AMOUNT", "MINIMUM_CHARGE", "SUPPORTED_CURRENCIES", "check_amount", "check_currency",
    "check_email", "check_url", "enum", "format_amount", "integer", "metadata",
    "statement_descriptor_suffix", "string",
]  # fmt: skip

# Stripe's presentment currencies for a US account (lowercase, as the API takes them).
SUPPORTED_CURRENCIES = frozenset(
    """usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp
    byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip
    gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp
    lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab
    pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb
    tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw""".split()
)
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())

# Stripe's published minimum charge amounts, in the minor unit. Other currencies are converted
# to the settlement currency by Stripe and checked there; the emulator has no exchange rates
# and asks only for a positive amount in them (README: differences from Stripe).
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
    "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50,
    "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300,
    "sgd": 50, "thb": 1000,
}  # fmt: skip
MAXIMUM_AMOUNT = 99_999_999  # eight digits in the minor unit, in every currency

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def format_amount(amount_minor: int, currency: str) -> str:
    """``50, "usd"`` -> ``"0.50 USD"``; ``50, "jpy"`` -> ``"50 JPY"`` (for messages)."""
    if currency in ZERO_DECIMAL:
        return f"{amount_minor:,} {currency.upper()}"
    major, minor = divmod(amount_minor, 100)
    return f"{major:,}.{minor:02d} {currency.upper()}"


def check_currency(value, param: str) -> str:
    """The currency, lowercased; Stripe's error naming the supported ones otherwise."""
    code = value.lower() if isinstance(value, str) else ""
    if code not in SUPPORTED_CURRENCIES:
        raise invalid(
            f"Invalid currency: {code or value!r}. Stripe currently supports these currencies: "
            + ", ".join(sorted(SUPPORTED_CURRENCIES)),
            code="invalid_currency", param=param,
        )  # fmt: skip
    return code


def check_amount(amount: int, currency: str, param: str, *, what: str) -> None:
    """Stripe's minimum charge for the currency and its eight-digit maximum."""
    minimum = MINIMUM_CHARGE.get(currency, 1)
    if amount < minimum:
        raise invalid(
            f"{what} must add up to at least {format_amount(minimum, currency)}.",
            code="amount_too_small", param=param,
        )  # fmt: skip
    if amount > MAXIMUM_AMOUNT:
        raise invalid(
            f"{what} must be no more than {format_amount(MAXIMUM_AMOUNT, currency)}.",
            code="amount_too_large", param=param,
        )  # fmt: skip


def check_email(value, param: str) -> str:
    # The address is not repeated in the message: answers end up in logs.
    if not isinstance(value, str) or len(value) > 512 or not _EMAIL.fullmatch(value):
        raise invalid("Invalid email address.", code="email_invalid", param=param)
    return value


def check_url(value, param: str) -> str:
    """An absolute http(s) URL with a host (test mode allows http, as Stripe does)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("Not a valid URL", code="url_invalid", param=param)
    if len(value) > 5000:
        raise invalid("URL must be at most 5000 characters.", code="url_invalid", param=param)
    return value


def integer(value, param: str, minimum: int = 0) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise invalid(f"Invalid integer: {value}", code="parameter_invalid_integer", param=param)
    if int(value) < minimum:
        raise invalid(
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer", param=param,
        )  # fmt: skip
    return int(value)


def string(value, param: str, *, max_length: int = 5000) -> str:
    if not isinstance(value, str):
        raise invalid("Invalid string", code="parameter_invalid_string", param=param)
    if len(value) > max_length:
        raise invalid(
            f"This value must be at most {max_length} characters.",
            code="parameter_invalid_string", param=param,
        )  # fmt: skip
    return value


def enum(value, param: str, choices) -> str:
    if value not in choices:
        raise invalid(
            f"Invalid {param}: must be one of {', '.join(sorted(choices))}",
            code="parameter_invalid_enum", param=param,
        )  # fmt: skip
    return value


def metadata(value, param: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
        raise invalid("Invalid object", code="parameter_invalid_string_object", param=param)
    if len(value) > 50 or any(len(k) > 40 or len(v) > 500 for k, v in value.items()):
        raise invalid(
            "Metadata allows at most 50 keys of 40 characters and values of 500 characters.",
            code="parameter_invalid_string_object", param=param,
        )  # fmt: skip
    return dict(value)


def statement_descriptor_suffix(value, param: str) -> str:
    """At most 22 characters, no ``< > \\ ' " *``, at least one letter (Stripe's rules)."""
    value = string(value, param, max_length=22)
    if re.search(r"[<>\\'\"*]", value) or not re.search(r"[A-Za-z]", value):
        raise invalid(
            "The statement descriptor suffix must contain a letter and none of < > \\ ' \" *.",
            code="parameter_invalid_string", param=param,
        )  # fmt: skip
    return value
