"""File modules of courses: a downloadable file (e.g. a PDF) that counts as done when the
person opens it or marks it done."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ecosys.core.access import Actor
from ecosys.core.audit import audit_record
from ecosys.questionnaires import engine

from .learning import _may_act_for, _orchestrator
from .models import Course, CourseFile, Enrollment


@transaction.atomic
def course_file_add(*, actor: Actor, course: Course, title: str, upload) -> CourseFile:
    """Append a file module to a course: pdf, png, jpg, docx or xlsx, at most 10 MB."""
    _orchestrator(actor)
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Name the module."
    if upload is None:
        errors["file"] = "Choose a file."
    else:
        head = upload.read(16)
        upload.seek(0)
        try:
            kind = engine.check_file(
                name=upload.name or "", size=upload.size or 0, head=head,
                types=engine.DEFAULT_FILE_TYPES,
            )  # fmt: skip
        except ValidationError as error:
            errors["file"] = error.messages
    if hasattr(course, "next_version"):
        errors["title"] = f"A newer version of “{course.title}” exists; add files to it."
    if errors:
        raise ValidationError(errors)
    course_file = CourseFile(
        workspace=course.workspace, course=course, name=(upload.name or "file")[:255],
        size=upload.size, content_type=engine.FILE_TYPES[kind][0], uploaded_by=actor.user,
    )  # fmt: skip
    course_file.file.save(upload.name, upload, save=False)
    course_file.save()
    course.modules = [
        *course.modules,
        {
            "kind": "file",
            "title": title.strip()[:200],
            "file": str(course_file.public_id),
            "name": course_file.name,
            "size": course_file.size,
        },
    ]
    course.save(update_fields=["modules"])
    audit_record(
        actor=actor, action="add_file", target=course, changes={"file": [None, course_file.name]}
    )
    return course_file


def _own_enrollments(actor: Actor, course_file: CourseFile):
    """The actor's own enrolments (as a person of their organisation, by e-mail) in courses
    that have this file as a module."""
    if actor.user is None:
        return Enrollment.objects.none()
    return Enrollment.objects.filter(
        person__email__iexact=actor.user.email,
        person__organization_id=actor.organization_id,
        completed_at__isnull=True,
        course__modules__icontains=str(course_file.public_id),
    )


@transaction.atomic
def course_file_opened(*, actor: Actor, course_file: CourseFile) -> int:
    """Opening (downloading) a file module counts it done in the actor's own enrolments."""
    marked = 0
    for enrollment in _own_enrollments(actor, course_file).select_for_update(of=("self",)):
        marked += _mark(actor, enrollment, course_file)
    return marked


@transaction.atomic
def file_module_done(*, actor: Actor, enrollment: Enrollment, file_id: str) -> Enrollment:
    """Mark a file module done by hand (the person, their organisation's admin, or staff)."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("course", "person")
        .get(pk=enrollment.pk)
    )
    if not _may_act_for(actor, enrollment.person):
        raise PermissionDenied(
            "You may mark your own modules done, or your organisation's people's as its admin."
        )
    if enrollment.completed_at:
        raise ValidationError("This course is completed already.")
    if str(file_id) not in {m["file"] for m in enrollment.course.file_modules}:
        raise ValidationError({"file": "This course has no such file module."})
    _mark(actor, enrollment, CourseFile.objects.get(public_id=file_id))
    return enrollment


def _mark(actor: Actor, enrollment: Enrollment, course_file: CourseFile) -> int:
    key = str(course_file.public_id)
    if key in enrollment.files_done:
        return 0
    enrollment.files_done = [*enrollment.files_done, key]
    enrollment.save(update_fields=["files_done"])
    audit_record(
        actor=actor, action="module_done", target=enrollment, changes={"file": [None, key]}
    )
    return 1


def files_missing(enrollment: Enrollment) -> list[str]:
    """Titles of the file modules not yet opened or marked done."""
    done = set(enrollment.files_done)
    return [m["title"] for m in enrollment.course.file_modules if m["file"] not in done]
