"""Money as integers in a currency's minor unit, and the table of how many decimals each has.

Stripe counts every amount in the currency's smallest unit: cents for USD, yen for JPY (zero
decimals), fils for KWD (three). Nothing here uses floats.
"""

from dataclasses import dataclass
from decimal import Decimal

ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

# Stripe refuses any charge above eight digits in the minor unit (99,999,999 cents = $999,999.99).
STRIPE_MAXIMUM_MINOR = 99_999_999


@dataclass(frozen=True)
class Currency:
    """One currency a campaign may take, with Stripe's own limits for a card charge in it."""

    code: str
    name: str
    exponent: int
    minimum_minor: int  # Stripe's minimum charge, in the minor unit
    maximum_minor: int = STRIPE_MAXIMUM_MINOR


# The one table of currencies a campaign may take: campaign choices, campaign validation, the
# pledge form, the pledge service and the admin's money fields all read it. Minimums are
# Stripe's published minimum charge amounts; Stripe supports more currencies, and each needs
# its minimum checked before it is added here.
CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", "US dollar", 2, 50),
        Currency("EUR", "Euro", 2, 50),
        Currency("GBP", "Pound sterling", 2, 30),
        Currency("CAD", "Canadian dollar", 2, 50),
        Currency("AUD", "Australian dollar", 2, 50),
        Currency("NZD", "New Zealand dollar", 2, 50),
        Currency("CHF", "Swiss franc", 2, 50),
        Currency("SEK", "Swedish krona", 2, 300),
        Currency("NOK", "Norwegian krone", 2, 300),
        Currency("DKK", "Danish krone", 2, 250),
        Currency("MXN", "Mexican peso", 2, 1000),
        Currency("JPY", "Japanese yen", 0, 50),
    )
}
SUPPORTED_CURRENCIES = tuple(CURRENCIES)
CURRENCY_CHOICES = [(c.code, f"{c.code} — {c.name}") for c in CURRENCIES.values()]


def currency(code: str) -> Currency:
    """The table's entry for `code` (any case); ValueError for a currency campaigns cannot take."""
    try:
        return CURRENCIES[code.upper()]
    except KeyError:
        raise ValueError(f"{code!r} is not a currency campaigns can take.") from None


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for USD, 0 for JPY)."""
    code = currency.upper()
    if code in CURRENCIES:
        return CURRENCIES[code].exponent
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    """Major units to minor units; ValueError if the amount has more decimals than allowed."""
    minor = amount.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more decimal places than {currency.upper()} allows.")
    return int(minor)


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Minor units to an exact Decimal in major units (2550 USD -> Decimal('25.50'))."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def format_money(amount_minor: int, currency: str) -> str:
    """Human form, e.g. "$1,250", "$25.50", "¥3,000", "1,250.500 KWD"; whole amounts drop ".00"."""
    code = currency.upper()
    major = to_major(amount_minor, code)
    places = exponent(code) if major != major.to_integral_value() else 0
    number = f"{major:,.{places}f}"
    symbol = SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{number} {code}"


def format_money_full(amount_minor: int, currency: str) -> str:
    """Every minor digit shown, for staff who must see exact figures: "$560.00", "¥3,000"."""
    code = currency.upper()
    number = f"{to_major(amount_minor, code):,.{exponent(code)}f}"
    symbol = SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{number} {code}"
