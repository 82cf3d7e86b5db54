"""The partner lifecycle: fit scores, the state machine, profiles, pages and the portal view."""

import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from ecosys.core.models import AuditEvent
from ecosys.ecosystem.models import Organization
from ecosys.partners import services
from ecosys.partners.fit import fit_score
from ecosys.partners.models import IdealPartnerProfile, Partner, PartnerState


def _org(**attributes):
    defaults = {
        "role_codes": [],
        "tag_names": [],
        "region": "",
        "industry": "",
        "size": "",
        "country": None,
    }
    return SimpleNamespace(**(defaults | attributes))


def _criterion(attribute, values, weight):
    return SimpleNamespace(attribute=attribute, values=values, weight=weight)


def test_fit_score_is_matched_weight_over_total_weight():
    criteria = [
        _criterion("role", ["distributor", "integrator"], 40),
        _criterion("region", ["europe"], 30),
        _criterion("industry", ["manufacturing"], 20),
        _criterion("tag", ["service-ready"], 10),
    ]
    org = _org(
        role_codes=["integrator"], region="europe", industry="retail", tag_names=["service-ready"]
    )
    score, explanation = fit_score(criteria, org)
    assert score == 80  # 40 + 30 + 10 of 100
    assert [line["matched"] for line in explanation] == [True, True, False, True]
    assert explanation[0]["wanted"] == ["Distributor", "Integrator"]
    assert explanation[2]["actual"] == ["Retail & wholesale"]
    assert fit_score([], org) == (None, [])
    assert fit_score([_criterion("region", ["asia_pacific"], 7)], org)[0] == 0


def test_fit_score_rounds_to_whole_points():
    criteria = [_criterion("region", ["europe"], 1), _criterion("size", ["1-10"], 2)]
    assert fit_score(criteria, _org(region="europe"))[0] == 33


def test_state_machine_allows_only_listed_transitions(actors, partner_a):
    actor = actors["orchestrator_staff"]
    partner = Partner.objects.get(organization=partner_a)
    assert partner.state == PartnerState.ACTIVE
    with pytest.raises(ValidationError) as error:
        services.partner_transition(actor=actor, partner=partner, to_state=PartnerState.PROSPECT)
    assert "can become" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.partner_transition(actor=actor, partner=partner, to_state=PartnerState.AT_RISK)
    assert "Say why" in str(error.value)
    partner.refresh_from_db()
    assert partner.state == PartnerState.ACTIVE
    services.partner_transition(
        actor=actor, partner=partner, to_state="at_risk", reason="Orders fell"
    )
    services.partner_transition(actor=actor, partner=partner, to_state="active")
    with pytest.raises(ValidationError, match="continuity plan"):  # it still holds customers
        services.partner_transition(actor=actor, partner=partner, to_state="retired", reason="Sold")
    steps = [(step.from_state, step.to_state, step.reason) for step in partner.timeline.all()][-2:]
    assert steps == [("active", "at_risk", "Orders fell"), ("at_risk", "active", "")]
    empty = services.partner_create(
        actor=actor,
        organization=Organization.objects.filter(partner__isnull=True)
        .exclude(pk=partner_a.workspace.orchestrator_id)
        .filter(people__isnull=True, outgoing__isnull=True)
        .first(),
    )
    services.partner_transition(actor=actor, partner=empty, to_state="retired", reason="No fit")
    with pytest.raises(ValidationError):
        services.partner_transition(actor=actor, partner=empty, to_state="prospect")


def test_partner_create_rules(actors, workspace, partner_a):
    actor = actors["orchestrator_staff"]
    with pytest.raises(ValidationError, match="already in the partner lifecycle"):
        services.partner_create(actor=actor, organization=partner_a)
    with pytest.raises(ValidationError, match="cannot be its own partner"):
        services.partner_create(actor=actor, organization=workspace.orchestrator)
    customer = Organization.objects.filter(roles__role="customer", partner__isnull=True).first()
    with pytest.raises(ValidationError, match="starts as a prospect"):
        services.partner_create(actor=actor, organization=customer, state="active")
    with pytest.raises(ValidationError, match="active member of the orchestrator"):
        services.partner_create(
            actor=actor, organization=customer, owner=actors["partner_a_admin"].user
        )
    partner = services.partner_create(
        actor=actor, organization=customer, next_step="Call the owner"
    )
    assert partner.state == "prospect" and partner.fit_score is not None
    assert partner.timeline.get().to_state == "prospect"
    assert AuditEvent.objects.filter(target_public_id=partner.public_id, action="create").exists()


def test_profile_change_rescores_its_partners(client_as, workspace, partner_a):
    client = client_as("orchestrator_staff")
    profile = IdealPartnerProfile.objects.get()
    body = {
        "name": "Europe only",
        "criteria": [{"attribute": "region", "values": ["Europe"], "weight": 10}],
    }
    response = client.put(
        f"/api/v1/partner-profiles/{profile.public_id}",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["criteria"] == [
        {"attribute": "region", "values": ["europe"], "weight": 10}
    ]
    partner = Partner.objects.get(organization=partner_a)
    assert partner.fit_score == (100 if partner_a.region == "europe" else 0)
    bad = {
        "name": "Bad",
        "criteria": [{"attribute": "region", "values": ["Atlantis"], "weight": 500}],
    }
    response = client.post(
        "/api/v1/partner-profiles", json.dumps(bad), content_type="application/json"
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert fields == {"criteria.1.values", "criteria.1.weight"}
    assert not IdealPartnerProfile.objects.filter(name="Bad").exists()


def test_api_walks_a_prospect_to_active(client_as, workspace):
    client = client_as("orchestrator_staff")
    customer = Organization.objects.filter(roles__role="customer", partner__isnull=True).first()
    created = client.post(
        "/api/v1/partners",
        json.dumps({"organization_id": str(customer.public_id), "owner": "manager@helix.example"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    partner_id = created.json()["id"]
    for state in ("applicant", "onboarding", "active"):
        moved = client.post(
            f"/api/v1/partners/{partner_id}/transitions",
            json.dumps({"to_state": state}),
            content_type="application/json",
        )
        assert moved.json()["state"] == state
    timeline = client.get(f"/api/v1/partners/{partner_id}/timeline").json()
    assert [step["to_state"] for step in timeline] == [
        "prospect",
        "applicant",
        "onboarding",
        "active",
    ]
    listed = client.get(
        "/api/v1/partners", {"state": "active", "sort": "-fit_score", "per_page": 500}
    ).json()
    scores = [p["fit_score"] for p in listed["results"] if p["fit_score"] is not None]
    assert scores == sorted(scores, reverse=True)
    assert partner_id in {p["id"] for p in listed["results"]}


def test_partner_sees_its_own_status_but_not_the_fit_score(client_as, partner_a, partner_b):
    client = client_as("partner_a_member")
    listed = client.get("/api/v1/partners").json()
    assert [p["organization"]["name"] for p in listed["results"]] == [partner_a.name]
    assert (
        listed["results"][0]["fit_score"] is None and listed["results"][0]["fit_explanation"] == []
    )
    own = Partner.objects.get(organization=partner_a)
    page = client.get(f"/partners/{own.public_id}/").content.decode()
    assert "Timeline" in page and "Fit" not in page
    other = Partner.objects.get(organization=partner_b)
    assert client.get(f"/partners/{other.public_id}/").status_code == 404


def test_pages_list_board_detail_and_forms(client_as, workspace):
    client = client_as("orchestrator_staff")
    listing = client.get("/partners/", {"state": "active"}).content.decode()
    assert "Pipeline board" in listing and "Fit" in listing
    board = client.get("/partners/board/").content.decode()
    for label in (
        "Prospect",
        "Applicant",
        "Onboarding",
        "Active",
        "At risk",
        "Suspended",
        "Retired",
    ):
        assert label in board
    customer = Organization.objects.filter(roles__role="customer", partner__isnull=True).first()
    response = client.post(
        "/partners/new/", {"organization": str(customer.public_id), "state": "prospect"}
    )
    partner = Partner.objects.get(organization=customer)
    assert response.status_code == 302 and response.url == f"/partners/{partner.public_id}/"
    again = client.post(
        "/partners/new/", {"organization": str(customer.public_id), "state": "prospect"}
    )
    assert "already in the partner lifecycle" in again.content.decode()
    moved = client.post(
        f"/partners/{partner.public_id}/transition/",
        {"to_state": "retired", "reason": ""},
        follow=True,
    )
    assert "Say why" in moved.content.decode()
    partner.refresh_from_db()
    assert partner.state == "prospect"
    form = client.post(
        "/partner-profiles/new/",
        {
            "name": "Small dealers",
            "description": "",
            "criteria-TOTAL_FORMS": "3",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-attribute": "size",
            "criteria-0-values": "1-10, 11-50",
            "criteria-0-weight": "5",
        },
    )
    assert form.status_code == 302
    assert IdealPartnerProfile.objects.get(name="Small dealers").criteria.get().values == [
        "1-10",
        "11-50",
    ]


def test_demo_has_partners_in_every_state(workspace):
    states = set(Partner.objects.values_list("state", flat=True))
    assert states == set(PartnerState.values)
    assert Partner.objects.exclude(fit_score=None).exists()


def test_portal_home_shows_the_partnership_status(client_as, partner_a):
    page = client_as("partner_a_member").get("/").content.decode()
    assert "Partnership status" in page and "Active" in page
