"""The ecosystem through the REST API, as an integrator would use it."""

import json

import pytest

from ecosys.core.models import AuditEvent
from ecosys.ecosystem.models import Organization, Relationship


@pytest.fixture
def api(client_as, token_for):
    """A small JSON client: api('orchestrator_staff', write=True).post(path, body)."""

    class Api:
        def __init__(self, principal, write):
            self.client = client_as(principal)
            scope = "write" if write and not principal.endswith("member") else "read"
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(principal, scope)}"}

        def get(self, path, **params):
            return self.client.get("/api/v1" + path, params, **self.headers)

        def send(self, method, path, body):
            return getattr(self.client, method)(
                "/api/v1" + path, json.dumps(body), content_type="application/json", **self.headers
            )

    return lambda principal="orchestrator_staff", write=True: Api(principal, write)


def test_a_pasted_address_becomes_a_bare_domain(api, workspace):
    body = {"name": "Paste Co", "roles": ["dealer"], "website_domain": "HTTPS://Paste.example/"}
    response = api().send("post", "/organizations", body)
    assert response.status_code == 201 and response.json()["website_domain"] == "paste.example"


def test_create_organization_then_read_it_back(api, workspace):
    client = api()
    response = client.send(
        "post",
        "/organizations",
        {"name": "Kestrel Robotics", "roles": ["integrator", "dealer"], "region": "europe",
         "country": "NL", "website_domain": "Kestrel.example", "tags": ["IoT", "premium"]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["dealer", "integrator"]
    assert body["website_domain"] == "kestrel.example"
    assert body["tags"] == ["iot", "premium"]
    fetched = client.get(f"/organizations/{body['id']}").json()
    assert fetched == body
    event = AuditEvent.objects.get(target_public_id=body["id"])
    assert event.channel == "api" and event.action == "create"
    assert event.changes["name"] == [None, "Kestrel Robotics"]


def test_validation_errors_are_field_level_and_change_nothing(api, workspace):
    before = Organization.objects.count()
    response = api().send(
        "post",
        "/organizations",
        {"name": "", "roles": ["wizard"], "website_domain": "https://x.example/path"},
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert {"roles", "name", "website_domain"} <= fields  # every problem in one answer
    assert Organization.objects.count() == before
    response = api().send(
        "post",
        "/organizations",
        {"name": "Ok", "roles": ["dealer"], "website_domain": "https://x.example/path"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "website_domain"]
    response = api().send("post", "/organizations", {"roles": ["dealer"]})
    assert response.status_code == 422  # missing name, rejected by the schema
    assert Organization.objects.count() == before


def test_list_filters_search_sort_and_paginate(api, workspace):
    client = api()
    everything = client.get("/organizations", per_page=500).json()
    distributors = client.get("/organizations", role="distributor", per_page=500).json()
    assert 0 < distributors["count"] < everything["count"]
    assert all("distributor" in org["roles"] for org in distributors["results"])
    names = [
        org["name"]
        for org in client.get("/organizations", sort="-name", per_page=10).json()["results"]
    ]
    assert names == sorted(names, reverse=True)
    first_name = everything["results"][0]["name"]
    found = client.get("/organizations", q=first_name[:8].lower()).json()
    assert any(org["name"] == first_name for org in found["results"])
    page2 = client.get("/organizations", per_page=5, page=2).json()
    assert page2["page"] == 2 and len(page2["results"]) == 5
    assert page2["pages"] == -(-everything["count"] // 5)


def test_bad_filter_value_returns_nothing_rather_than_everything(api, workspace):
    response = api().get("/organizations", region="atlantis")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_relationship_lifecycle_only_allows_listed_transitions(api, workspace, partner_a):
    client = api()
    org = client.send(
        "post", "/organizations", {"name": "Lifecycle Co", "roles": ["supplier"]}
    ).json()
    created = client.send(
        "post",
        "/relationships",
        {"source_id": org["id"], "target_id": str(partner_a.public_id), "kind": "supplies"},
    )
    assert created.status_code == 201
    rel = created.json()
    assert rel["state"] == "proposed"
    bad = client.send("post", f"/relationships/{rel['id']}/transitions", {"to_state": "suspended"})
    assert bad.status_code == 422
    assert "can move to" in bad.json()["detail"][0]["msg"]
    ok = client.send("post", f"/relationships/{rel['id']}/transitions", {"to_state": "active"})
    assert ok.json()["state"] == "active"
    no_reason = client.send(
        "post", f"/relationships/{rel['id']}/transitions", {"to_state": "ended"}
    )
    assert no_reason.status_code == 422
    ended = client.send(
        "post",
        f"/relationships/{rel['id']}/transitions",
        {"to_state": "ended", "reason": "Contract lapsed"},
    )
    assert ended.json()["state"] == "ended"
    history = client.get(f"/relationships/{rel['id']}/history").json()
    assert [step["to_state"] for step in history] == ["proposed", "active", "ended"]
    assert history[-1]["reason"] == "Contract lapsed"


def test_self_relationship_is_refused(api, workspace, partner_a):
    response = api().send(
        "post",
        "/relationships",
        {
            "source_id": str(partner_a.public_id),
            "target_id": str(partner_a.public_id),
            "kind": "supplies",
        },
    )
    assert response.status_code == 422
    assert Relationship.objects.filter(source=partner_a, target=partner_a).count() == 0


def test_partner_admin_can_edit_own_organisation_but_not_its_roles(api, workspace, partner_a):
    client = api("partner_a_admin")
    path = f"/organizations/{partner_a.public_id}"
    assert client.send("patch", path, {"description": "We sell drives."}).status_code == 200
    response = client.send("patch", path, {"roles": ["customer"]})
    assert response.status_code == 403
    partner_a.refresh_from_db()
    assert partner_a.description == "We sell drives."
    assert sorted(r.role for r in partner_a.roles.all()) != ["customer"]


def test_partner_member_adds_nobody_and_partner_admin_adds_only_own_people(
    api, workspace, partner_a, partner_b
):
    member = api("partner_a_member").send(
        "post", "/people", {"last_name": "X", "worker_type": "employee"}
    )
    assert member.status_code == 403
    admin = api("partner_a_admin")
    own = admin.send(
        "post",
        "/people",
        {
            "last_name": "Own",
            "worker_type": "contractor",
            "organization_id": str(partner_a.public_id),
        },
    )
    assert own.status_code == 201
    assert own.json()["organization"]["id"] == str(partner_a.public_id)
    independent = admin.send("post", "/people", {"last_name": "Loose", "worker_type": "gig"})
    assert independent.status_code == 403
    foreign = admin.send(
        "post",
        "/people",
        {
            "last_name": "Foreign",
            "worker_type": "employee",
            "organization_id": str(partner_b.public_id),
        },
    )
    assert foreign.status_code == 404


def test_export_neutralises_formula_cells(api, workspace):
    client = api()
    client.send(
        "post",
        "/organizations",
        {"name": '=HYPERLINK("http://evil")', "roles": ["dealer"], "description": "+cmd"},
    )
    response = client.get("/organizations/export", q="HYPERLINK")
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text
    assert "'+cmd" in text
    assert text.splitlines()[0].startswith("id,name,roles")


def test_xlsx_export_reads_back(api, workspace):
    import io

    from openpyxl import load_workbook

    response = api().get("/organizations/export", format="xlsx", role="distributor")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "name", "roles")
    assert len(rows) - 1 == Organization.objects.filter(roles__role="distributor").count()


def test_openapi_and_docs_work_offline(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organizations" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle" in html


def test_role_and_tag_copies_follow_every_change(api, workspace):
    client = api()
    org = client.send(
        "post", "/organizations", {"name": "Copy Co", "roles": ["dealer"], "tags": ["a"]}
    ).json()
    client.send(
        "patch",
        f"/organizations/{org['id']}",
        {"roles": ["supplier", "integrator"], "tags": ["b", "c"]},
    )
    row = Organization.objects.get(public_id=org["id"])
    assert row.role_codes == sorted(r.role for r in row.roles.all()) == ["integrator", "supplier"]
    assert row.tag_names == sorted(t.name for t in row.tags.all()) == ["b", "c"]


def test_demo_copies_match_the_join_tables(workspace):
    for org in Organization.objects.prefetch_related("roles", "tags"):
        assert org.role_codes == sorted(r.role for r in org.roles.all())
        assert org.tag_names == sorted(t.name for t in org.tags.all())
