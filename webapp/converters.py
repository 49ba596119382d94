"""URL converters: `<isodate:day>` takes a YYYY-MM-DD date inside the app's date range.

A well-formed but impossible or out-of-range date (2026-02-30, 9999-11-01) becomes None, which
every loader answers as "no such lesson" (404). Refusing it here instead would make Werkzeug
answer 405 for the other methods of the same URL."""
from datetime import date

from werkzeug.routing import BaseConverter

from . import choices as C


class IsoDateConverter(BaseConverter):
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date | None:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        return None if C.date_error(day) else day

    def to_url(self, value: date) -> str:
        return value.isoformat()
