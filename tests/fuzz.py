"""Shared hypothesis settings and hostile-value strategies for the property-based tests.

Few examples per test (`FUZZ`), no deadline (a loaded CI machine is slow, not wrong) and no
example database on disk, so the suite stays quick and leaves nothing behind.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a browser can send: any character but lone surrogates (which no encoding can carry).
any_char = st.characters(blacklist_categories=("Cs",))
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t",
    "=cmd|'/Ccalc'!A0@example.org",
    "<script>alert(1)</script>",
    "'; DROP TABLE campaigns_signature; --",
    "😀" * 50,
    "\u202e\u0644\u0627",
    "a" * 5_000,
    "-" * 60,
    "NaN",
    "1e309",
    "-0",
    "９９",
    "0x10",
    "99999999999999999999999",
    "%00",
    "../../etc/passwd",
    "ana@example.org",
    "ANA@EXAMPLE.ORG ",
    "@",
    "a@b",
    "[[take-action:x]]",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(any_char, max_size=300))
# A form value: usually one string, sometimes several for the same name, as browsers can send.
form_value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3))


def form_data(fields: dict) -> st.SearchStrategy:
    """Some of `fields` (name -> strategy) and, sometimes, unknown ones: a hostile POST body."""
    return st.fixed_dictionaries(
        {}, optional={**fields, "unexpected": form_value, "csrfmiddlewaretoken": hostile_text}
    )
