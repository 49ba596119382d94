"""What the lessons package tells the rest of the app, without importing it: a lesson was
changed (`before` and `after`, both `Lesson`s; `after` None when it was deleted).

Sent inside the change's transaction, before its commit, so that what a listener writes
(the notices of `webapp.notifications`) is committed with the change or not at all.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
lesson_changed = _signals.signal("lesson-changed")


def changed(before, after) -> None:
    lesson_changed.send(None, before=before, after=after)
