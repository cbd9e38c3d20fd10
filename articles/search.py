"""What a reader typed into search, made safe before any database sees it.

PostgreSQL's own `websearch_to_tsquery` fails on some input ("tsquery stack too small" after
about forty dashes) and psycopg refuses NUL bytes, which answered 500. So the query is parsed
here, by a parser that has no recursion and no operators to overflow: control characters are
dropped, the text is capped, and what is left is at most `MAX_TERMS` terms, each a run of
letters and digits, a "quoted phrase", or a -excluded word. Each term becomes its own
`plainto_tsquery` or `phraseto_tsquery`, which accept any words.
"""

import re
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_PHRASE_WORDS = 6

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A quoted phrase, or a run of anything but spaces and quotes, each maybe led by dashes.
TOKEN = re.compile(r'(-*)"([^"]*)"?|(-*)([^\s"]+)')
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    excluded: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)


def search_text_clean(text: str) -> str:
    """The query as shown back to the reader: control characters gone, spaces folded, capped."""
    text = CONTROL_CHARACTERS.sub(" ", text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_terms(text: str) -> list[Term]:
    """Parse `text` into at most `MAX_TERMS` terms. Never raises; any string is accepted.

    "quoted words" make a phrase; a leading dash excludes a word or phrase; everything that is
    not a letter or digit separates words. An input with no word gives no terms.
    """
    terms: list[Term] = []
    for match in TOKEN.finditer(search_text_clean(text)):
        phrase_dashes, phrase, dashes, bare = match.groups()
        if phrase is not None:
            words = tuple(WORD.findall(phrase))[:MAX_PHRASE_WORDS]
            excluded = bool(phrase_dashes)
            if words:
                terms.append(Term(words=words, excluded=excluded))
        else:
            # "e-mail" or "covid-19" is one term of several words, searched as a phrase.
            words = tuple(WORD.findall(bare))[:MAX_PHRASE_WORDS]
            if words:
                terms.append(Term(words=words, excluded=bool(dashes)))
        if len(terms) == MAX_TERMS:
            break
    return terms
