"""What the readiness app puts in the exit bundle (see ecosys.portability.registry).

Courses reference their own previous version and their prerequisites (the importer sets
references to the same entity in a second pass); certifications name their courses by row id
inside JSON, and course file modules and enrolments name course files by UUID, so those fields
are converted. Course files travel as attachments.
"""

from ecosys.portability.registry import (
    Convert,
    declare,
    unique_code,
    user_id_list,
    uuid_list,
)

from .models import (
    Announcement,
    AnnouncementRead,
    CertificateAward,
    Certification,
    CoachingSession,
    Course,
    CourseFile,
    Enrollment,
    Mentor,
    Mentorship,
    OnboardingPlan,
    OnboardingTask,
    OnboardingTemplate,
)

COURSE = "readiness.course"


def _modules_dump(value, ids):
    return value


def _modules_load(value, ids):
    """File modules name a course file by UUID: the one it has in this workspace."""
    if not isinstance(value, list):
        return value
    return [
        {**module, "file": ids.uuid(module["file"])}
        if isinstance(module, dict) and isinstance(module.get("file"), str)
        else module
        for module in value
    ]


def _tracks_dump(value, ids):
    """[{"track": ..., "courses": [row ids]}] -> the courses' UUIDs."""
    if not isinstance(value, list):
        return value
    return [
        {**track, "courses": [ids.public_id(COURSE, pk) for pk in track.get("courses") or []]}
        if isinstance(track, dict)
        else track
        for track in value
    ]


def _tracks_load(value, ids):
    if not isinstance(value, list):
        return value
    return [
        {**track, "courses": [ids.pk(COURSE, ids.uuid(u)) for u in track.get("courses") or []]}
        if isinstance(track, dict)
        else track
        for track in value
    ]


declare(OnboardingTemplate, fields=["name", "is_default", "tasks"])
declare(
    OnboardingPlan,
    fields=["template_name", "started_on", "created_at"],
    refs=["partner"],
)
declare(
    OnboardingTask,
    fields=["title", "side", "due_date", "milestone", "done_at", "overdue_notified_at"],
    refs=["plan", "course"],
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
declare(
    Course,
    fields=[
        "title",
        "description",
        "modules",
        "max_attempts",
        "version",
        "change_note",
        "is_new_product",
        "published_at",
    ],
    refs=["quiz", "previous", "prerequisites"],
    convert={"modules": Convert(_modules_dump, _modules_load)},
)
declare(
    CourseFile,
    fields=["name", "size", "content_type", "uploaded_at"],
    refs=["course"],
    users=["uploaded_by"],
    files=["file"],
)
declare(
    Certification,
    fields=["name", "tracks", "validity_months"],
    refs=["refresher"],
    convert={"tracks": Convert(_tracks_dump, _tracks_load)},
    after=[COURSE],
)
declare(
    Enrollment,
    fields=["attempts", "best_score", "completed_at", "enrolled_at", "files_done"],
    refs=["course", "person"],
    convert={"files_done": uuid_list()},
)
declare(
    CertificateAward,
    fields=[
        "code",
        "issued_on",
        "expires_on",
        "refresher_sent_at",
        "expires_before_grace",
    ],
    refs=["certification", "person"],
    convert={"code": unique_code()},
)
declare(
    Announcement,
    fields=["title", "body", "region", "member_role", "recipients", "published_at"],
    refs=["program", "tier"],
    users=["published_by"],
    convert={"recipients": user_id_list()},
)
declare(AnnouncementRead, fields=["read_at"], refs=["announcement"], users=["user"])
