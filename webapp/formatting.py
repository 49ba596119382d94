"""How dates, times and durations read on a page (template filters). Pure functions of
immutable values, cached: a list shows the same few dates and times fifty times."""
from __future__ import annotations

from datetime import date, time
from functools import lru_cache


@lru_cache(maxsize=4096)
def day(value: date | None) -> str:
    """'Wed 2 Dec 2026'."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


@lru_cache(maxsize=4096)
def short_day(value: date | None) -> str:
    """'Wed 2 Dec': a list's rows, where the year is plain from the context."""
    return f"{value:%a} {value.day} {value:%b}" if value else ""


@lru_cache(maxsize=4096)
def hm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def minutes(value: int | None) -> str:
    if not value:
        return ""
    hours, rest = divmod(int(value), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)


FILTERS = {"day": day, "short_day": short_day, "hm": hm, "minutes": minutes}
