"""Markup the templates repeat many times a page, built once in Python and cached."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from markupsafe import Markup


def option_tags(options: Iterable[tuple[str | None, str]], current: str | None) -> Markup:
    """The <option>s of an inline select (value None: the empty "not marked" choice), the
    current one selected. A list page has four selects a row from a handful of fixed
    choice sets: rendering each set once per selected value keeps rows cheap."""
    return _option_tags(tuple(options), current or None)


@lru_cache(maxsize=256)
def _option_tags(options: tuple[tuple[str | None, str], ...], current: str | None) -> Markup:
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            value or "", Markup(" selected") if (value or None) == current else "", text)
        for value, text in options)


