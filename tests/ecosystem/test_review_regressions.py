"""Regressions from the security review: what a read-write share lets a partner change."""

from ecosys.core.services import grant_share
from ecosys.ecosystem.models import Person, Relationship


def _shared_person(actors, partner_a, partner_b):
    person = Person.objects.filter(organization=partner_b).first()
    grant_share(
        actor=actors["orchestrator_staff"], target=person, organization=partner_a, access="write"
    )
    return person


def test_write_share_does_not_let_a_partner_take_a_person_over(
    actors, client_as, partner_a, partner_b
):
    person = _shared_person(actors, partner_a, partner_b)
    response = client_as("partner_a_admin").patch(
        f"/api/v1/people/{person.public_id}",
        {"organization_id": str(partner_a.public_id)},
        content_type="application/json",
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.organization_id == partner_b.pk


def test_write_share_lets_a_partner_edit_a_person_on_the_page(
    actors, client_as, partner_a, partner_b
):
    person = _shared_person(actors, partner_a, partner_b)
    client = client_as("partner_a_admin")
    url = f"/people/{person.public_id}/edit/"
    assert 'name="organization"' not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "title": "Edited through a share",
            "worker_type": person.worker_type,
            "organization": str(partner_a.public_id),
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.title == "Edited through a share" and person.organization_id == partner_b.pk


def test_write_share_does_not_let_a_partner_repoint_a_relationship(
    actors, workspace, client_as, partner_a, partner_b
):
    relationship = Relationship.objects.filter(
        source=workspace.orchestrator, target=partner_b
    ).first()
    grant_share(
        actor=actors["orchestrator_staff"],
        target=relationship,
        organization=partner_a,
        access="write",
    )
    client = client_as("partner_a_admin")
    url = f"/relationships/{relationship.public_id}/edit/"
    response = client.post(
        url,
        {
            "source": str(partner_a.public_id),
            "target": str(partner_b.public_id),
            "kind": relationship.kind,
            "notes": "edited through a share",
        },
    )
    assert response.status_code == 302
    relationship.refresh_from_db()
    assert relationship.source_id == workspace.orchestrator_id
    assert relationship.notes == "edited through a share"
