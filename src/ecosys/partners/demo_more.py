"""More demo: agreements (some near their notice date), assessments, an announcement."""

import datetime as dt

from django.utils import timezone

from ecosys.core.access import Actor

from .agreements import agreement_issue, template_create, version_publish
from .models import Agreement, AgreementStatus

CLAUSES = {
    "terms": "The partner resells Helix components in its territory and keeps two certified engineers.",
    "exit_clause": "Either side may end the agreement with the notice period; open orders are fulfilled.",
    "data_return_clause": "Within 30 days of the end, each side returns or erases the other's data and gets an export of its own.",
}


def populate_more(workspace, partners: list) -> None:
    actor = Actor.system(workspace)
    template = template_create(actor=actor, name="Partner agreement")
    version = version_publish(
        actor=actor,
        template=template,
        term_months=12,
        notice_days=60,
        territory="Own country",
        **CLAUSES,
    )
    today = timezone.localdate()
    active = [p for p in partners if p.state in ("active", "at_risk")]
    for index, partner in enumerate(active):
        start = today - dt.timedelta(days=[30, 200, 290, 320][index % 4])
        agreement = agreement_issue(actor=actor, partner=partner, version=version, start_date=start)
        if index % 5:  # most accepted; some still waiting
            Agreement.objects.filter(pk=agreement.pk).update(
                status=AgreementStatus.ACCEPTED, accepted_at=timezone.now()
            )

    from ecosys.questionnaires.models import Assignment
    from ecosys.questionnaires.services import questionnaire_create
    from ecosys.readiness.announcements import announcement_publish

    assessment = questionnaire_create(
        actor=actor,
        title="Annual partner assessment",
        pass_mark=60,
        validity_days=365,
        source=(
            "# Capabilities\n? Do you hold ISO 9001? | choice | Yes=10; No=0\n"
            "? Describe your ISO scope | text | | if 1=Yes\n"
            "? Rate your service coverage | scale | 1-5\n"
            "? How many certified engineers? | number"
        ),
    )
    for index, partner in enumerate(active[:6]):
        assignment = Assignment.objects.create(
            workspace=workspace,
            questionnaire=assessment,
            organization=partner.organization,
            due_date=today + dt.timedelta(days=5 + index * 7),
        )
        if index % 2:
            Assignment.objects.filter(pk=assignment.pk).update(
                status="submitted",
                submitted_at=timezone.now(),
                score=50 + index * 8,
                passed=50 + index * 8 >= 60,
                valid_until=today + dt.timedelta(days=300),
            )
    announcement_publish(
        actor=actor,
        title="New HX-200 servo drive line",
        body="The HX-200 line ships from March. Training opens next month; register your engineers.",
    )
