"""The admin history (django.contrib.admin's LogEntry) forgets erased supporters too."""

from collections.abc import Iterable

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

ERASED = "[erased]"


def history_scrub(*, model, object_ids: Iterable, words: Iterable[str], object_repr: str) -> int:
    """Remove a supporter from the admin history. Returns how many entries changed.

    Entries about the objects `object_ids` of `model` get `object_repr` as their name (the
    admin names a row by `str()`, which may hold a name). In those entries, and in any entry
    anywhere whose message quotes one of them, each of `words` (an address, a full name;
    matched case-insensitively) becomes "[erased]". Call it inside the erasing transaction.
    """
    ids = [str(pk) for pk in object_ids]
    words = sorted({w for w in (word.strip() for word in words) if len(w) >= 3}, key=len)[::-1]
    content_type = ContentType.objects.get_for_model(model)
    about = Q(content_type=content_type, object_id__in=ids)
    quoting = Q()
    for word in words:
        quoting |= Q(change_message__icontains=word) | Q(object_repr__icontains=word)
    entries = LogEntry.objects.filter(about | quoting) if words else LogEntry.objects.filter(about)
    changed = 0
    for entry in entries.iterator():
        message, name = entry.change_message, entry.object_repr
        if entry.object_id in ids and entry.content_type_id == content_type.pk:
            name = object_repr
        for word in words:
            message = _replace(message, word)
            name = _replace(name, word)
        if (message, name) != (entry.change_message, entry.object_repr):
            LogEntry.objects.filter(pk=entry.pk).update(change_message=message, object_repr=name)
            changed += 1
    return changed


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
