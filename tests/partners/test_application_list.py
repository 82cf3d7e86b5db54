"""The applications list and the assessments list: search, filters, sort, export, API."""

import datetime as dt

from django.utils import timezone

from ecosys.partners.models import Application
from ecosys.questionnaires import services as questionnaires


def _applications(workspace):
    for name, status, country in (
        ("Alpha Drives", "pending", "DE"),
        ("Beta Motion", "rejected", "FR"),
        ("Gamma Servo", "approved", "DE"),
    ):
        Application.objects.create(
            workspace=workspace, company_name=name, website_domain=f"{name.split()[0]}.example",
            country=country, partner_type="dealer", contact_name="C",
            contact_email=f"c@{name.split()[0].lower()}.example", status=status,
        )  # fmt: skip


def test_applications_list_filters_searches_and_exports(
    client_as, workspace, django_assert_max_num_queries
):
    _applications(workspace)
    staff = client_as("orchestrator_staff")
    with django_assert_max_num_queries(12):
        page = staff.get("/partners/applications/?country=de")
    html = page.content.decode()
    assert "Alpha Drives" in html and "Gamma Servo" in html and "Beta Motion" not in html
    searched = staff.get("/partners/applications/?q=beta").content.decode()
    assert "Beta Motion" in searched and "Alpha Drives" not in searched
    export = staff.get("/partners/applications/?export=csv&status=rejected")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,company_name") and len(lines) == 2 and "Beta" in lines[1]
    api = staff.get("/api/v1/applications?status=pending&sort=company_name").json()
    assert "Alpha Drives" in [a["company_name"] for a in api["results"]]
    assert all(a["status"] == "pending" for a in api["results"])
    xlsx = staff.get("/api/v1/applications/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert client_as("partner_a_admin").get("/api/v1/applications/export").status_code == 403


def test_assessments_list_filters_and_partners_see_only_their_own(
    client_as, actors, partner_a, partner_b, workspace, django_assert_max_num_queries
):
    staff = actors["orchestrator_staff"]
    questionnaire = questionnaires.questionnaire_create(
        actor=staff, title="Security review", source="? A | number"
    )
    for org in (partner_a, partner_b):
        questionnaires.assignment_send(
            actor=staff, questionnaire=questionnaire, organization=org,
            due_date=timezone.localdate() + dt.timedelta(days=9),
        )  # fmt: skip
    client = client_as("orchestrator_staff")
    with django_assert_max_num_queries(12):
        page = client.get("/assessments/?questionnaire=security").content.decode()
    assert page.count("Security review") == 2
    export = client.get("/assessments/?export=csv&questionnaire=security&sort=organization")
    rows = b"".join(export.streaming_content).decode().splitlines()[1:]
    assert [row.split(",")[2] for row in rows] == sorted([partner_a.name, partner_b.name])
    mine = client_as("partner_a_member").get("/api/v1/assessments?q=security").json()
    assert [a["organization"] for a in mine["results"]] == [partner_a.name]
    theirs = client_as("partner_a_member").get("/api/v1/assessments/export?q=security")
    assert partner_b.name not in b"".join(theirs.streaming_content).decode()
