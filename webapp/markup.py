"""Markup the templates repeat many times a page, built once in Python and cached."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from markupsafe import Markup

from .i18n import Reading, reading


def option_tags(options: Iterable[tuple[str | None, str]], current: str | None) -> Markup:
    """The <option>s of an inline select (value None: the empty "not marked" choice), the
    current one selected. A list page has four selects a row from a handful of fixed
    choice sets: rendering each set once per selected value keeps rows cheap."""
    return _option_tags(tuple((value, str(text)) for value, text in options), current or None)


class Choices:
    """A fixed set of choices with lazy labels (value -> label): `items()` gives them as text in
    the request's language, translated once a language instead of once a page."""

    def __init__(self, labels) -> None:
        self.labels = labels
        self._texts: dict[str, tuple[tuple[str, str], ...]] = {}

    def items(self) -> tuple[tuple[str, str], ...]:
        language = reading().language
        found = self._texts.get(language)
        if found is None:
            found = self._texts[language] = tuple((value, str(text)) for value, text in self.labels.items())
        return found


@lru_cache(maxsize=256)
def _option_tags(options: tuple[tuple[str | None, str], ...], current: str | None) -> Markup:
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            value or "", Markup(" selected") if (value or None) == current else "", text)
        for value, text in options)


# A list redraws the same rows load after load. A row (lessons/_row.html, not editing) is a
# function of its lesson's version (`Lesson.version_parts`: every change bumps one), its enrollment's course and student's name, and who looks (may
# they mark, the app's root path, their language, calendar and clock): each process renders
# it once per such key, then reuses it (with its bulk form key, so a hit hashes nothing).
ROWS_KEPT = 20_000  # about 18 MB of rows a process at most
_rows: dict[tuple, tuple[Markup, str]] = {}


class LessonRows:
    """A table's rows (`html`) and what its bulk form sends for "all on this page" (`keys`:
    "id/original-date/version" each), built in one pass."""

    __slots__ = ("html", "keys")

    def __init__(self, html: Markup, keys: str) -> None:
        self.html, self.keys = html, keys


def lesson_rows(render, lessons, can_mark: bool, root: str, reader: Reading) -> LessonRows:
    """`render(lesson, can_mark, root)`: the row macro, called on a miss; `reader`: the
    request's `i18n.reading()`, read once for the whole table."""
    html, keys = [], []
    for lesson in lessons:
        enrollment = lesson.session.enrollment
        key = (lesson.version_parts, enrollment.course, enrollment.student.full_name, can_mark, root, reader)
        found = _rows.get(key)
        if found is None:
            if len(_rows) >= ROWS_KEPT:
                _rows.clear()
            found = _rows[key] = (render(lesson, can_mark, root),
                                  f"{lesson.session_id}/{lesson.original_date.isoformat()}/{lesson.version}")
        html.append(found[0])
        keys.append(found[1])
    return LessonRows(Markup("\n").join(html), " ".join(keys))
