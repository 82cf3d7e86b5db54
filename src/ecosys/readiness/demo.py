"""Demo onboarding: a default 90-day template; partners in onboarding have plans under way."""

import datetime as dt

from django.utils import timezone

from ecosys.core.access import Actor

from .models import OnboardingTask, OnboardingTemplate
from .services import parse_tasks, plan_start
from .views import EXAMPLE


def populate_onboarding(workspace, partners: list) -> None:
    template = OnboardingTemplate.objects.create(
        workspace=workspace, name="Standard 90 days", is_default=True, tasks=parse_tasks(EXAMPLE)
    )
    actor = Actor.system(workspace)
    today = timezone.localdate()
    for index, partner in enumerate(p for p in partners if p.state == "onboarding"):
        plan = plan_start(
            actor=actor,
            partner=partner,
            template=template,
            start=today - dt.timedelta(days=10 + 7 * index),
        )
        early = plan.tasks.filter(due_date__lte=today - dt.timedelta(days=3))
        OnboardingTask.objects.filter(pk__in=[t.pk for t in early][:-1]).update(
            done_at=timezone.now()
        )
