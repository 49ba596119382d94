"""Review figures per tutor (the admin's overview): one grouped query."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Enrollment, Review, User


@dataclass(slots=True)
class TutorFigures:
    tutor_id: int
    name: str
    email: str
    students: int
    reviews: int
    student_average: float | None
    parent_average: float | None
    tutor_reviews: int


def reviews_per_tutor() -> list[TutorFigures]:
    """Every tutor, with their students and the reviews of their lessons by role."""
    R, E = Review.__table__.c, Enrollment.__table__.c

    def average(role: str):
        return sa.func.avg(sa.case((R.author_role == role, R.rating)))

    reviews = (sa.select(E.tutor_id, sa.func.count(R.id).label("reviews"),
                         average("student").label("student_average"), average("parent").label("parent_average"),
                         sa.func.count(sa.case((R.author_role == "tutor", R.id))).label("tutor_reviews"))
               .join(Enrollment.__table__, E.id == R.enrollment_id).group_by(E.tutor_id).subquery())
    students = (sa.select(E.tutor_id, sa.func.count(sa.distinct(E.student_id)).label("students"))
                .group_by(E.tutor_id).subquery())
    query = (sa.select(User.id, User.full_name, User.email, sa.func.coalesce(students.c.students, 0),
                       sa.func.coalesce(reviews.c.reviews, 0), reviews.c.student_average, reviews.c.parent_average,
                       sa.func.coalesce(reviews.c.tutor_reviews, 0))
             .outerjoin(reviews, reviews.c.tutor_id == User.id).outerjoin(students, students.c.tutor_id == User.id)
             .where(User.role == "tutor").order_by(User.full_name, User.id))
    return [TutorFigures(*row[:5], *(float(v) if v is not None else None for v in row[5:7]), row[7])
            for row in db.session.execute(query)]
