"""What the readiness app puts in the exit bundle (see ecosys.portability.registry).

Courses are not in the bundle yet: they reference their own previous versions and
prerequisites, which the importer does not order within one entity.
"""

from ecosys.portability.registry import declare

from .models import (
    CoachingSession,
    Mentor,
    Mentorship,
    OnboardingPlan,
    OnboardingTask,
    OnboardingTemplate,
)

declare(OnboardingTemplate, fields=["name", "is_default", "tasks"])
declare(
    OnboardingPlan,
    fields=["template_name", "started_on", "created_at"],
    refs=["partner"],
)
declare(
    OnboardingTask,
    fields=["title", "side", "due_date", "milestone", "done_at", "overdue_notified_at"],
    refs=["plan"],
    users=["done_by"],
)
declare(
    Mentor,
    fields=["capacity", "regions", "industries", "skills", "active"],
    refs=["person"],
)
declare(
    Mentorship,
    fields=["reasons", "started_on", "ended_on"],
    refs=["mentor", "partner"],
)
declare(
    CoachingSession,
    fields=["held_on", "notes", "next_steps"],
    refs=["mentorship"],
    users=["logged_by"],
)
