"""Tenancy fails closed; the audit log records who, what, when, where, before and after."""

import pytest
from django_scopes import ScopeError

from ecosys.core.access import Actor
from ecosys.core.models import AuditEvent
from ecosys.core.services import workspace_create
from ecosys.ecosystem.models import Organization
from ecosys.ecosystem.services import organization_create


def test_query_without_workspace_scope_raises(db):
    with pytest.raises(ScopeError):
        list(Organization.objects.all())


def test_a_second_workspace_is_invisible(workspace, client_as):
    from django_scopes import scope

    other = workspace_create(name="Other ecosystem", orchestrator_name="Other Corp")
    with scope(workspace=other.pk):
        secret = organization_create(
            actor=Actor.system(other), name="Other Secret", roles=["dealer"]
        )
    client = client_as("orchestrator_admin")
    assert client.get(f"/organizations/{secret.public_id}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{secret.public_id}").status_code == 404
    assert "Other Secret" not in client.get("/organizations/", {"q": "Other"}).content.decode()
    assert not Organization.objects.filter(name="Other Secret").exists()  # scope: first workspace


def test_audit_log_page_filters_by_channel(client_as, actors, workspace):
    organization_create(
        actor=actors["orchestrator_staff"].with_channel("api"), name="Via API", roles=["dealer"]
    )
    page = client_as("orchestrator_staff").get("/audit/", {"channel": "api"}).content.decode()
    assert "Via API" in page
    assert client_as("partner_a_admin").get("/audit/").status_code == 403


def test_partner_sees_history_of_its_own_organisation(client_as, actors, partner_a):
    from ecosys.ecosystem.services import organization_update

    organization_update(
        actor=actors["orchestrator_staff"], organization=partner_a, description="Tiered gold"
    )
    page = (
        client_as("partner_a_member").get(f"/organizations/{partner_a.public_id}/").content.decode()
    )
    assert "Tiered gold" in page and "manager@helix.example" in page


def test_events_carry_actor_and_channel(actors, workspace):
    org = organization_create(
        actor=actors["orchestrator_staff"].with_channel("cli"), name="Audited", roles=["supplier"]
    )
    event = AuditEvent.objects.get(target_public_id=org.public_id)
    assert (event.actor_label, event.channel, event.action) == (
        "manager@helix.example",
        "cli",
        "create",
    )
    assert event.changes["roles"] == [None, ["supplier"]]
