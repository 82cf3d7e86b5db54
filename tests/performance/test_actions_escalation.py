"""Escalation of overdue and stalled interventions (the daily job), escalation contacts, and
termination proposals that lead to the partner's continuity plan."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecosys.core.models import AuditEvent, JobRun, Membership, Role
from ecosys.partners.models import ContinuityPlan
from ecosys.performance import actions
from ecosys.performance.models import (
    ChannelSettings,
    EscalationContact,
    Intervention,
    TerminationProposal,
)

from .test_actions import make_playbook, make_score, make_warning, partners, staff  # noqa: F401

TODAY = timezone.localdate()


@pytest.fixture
def people(members, workspace):
    """The channel manager who owns interventions, two managers, and leadership."""
    from ecosys.core.models import User

    orchestrator = workspace.orchestrator

    def member(email):
        user = User.objects.create_user(email=email, password="x")
        Membership.objects.create(
            workspace=workspace, user=user, organization=orchestrator, role=Role.ORCHESTRATOR_STAFF
        )
        return user

    return {
        "owner": members["orchestrator_staff"].user,
        "boss": member("boss@helix.example"),
        "other_boss": member("other-boss@helix.example"),
        "head": member("head@helix.example"),
        "all_heads": member("chief@helix.example"),
        "admin": members["orchestrator_admin"].user,
    }


@pytest.fixture
def contacts(people, actors, partners):  # noqa: F811
    admin = actors["orchestrator_admin"]
    staff_user = people["owner"]
    actions.escalation_contact_add(actor=admin, level=1, user=people["boss"], manages=staff_user)
    actions.escalation_contact_add(
        actor=admin, level=1, user=people["other_boss"], manages=people["head"]
    )
    program = partners["A"].program
    assert program is not None  # the demo enrols active partners in its programme
    actions.escalation_contact_add(actor=admin, level=2, user=people["head"], program=program)
    actions.escalation_contact_add(actor=admin, level=2, user=people["all_heads"])
    return program


def _age(intervention, *, days_overdue=0, days_open=0):
    Intervention.objects.filter(pk=intervention.pk).update(
        due_date=TODAY - dt.timedelta(days=days_overdue),
        created_at=timezone.now() - dt.timedelta(days=days_open),
    )


def test_overdue_then_stalled_escalates_once_per_level(
    partners,  # noqa: F811
    staff,  # noqa: F811
    contacts,
    people,
    workspace,
    django_capture_on_commit_callbacks,
):
    ChannelSettings.objects.update_or_create(
        workspace=workspace, defaults={"escalate_overdue_days": 7, "escalate_stalled_days": 45}
    )
    partner = partners["A"]
    intervention = actions.intervention_open(
        actor=staff, warning=make_warning(partner), playbook=make_playbook(staff), owner=staff.user
    )
    make_score(partner, dt.date(2026, 3, 1), revenue=69_000)
    _age(intervention, days_overdue=5, days_open=20)
    assert actions.interventions_escalate(workspace=workspace) == {
        "level_1": 0,
        "level_2": 0,
        "emails": 0,
    }
    _age(intervention, days_overdue=9, days_open=20)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.interventions_escalate(workspace=workspace)
    assert result == {"level_1": 1, "level_2": 0, "emails": 1}
    intervention.refresh_from_db()
    assert intervention.escalation_level == 1 and intervention.escalated_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@helix.example"]  # not the other channel manager's manager
    assert message.cc == [people["owner"].email]
    assert "overdue by 9 days" in message.body
    event = AuditEvent.objects.filter(
        target_public_id=intervention.public_id, action="intervention_escalate"
    ).get()
    assert event.changes["reason"] == [None, "overdue by 9 days"]
    assert event.changes["escalation_level"] == [0, 1] and event.channel == "system"
    # Again the same day: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.interventions_escalate(workspace=workspace)["emails"] == 0
    assert len(mail.outbox) == 1
    # 45 days on, revenue still where the drop left it: programme leadership.
    make_score(partner, dt.date(2026, 4, 1), revenue=69_000)
    _age(intervention, days_overdue=40, days_open=46)
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.interventions_escalate(workspace=workspace)
    assert result == {"level_1": 0, "level_2": 1, "emails": 1}
    leadership = mail.outbox[-1]
    assert sorted(leadership.to) == ["chief@helix.example", "head@helix.example"]
    assert "Revenue still 31% below the level before the drop" in leadership.body
    intervention.refresh_from_db()
    assert intervention.escalation_level == 2
    assert actions.interventions_escalate(workspace=workspace)["emails"] == 0
    reasons = [
        e.changes["reason"][1]
        for e in AuditEvent.objects.filter(
            target_public_id=intervention.public_id, action="intervention_escalate"
        ).order_by("id")
    ]
    assert reasons == ["overdue by 9 days", "Revenue still 31% below the level before the drop"]


def test_improving_interventions_do_not_escalate_to_leadership(
    partners,  # noqa: F811
    staff,  # noqa: F811
    contacts,
    workspace,
):
    partner = partners["A"]
    intervention = actions.intervention_open(
        actor=staff, warning=make_warning(partner), due_date=TODAY + dt.timedelta(days=60)
    )
    make_score(partner, dt.date(2026, 3, 1), revenue=96_000)
    _age(intervention, days_open=60)
    intervention.due_date = TODAY + dt.timedelta(days=1)
    Intervention.objects.filter(pk=intervention.pk).update(due_date=intervention.due_date)
    assert actions.interventions_escalate(workspace=workspace)["level_2"] == 0
    closed = actions.intervention_open(
        actor=staff, partner=partners["B"], title="Done", due_date=TODAY
    )
    actions.intervention_close(actor=staff, intervention=closed, outcome="recovered")
    _age(closed, days_overdue=30, days_open=90)
    assert actions.interventions_escalate(workspace=workspace) == {
        "level_1": 0,
        "level_2": 0,
        "emails": 0,
    }


def test_escalation_daily_job_records_its_run(partners, staff, workspace, contacts):  # noqa: F811
    from ecosys.performance.tasks import interventions_escalate_run

    intervention = actions.intervention_open(
        actor=staff, partner=partners["A"], title="Late", due_date=TODAY
    )
    _age(intervention, days_overdue=30)
    interventions_escalate_run.call(workspace_id=workspace.pk)
    run = JobRun.objects.filter(job="performance.interventions_escalate").latest("id")
    assert run.status == "succeeded" and run.result["level_1"] == 1
    intervention.refresh_from_db()
    assert intervention.escalation_level == 1


def test_escalation_contacts_are_for_admins(actors, people, client_as, partners):  # noqa: F811
    with pytest.raises(PermissionDenied):
        actions.escalation_contact_add(
            actor=actors["orchestrator_staff"], level=1, user=people["boss"]
        )
    with pytest.raises(ValidationError) as error:
        actions.escalation_contact_add(
            actor=actors["orchestrator_admin"],
            level=2,
            user=people["boss"],
            manages=people["owner"],
        )
    assert "manages" in error.value.message_dict
    assert (
        client_as("orchestrator_staff").get("/performance/escalation-contacts/").status_code == 403
    )
    admin = client_as("orchestrator_admin")
    response = admin.post(
        "/performance/escalation-contacts/",
        {"level": "1", "user": "boss@helix.example", "manages": "manager@helix.example"},
    )
    assert response.status_code == 302
    contact = EscalationContact.objects.get(user=people["boss"])
    assert contact.level == 1 and contact.manages == people["owner"]
    page = admin.get("/performance/escalation-contacts/").content.decode()
    assert "boss@helix.example" in page and "manager@helix.example" in page
    api = admin.post(
        "/api/v1/performance/escalation-contacts",
        {
            "level": 2,
            "user": "head@helix.example",
            "program_id": str(partners["A"].program.public_id),
        },
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["program"] == partners["A"].program.name
    listed = admin.get("/api/v1/performance/escalation-contacts").json()
    assert {c["user"] for c in listed} == {"boss@helix.example", "head@helix.example"}
    admin.post(f"/performance/escalation-contacts/{contact.public_id}/remove/")
    assert not EscalationContact.objects.filter(pk=contact.pk).exists()


# -- termination -----------------------------------------------------------------------------


def _failed_intervention(staff, partner):  # noqa: F811
    intervention = actions.intervention_open(
        actor=staff, warning=make_warning(partner), playbook=make_playbook(staff), owner=staff.user
    )
    make_score(partner, dt.date(2026, 6, 1), band="Red", revenue=60_000)
    return actions.intervention_close(
        actor=staff, intervention=intervention, outcome="not_recovered", note="No progress"
    )


def test_termination_needs_a_failed_intervention_and_gathers_evidence(
    partners,  # noqa: F811
    staff,  # noqa: F811
    actors,
    django_capture_on_commit_callbacks,
):
    partner = partners["A"]
    recovered = actions.intervention_open(
        actor=staff, partner=partner, title="Fine", due_date=TODAY, owner=staff.user
    )
    actions.intervention_close(actor=staff, intervention=recovered, outcome="recovered")
    with pytest.raises(ValidationError) as error:
        actions.termination_propose(actor=staff, intervention=recovered, reason="x")
    assert "intervention" in error.value.message_dict
    failed = _failed_intervention(staff, partner)
    with pytest.raises(PermissionDenied):
        actions.termination_propose(
            actor=actors["orchestrator_read_only"], intervention=failed, reason="x"
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = actions.termination_propose(
            actor=staff, intervention=failed, reason="Revenue did not come back"
        )
    evidence = proposal.evidence
    assert evidence["warning"]["magnitude"] == -0.31
    assert evidence["intervention"]["tasks"] == 2 and evidence["intervention"]["tasks_done"] == 0
    assert evidence["outcome"]["outcome"] == "not_recovered"
    assert "40% below the level before the drop" in evidence["outcome"]["measured"]
    assert evidence["scores"][0] == {
        "period": "2026-06-01",
        "score": 30,
        "band": "Red",
        "measure": 60_000,
    }
    assert mail.outbox and "admin@helix.example" in mail.outbox[0].to
    with pytest.raises(ValidationError):
        actions.termination_propose(actor=staff, intervention=failed, reason="again")


def test_approval_opens_the_continuity_plan_and_tells_the_owner(
    partners,  # noqa: F811
    staff,  # noqa: F811
    client_as,
    django_capture_on_commit_callbacks,
):
    partner = partners["A"]
    proposal = actions.termination_propose(
        actor=staff, intervention=_failed_intervention(staff, partner), reason="No recovery"
    )
    with pytest.raises(PermissionDenied):
        actions.termination_decide(actor=staff, proposal=proposal, approve=True, reason="ok")
    admin = client_as("orchestrator_admin")
    page = admin.get(f"/performance/terminations/{proposal.public_id}/").content.decode()
    assert "Record the decision" in page and "No progress" in page
    mail.outbox.clear()
    effective = TODAY + dt.timedelta(days=45)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/performance/terminations/{proposal.public_id}/decide/",
            {"decision": "approve", "reason": "Agreed", "effective_date": effective.isoformat()},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == "admin@helix.example"
    plan = ContinuityPlan.objects.get(partner=partner, status="open")
    assert proposal.continuity_plan == plan and plan.effective_date == effective
    assert plan.reason == "Termination: No recovery"
    assert [m.to for m in mail.outbox] == [["manager@helix.example"]]
    assert "approved" in mail.outbox[0].body
    assert AuditEvent.objects.filter(
        target_public_id=proposal.public_id, action="termination_approve"
    ).exists()
    assert AuditEvent.objects.filter(
        target_public_id=partner.public_id, action="continuity_open"
    ).exists()
    again = admin.post(
        f"/performance/terminations/{proposal.public_id}/decide/",
        {"decision": "reject", "reason": "changed my mind"},
    )
    assert again.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "approved"


def test_rejection_records_the_decision_through_the_api(
    partners,  # noqa: F811
    staff,  # noqa: F811
    client_as,
    django_capture_on_commit_callbacks,
):
    failed = _failed_intervention(staff, partners["B"])
    staff_client = client_as("orchestrator_staff")
    created = staff_client.post(
        "/api/v1/performance/terminations",
        {"intervention_id": str(failed.public_id), "reason": "Lost the market"},
        content_type="application/json",
    )
    assert created.status_code == 201
    proposal_id = created.json()["id"]
    assert created.json()["evidence"]["intervention"]["title"] == failed.title
    decide = f"/api/v1/performance/terminations/{proposal_id}/decide"
    body = {"decision": "reject", "reason": "Give them a quarter"}
    refused = staff_client.post(decide, body, content_type="application/json")
    assert refused.status_code == 403
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decided = client_as("orchestrator_admin").post(
            decide, body, content_type="application/json"
        )
    assert decided.status_code == 200
    assert decided.json()["status"] == "rejected"
    assert decided.json()["decision_reason"] == "Give them a quarter"
    assert decided.json()["continuity_plan_id"] is None
    assert not ContinuityPlan.objects.filter(partner=partners["B"], status="open").exists()
    assert mail.outbox[0].to == ["manager@helix.example"] and "rejected" in mail.outbox[0].body
    partner_client = client_as("partner_b_member")
    assert partner_client.get(f"/api/v1/performance/terminations/{proposal_id}").status_code == 403
    assert TerminationProposal.objects.get(public_id=proposal_id).decided_at is not None


def test_propose_page_from_intervention(partners, staff, client_as):  # noqa: F811
    failed = _failed_intervention(staff, partners["A"])
    client = client_as("orchestrator_staff")
    detail = client.get(f"/performance/interventions/{failed.public_id}/").content.decode()
    assert "Propose termination" in detail and "still 40% below" in detail
    response = client.post(
        f"/performance/interventions/{failed.public_id}/terminate/", {"reason": "Time to part"}
    )
    proposal = TerminationProposal.objects.get(intervention=failed)
    assert response.url == f"/performance/terminations/{proposal.public_id}/"
    listing = client.get("/performance/terminations/?status=proposed").content.decode()
    assert f"/performance/terminations/{proposal.public_id}/" in listing
