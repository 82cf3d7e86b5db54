"""Questionnaire pages: authoring, sending, answering in the portal, reviewing."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, allows
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.core.widgets import SearchSelectField
from ecosys.ecosystem.selectors import organization_list

from . import engine, lists, selectors, services
from .models import Questionnaire

EXAMPLE = """# Capabilities
? Do you hold ISO 9001? | choice | Yes=10; No=0
? Describe your ISO scope | text | | if 1=Yes
? Which product lines do you sell? | multi | Drives=5; Bearings=5; Sensors=5 | optional
? Rate your service coverage | scale | 1-5
? How many certified engineers do you employ? | number
? Upload your ISO 9001 certificate | file | pdf, png, jpg | optional | if 1=Yes"""


class QuestionnaireForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    pass_mark = forms.IntegerField(
        required=False, min_value=0, max_value=100, help_text="% to pass; empty for none"
    )
    validity_days = forms.IntegerField(initial=365, min_value=1, max_value=3650)
    expiry_reminder_days = forms.CharField(
        required=False,
        initial="30, 7",
        label="Remind before expiry (days)",
        help_text="Partner admins are told this many days before an answer set expires; "
        "several thresholds separated by commas; empty for none.",
    )

    def clean_expiry_reminder_days(self) -> list[int]:
        text = self.cleaned_data["expiry_reminder_days"] or ""
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError("Write whole numbers of days, e.g. 30, 7.") from None

    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), label="Questions", initial=EXAMPLE
    )


@page("questionnaires.questionnaire:view")
def questionnaire_list(request):
    actor = request.actor
    can_add = actor.is_orchestrator and allows(actor, ADD, Questionnaire)
    form = QuestionnaireForm(request.POST or None) if can_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        created = apply_service(
            form, lambda: services.questionnaire_create(actor=actor, **form.cleaned_data)
        )
        if created is not None:
            messages.success(
                request,
                f"Questionnaire “{created}” created with {created.questions.count()} questions.",
            )
            return redirect("questionnaires:questionnaire-detail", created.public_id)
    rows = selectors.questionnaire_list(actor=actor)
    return render(
        request, "questionnaires/questionnaire_list.html", {"questionnaires": rows, "form": form}
    )


class SendForm(forms.Form):
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = SearchSelectField(
            organizations,
            suggest_url=reverse_lazy("ecosystem:organization-suggest"),
            label="Send to",
        )
        self.order_fields(["organization", "due_date"])


@page("questionnaires.questionnaire:view")
def questionnaire_detail(request, public_id):
    actor = request.actor
    questionnaire = selectors.questionnaire_get(actor=actor, public_id=public_id)
    form = SendForm(request.POST or None, organizations=organization_list(actor=actor))
    if request.method == "POST" and form.is_valid():
        sent = apply_service(
            form,
            lambda: services.assignment_send(
                actor=actor, questionnaire=questionnaire, **form.cleaned_data
            ),
        )
        if sent is not None:
            messages.success(request, f"Sent to {sent.organization}; its admins were told.")
            return redirect("questionnaires:questionnaire-detail", questionnaire.public_id)
    questions = list(questionnaire.questions.all())
    return render(
        request,
        "questionnaires/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": questions,
            "source": engine.to_source(questions),
            "assignments": questionnaire.assignments.select_related("organization"),
            "form": form,
        },
    )


@page("questionnaires.assignment:view")
def assignment_list(request):
    return list_response(
        request,
        spec=lists.ASSESSMENTS,
        queryset=selectors.assignment_list(actor=request.actor),
        template="questionnaires/assignment_list.html",
        context={"title": "Assessments"},
        detail_url=detail_url("questionnaires:assignment-detail"),
    )


@page("questionnaires.assignment:view")
def assignment_detail(request, public_id):
    actor = request.actor
    assignment = selectors.assignment_get(actor=actor, public_id=public_id)
    questions = list(assignment.questionnaire.questions.all())
    answers = {a.question_id: a for a in assignment.answers.all()}
    files = {f.question_id: f for f in assignment.files.all()}
    can_answer = (
        assignment.status == "open"
        and actor.organization_id == assignment.organization_id
        and actor.role in ("external_admin", "external_member")
    )
    rows = [
        {
            "question": q,
            "answer": answers.get(q.pk),
            "condition": questions[q.condition["question"] - 1] if q.condition else None,
            "file": files.get(q.pk),
            "accept": ",".join(f".{t}" for t in q.options[0]["types"]) if q.kind == "file" else "",
        }
        for q in questions
    ]
    return render(
        request,
        "questionnaires/assignment_detail.html",
        {
            "assignment": assignment,
            "rows": rows,
            "can_answer": can_answer,
            "can_review": actor.is_orchestrator and assignment.status == "submitted",
            "reminders": assignment.validity_reminders.all(),
            "max_file_mb": engine.MAX_FILE_BYTES // (1024 * 1024),
        },
    )


def _answers_from(post, questions) -> dict[int, object]:
    answers = {}
    for q in questions:
        key = f"q{q.position}"
        answers[q.position] = post.getlist(key) if q.kind == "multi" else post.get(key, "")
    return answers


@require_POST
@page("questionnaires.assignment:change")
def assignment_answer(request, public_id):
    actor = request.actor
    assignment = selectors.assignment_get(actor=actor, public_id=public_id)
    try:
        questions = list(assignment.questionnaire.questions.all())
        services.answers_submit(
            actor=actor, assignment=assignment, answers=_answers_from(request.POST, questions),
            uploads={
                q.position: request.FILES.get(f"q{q.position}")
                for q in questions
                if q.kind == "file"
            },
        )  # fmt: skip
    except ValidationError as error:
        details = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        messages.error(
            request,
            "Nothing was saved. " + " ".join(f"{k}: {' '.join(v)}" for k, v in details.items()),
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Answers submitted; thank you.")
    return redirect("questionnaires:assignment-detail", assignment.public_id)


@require_POST
@page("questionnaires.assignment:change")
def assignment_review(request, public_id):
    actor = request.actor
    assignment = selectors.assignment_get(actor=actor, public_id=public_id)
    try:
        services.assignment_review(
            actor=actor, assignment=assignment, note=request.POST.get("note", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Review recorded.")
    return redirect("questionnaires:assignment-detail", assignment.public_id)


@page("questionnaires.answerfile:view")
def answer_file_download(request, public_id):
    """An uploaded answer file, for those who may see its assessment (others: not found)."""
    answer_file = selectors.answer_file_get(actor=request.actor, public_id=public_id)
    return file_response(answer_file)


def file_response(answer_file):
    from django.http import FileResponse

    response = FileResponse(
        answer_file.file.open("rb"),
        as_attachment=True,
        filename=answer_file.name,
        content_type=answer_file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
