"""The questionnaire engine: the text format, conditions, scoring; sending, answering, reviewing."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecosys.questionnaires import engine, services
from ecosys.questionnaires.views import EXAMPLE

SOURCE = EXAMPLE


def test_parse_reads_sections_kinds_options_and_conditions():
    questions = engine.parse(SOURCE)
    assert [q.kind for q in questions] == ["choice", "text", "multi", "scale", "number", "file"]
    assert questions[5].options == [{"types": ["pdf", "png", "jpg"]}]
    assert questions[0].options == [
        {"value": "yes", "label": "Yes", "score": 10.0},
        {"value": "no", "label": "No", "score": 0.0},
    ]
    assert questions[1].condition == {"question": 1, "equals": "yes"}
    assert questions[2].required is False and questions[3].options == [{"min": 1, "max": 5}]
    assert {q.section for q in questions} == {"Capabilities"}


def test_parse_reports_every_bad_line():
    with pytest.raises(ValidationError) as error:
        engine.parse(
            "? A | choice | Only=1\nnot a question\n? B | wizard\n"
            "? C | text | | if 9=Yes\n? D | scale | 5-1"
        )
    assert set(error.value.message_dict) == {"line 1", "line 2", "line 3", "line 4", "line 5"}


def test_text_format_round_trips():
    parsed = engine.parse(SOURCE)
    assert [vars(q) for q in engine.parse(engine.to_source(parsed))] == [vars(q) for q in parsed]


def test_scoring_skips_unasked_questions_and_counts_scales():
    questions = engine.parse(SOURCE)
    clean, scores, total = engine.check_and_score(
        questions, {1: "no", 2: "", 3: ["drives", "sensors"], 4: "4", 5: "3"}
    )
    assert 2 not in clean  # asked only after a Yes
    # earned 0 + 10 + 3 of possible 10 + 15 + 4
    assert float(total) == pytest.approx(round(13 * 100 / 29, 1))
    with pytest.raises(ValidationError) as error:
        engine.check_and_score(questions, {1: "yes", 2: "", 4: "9", 5: "many"})
    assert set(error.value.message_dict) == {"q2", "q4", "q5"}


def test_send_answer_in_the_portal_and_review(client_as, actors, partner_a, workspace):
    questionnaire = services.questionnaire_create(
        actor=actors["orchestrator_staff"], title="Partner readiness", source=SOURCE, pass_mark=50
    )
    staff = client_as("orchestrator_staff")
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    sent = staff.post(
        f"/api/v1/questionnaires/{questionnaire.public_id}/assignments",
        json.dumps({"organization_id": str(partner_a.public_id), "due_date": due}),
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    assignment_id = sent.json()["id"]
    member = client_as("partner_a_member")
    assert "Do you hold ISO 9001?" in member.get(f"/assessments/{assignment_id}/").content.decode()
    bad = member.post(f"/assessments/{assignment_id}/answer/", {"q1": "yes"}, follow=True)
    assert "Nothing was saved" in bad.content.decode()
    member.post(
        f"/assessments/{assignment_id}/answer/",
        {"q1": "yes", "q2": "All plants", "q3": ["drives"], "q4": "5", "q5": "3"},
    )
    done = staff.get(f"/api/v1/assessments/{assignment_id}").json()
    assert done["status"] == "submitted" and done["passed"] is True
    assert done["score"] == pytest.approx(round((10 + 5 + 4) * 100 / 29, 1))
    again = member.post(f"/assessments/{assignment_id}/answer/", {"q1": "no"}, follow=True)
    assert "submitted already" in again.content.decode()
    reviewed = staff.post(
        f"/api/v1/assessments/{assignment_id}/review",
        json.dumps({"note": "Good"}),
        content_type="application/json",
    )
    assert reviewed.json()["status"] == "reviewed"
    assert client_as("partner_b_member").get(f"/assessments/{assignment_id}/").status_code == 404
    assert client_as("partner_a_admin").get("/questionnaires/").status_code == 403


def test_reminders_go_once_a_week_for_assessments_due_soon(actors, partner_a, workspace):
    from django.core import mail

    questionnaire = services.questionnaire_create(
        actor=actors["orchestrator_staff"], title="Q", source="? N | number"
    )
    services.assignment_send(
        actor=actors["orchestrator_staff"], questionnaire=questionnaire, organization=partner_a,
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )  # fmt: skip
    mail.outbox.clear()
    assert services.reminders_send() >= 1
    assert any(m.to == ["admin@partner-a.example"] and "“Q”" in m.body for m in mail.outbox)
    assert services.reminders_send() == 0
