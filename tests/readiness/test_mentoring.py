"""Mentors: matches by region and industry within capacity, with reasons; sessions logged."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecosys.ecosystem.models import Person
from ecosys.partners.models import Partner
from ecosys.readiness import mentoring
from ecosys.readiness.models import Mentor, Mentorship


def test_suggestions_prefer_region_and_respect_capacity(actors, partner_a, workspace):
    staff = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    Mentorship.objects.filter(partner=partner).delete()
    people = Person.objects.filter(organization=workspace.orchestrator).exclude(
        mentor__isnull=False
    )[:2]
    near = mentoring.mentor_add(
        actor=staff,
        person=people[0],
        capacity=1,
        regions=[partner_a.region] if partner_a.region else [],
    )
    far = mentoring.mentor_add(actor=staff, person=people[1], capacity=2, regions=[])
    options = mentoring.suggestions(partner, limit=50)
    names = [o["mentor"].pk for o in options]
    if partner_a.region:
        assert names.index(near.pk) < names.index(far.pk)
        assert any("covers" in r for r in options[names.index(near.pk)]["reasons"])
    mentorship = mentoring.mentor_assign(actor=staff, partner=partner, mentor=near)
    assert near.pk not in [
        o["mentor"].pk for o in mentoring.suggestions(partner, limit=50)
    ]  # full now
    with pytest.raises(ValidationError):
        mentoring.mentor_assign(actor=staff, partner=partner, mentor=far)  # already has a mentor
    with pytest.raises(ValidationError):
        mentoring.session_log(
            actor=staff, mentorship=mentorship, held_on=timezone.localdate(), notes=""
        )
    mentoring.session_log(
        actor=staff,
        mentorship=mentorship,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        notes="Plan",
    )
    assert mentorship.sessions.count() == 1


def test_pages_and_api(client_as, partner_b, workspace):
    staff = client_as("orchestrator_staff")
    assert "Mentor pool" in staff.get("/readiness/mentors/").content.decode()
    partner = Partner.objects.get(organization=partner_b)
    Mentorship.objects.filter(partner=partner).delete()
    mentor = Mentor.objects.first()
    response = staff.post(
        f"/api/v1/partners/{partner.public_id}/mentorship",
        json.dumps({"mentor_id": str(mentor.public_id)}),
        content_type="application/json",
    )
    assert response.status_code in (201, 422)
    page = client_as("partner_b_member").get(f"/partners/{partner.public_id}/").content.decode()
    assert "Mentor" in page
    assert client_as("partner_b_member").get("/readiness/mentors/").status_code == 403
