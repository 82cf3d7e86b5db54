"""The ecosystem pages, as the channel manager and partner users use them."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecosys.core.models import AuditEvent
from ecosys.ecosystem.models import Organization, Person


def test_create_organization_through_the_form(client_as, workspace):
    client = client_as("orchestrator_staff")
    assert client.get("/organizations/new/").status_code == 200
    bad = client.post(
        "/organizations/new/",
        {"name": "Osprey Drives", "roles": [], "website_domain": "http://osprey"},
    )
    assert bad.status_code == 200
    assert (
        "Choose at least one" in bad.content.decode()
        or "This field is required" in bad.content.decode()
    )
    assert not Organization.objects.filter(name="Osprey Drives").exists()
    bad = client.post(
        "/organizations/new/",
        {"name": "Osprey Drives", "roles": ["dealer"], "website_domain": "http://osprey"},
    )
    assert "needs a dot" in bad.content.decode()
    bad = client.post(
        "/organizations/new/",
        {"name": "Osprey Drives", "roles": [], "website_domain": "osprey.example/shop"},
    )
    assert "bare domain" in bad.content.decode() and "Choose at least one" in bad.content.decode()
    assert not Organization.objects.filter(name="Osprey Drives").exists()
    good = client.post(
        "/organizations/new/",
        {
            "name": "Osprey Drives",
            "roles": ["dealer", "integrator"],
            "region": "europe",
            "country": "FR",
            "website_domain": "osprey.example",
            "tags": "premium, new",
        },
    )
    org = Organization.objects.get(name="Osprey Drives")
    assert good.status_code == 302 and good.url == f"/organizations/{org.public_id}/"
    page = client.get(good.url).content.decode()
    assert "Dealer / retailer" in page and "France" in page and "premium" in page
    event = AuditEvent.objects.get(target_public_id=org.public_id)
    assert event.channel == "web" and event.user.email == "manager@helix.example"


def test_edit_records_before_and_after(client_as, workspace, partner_a):
    client = client_as("orchestrator_staff")
    form = {
        "name": partner_a.name, "roles": ["distributor"], "region": partner_a.region,
        "country": partner_a.country.code, "industry": partner_a.industry, "size": partner_a.size,
        "website_domain": partner_a.website_domain, "description": "Top partner", "tags": "",
    }  # fmt: skip
    assert client.post(f"/organizations/{partner_a.public_id}/edit/", form).status_code == 302
    event = AuditEvent.objects.filter(target_public_id=partner_a.public_id, action="update").latest(
        "id"
    )
    assert event.changes["description"] == ["", "Top partner"]
    page = client.get(f"/organizations/{partner_a.public_id}/").content.decode()
    assert "Top partner" in page and "History" in page


def test_list_search_filter_sort_and_htmx_partial(client_as, workspace):
    client = client_as("orchestrator_staff")
    full = client.get("/organizations/", {"role": "distributor", "sort": "-name"})
    assert full.status_code == 200
    html = full.content.decode()
    assert "<html" in html and "Export CSV" in html
    names = list(
        Organization.objects.filter(roles__role="distributor")
        .order_by("-name")
        .values_list("name", flat=True)
    )
    assert html.index(names[0]) < html.index(names[1])
    partial = client.get(
        "/organizations/", {"q": names[0]}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert "<html" not in partial.content.decode()
    assert names[0] in partial.content.decode()


def test_page_export_matches_filters(client_as, workspace):
    client = client_as("orchestrator_staff")
    response = client.get("/people/", {"worker_type": "bot", "export": "csv"})
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert lines[0].split(",")[:3] == ["id", "first_name", "last_name"]
    assert len(lines) - 1 == Person.objects.filter(worker_type="bot").count()
    xlsx = client.get("/people/", {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == Person.objects.count() + 1


@pytest.mark.parametrize(
    "path", ["/organizations/", "/people/", "/relationships/", "/person-roles/"]
)
def test_list_pages_run_constant_queries(client_as, workspace, path):
    client = client_as("orchestrator_staff")
    counts = []
    for per_page in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"per_page": per_page}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


@pytest.mark.parametrize(
    "path", ["/api/v1/organizations", "/api/v1/people", "/api/v1/relationships"]
)
def test_list_endpoints_run_constant_queries(client_as, workspace, path):
    client = client_as("orchestrator_staff")
    counts = []
    for per_page in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"per_page": per_page}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 10


def test_partner_sees_only_its_own_part(client_as, workspace, partner_a, partner_b):
    client = client_as("partner_a_member")
    home = client.get("/").content.decode()
    assert partner_a.name in home
    orgs = client.get("/organizations/").content.decode()
    assert partner_a.name in orgs and partner_b.name not in orgs
    assert "1 result" in orgs
    people = client.get("/people/", {"per_page": 100}).content.decode()
    others = (
        Person.objects.exclude(organization=partner_a)
        .exclude(last_name="")
        .values_list("email", flat=True)
    )
    assert not any(email and email in people for email in others)
    assert client.get(f"/organizations/{partner_b.public_id}/").status_code == 404
    assert client.get("/graph/").status_code == 403


def test_delete_refuses_an_organisation_in_use(client_as, workspace, partner_a):
    client = client_as("orchestrator_admin")
    response = client.post(f"/organizations/{partner_a.public_id}/delete/", follow=True)
    assert "remove or move them first" in response.content.decode()
    assert Organization.objects.filter(pk=partner_a.pk).exists()


def test_graph_data_has_nodes_and_edges_between_them(client_as, workspace):
    data = (
        client_as("orchestrator_staff")
        .get("/graph/data/", {"role": ["distributor", "orchestrator"]})
        .json()
    )
    ids = {node["id"] for node in data["nodes"]}
    assert str(workspace.orchestrator.public_id) in ids
    assert data["edges"] and all(e["source"] in ids and e["target"] in ids for e in data["edges"])


def test_organisation_suggestions_respect_visibility(client_as, workspace, partner_a, partner_b):
    response = client_as("partner_a_admin").get(
        "/organizations/suggest/", {"organization__search": partner_b.name[:6]}
    )
    assert partner_b.name not in response.content.decode()
    response = client_as("orchestrator_staff").get(
        "/organizations/suggest/", {"organization__search": partner_b.name}
    )
    assert str(partner_b.public_id) in response.content.decode()


def test_half_typed_organisation_is_refused_not_dropped(client_as, workspace, partner_a):
    client = client_as("orchestrator_staff")
    response = client.post(
        "/people/new/",
        {
            "last_name": "Halfway",
            "worker_type": "employee",
            "organization": "",
            "organization__search": "Harb",
        },
    )
    assert "Pick an organisation from the suggestions" in response.content.decode()
    assert not Person.objects.filter(last_name="Halfway").exists()
    independent = client.post(
        "/people/new/", {"last_name": "Loner", "worker_type": "gig", "organization__search": ""}
    )
    assert independent.status_code == 302
    assert Person.objects.get(last_name="Loner").organization is None
