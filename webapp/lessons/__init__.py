"""Lessons: the domain below every blueprint. A lesson is one meeting; a one-time session has
one, a series one per date its rule gives. Lists, pages, marks, the calendar, the feed and the
API all read and change lessons through this package, which knows nothing of requests.

- recurrence: a series' rule as dates (dateutil), bounded per request;
- lesson: the Lesson, built from a session and its record, and its version;
- access: who sees which sessions and lessons, and the loaders;
- listing: lessons in a window, and pages of lessons, with the list's filters;
- rules: the value rules of sessions and lessons (forms, API and import share them);
- marking: changing one lesson, with atomic conditional writes;
- plans: creating, changing and deleting sessions and series, with their scopes;
- clashes: overlaps with the tutor's and the student's other lessons.
"""
