"""Demo training: a course with a quiz, a certification, people certified (one expired)."""

import datetime as dt

from django.utils import timezone

from ecosys.core.access import Actor
from ecosys.ecosystem.models import Person
from ecosys.questionnaires.models import Questionnaire
from ecosys.questionnaires.services import questionnaire_create

from .learning import certification_save, course_save
from .models import CertificateAward, Enrollment


def populate_learning(workspace, partner_orgs: list) -> None:
    actor = Actor.system(workspace)
    quiz = questionnaire_create(
        actor=actor,
        title="Servo drives quiz",
        pass_mark=70,
        source="? Which drive suits a packaging line? | choice | HX-200=10; HX-50=0\n"
        "? How often do bearings need checking? | choice | Every 6 months=10; Never=0",
    )
    basics = course_save(
        actor=actor,
        title="Servo drive basics",
        modules_source="text | What a servo drive does | Closed-loop control of position and speed.\n"
        "video | Installation walkthrough | https://video.example/helix/install",
        quiz=Questionnaire.objects.get(pk=quiz.pk),
    )
    service = course_save(
        actor=actor,
        title="Field service essentials",
        modules_source="text | Safety first | Lock out, tag out.",
    )
    certification = certification_save(
        actor=actor,
        name="Certified Helix drive engineer",
        validity_months=24,
        tracks=[
            {"track": "Product", "courses": [basics.pk]},
            {"track": "Service", "courses": [service.pk]},
        ],
    )
    today = timezone.localdate()
    for index, person in enumerate(
        Person.objects.filter(organization__in=partner_orgs).order_by("id")[:4]
    ):
        for course in (basics, service):
            Enrollment.objects.create(
                workspace=workspace,
                course=course,
                person=person,
                completed_at=timezone.now(),
                attempts=1,
            )
        issued = today - dt.timedelta(
            days=800 if index == 3 else 30 * index
        )  # the last one has expired
        CertificateAward.objects.create(
            workspace=workspace,
            certification=certification,
            person=person,
            code=f"demo{workspace.pk}{person.pk:06d}",
            issued_on=issued,
            expires_on=issued + dt.timedelta(days=730),
        )


def populate_mentors(workspace, partners: list) -> None:
    """Three mentors from the orchestrator's staff; the onboarding partners have one each."""
    from ecosys.ecosystem.models import Region

    from .mentoring import mentor_assign, session_log
    from .models import Mentor

    actor = Actor.system(workspace)
    staff = Person.objects.filter(
        organization=workspace.orchestrator, worker_type="employee"
    ).order_by("id")[:3]
    regions = [
        [Region.EUROPE],
        [Region.NORTH_AMERICA, Region.LATIN_AMERICA],
        [Region.ASIA_PACIFIC, Region.MIDDLE_EAST_AFRICA],
    ]
    for person, covered in zip(staff, regions, strict=False):
        Mentor.objects.create(
            workspace=workspace,
            person=person,
            capacity=4,
            regions=covered,
            industries=["manufacturing", "automotive"],
            skills="channel sales, service",
        )
    from .mentoring import suggestions

    for partner in [p for p in partners if p.state == "onboarding"][:3]:
        options = suggestions(partner)
        if options:
            mentorship = mentor_assign(actor=actor, partner=partner, mentor=options[0]["mentor"])
            session_log(
                actor=actor,
                mentorship=mentorship,
                held_on=timezone.localdate() - dt.timedelta(days=2),
                notes="Kick-off: territory and first targets",
                next_steps="Share the joint plan template",
            )
