"""Warnings (acknowledge, snooze, dismiss, reopen), playbooks and their matching, interventions
and their tasks, through the services, the pages and the API."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecosys.core.models import AuditEvent
from ecosys.partners.models import Partner
from ecosys.performance import actions
from ecosys.performance.models import (
    EarlyWarning,
    Intervention,
    InterventionTask,
    PartnerScore,
    Playbook,
    WarningStatus,
)

TODAY = timezone.localdate()


def make_warning(partner: Partner, **fields) -> EarlyWarning:
    now = timezone.now()
    values = {
        "workspace": partner.workspace,
        "partner": partner,
        "kind": "level_shift",
        "measure": "revenue",
        "change_period": dt.date(2026, 1, 1),
        "magnitude": -0.31,
        "before": 100_000.0,
        "after": 69_000.0,
        "confidence": 0.99,
        "explanation": f"Revenue of {partner.organization} fell 31% from 2026-01.",
        "series": {
            "periods": ["2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01"],
            "values": [101_000, 99_000, 100_000, 70_000, 68_000],
            "fitted": [100_000, 100_000, 100_000, 69_000, 69_000],
            "change_index": 3,
        },
        "detected_at": now,
        "last_seen_at": now,
    }
    values.update(fields)
    return EarlyWarning.objects.create(**values)


def make_score(partner: Partner, period: dt.date, band: str = "Red", **measures) -> PartnerScore:
    return PartnerScore.objects.create(
        workspace=partner.workspace,
        partner=partner,
        period=period,
        score=30,
        band=band,
        measures=measures,
        computed_at=timezone.now(),
    )


def make_playbook(actor, name="Revenue drop", **fields) -> Playbook:
    data = {
        "warning_kind": "level_shift",
        "measure": "revenue",
        "min_drop": 0.2,
        "steps": [
            {"title": "Review call", "side": "orchestrator", "due_days": 10},
            {"title": "Joint business plan", "side": "partner", "due_days": 30},
        ],
    }
    data.update(fields)
    return actions.playbook_save(actor=actor, name=name, **data)


@pytest.fixture
def partners(partner_a, partner_b):
    """Partners A and B, without the demo's scores and warnings (each test makes its own)."""
    found = {
        "A": Partner.objects.select_related("organization").get(organization=partner_a),
        "B": Partner.objects.select_related("organization").get(organization=partner_b),
    }
    PartnerScore.objects.filter(partner__in=found.values()).delete()
    EarlyWarning.objects.filter(partner__in=found.values()).delete()
    return found


@pytest.fixture
def staff(actors):
    return actors["orchestrator_staff"]


# -- warnings --------------------------------------------------------------------------------


def test_warning_lifecycle_records_who_when_why_and_audits(partners, staff):
    warning = make_warning(partners["A"])
    actions.warning_set_status(actor=staff, warning=warning, status="acknowledged", reason="seen")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED
    assert warning.status_by == "manager@helix.example"
    assert warning.status_reason == "seen" and warning.status_at is not None
    with pytest.raises(ValidationError) as error:
        actions.warning_set_status(actor=staff, warning=warning, status="dismissed")
    assert "reason" in error.value.message_dict
    actions.warning_set_status(
        actor=staff, warning=warning, status="dismissed", reason="Seasonal, agreed with them"
    )
    actions.warning_set_status(actor=staff, warning=warning, status="open", reason="back again")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and warning.status_reason == "back again"
    events = list(
        AuditEvent.objects.filter(target_public_id=warning.public_id).order_by("created_at", "id")
    )
    assert [e.action for e in events] == [
        "warning_acknowledge",
        "warning_dismiss",
        "warning_reopen",
    ]
    assert events[1].changes["status"] == ["acknowledged", "dismissed"]
    assert events[1].changes["reason"] == ["seen", "Seasonal, agreed with them"]


def test_snooze_needs_a_future_date_and_the_daily_job_reopens_it(partners, staff, workspace):
    warning = make_warning(partners["A"])
    with pytest.raises(ValidationError) as error:
        actions.warning_set_status(
            actor=staff, warning=warning, status="snoozed", snoozed_until=TODAY
        )
    assert "snoozed_until" in error.value.message_dict
    until = TODAY + dt.timedelta(days=14)
    actions.warning_set_status(actor=staff, warning=warning, status="snoozed", snoozed_until=until)
    assert actions.warnings_unsnooze(workspace=workspace, today=until - dt.timedelta(days=1)) == 0
    warning.refresh_from_db()
    assert warning.status == WarningStatus.SNOOZED and warning.snoozed_until == until
    assert actions.warnings_unsnooze(workspace=workspace, today=until) == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and warning.snoozed_until is None
    assert warning.status_by == "System"
    event = AuditEvent.objects.filter(target_public_id=warning.public_id).latest("id")
    assert event.action == "warning_reopen" and event.channel == "system"
    assert actions.warnings_unsnooze(workspace=workspace, today=until) == 0  # idempotent


def test_daily_job_reopens_snoozed_warnings_in_every_workspace(partners, workspace):
    from ecosys.core.models import JobRun
    from ecosys.performance.tasks import warnings_unsnooze_run

    warning = make_warning(
        partners["A"], status=WarningStatus.SNOOZED, snoozed_until=TODAY - dt.timedelta(days=1)
    )
    warnings_unsnooze_run.call(workspace_id=workspace.pk)
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN
    run = JobRun.objects.filter(job="performance.warnings_unsnooze").latest("id")
    assert run.status == "succeeded" and run.result == 1


def test_partners_may_not_change_warnings(partners, actors):
    warning = make_warning(partners["A"])
    with pytest.raises(PermissionDenied):
        actions.warning_set_status(
            actor=actors["partner_a_admin"], warning=warning, status="acknowledged"
        )


def test_warning_pages_list_filter_export_and_detail(partners, client_as, staff,
                                                     django_assert_max_num_queries):  # fmt: skip
    big = make_warning(partners["A"])
    small = make_warning(
        partners["B"], kind="order_drop", measure="orders", magnitude=-0.18, confidence=0.91
    )
    client = client_as("orchestrator_staff")
    with django_assert_max_num_queries(12):
        page = client.get("/performance/warnings/?sort=magnitude")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index(f"/performance/warnings/{small.public_id}/") > text.index(
        f"/performance/warnings/{big.public_id}/"
    )  # -31% sorts before -18%
    assert "-31%" in text and "99%" in text
    filtered = client.get("/performance/warnings/?kind=order_drop").content.decode()
    assert f"/performance/warnings/{small.public_id}/" in filtered
    assert f"/performance/warnings/{big.public_id}/" not in filtered
    by_partner = client.get(f"/performance/warnings/?partner={big.partner.public_id}")
    assert f"/performance/warnings/{small.public_id}/" not in by_partner.content.decode()
    program = big.partner.program
    if program is not None:
        by_program = client.get(f"/performance/warnings/?program={program.public_id}")
        assert f"/performance/warnings/{big.public_id}/" in by_program.content.decode()
    export = client.get("/performance/warnings/?export=csv&q=fell+31%25&sort=-confidence")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    mine = [row for row in rows if row["id"] in (str(big.public_id), str(small.public_id))]
    assert [row["id"] for row in mine] == [str(big.public_id), str(small.public_id)]
    assert mine[0]["explanation"].startswith("Revenue of") and mine[0]["magnitude"] == "-0.31"
    with django_assert_max_num_queries(20):
        detail = client.get(f"/performance/warnings/{big.public_id}/")
    body = detail.content.decode()
    assert detail.status_code == 200
    series = json.loads(body.split('id="warning-series" type="application/json">')[1].split("<")[0])
    assert series["change_index"] == 3 and series["values"][3] == 70000
    assert "Acknowledge" in body and "Open an intervention" in body


def test_warning_status_page_actions(partners, client_as):
    warning = make_warning(partners["A"])
    client = client_as("orchestrator_staff")
    url = f"/performance/warnings/{warning.public_id}/status/"
    client.post(url, {"status": "dismissed", "reason": ""})
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN  # a reason is required
    until = TODAY + dt.timedelta(days=7)
    response = client.post(url, {"status": "snoozed", "snoozed_until": until.isoformat()})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.SNOOZED and warning.snoozed_until == until


def test_partner_sees_its_own_warnings_only_and_cannot_act(partners, client_as, token_for):
    own, other = make_warning(partners["A"]), make_warning(partners["B"])
    client = client_as("partner_a_member")
    page = client.get("/performance/warnings/").content.decode()
    assert f"/performance/warnings/{own.public_id}/" in page
    assert f"/performance/warnings/{other.public_id}/" not in page
    detail = client.get(f"/performance/warnings/{own.public_id}/").content.decode()
    assert "Acknowledge" not in detail and "Open an intervention" not in detail
    assert client.get(f"/performance/warnings/{other.public_id}/").status_code == 404
    admin = client_as("partner_a_admin")
    response = admin.post(
        f"/performance/warnings/{own.public_id}/status/", {"status": "acknowledged"}
    )
    assert response.status_code in (302, 403)
    own.refresh_from_db()
    assert own.status == WarningStatus.OPEN
    api = client_as("partner_b_member")
    listed = api.get("/api/v1/performance/warnings").json()
    ids = {row["id"] for row in listed["results"]}
    assert str(other.public_id) in ids and str(own.public_id) not in ids
    assert {row["partner_id"] for row in listed["results"]} == {str(partners["B"].public_id)}
    assert api.get(f"/api/v1/performance/warnings/{own.public_id}").status_code == 404
    answer = admin.post(
        f"/api/v1/performance/warnings/{own.public_id}/status",
        data={"status": "acknowledged"},
        content_type="application/json",
    )
    assert answer.status_code == 403


def test_warning_api_status_and_filters(partners, client_as, django_assert_max_num_queries):
    warning = make_warning(partners["A"])
    make_warning(partners["A"], kind="trend_break")
    make_warning(partners["B"])
    client = client_as("orchestrator_staff")
    with django_assert_max_num_queries(8):
        listed = client.get(
            f"/api/v1/performance/warnings?kind=level_shift&partner={partners['A'].public_id}"
        )
    assert [row["id"] for row in listed.json()["results"]] == [str(warning.public_id)]
    url = f"/api/v1/performance/warnings/{warning.public_id}/status"
    refused = client.post(url, data={"status": "dismissed"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "reason"]
    done = client.post(
        url, data={"status": "dismissed", "reason": "known"}, content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "dismissed" and done.json()["status_reason"] == "known"
    assert done.json()["series"]["change_index"] == 3


# -- playbooks -------------------------------------------------------------------------------


def test_playbook_for_picks_the_most_specific_active_match(partners, staff):
    partner = partners["A"]
    make_score(partner, dt.date(2026, 2, 1), band="Red", revenue=69_000)
    general = make_playbook(staff, name="Any drop", warning_kind="", measure="", min_drop=None)
    revenue = make_playbook(staff, name="Revenue down 20%")
    make_playbook(staff, name="Revenue down 50%", min_drop=0.5)
    red = make_playbook(staff, name="Red revenue", score_band="red")
    make_playbook(staff, name="Red revenue, paused", score_band="Red", active=False)
    warning = make_warning(partner)
    assert actions.playbook_for(warning) == red
    red.delete()
    assert actions.playbook_for(warning) == revenue
    orders = make_warning(partner, kind="order_drop", measure="orders", magnitude=-0.2)
    assert actions.playbook_for(orders) == general


def test_playbook_validation(staff, actors):
    with pytest.raises(ValidationError) as error:
        actions.playbook_save(
            actor=staff,
            name="Bad",
            min_drop=1.5,
            steps=[{"title": "", "side": "them", "due_days": -1}],
        )
    assert set(error.value.message_dict) == {
        "steps.1.title",
        "steps.1.side",
        "steps.1.due_days",
    }
    with pytest.raises(ValidationError):
        actions.playbook_save(actor=staff, name="Empty", steps=[])
    make_playbook(staff, name="Taken")
    with pytest.raises(ValidationError) as error:
        make_playbook(staff, name="taken")
    assert "name" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        make_playbook(actors["partner_a_admin"], name="Theirs")


def test_playbook_pages_create_edit_delete(client_as, staff, django_assert_max_num_queries):
    client = client_as("orchestrator_staff")
    response = client.post(
        "/performance/playbooks/new/",
        {
            "name": "Order slump",
            "warning_kind": "order_drop",
            "min_drop_percent": "25",
            "active": "on",
            "steps": "7 | us | Call the partner\n21 | partner | Send an order plan",
        },
    )
    assert response.status_code == 302
    playbook = Playbook.objects.get(name="Order slump")
    assert playbook.min_drop == pytest.approx(0.25)
    assert [(s.title, s.side, s.due_days) for s in playbook.steps.all()] == [
        ("Call the partner", "orchestrator", 7),
        ("Send an order plan", "partner", 21),
    ]
    bad = client.post(
        f"/performance/playbooks/{playbook.public_id}/",
        {"name": "Order slump", "steps": "soon | us | Call"},
    )
    assert "the due days is a whole number" in bad.content.decode()
    with django_assert_max_num_queries(12):
        listing = client.get("/performance/playbooks/")
    assert "Order slump" in listing.content.decode() and "25%" in listing.content.decode()
    assert client_as("partner_a_admin").get("/performance/playbooks/").status_code == 403
    client.post(f"/performance/playbooks/{playbook.public_id}/delete/")
    assert not Playbook.objects.filter(pk=playbook.pk).exists()


def test_playbook_api_crud(client_as):
    client = client_as("orchestrator_staff")
    body = {
        "name": "API playbook",
        "measure": "revenue",
        "min_drop": 0.3,
        "steps": [{"title": "Call", "side": "orchestrator", "due_days": 5}],
    }
    created = client.post("/api/v1/performance/playbooks", body, content_type="application/json")
    assert created.status_code == 201
    playbook_id = created.json()["id"]
    body["steps"].append({"title": "Plan", "side": "partner", "due_days": 20})
    updated = client.put(
        f"/api/v1/performance/playbooks/{playbook_id}", body, content_type="application/json"
    )
    assert [s["title"] for s in updated.json()["steps"]] == ["Call", "Plan"]
    listed = client.get("/api/v1/performance/playbooks?q=API").json()
    assert listed["count"] == 1 and len(listed["results"][0]["steps"]) == 2
    assert client.delete(f"/api/v1/performance/playbooks/{playbook_id}").status_code == 204
    assert client.get(f"/api/v1/performance/playbooks/{playbook_id}").status_code == 404


# -- interventions ---------------------------------------------------------------------------


def test_intervention_from_a_warning_takes_the_playbook_steps(partners, staff, members):
    playbook = make_playbook(staff)
    warning = make_warning(partners["A"])
    owner = members["orchestrator_staff"].user
    intervention = actions.intervention_open(
        actor=staff, warning=warning, playbook=playbook, owner=owner
    )
    tasks = list(intervention.tasks.order_by("due_date"))
    assert [(t.title, t.side, t.due_date) for t in tasks] == [
        ("Review call", "orchestrator", TODAY + dt.timedelta(days=10)),
        ("Joint business plan", "partner", TODAY + dt.timedelta(days=30)),
    ]
    assert tasks[0].assignee == owner and tasks[1].assignee is None
    assert intervention.due_date == TODAY + dt.timedelta(days=30)
    assert intervention.measure == "revenue" and intervention.baseline_value == 69_000
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED
    with pytest.raises(ValidationError) as error:
        actions.intervention_open(actor=staff, warning=warning, playbook=playbook)
    assert "warning" in error.value.message_dict
    event = AuditEvent.objects.get(target_public_id=intervention.public_id)
    assert event.action == "intervention_open" and event.changes["tasks"] == [None, 2]


def test_intervention_by_hand_needs_a_due_date_and_takes_the_latest_figure(partners, staff):
    partner = partners["B"]
    make_score(partner, dt.date(2026, 1, 1), revenue=50_000)
    make_score(partner, dt.date(2026, 2, 1), revenue=42_000)
    with pytest.raises(ValidationError) as error:
        actions.intervention_open(actor=staff, partner=partner, title="Win back", measure="revenue")
    assert "due_date" in error.value.message_dict
    intervention = actions.intervention_open(
        actor=staff,
        partner=partner,
        title="Win back",
        measure="revenue",
        due_date=TODAY + dt.timedelta(days=20),
    )
    assert intervention.baseline_value == 42_000
    assert intervention.owner is not None


def test_intervention_pages_open_from_warning_with_suggested_playbook(partners, client_as, staff):
    playbook = make_playbook(staff)
    warning = make_warning(partners["A"])
    client = client_as("orchestrator_staff")
    form = client.get(f"/performance/warnings/{warning.public_id}/intervene/").content.decode()
    assert f'value="{playbook.public_id}" selected' in form
    response = client.post(
        f"/performance/warnings/{warning.public_id}/intervene/",
        {"playbook": str(playbook.public_id), "owner": "manager@helix.example"},
    )
    assert response.status_code == 302
    intervention = Intervention.objects.get(warning=warning)
    assert response.url == f"/performance/interventions/{intervention.public_id}/"
    detail = client.get(response.url).content.decode()
    assert "Review call" in detail and "Joint business plan" in detail


def test_each_side_ticks_its_own_tasks(partners, staff, client_as):
    intervention = actions.intervention_open(
        actor=staff, warning=make_warning(partners["A"]), playbook=make_playbook(staff)
    )
    ours = intervention.tasks.get(side="orchestrator")
    theirs = intervention.tasks.get(side="partner")
    admin = client_as("partner_a_admin")
    page = admin.get(f"/performance/interventions/{intervention.public_id}/").content.decode()
    assert f"/performance/intervention-tasks/{theirs.public_id}/done/" in page
    assert f"/performance/intervention-tasks/{ours.public_id}/done/" not in page
    admin.post(f"/performance/intervention-tasks/{theirs.public_id}/done/", {"done": "1"})
    admin.post(f"/performance/intervention-tasks/{ours.public_id}/done/", {"done": "1"})
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert theirs.done_at is not None and theirs.done_by == "admin@partner-a.example"
    assert ours.done_at is None
    member = client_as("partner_a_member").post(
        f"/api/v1/performance/intervention-tasks/{theirs.public_id}/done",
        data={"done": False},
        content_type="application/json",
    )
    assert member.status_code == 403
    other = client_as("partner_b_member")
    assert (
        other.get(f"/api/v1/performance/interventions/{intervention.public_id}").status_code == 404
    )
    api = client_as("orchestrator_staff").post(
        f"/api/v1/performance/intervention-tasks/{ours.public_id}/done",
        data={"done": True},
        content_type="application/json",
    )
    assert api.status_code == 200
    assert all(task["done_at"] for task in api.json()["tasks"])


def test_outcome_check_suggests_from_the_latest_figure(partners, staff):
    partner = partners["A"]
    intervention = actions.intervention_open(
        actor=staff, warning=make_warning(partner), playbook=make_playbook(staff)
    )
    assert actions.outcome_check(intervention) is None  # no figure yet
    make_score(partner, dt.date(2026, 3, 1), revenue=72_000)
    check = actions.outcome_check(intervention)
    assert check["suggestion"] == "not_recovered"
    assert "still 28% below the level before the drop" in check["explanation"]
    make_score(partner, dt.date(2026, 4, 1), revenue=85_000)
    assert actions.outcome_check(intervention)["suggestion"] == "partly"
    make_score(partner, dt.date(2026, 5, 1), revenue=97_000)
    assert actions.outcome_check(intervention)["suggestion"] == "recovered"


def test_close_with_outcome_and_list_filters(partners, staff, client_as,
                                             django_assert_max_num_queries):  # fmt: skip
    late = actions.intervention_open(
        actor=staff, partner=partners["A"], title="Late one", due_date=TODAY
    )
    Intervention.objects.filter(pk=late.pk).update(due_date=TODAY - dt.timedelta(days=3))
    on_time = actions.intervention_open(
        actor=staff, partner=partners["B"], title="On time", due_date=TODAY + dt.timedelta(days=9)
    )
    client = client_as("orchestrator_staff")
    with django_assert_max_num_queries(12):
        overdue = client.get("/performance/interventions/?overdue=true").content.decode()
    assert "Late one" in overdue and "On time" not in overdue and "(overdue)" in overdue
    api = client.get("/api/v1/performance/interventions?overdue=true").json()
    assert [row["title"] for row in api["results"]] == ["Late one"]
    assert api["results"][0]["overdue"] is True
    response = client.post(
        f"/performance/interventions/{on_time.public_id}/close/",
        {"outcome": "recovered", "note": "Back on track"},
    )
    assert response.status_code == 302
    on_time.refresh_from_db()
    assert on_time.status == "closed" and on_time.outcome == "recovered"
    assert on_time.outcome_note == "Back on track" and on_time.closed_at is not None
    with pytest.raises(ValidationError):
        actions.intervention_close(actor=staff, intervention=on_time, outcome="recovered")
    export = client.get("/performance/interventions/?export=csv&status=closed")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(r["title"], r["outcome"]) for r in rows] == [("On time", "recovered")]
    partner_view = client_as("partner_b_member").get("/performance/interventions/")
    assert "On time" in partner_view.content.decode()
    assert "Late one" not in partner_view.content.decode()


def test_tasks_added_by_hand_extend_the_due_date(partners, staff):
    intervention = actions.intervention_open(
        actor=staff, partner=partners["A"], title="Plan", due_date=TODAY + dt.timedelta(days=5)
    )
    actions.intervention_task_add(
        actor=staff,
        intervention=intervention,
        title="Quarterly review",
        side="partner",
        due_date=TODAY + dt.timedelta(days=40),
    )
    intervention.refresh_from_db()
    assert intervention.due_date == TODAY + dt.timedelta(days=40)
    assert InterventionTask.objects.get(intervention=intervention).side == "partner"


def test_intervention_api_create_from_warning(partners, client_as, staff):
    playbook = make_playbook(staff)
    warning = make_warning(partners["A"])
    client = client_as("orchestrator_staff")
    both = client.post(
        "/api/v1/performance/interventions",
        {"warning_id": str(warning.public_id), "partner_id": str(partners["A"].public_id)},
        content_type="application/json",
    )
    assert both.status_code == 422
    created = client.post(
        "/api/v1/performance/interventions",
        {"warning_id": str(warning.public_id), "playbook_id": str(playbook.public_id)},
        content_type="application/json",
    )
    assert created.status_code == 201
    data = created.json()
    assert data["baseline_value"] == 69_000 and len(data["tasks"]) == 2
    assert data["due_date"] == str(TODAY + dt.timedelta(days=30))
    refused = client_as("partner_a_admin").post(
        "/api/v1/performance/interventions",
        {"partner_id": str(partners["A"].public_id), "title": "x", "due_date": str(TODAY)},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert mail.outbox == []


def test_partner_actions_include(partners, staff, actors):
    from django.template.loader import render_to_string

    from ecosys.performance.selectors_actions import partner_actions

    warning = make_warning(partners["A"])
    make_warning(partners["A"], kind="trend_break", status=WarningStatus.DISMISSED)
    intervention = actions.intervention_open(
        actor=staff, partner=partners["A"], title="Rescue plan", due_date=TODAY
    )
    actor = actors["partner_a_member"]
    html = render_to_string(
        "performance/partials/partner_actions.html",
        {
            "performance_actions": partner_actions(actor=actor, partner=partners["A"]),
            "partner": partners["A"],
            "actor": actor,
        },
    )
    assert warning.explanation in html and "Rescue plan" in html
    assert html.count("/performance/warnings/") == 2  # one open warning, plus "All warnings"
    assert f"/performance/interventions/{intervention.public_id}/" in html
    assert "Open an intervention" not in html
    other = partner_actions(actor=actors["partner_b_member"], partner=partners["A"])
    assert other == {"warnings": [], "interventions": []}
