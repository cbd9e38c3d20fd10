"""Streamed CSV exports for the admin: any number of rows, never all in memory at once.

`csv_response` is the one CSV writer of the project: every cell of every row, the header too,
goes through `csv_cell`, so no export can forget to neutralise a formula. Callers hand it raw
values (strings, numbers, booleans, dates, None).
"""

import csv
from collections.abc import Iterable, Sequence

from django.contrib.admin.models import CHANGE, LogEntry
from django.http import StreamingHttpResponse
from django.utils import timezone

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP's list,
# plus a line feed, which some programs skip before looking for "=").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class _Echo:
    """A write-only file: csv.writer hands each line straight back to the response."""

    def write(self, value):
        return value


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula; dates in ISO 8601, None empty.

    Text that starts with a formula character (after any spaces) gets a leading apostrophe,
    which spreadsheets show as text; numbers are written as they are (`-5` is not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text


def csv_response(
    *, header: Sequence[str], rows: Iterable[Sequence], filename_prefix: str
) -> StreamingHttpResponse:
    """Stream `rows` (a lazy iterable of raw values) as a dated CSV download.

    Every cell goes through `csv_cell`.
    """
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([csv_cell(name) for name in header])
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename_prefix}-{stamp}.csv"'
    return response


def log_export(*, user, objects, message: str) -> None:
    """Record in the admin history that `user` exported personal data about `objects`."""
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=objects, action_flag=CHANGE, change_message=message
    )
