"""Readiness pages: onboarding templates; ticking tasks off from the partner's page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, PUBLIC, allows
from ecosys.core.pages import apply_service, detail_url, list_response, page

from . import lists, selectors, services
from .models import Announcement, Course, OnboardingTemplate


def _posted(rows, public_id: str | None):
    """The row a form posted by its id, or None (none chosen, or a tampered id)."""
    import uuid

    try:
        return rows.filter(public_id=uuid.UUID(public_id)).first() if public_id else None
    except ValueError:
        return None


EXAMPLE = """0 | orchestrator | Welcome call and portal tour
3 | partner | Invite your sales and service staff to the portal
7 | partner | Accept the partner agreement | 30
14 | orchestrator | Joint business plan workshop | 30
30 | partner | First two people complete product training | 30
60 | partner | First registered deal | 60
90 | orchestrator | 90-day review and tier placement | 90"""


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    is_default = forms.BooleanField(
        required=False, label="Start it for every partner entering onboarding"
    )
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 9}), initial=EXAMPLE, label="Tasks"
    )


@page("readiness.onboardingtemplate:view")
def template_list(request):
    actor = request.actor
    can_add = actor.is_orchestrator and allows(actor, ADD, OnboardingTemplate)
    form = TemplateForm(request.POST or None) if can_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: services.template_save(actor=actor, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, f"Onboarding template “{saved}” saved.")
            return redirect("readiness:template-list")
    templates = [
        (template, services.tasks_source(template.tasks))
        for template in selectors.template_list(actor=actor)
    ]
    return render(request, "readiness/template_list.html", {"templates": templates, "form": form})


@require_POST
@page("readiness.onboardingtask:change")
def task_done(request, public_id):
    actor = request.actor
    task = selectors.onboarding_task_get(actor=actor, public_id=public_id)
    try:
        services.task_done(actor=actor, task=task, done=request.POST.get("done") == "1")
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("partners:partner-detail", task.plan.partner.public_id)


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    program = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", empty_label="Every programme"
    )
    tier = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", empty_label="Every tier"
    )
    region = forms.ChoiceField(required=False)
    member_role = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Admins and members"),
            ("external_admin", "Partner admins only"),
            ("external_member", "Partner members only"),
        ],
    )

    def __init__(self, *args, actor, **kwargs):
        from ecosys.ecosystem.models import Region
        from ecosys.partners.selectors import program_list, tier_list

        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = program_list(actor=actor)
        self.fields["tier"].queryset = tier_list(actor=actor)
        self.fields["region"].choices = [("", "Every region"), *Region.choices]


@page("readiness.announcement:view")
def announcement_list(request):
    from . import announcements

    actor = request.actor
    can_add = actor.is_orchestrator and allows(actor, ADD, Announcement)
    form = AnnouncementForm(request.POST or None, actor=actor) if can_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        published = apply_service(
            form, lambda: announcements.announcement_publish(actor=actor, **form.cleaned_data)
        )
        if published is not None:
            messages.success(
                request, f"Published to {len(published.recipients)} partner member(s)."
            )
            return redirect("readiness:announcement-list")
    return list_response(
        request,
        spec=lists.ANNOUNCEMENTS if actor.is_orchestrator else lists.ANNOUNCEMENTS_PORTAL,
        queryset=selectors.announcement_rows(actor=actor),
        template="readiness/announcement_list.html",
        context={
            "title": "Announcements"
            if actor.is_orchestrator
            else f"News from {actor.workspace.orchestrator}",
            "form": form,
        },
        detail_url=detail_url("readiness:announcement-detail"),
    )


@page("readiness.announcement:view")
def announcement_detail(request, public_id):
    from . import announcements

    actor = request.actor
    announcement = selectors.announcement_get(actor=actor, public_id=public_id)
    announcements.mark_read(actor=actor, announcement=announcement)
    return render(
        request,
        "readiness/announcement_detail.html",
        {
            "announcement": announcement,
            "reach": announcements.reach(announcement) if actor.is_orchestrator else None,
        },
    )


# -- courses and certifications --------------------------------------------------------------


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    modules_source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Modules",
        initial=(
            "text | Why Helix servo drives | Our drives save 18% energy…\n"
            "video | Installation walkthrough | https://video.example/install"
        ),
        help_text="One per line: text|link|video | title | content or address.",
    )
    quiz = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="public_id",
        help_text="A questionnaire with a pass mark.",
    )
    max_attempts = forms.IntegerField(min_value=1, max_value=10, initial=3)
    is_new_product = forms.BooleanField(
        required=False,
        label="New product / process training",
        help_text="Shown to partners on their portal.",
    )

    def __init__(self, *args, actor, **kwargs):
        from ecosys.questionnaires.selectors import questionnaire_list

        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = questionnaire_list(actor=actor).exclude(pass_mark=None)


def _people_for(actor):
    from ecosys.ecosystem.selectors import person_list

    people = person_list(actor=actor).exclude(worker_type="bot").select_related("organization")
    return people.order_by("last_name")[:500]


@page("readiness.course:view")
def course_list(request):
    from .learning import course_save

    actor = request.actor
    can_add = actor.is_orchestrator and allows(actor, ADD, Course)
    form = CourseForm(request.POST or None, actor=actor) if can_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: course_save(actor=actor, **form.cleaned_data))
        if saved is not None:
            messages.success(request, f"Course “{saved}” created.")
            return redirect("readiness:course-detail", saved.public_id)
    return list_response(
        request,
        spec=lists.COURSES,
        queryset=selectors.course_list(actor=actor),
        template="readiness/course_list.html",
        context={
            "title": "Training and certification",
            "certifications": selectors.certification_list(actor=actor),
            "form": form,
        },
        detail_url=detail_url("readiness:course-detail"),
    )


def _assign_choices(actor) -> dict:
    from ecosys.ecosystem.models import CHANNEL_PARTNER_ROLES, EcosystemRole
    from ecosys.partners.selectors import program_list, tier_list

    return {
        "programs": program_list(actor=actor),
        "tiers": tier_list(actor=actor),
        "roles": [(v, label) for v, label in EcosystemRole.choices if v in CHANNEL_PARTNER_ROLES],
    }


@page("readiness.course:view")
def course_detail(request, public_id):
    actor = request.actor
    course = selectors.course_get(actor=actor, public_id=public_id)
    enrollments = selectors.enrollment_list(actor=actor).filter(course=course)
    return render(
        request,
        "readiness/course_detail.html",
        {
            "course": course,
            "enrollments": enrollments,
            "people": _people_for(actor) if actor.role != "read_only" else [],
            "questions": list(course.quiz.questions.all()) if course.quiz else [],
            "versions": _versions(course),
            "can_manage": actor.is_orchestrator and allows(actor, ADD, Course),
            "assign": _assign_choices(actor)
            if actor.is_orchestrator and actor.role != "read_only"
            else None,
        },
    )


def _versions(course) -> list:
    """Every version of the course, oldest first."""
    chain, earlier = [course], course.previous
    while earlier is not None:
        chain.insert(0, earlier)
        earlier = earlier.previous
    later = getattr(course, "next_version", None)
    while later is not None:
        chain.append(later)
        later = getattr(later, "next_version", None)
    return chain


@require_POST
@page("readiness.enrollment:add")
def course_enroll(request, public_id):
    from ecosys.ecosystem.selectors import person_get

    from .learning import enroll

    actor = request.actor
    course = selectors.course_get(actor=actor, public_id=public_id)
    try:
        person = person_get(actor=actor, public_id=request.POST.get("person"))
        enroll(actor=actor, course=course, person=person)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    except Exception:  # a malformed id from a tampered form
        messages.error(request, "Choose a person from the list.")
    else:
        messages.success(request, f"{person} enrolled.")
    return redirect("readiness:course-detail", course.public_id)


@require_POST
@page("readiness.enrollment:change")
def enrollment_complete(request, public_id):
    from .learning import complete

    actor = request.actor
    enrollment = selectors.enrollment_get(actor=actor, public_id=public_id)
    quiz = enrollment.course.quiz
    answers = {}
    if quiz is not None:
        for q in quiz.questions.all():
            key = f"q{q.position}"
            answers[q.position] = (
                request.POST.getlist(key) if q.kind == "multi" else request.POST.get(key, "")
            )
    try:
        result = complete(actor=actor, enrollment=enrollment, answers=answers)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        if result.completed_at:
            messages.success(request, "Course completed.")
        else:
            messages.error(
                request,
                f"Not passed (best {result.best_score}%); "
                f"{result.course.max_attempts - result.attempts} attempt(s) left.",
            )
    return redirect("readiness:course-detail", enrollment.course.public_id)


@page("readiness.certificateaward:view")
def certificate_pdf(request, public_id):
    from django.http import HttpResponse
    from django.urls import reverse

    from .learning import certificate_pdf as render_pdf

    award = selectors.certificate_get(actor=request.actor, public_id=public_id)
    url = request.build_absolute_uri(reverse("readiness:verify", args=[award.code]))
    response = HttpResponse(render_pdf(award, url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{award.code}.pdf"'
    return response


@page(PUBLIC)
def verify(request, code):
    """Anyone with a certificate's code can check it (no sign-in): who, what, valid or not."""
    award = selectors.certificate_by_code(code)
    return render(request, "readiness/verify.html", {"award": award, "today": timezone.localdate()})


# -- mentors and coaching --------------------------------------------------------------------


class MentorForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, to_field_name="public_id")
    capacity = forms.IntegerField(min_value=1, max_value=20, initial=3)
    regions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    industries = forms.MultipleChoiceField(
        required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    skills = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, people, **kwargs):
        from ecosys.ecosystem.models import Industry, Region

        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["regions"].choices = Region.choices
        self.fields["industries"].choices = Industry.choices


@page("readiness.mentor:view")
def mentor_list(request):
    from ecosys.ecosystem.selectors import person_list

    from . import mentoring

    actor = request.actor
    people = person_list(actor=actor).exclude(worker_type="bot").order_by("last_name")
    form = MentorForm(request.POST or None, people=people) if actor.role != "read_only" else None
    if form is not None and request.method == "POST" and form.is_valid():
        added = apply_service(form, lambda: mentoring.mentor_add(actor=actor, **form.cleaned_data))
        if added is not None:
            messages.success(request, f"{added} joined the mentor pool.")
            return redirect("readiness:mentor-list")
    mentors = selectors.mentor_list(actor=actor)
    return render(request, "readiness/mentor_list.html", {"mentors": mentors, "form": form})


@require_POST
@page("readiness.mentor:add")
def mentor_assign(request, public_id):
    from ecosys.partners.selectors import partner_get

    from . import mentoring

    actor = request.actor
    partner = partner_get(actor=actor, public_id=public_id)
    mentor = _posted(selectors.mentor_list(actor=actor), request.POST.get("mentor"))
    try:
        if mentor is None:
            raise ValidationError("Choose a mentor.")
        mentoring.mentor_assign(actor=actor, partner=partner, mentor=mentor)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"{mentor} now coaches {partner.organization}.")
    return redirect("partners:partner-detail", partner.public_id)


class SessionForm(forms.Form):
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(max_length=500, required=False)


@require_POST
@page("readiness.mentor:add")
def session_log(request, public_id):
    from . import mentoring

    actor = request.actor
    mentorship = selectors.mentorship_get(actor=actor, public_id=public_id)
    form = SessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date and what was discussed.")
    else:
        try:
            mentoring.session_log(actor=actor, mentorship=mentorship, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Session logged.")
    return redirect("partners:partner-detail", mentorship.partner.public_id)


@require_POST
@page("readiness.course:add")
def course_assign(request, public_id):
    from ecosys.partners.selectors import program_list, tier_list

    from .learning import course_assign as assign

    actor = request.actor
    course = selectors.course_get(actor=actor, public_id=public_id)
    program = _posted(program_list(actor=actor), request.POST.get("program"))
    tier = _posted(tier_list(actor=actor), request.POST.get("tier"))
    try:
        result = assign(
            actor=actor,
            course=course,
            program=program,
            tier=tier,
            partner_role=request.POST.get("partner_role", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            f"{result['enrolled']} enrolled; {result['skipped']} lack a prerequisite.",
        )
    return redirect("readiness:course-detail", course.public_id)


# -- course versions and file modules --------------------------------------------------------


def course_file_response(actor, public_id):
    """The file, marked done in the actor's own enrolments (opening a file module is doing it)."""
    from django.http import FileResponse

    from .course_files import course_file_opened

    course_file = selectors.course_file_get(actor=actor, public_id=public_id)
    course_file_opened(actor=actor, course_file=course_file)
    response = FileResponse(
        course_file.file.open("rb"),
        as_attachment=True,
        filename=course_file.name,
        content_type=course_file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@page("readiness.coursefile:view")
def course_file_download(request, public_id):
    return course_file_response(request.actor, public_id)


@require_POST
@page("readiness.course:add")
def course_file_add(request, public_id):
    from .course_files import course_file_add as add

    actor = request.actor
    course = selectors.course_get(actor=actor, public_id=public_id)
    try:
        added = add(
            actor=actor,
            course=course,
            title=request.POST.get("title", ""),
            upload=request.FILES.get("file"),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "The file was not added. " + " ".join(_messages(error)))
    else:
        messages.success(request, f"File module “{added.name}” added.")
    return redirect("readiness:course-detail", course.public_id)


@require_POST
@page("readiness.enrollment:change")
def file_module_done(request, public_id, file_id):
    from .course_files import file_module_done as mark

    actor = request.actor
    enrollment = selectors.enrollment_get(actor=actor, public_id=public_id)
    try:
        mark(actor=actor, enrollment=enrollment, file_id=file_id)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(_messages(error)))
    return redirect("readiness:course-detail", enrollment.course.public_id)


class VersionForm(forms.Form):
    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What changed")
    grace_until = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Certificates stay valid until",
        help_text="Holders of certifications that count this course keep them until then, "
        "or for good once they complete the new version.",
    )
    modules_source = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="New modules (empty: keep them)",
        help_text="One per line: text|link|video | title | content. File modules are kept.",
    )
    enroll_previous = forms.BooleanField(
        required=False, initial=True, label="Enrol everyone who took an earlier version"
    )
    is_new_product = forms.BooleanField(required=False, label="New product / process training")


@page("readiness.course:add")
def course_version_publish(request, public_id):
    import datetime as dt

    from django.urls import reverse

    from .course_versions import course_version_publish as publish

    actor = request.actor
    course = selectors.course_get(actor=actor, public_id=public_id)
    form = VersionForm(
        request.POST or None,
        initial={
            "grace_until": timezone.localdate() + dt.timedelta(days=90),
            "is_new_product": course.is_new_product,
        },
    )
    if request.method == "POST" and form.is_valid():
        new = apply_service(form, lambda: publish(actor=actor, course=course, **form.cleaned_data))
        if new is not None:
            enrolled = new.enrollments.count()
            messages.success(request, f"Version {new.version} published; {enrolled} enrolled.")
            return redirect("readiness:course-detail", new.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"New version of {course} (v{course.version + 1})",
            "cancel": reverse("readiness:course-detail", args=[course.public_id]),
        },
    )


def _messages(error) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return getattr(error, "messages", [str(error)])
