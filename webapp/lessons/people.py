"""A lesson's people and what they say of it: reviews, "we can't come", and the word of the
student or a parent on a past lesson's attendance.

Every lesson has three people (SPEC "People"): the enrollment's tutor, its student and the
student's parents. `role_in` says which one a user is (None: none of them; an admin sees
the lesson but is not one of its people). Only they read the lesson's reviews, and each
writes their own:

- a review (rating 1–5, a comment) once the lesson has begun; written again by its author
  within `C.REVIEW_EDIT_DAYS` it is replaced, later it stays as it is. The lesson's slot for
  the author's role (student_review_id, tutor_review_id, parent_review_id) links it;
- an absence notice from the student or a parent before the lesson: the student's
  attendance becomes `excused` unless the tutor has marked it; it can be withdrawn before
  the lesson begins;
- a confirmation or a dispute of a marked lesson's attendance once it is over; a dispute
  puts the lesson in the tutor's Needs marking until the tutor marks it again or keeps it.

Every change goes through `marking.change_lesson` (the lesson's version, one transaction).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import choices as C
from ..extensions import db
from ..models import Review, User, student_parents, utcnow
from ..translate import gettext as _, lazy_gettext as _l
from .lesson import Lesson
from .marking import change_lesson

ROLE_LABELS = {"student": _l("Student"), "parent": _l("Parent"), "tutor": _l("Tutor")}
ATTENDANCE_FIELDS = ("tutor_attendance_status", "student_attendance_status")


class Refused(ValueError):
    """A change the lesson's state does not allow: `message` for the person, `field` for the form."""

    def __init__(self, message: str, field: str = "rating"):
        super().__init__(message)
        self.message, self.field = message, field


def role_in(lesson: Lesson, user: Any) -> str | None:
    """Which of the lesson's people `user` is: tutor, student, parent, or None."""
    enrollment = lesson.session.enrollment
    if user.id == enrollment.tutor_id:
        return "tutor"
    if user.id == enrollment.student_id:
        return "student"
    if user.role == "parent" and db.session.scalar(sa.select(sa.literal(True)).where(
            student_parents.c.student_id == enrollment.student_id, student_parents.c.parent_id == user.id)):
        return "parent"
    return None


def children_of(parent: Any) -> list[User]:
    """A parent's children, by name (the pages switch between them)."""
    return list(db.session.scalars(
        sa.select(User).join(student_parents, student_parents.c.student_id == User.id)
        .where(student_parents.c.parent_id == parent.id).order_by(User.full_name, User.id)))


def with_tutors(lessons: list[Lesson]) -> list[Lesson]:
    """Name each lesson's tutor (a student's list says who teaches): one query for all."""
    from .rows import Person

    ids = {l.session.enrollment.tutor_id for l in lessons if l.session.enrollment.tutor is None}
    if ids:
        names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all())
        for lesson in lessons:
            enrollment = lesson.session.enrollment
            if enrollment.tutor is None:
                enrollment.tutor = Person(enrollment.tutor_id, names.get(enrollment.tutor_id, ""))
    return lessons


# --- Reviews ------------------------------------------------------------------------------


@dataclass(slots=True)
class LessonReview:
    role: str
    review: Review

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.role]


def reviews_of(lesson: Lesson, role: str | None) -> list[LessonReview]:
    """The lesson's reviews (student's, parent's, tutor's, in that order) for one of its
    people (`role`: the viewer's, from role_in); nobody else reads them. One query."""
    if role is None:
        return []
    ids = {role: lesson.review_id(role) for role in ("student", "parent", "tutor")}
    wanted = [i for i in ids.values() if i is not None]
    if not wanted:
        return []
    found = {r.id: r for r in db.session.scalars(
        sa.select(Review).options(joinedload(Review.reviewer)).where(Review.id.in_(wanted)))}
    return [LessonReview(role, found[i]) for role, i in ids.items() if i in found]


def own_review(lesson: Lesson, user: Any, role: str) -> Review | None:
    """The review `user` wrote of this lesson in `role` (legacy ones: the one its slot links)."""
    mine = db.session.scalar(sa.select(Review).where(
        Review.session_id == lesson.session_id, Review.lesson_date == lesson.original_date,
        Review.author_role == role, Review.reviewer_id == user.id))
    if mine is None and lesson.review_id(role) is not None:
        linked = db.session.get(Review, lesson.review_id(role))
        if linked is not None and linked.reviewer_id == user.id:
            return linked
    return mine


def editable_until(review: Review) -> datetime:
    return (review.created_at or utcnow()) + timedelta(days=C.REVIEW_EDIT_DAYS)


def check_review(rating: Any, comment: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A review's values, or the errors by field (the form and the API share them)."""
    errors: dict[str, list[str]] = {}
    value = None
    if isinstance(rating, str) and rating.strip().isdigit():
        rating = int(rating.strip())
    if isinstance(rating, bool) or not isinstance(rating, int) or not C.RATING_MIN <= rating <= C.RATING_MAX:
        errors["rating"] = [_("Choose a rating from %(min)d to %(max)d.", min=C.RATING_MIN, max=C.RATING_MAX)]
    else:
        value = rating
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = [_("The comment must be text.")]
        comment = None
    comment = (comment or "").strip() or None
    if comment and len(comment) > C.REVIEW_COMMENT_MAX:
        errors["comment"] = [_("Keep the comment under %(max)d characters.", max=C.REVIEW_COMMENT_MAX)]
    return {"rating": value, "comment": comment}, errors


def write_review(lesson: Lesson, user: Any, role: str, rating: int, comment: str | None,
                 now: datetime) -> tuple[Review, bool]:
    """Write (or, within the edit window, replace) `user`'s review of the lesson in `role`.
    `now`: the user's wall clock. Returns the review and whether it is new. Raises Refused
    before the lesson has begun or after the edit window."""
    if not lesson.has_begun(now):
        raise Refused(_("You can review a lesson once it has begun."))
    review = own_review(lesson, user, role)
    created = review is None
    if review is not None:
        if utcnow() > editable_until(review):
            raise Refused(_("Reviews can be changed for %(days)d days after they are written; "
                            "this one can no longer be changed.", days=C.REVIEW_EDIT_DAYS))
        review.rating, review.comment, review.updated_at = rating, comment, utcnow()
    else:
        review = Review(enrollment_id=lesson.session.course_enrollment_id, session_id=lesson.session_id,
                        lesson_date=lesson.original_date, author_role=role, reviewer_id=user.id,
                        rating=rating, comment=comment)
        db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError:  # the same author's first review saved in between: replace that one
        db.session.rollback()
        return write_review(lesson, user, role, rating, comment, now)
    slot = f"{role}_review_id"
    if getattr(lesson, slot) != review.id:
        change_lesson(lesson, {slot: review.id}, None)  # commits the review with its link
    else:
        db.session.commit()
    return review, created


# --- Notices and confirmations ------------------------------------------------------------


def send_absence_notice(lesson: Lesson, user: Any, reason: str | None, now: datetime) -> Lesson:
    """"We can't come": only before the lesson begins, by its student or a parent."""
    if lesson.cancelled:
        raise Refused(_("This lesson is cancelled already."), "reason")
    if lesson.has_begun(now):
        raise Refused(_("This lesson has begun; tell your tutor directly."), "reason")
    reason = (reason or "").strip() or None
    if reason and len(reason) > C.REASON_MAX:
        raise Refused(_("Keep the reason under %(max)d characters.", max=C.REASON_MAX), "reason")
    values: dict[str, Any] = {"absence_notice_at": utcnow(), "absence_notice_by": user.id, "absence_reason": reason}
    if lesson.student_attendance_status is None:  # the tutor has not decided otherwise
        values["student_attendance_status"] = "excused"
    return change_lesson(lesson, values, None)


def withdraw_absence_notice(lesson: Lesson, now: datetime) -> Lesson:
    if lesson.absence_notice_at is None:
        return lesson
    if lesson.has_begun(now):
        raise Refused(_("This lesson has begun; tell your tutor directly."), "reason")
    values: dict[str, Any] = {"absence_notice_at": None, "absence_notice_by": None, "absence_reason": None}
    if lesson.student_attendance_status == "excused":
        values["student_attendance_status"] = None
    return change_lesson(lesson, values, None)


def can_confirm(lesson: Lesson, now: datetime) -> bool:
    """Over, not cancelled, and the student's attendance marked: there is something to confirm."""
    return lesson.has_ended(now) and not lesson.cancelled and lesson.student_attendance_status is not None


def confirm_attendance(lesson: Lesson, user: Any, agree: bool, comment: str | None, now: datetime) -> Lesson:
    """The student's or a parent's word on a marked lesson: confirmed, or disputed (with what is wrong)."""
    if not can_confirm(lesson, now):
        raise Refused(_("There is nothing to confirm yet: the lesson is not over or not marked."), "comment")
    comment = (comment or "").strip() or None
    if comment and len(comment) > C.REASON_MAX:
        raise Refused(_("Keep the comment under %(max)d characters.", max=C.REASON_MAX), "comment")
    return change_lesson(lesson, {"confirmation": "confirmed" if agree else "disputed", "confirmation_by": user.id,
                                  "confirmation_at": utcnow(), "confirmation_comment": None if agree else comment},
                         None)


def resolving(lesson: Lesson, values: dict[str, Any]) -> dict[str, Any]:
    """The tutor's change of a disputed lesson's attendance (or a "keep as marked") resolves it."""
    if lesson.disputed and any(k in values and values[k] != getattr(lesson, k) for k in ATTENDANCE_FIELDS):
        return {**values, "confirmation": "resolved"}
    return values


def names_of(user_ids: set[int | None]) -> dict[int, str]:
    """Names of the people who left a notice or a confirmation (one query)."""
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all())


def lesson_people(lesson: Lesson, user: Any, now: datetime) -> dict[str, Any]:
    """What the lesson page shows `user` of its people: the reviews, the user's own review
    and what they may do (a page's context)."""
    role = role_in(lesson, user)
    own = own_review(lesson, user, role) if role else None
    names = names_of({lesson.absence_notice_by, lesson.confirmation_by})
    return {
        "role": role, "reviews": reviews_of(lesson, role), "own_review": own,
        "own_editable": own is None or utcnow() <= editable_until(own),
        "own_until": editable_until(own) if own else None,
        "may_review": role is not None and lesson.has_begun(now),
        "may_notice": role in ("student", "parent") and not lesson.cancelled and not lesson.has_begun(now),
        "may_confirm": role in ("student", "parent") and can_confirm(lesson, now),
        "notice_by": names.get(lesson.absence_notice_by), "confirmation_by": names.get(lesson.confirmation_by),
    }
