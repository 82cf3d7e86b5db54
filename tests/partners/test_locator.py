"""The public partner locator shows only listed active partners, and only what they agreed to."""

import json

from django.test import Client

from ecosys.partners import locator
from ecosys.partners.models import LocatorListing, Partner


def test_partner_admin_decides_what_is_published(client_as, actors, partner_a, workspace):
    partner = Partner.objects.get(organization=partner_a)
    LocatorListing.objects.filter(partner=partner).delete()
    assert partner_a.name not in Client().get("/locator/helix/").content.decode()
    client = client_as("partner_a_admin")
    client.post(
        f"/partners/{partner.public_id}/listing/",
        {
            "published": "on",
            "show_description": "",
            "capabilities": "retrofits",
            "contact_email": "hi@a.example",
        },
    )
    listing = LocatorListing.objects.get(partner=partner)
    assert listing.published and not listing.show_website
    page = Client().get("/locator/helix/", {"capability": "retrofit"}).content.decode()
    assert (
        partner_a.name in page and "hi@a.example" in page and partner_a.website_domain not in page
    )
    api = Client().get("/api/v1/public/helix/partners", {"capability": "retrofits"}).json()
    mine = [p for p in api if p["name"] == partner_a.name]
    assert len(mine) == 1 and mine[0]["website"] == "" and mine[0]["description"] == ""
    assert all(any("retrofits" in c for c in p["capabilities"]) for p in api)


def test_others_cannot_publish_a_partner(client_as, partner_a):
    partner = Partner.objects.get(organization=partner_a)
    body = json.dumps({"published": True})
    member = client_as("partner_a_member").put(
        f"/api/v1/partners/{partner.public_id}/listing", body, content_type="application/json"
    )
    assert member.status_code == 403
    staff = client_as("orchestrator_staff").put(
        f"/api/v1/partners/{partner.public_id}/listing", body, content_type="application/json"
    )
    assert staff.status_code == 403
    unpublish = client_as("orchestrator_staff").put(
        f"/api/v1/partners/{partner.public_id}/listing",
        json.dumps({"published": False}),
        content_type="application/json",
    )
    assert unpublish.status_code == 200
    assert (
        client_as("partner_b_member")
        .put(f"/api/v1/partners/{partner.public_id}/listing", body, content_type="application/json")
        .status_code
        == 404
    )


def test_only_active_partners_are_listed(actors, partner_a, workspace):
    partner = Partner.objects.get(organization=partner_a)
    locator.listing_save(actor=actors["partner_a_admin"], partner=partner, published=True)
    Partner.objects.filter(pk=partner.pk).update(state="suspended")
    assert partner_a.name not in [item["name"] for item in locator.listings_public()]
