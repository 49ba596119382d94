"""Markup the templates repeat many times a page, built once in Python and cached."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from markupsafe import Markup

from .i18n import Reading


def option_tags(options: Iterable[tuple[str | None, str]], current: str | None) -> Markup:
    """The <option>s of an inline select (value None: the empty "not marked" choice), the
    current one selected. A list page has four selects a row from a handful of fixed
    choice sets: rendering each set once per selected value keeps rows cheap."""
    return _option_tags(tuple((value, str(text)) for value, text in options), current or None)


@lru_cache(maxsize=256)
def _option_tags(options: tuple[tuple[str | None, str], ...], current: str | None) -> Markup:
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            value or "", Markup(" selected") if (value or None) == current else "", text)
        for value, text in options)




# A list redraws the same rows load after load. A row (lessons/_row.html, not editing) is a
# function of its lesson's version (which the session row's and its record's versions give:
# every change bumps one), its enrollment's course and student's name, and who looks (may
# they mark, the app's root path, their language, calendar and clock): each process renders
# it once per such key, then reuses it.
ROWS_KEPT = 20_000  # about 18 MB of rows a process at most
_rows: dict[tuple, Markup] = {}


def lesson_row(render, lesson, can_mark: bool, root: str, reader: Reading) -> Markup:
    """`render(lesson, can_mark, root)`: the row macro, called on a miss; `reader`: the
    request's `i18n.reading()`, read once for the whole table."""
    enrollment = lesson.session.enrollment
    key = (lesson.version, enrollment.course, enrollment.student.full_name, can_mark, root, reader)
    found = _rows.get(key)
    if found is None:
        if len(_rows) >= ROWS_KEPT:
            _rows.clear()
        found = _rows[key] = render(lesson, can_mark, root)
    return found
