"""The admin history (django.contrib.admin's LogEntry) forgets erased supporters too."""

from collections.abc import Iterable

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

ERASED = "[erased]"


def history_scrub(
    *,
    model,
    object_ids: Iterable,
    object_repr: str,
    quoted: Iterable[str],
    names: Iterable[str] = (),
) -> int:
    """Remove a supporter from the admin history. Returns how many entries changed.

    Entries about the objects `object_ids` of `model` get `object_repr` as their name (the
    admin names a row by `str()`, which may hold a name), and lose every one of `quoted` and
    `names` from their messages. Any other entry anywhere that quotes one of `quoted` (an
    address, a full name: distinctive enough to search for) loses it too. Matching is
    case-insensitive; each match becomes "[erased]". Call it inside the erasing transaction.
    """
    ids = [str(pk) for pk in object_ids]
    content_type = ContentType.objects.get_for_model(model)
    quoted, names = _words(quoted), _words(names)
    own_words = sorted(set(quoted) | set(names), key=len, reverse=True)
    about = Q(content_type=content_type, object_id__in=ids)
    quoting = Q()
    for word in quoted:
        quoting |= Q(change_message__icontains=word) | Q(object_repr__icontains=word)
    changed = 0
    for entry in LogEntry.objects.filter(about | quoting).iterator():
        own = entry.object_id in ids and entry.content_type_id == content_type.pk
        message, name = entry.change_message, object_repr if own else entry.object_repr
        for word in own_words if own else quoted:
            message, name = _replace(message, word), _replace(name, word)
        if (message, name) != (entry.change_message, entry.object_repr):
            LogEntry.objects.filter(pk=entry.pk).update(change_message=message, object_repr=name)
            changed += 1
    return changed


def _words(words: Iterable[str]) -> list[str]:
    """Distinct, stripped, longest first (so a full name goes before its parts); 3+ letters."""
    return sorted({w.strip() for w in words if len(w.strip()) >= 3}, key=len, reverse=True)


def _replace(text: str, word: str) -> str:
    lowered, target = text.lower(), word.lower()
    if target not in lowered:
        return text
    parts, start = [], 0
    while (found := lowered.find(target, start)) != -1:
        parts.append(text[start:found])
        parts.append(ERASED)
        start = found + len(target)
    parts.append(text[start:])
    return "".join(parts)
