"""Money as integers in a currency's minor unit, and the table of how many decimals each has.

Stripe counts every amount in the currency's smallest unit: cents for USD, yen for JPY (zero
decimals), fils for KWD (three). Nothing here uses floats.
"""

from decimal import Decimal

ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

# Currencies a campaign may take. Stripe supports more; each needs checking before it is added.
SUPPORTED_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for USD, 0 for JPY)."""
    code = currency.upper()
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
