"""Sharing grants widen what an external organisation sees; admins manage members."""

import re

from django.core import mail
from django.test import Client

from ecosys.core.models import Membership, SharingGrant
from ecosys.ecosystem.models import Person


def _foreign_person(partner_a, partner_b):
    return Person.objects.filter(organization=partner_b).first()


def test_shared_record_becomes_visible_then_editable_then_gone(client_as, partner_a, partner_b):
    person = _foreign_person(partner_a, partner_b)
    staff, partner = client_as("orchestrator_staff"), client_as("partner_a_admin")
    url = f"/people/{person.public_id}/"
    assert partner.get(url).status_code == 404
    share = staff.post(
        f"/shares/ecosystem.person/{person.public_id}/",
        {"organization": str(partner_a.public_id), "access": "read", "next": url},
    )
    assert share.status_code == 302
    assert partner.get(url).status_code == 200
    assert partner.get(url + "edit/").status_code == 403
    assert person.last_name in partner.get("/people/", {"q": person.last_name}).content.decode()
    staff.post(
        f"/shares/ecosystem.person/{person.public_id}/",
        {"organization": str(partner_a.public_id), "access": "write", "next": url},
    )
    patch = partner.patch(
        f"/api/v1/people/{person.public_id}",
        {"title": "Shared editor"},
        content_type="application/json",
    )
    assert patch.status_code == 200 and patch.json()["title"] == "Shared editor"
    grant = SharingGrant.objects.get(target_id=person.pk, organization=partner_a)
    assert "Shared with" in staff.get(url).content.decode()
    staff.post(f"/shares/{grant.public_id}/revoke/", {"next": url})
    assert partner.get(url).status_code == 404


def test_sharing_through_the_api(client_as, partner_a, partner_b):
    person = _foreign_person(partner_a, partner_b)
    staff = client_as("orchestrator_staff")
    created = staff.post(
        "/api/v1/shares",
        {
            "target_type": "ecosystem.person",
            "target_id": str(person.public_id),
            "organization_id": str(partner_a.public_id),
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["access"] == "read"
    listed = staff.get(
        "/api/v1/shares", {"target_type": "ecosystem.person", "target_id": str(person.public_id)}
    )
    assert [share["organization"] for share in listed.json()] == [partner_a.name]
    unshareable = staff.post(
        "/api/v1/shares",
        {
            "target_type": "core.membership",
            "target_id": str(person.public_id),
            "organization_id": str(partner_a.public_id),
        },
        content_type="application/json",
    )
    assert unshareable.status_code == 404
    assert staff.delete(f"/api/v1/shares/{created.json()['id']}").status_code == 204
    assert client_as("partner_a_admin").get(f"/api/v1/people/{person.public_id}").status_code == 404


def test_invited_member_sets_a_password_and_signs_in(
    client_as, partner_a, django_capture_on_commit_callbacks
):
    admin = client_as("partner_a_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/members/",
            {
                "email": "New.Buyer@partner-a.example",
                "role": "external_member",
                "first_name": "Nia",
            },
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.buyer@partner-a.example")
    assert membership.organization == partner_a and not membership.user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.buyer@partner-a.example"]
    link = re.search(r"http://[^/]+(/password/set/\S+)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and b"Choose your password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Blue-harbour-42", "new_password2": "Blue-harbour-42"},
    )
    assert done.status_code == 302
    assert (
        client.post(
            "/login/", {"username": "new.buyer@partner-a.example", "password": "Blue-harbour-42"}
        ).status_code
        == 302
    )
    assert client.get(link, follow=True).content.count(b"has been used or has expired") == 1


def test_external_admin_cannot_add_orchestrator_roles_or_members_elsewhere(client_as, partner_b):
    admin = client_as("partner_a_admin")
    response = admin.post(
        "/members/", {"email": "boss@partner-a.example", "role": "orchestrator_admin"}
    )
    assert "must be one of" in response.content.decode()
    api = admin.post(
        "/api/v1/members",
        {
            "email": "x@partner-b.example",
            "role": "external_member",
            "organization_id": str(partner_b.public_id),
        },
        content_type="application/json",
    )
    assert api.status_code == 404
    assert not Membership.objects.filter(
        user__email__in=["boss@partner-a.example", "x@partner-b.example"]
    ).exists()


def test_suspended_member_loses_access_at_once(client_as, members):
    member = client_as("partner_a_member")
    assert member.get("/").status_code == 200
    target = members["partner_a_member"]
    response = client_as("orchestrator_admin").post(
        f"/members/{target.public_id}/active/", {"active": "0"}
    )
    assert response.status_code == 302
    assert member.get("/").status_code == 403
    client_as("orchestrator_admin").post(f"/members/{target.public_id}/active/", {"active": "1"})
    assert member.get("/").status_code == 200


def test_person_roles_from_the_person_page(client_as, partner_a):
    staff = client_as("orchestrator_staff")
    person = Person.objects.filter(organization__isnull=True).first()
    url = f"/people/{person.public_id}/roles/"
    staff.post(url, {"kind": "account_lead", "organization": str(partner_a.public_id)})
    page = staff.get(f"/people/{person.public_id}/").content.decode()
    assert "is account lead for" in page and partner_a.name in page
    role = person.roles.get()
    staff.post(f"/person-roles/{role.public_id}/delete/")
    assert not person.roles.exists()


def test_person_page_offers_roles_and_sharing_to_the_orchestrator_only(client_as, partner_a):
    person = Person.objects.filter(organization=partner_a).first()
    staff = client_as("orchestrator_staff").get(f"/people/{person.public_id}/").content.decode()
    assert "Add role" in staff and "Shared with" in staff
    partner = client_as("partner_a_admin").get(f"/people/{person.public_id}/").content.decode()
    assert "Add role" not in partner and "Shared with" not in partner
