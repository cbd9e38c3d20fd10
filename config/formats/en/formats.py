"""Date formats for English: the site's own ("1 December 2026, 14:05"), in the admin too.

Django's stock "en" formats are American ("Dec. 1, 2026, 2:05 p.m."); staff read the same dates
readers see. Input formats stay Django's, so the admin's date pickers keep writing ISO dates.
"""

from django.conf.locale.en.formats import (  # noqa: F401 - re-exported for Django's lookup
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as the site's readers count weeks
