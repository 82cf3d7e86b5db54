"""Reads of questionnaires and assessments, narrowed by the access policy."""

from __future__ import annotations

from django.db.models import QuerySet

from ecosys.core.access import VIEW, Actor, get_visible, restrict

from .models import AnswerFile, Assignment, Questionnaire


def questionnaire_list(*, actor: Actor) -> QuerySet[Questionnaire]:
    return restrict(Questionnaire.objects.all(), actor)


def questionnaire_get(*, actor: Actor, public_id) -> Questionnaire:
    return get_visible(Questionnaire.objects.all(), actor, public_id=public_id)


def assignment_list(*, actor: Actor) -> QuerySet[Assignment]:
    return restrict(Assignment.objects.select_related("questionnaire", "organization"), actor)


def assignment_get(*, actor: Actor, public_id, action: str = VIEW) -> Assignment:
    return get_visible(
        Assignment.objects.select_related("questionnaire", "organization"),
        actor,
        action=action,
        public_id=public_id,
    )


def answer_file_get(*, actor: Actor, public_id) -> AnswerFile:
    """An uploaded answer file: only those who may see its assessment may fetch it."""
    return get_visible(
        AnswerFile.objects.select_related("assignment", "question"), actor, public_id=public_id
    )
