"""What the lesson functions raise; the blueprints turn each into an answer (409, 422)."""


class Conflict(Exception):
    """Someone else saved the session or the lesson since this change started from it."""


class TooManyLessons(Exception):
    """One request would expand more lessons than `choices.MAX_LESSONS_PER_REQUEST`."""
