"""Onboarding: templates of the first 90 days, plans started on approval, both sides tick tasks."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecosys.ecosystem.models import Organization
from ecosys.partners import services as partner_services
from ecosys.readiness import services
from ecosys.readiness.models import OnboardingPlan, OnboardingTask


def test_template_lines_are_checked_and_sorted():
    tasks = services.parse_tasks("14 | partner | B | 30\n0 | orchestrator | A")
    assert [t["title"] for t in tasks] == ["A", "B"] and tasks[1]["milestone"] == 30
    with pytest.raises(ValidationError) as error:
        services.parse_tasks(
            "x | partner | A\n1 | vendor | B\n2 | partner | C | 45\nonly two | parts"
        )
    assert set(error.value.message_dict) == {"line 1", "line 2", "line 3", "line 4"}


def test_entering_onboarding_starts_the_default_plan(actors, workspace):
    actor = actors["orchestrator_staff"]
    org = Organization.objects.filter(roles__role="customer", partner__isnull=True).first()
    partner = partner_services.partner_create(actor=actor, organization=org, state="applicant")
    partner_services.partner_transition(actor=actor, partner=partner, to_state="onboarding")
    plan = OnboardingPlan.objects.get(partner=partner)
    assert plan.template_name == "Standard 90 days" and plan.tasks.count() == 7
    assert plan.tasks.order_by("due_date").first().due_date == timezone.localdate()


def test_each_side_ticks_its_own_tasks_and_sees_progress(client_as, actors, partner_a, workspace):
    from ecosys.partners.models import Partner
    from ecosys.readiness.models import OnboardingTemplate

    partner = Partner.objects.get(organization=partner_a)
    plan = services.plan_start(
        actor=actors["orchestrator_staff"],
        partner=partner,
        template=OnboardingTemplate.objects.get(),
    )
    partner_task = plan.tasks.filter(side="partner").first()
    our_task = plan.tasks.filter(side="orchestrator").first()
    member = client_as("partner_a_member")
    member.post(f"/readiness/tasks/{our_task.public_id}/done/", {"done": "1"})
    our_task.refresh_from_db()
    assert our_task.done_at is None  # not the partner's task
    member.post(f"/readiness/tasks/{partner_task.public_id}/done/", {"done": "1"})
    partner_task.refresh_from_db()
    assert partner_task.done_at is not None
    page = member.get(f"/partners/{partner.public_id}/").content.decode()
    assert "1 of 7 tasks done" in page
    api = (
        client_as("orchestrator_staff")
        .get(f"/api/v1/partners/{partner.public_id}/onboarding")
        .json()
    )
    assert api["done"] == 1 and api["total"] == 7
    assert (
        client_as("partner_b_member")
        .get(f"/api/v1/partners/{partner.public_id}/onboarding")
        .status_code
        == 404
    )


def test_overdue_tasks_are_notified_once(actors, partner_a, workspace):
    from ecosys.partners.models import Partner
    from ecosys.readiness.models import OnboardingTemplate

    partner = Partner.objects.get(organization=partner_a)
    services.plan_start(
        actor=actors["orchestrator_staff"],
        partner=partner,
        template=OnboardingTemplate.objects.get(),
        start=timezone.localdate() - dt.timedelta(days=100),
    )
    mail.outbox.clear()
    sent = services.overdue_notify()
    assert sent >= 1 and any(m.to == ["admin@partner-a.example"] for m in mail.outbox)
    assert services.overdue_notify() == 0
    assert not OnboardingTask.objects.filter(
        plan__partner=partner,
        overdue_notified_at__isnull=True,
        done_at__isnull=True,
        due_date__lt=timezone.localdate(),
    ).exists()
