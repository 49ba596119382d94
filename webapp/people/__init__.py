"""The pages of students, parents and admins, and what a lesson's people write on it."""
