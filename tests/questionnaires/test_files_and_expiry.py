"""File questions (uploads checked for type and size, downloadable only by those who see the
assessment) and reminders before an assessment's validity ends."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecosys.core.models import AuditEvent
from ecosys.questionnaires import engine, services
from ecosys.questionnaires.models import AnswerFile, ValidityReminder
from ecosys.questionnaires.tasks import validity_reminders_run

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
SOURCE = "? Do you hold ISO 9001? | choice | Yes=10; No=0\n? Your certificate | file | pdf, png"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def assignment(actors, partner_a, workspace):
    questionnaire = services.questionnaire_create(
        actor=actors["orchestrator_staff"], title="Certified", source=SOURCE
    )
    return services.assignment_send(
        actor=actors["orchestrator_staff"], questionnaire=questionnaire, organization=partner_a,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip


def test_file_questions_parse_with_their_types_and_refuse_unknown_ones():
    questions = engine.parse("? Proof | file\n? Logo | file | .PNG")
    assert questions[1].options == [{"types": ["png"]}]
    assert questions[0].options == [{"types": engine.DEFAULT_FILE_TYPES}]
    with pytest.raises(ValidationError, match="Unknown file type svg"):
        engine.parse("? Logo | file | png, svg")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cert.exe", b"MZ", "not one of the accepted types: pdf, png"),
        ("cert.pdf", b"", "is empty"),
        ("cert.pdf", b"GIF89a fake", "not a real PDF file"),
        ("cert.png", PDF, "not a real PNG file"),
    ],
)
def test_uploads_are_refused_by_type_content_and_emptiness(
    actors, assignment, name, content, message
):
    with pytest.raises(ValidationError, match=message):
        services.answer_file_upload(
            actor=actors["partner_a_member"], assignment=assignment, position=2,
            upload=SimpleUploadedFile(name, content),
        )  # fmt: skip
    assert not AnswerFile.objects.exists()


def test_uploads_over_the_size_limit_are_refused(actors, assignment, monkeypatch):
    monkeypatch.setattr(engine, "MAX_FILE_BYTES", len(PDF) - 1)
    with pytest.raises(ValidationError, match="larger than"):
        services.answer_file_upload(
            actor=actors["partner_a_member"], assignment=assignment, position=2,
            upload=SimpleUploadedFile("cert.pdf", PDF),
        )  # fmt: skip


def test_a_required_file_question_needs_a_file_and_only_members_upload(actors, assignment):
    member = actors["partner_a_member"]
    with pytest.raises(ValidationError) as error:
        services.answers_submit(actor=member, assignment=assignment, answers={1: "yes"})
    assert error.value.message_dict == {"q2": ["Please upload a file."]}
    with pytest.raises(ValidationError, match="does not take a file"):
        services.answer_file_upload(
            actor=member, assignment=assignment, position=1,
            upload=SimpleUploadedFile("a.pdf", PDF),
        )  # fmt: skip
    from django.core.exceptions import PermissionDenied

    for outsider in ("partner_b_member", "orchestrator_staff"):
        with pytest.raises(PermissionDenied):
            services.answer_file_upload(
                actor=actors[outsider], assignment=assignment, position=2,
                upload=SimpleUploadedFile("a.pdf", PDF),
            )  # fmt: skip


def test_answer_with_a_file_in_the_portal_and_download_it(client_as, assignment, partner_a):
    member = client_as("partner_a_member")
    page = member.get(f"/assessments/{assignment.public_id}/").content.decode()
    assert 'type="file" name="q2" accept=".pdf,.png"' in page
    refused = member.post(
        f"/assessments/{assignment.public_id}/answer/",
        {"q1": "yes", "q2": SimpleUploadedFile("cert.png", PDF)},
        follow=True,
    )
    assert "not a real PNG file" in refused.content.decode()
    assert not AnswerFile.objects.exists()
    member.post(
        f"/assessments/{assignment.public_id}/answer/",
        {"q1": "yes", "q2": SimpleUploadedFile("ISO cert.pdf", PDF)},
    )
    assignment.refresh_from_db()
    stored = AnswerFile.objects.get(assignment=assignment)
    assert assignment.status == "submitted" and stored.size == len(PDF)
    assert "ISO cert" not in stored.file.name  # stored under a random name
    answer = assignment.answers.get(question__position=2)
    assert answer.value == {"file": str(stored.public_id), "name": "ISO cert.pdf", "size": len(PDF)}
    url = f"/assessment-files/{stored.public_id}/"
    for name in ("partner_a_member", "orchestrator_staff"):
        response = client_as(name).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="ISO cert.pdf"' in response["Content-Disposition"]
    assert client_as("partner_b_member").get(url).status_code == 404
    api = client_as("partner_b_member").get(f"/api/v1/assessment-files/{stored.public_id}")
    assert api.status_code == 404
    shown = client_as("orchestrator_staff").get(f"/assessments/{assignment.public_id}/")
    assert url in shown.content.decode()


def test_upload_then_submit_through_the_api(client_as, assignment):
    member = client_as("partner_a_member")
    base = f"/api/v1/assessments/{assignment.public_id}"
    bad = member.post(f"{base}/files", {"question": 2, "file": SimpleUploadedFile("x.pdf", b"no")})
    assert bad.status_code == 422 and "not a real PDF" in bad.json()["detail"][0]["msg"]
    first = member.post(f"{base}/files", {"question": 2, "file": SimpleUploadedFile("a.pdf", PDF)})
    second = member.post(f"{base}/files", {"question": 2, "file": SimpleUploadedFile("b.pdf", PDF)})
    assert first.status_code == second.status_code == 201
    assert list(AnswerFile.objects.values_list("name", flat=True)) == ["b.pdf"]  # replaced
    done = member.post(f"{base}/answers", {"answers": {"1": "no"}}, "application/json")
    assert done.status_code == 200
    assert done.json()["files"][0]["name"] == "b.pdf"
    assert done.json()["answers"]["2"]["name"] == "b.pdf"


def _submitted(actors, assignment, valid_until):
    services.answers_submit(
        actor=actors["partner_a_member"], assignment=assignment, answers={1: "yes"},
        uploads={2: SimpleUploadedFile("c.pdf", PDF)},
    )  # fmt: skip
    type(assignment).objects.filter(pk=assignment.pk).update(valid_until=valid_until)


def test_expiry_reminders_go_once_per_threshold_to_the_partner_admins(
    actors, assignment, workspace
):
    today = timezone.localdate()
    _submitted(actors, assignment, today + dt.timedelta(days=40))
    assert services.validity_reminders_send(workspace=workspace, today=today) == 0
    mail.outbox.clear()
    in_25 = today + dt.timedelta(days=15)  # 25 days left: the 30-day threshold
    assert services.validity_reminders_send(workspace=workspace, today=in_25) == 1
    assert services.validity_reminders_send(workspace=workspace, today=in_25) == 0  # idempotent
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@partner-a.example"]
    assert "valid until" in mail.outbox[0].body
    in_5 = today + dt.timedelta(days=35)
    assert services.validity_reminders_send(workspace=workspace, today=in_5) == 1
    assert sorted(
        ValidityReminder.objects.filter(assignment=assignment).values_list("days_before", flat=True)
    ) == [7, 30]
    assert (
        AuditEvent.objects.filter(
            action="validity_reminder", target_public_id=assignment.public_id
        ).count()
        == 2
    )
    after = today + dt.timedelta(days=41)  # expired: nothing more
    assert services.validity_reminders_send(workspace=workspace, today=after) == 0


def test_a_late_run_sends_one_reminder_for_every_passed_threshold(actors, assignment, workspace):
    _submitted(actors, assignment, timezone.localdate() + dt.timedelta(days=3))
    mail.outbox.clear()
    validity_reminders_run.call(workspace.pk)
    assert len(mail.outbox) == 1
    assert set(ValidityReminder.objects.values_list("days_before", flat=True)) == {30, 7}
    from ecosys.core.models import JobRun

    run = JobRun.objects.get(job="questionnaires.validity_reminders")
    assert run.status == "succeeded" and run.result == 1


def test_an_answer_set_sent_again_is_not_reminded_about(actors, assignment, partner_a, workspace):
    _submitted(actors, assignment, timezone.localdate() + dt.timedelta(days=3))
    services.assignment_send(
        actor=actors["orchestrator_staff"], questionnaire=assignment.questionnaire,
        organization=partner_a, due_date=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip
    assert services.validity_reminders_send(workspace=workspace) == 0


def test_reminder_thresholds_are_set_per_questionnaire(client_as, actors, workspace):
    staff = client_as("orchestrator_staff")
    response = staff.post(
        "/questionnaires/",
        {"title": "Q", "source": "? A | number", "validity_days": 365,
         "expiry_reminder_days": "14, sixty"},
    )  # fmt: skip
    assert "Write whole numbers of days" in response.content.decode()
    created = staff.post(
        "/api/v1/questionnaires",
        {"title": "Q2", "source": "? A | number", "expiry_reminder_days": [7, 60, 400]},
        "application/json",
    )
    assert created.status_code == 422
    assert created.json()["detail"][0]["loc"] == ["body", "expiry_reminder_days"]
    ok = staff.post(
        "/api/v1/questionnaires",
        {"title": "Q3", "source": "? A | number", "expiry_reminder_days": [7, 60]},
        "application/json",
    )
    assert ok.json()["expiry_reminder_days"] == [60, 7]
