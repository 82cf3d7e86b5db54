"""Spreadsheet imports: everything is checked first, then all rows are written or none."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from ecosys.core.access import Actor
from ecosys.core.imports import ImportRefused, run_import
from ecosys.core.models import AuditEvent, ImportJob
from ecosys.ecosystem.models import Organization, Person


def _csv(text: str) -> bytes:
    return text.strip().encode()


@pytest.fixture
def system(workspace):
    return Actor.system(workspace, channel="cli")


def test_valid_file_imports_every_row(system):
    content = _csv(
        """
name,roles,region,country,industry,size,website_domain,tags
Gannet Pumps,dealer,Europe,Germany,manufacturing,11-50,gannet.example,"iot, premium"
Heron Valves,"integrator; distributor",north_america,US,Technology,,heron.example,
"""
    )
    outcome = run_import(actor=system, kind="organizations", file_name="orgs.csv", content=content)
    assert outcome.ok and outcome.created == 2
    heron = Organization.objects.get(name="Heron Valves")
    assert sorted(r.role for r in heron.roles.all()) == ["distributor", "integrator"]
    assert heron.region == "north_america" and heron.country.code == "US"
    assert AuditEvent.objects.filter(target_public_id=heron.public_id, channel="import").exists()


def test_one_bad_row_writes_nothing_and_reports_row_and_column(system):
    content = _csv(
        """
name,roles,region,country,website_domain
Good One,dealer,europe,DE,good.example
Bad Region,dealer,mars,DE,bad.example
Bad Domain,dealer,europe,XX,https://bad.example/x
,dealer,europe,DE,
"""
    )
    before = Organization.objects.count()
    outcome = run_import(actor=system, kind="organizations", file_name="orgs.csv", content=content)
    assert not outcome.ok
    assert Organization.objects.count() == before
    found = {(error.row, error.column) for error in outcome.errors}
    assert (3, "region") in found
    assert (4, "country") in found
    assert (5, "name") in found
    assert all(error.message for error in outcome.errors)


def test_duplicate_rows_within_a_file_are_refused(system):
    content = _csv("name,roles\nTwin Co,dealer\ntwin co,dealer\n")
    outcome = run_import(actor=system, kind="organizations", file_name="o.csv", content=content)
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "name")]
    assert not Organization.objects.filter(name__iexact="twin co").exists()


def test_reimport_of_an_export_updates_instead_of_duplicating(system, client_as):
    run_import(
        actor=system,
        kind="organizations",
        file_name="o.csv",
        content=_csv("name,roles\nLoop Co,dealer\n"),
    )
    org = Organization.objects.get(name="Loop Co")
    export = client_as("orchestrator_staff").get(
        "/organizations/", {"q": "Loop Co", "export": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    rows[0]["description"] = "Shared description"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    outcome = run_import(
        actor=system, kind="organizations", file_name="o.csv", content=out.getvalue().encode()
    )
    assert outcome.ok and outcome.updated == 1 and outcome.created == 0
    assert Organization.objects.filter(name="Loop Co").count() == 1
    assert Organization.objects.get(pk=org.pk).description == "Shared description"


def test_xlsx_people_import_resolves_organisations(system, partner_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["first_name", "last_name", "email", "worker_type", "organization"])
    sheet.append(["Ida", "Lind", "ida@example.com", "Contractor", partner_a.name])
    sheet.append(["Bo", "Bot", "", "bot", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = run_import(actor=system, kind="people", file_name="p.xlsx", content=buffer.getvalue())
    assert outcome.ok, outcome.errors
    assert Person.objects.get(email="ida@example.com").organization == partner_a


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.pdf", b"%PDF", "Upload a .csv or .xlsx"),
        ("x.csv", b"\xff\xfe\x00bad", "not UTF-8"),
        ("x.csv", b"name,roles,colour\nA,dealer,red\n", "unknown column(s): colour"),
        ("x.csv", b"roles\ndealer\n", "missing column(s): name"),
        ("x.csv", b"name,roles\n", "no rows"),
        ("x.xlsx", b"PK\x03\x04broken", "not a readable XLSX"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(system, name, content, message):
    with pytest.raises(ImportRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_import(actor=system, kind="organizations", file_name=name, content=content)


def test_partner_admin_import_cannot_touch_other_organisations(actors, partner_b):
    content = (
        f"last_name,worker_type,organization\nSneaky,employee,{partner_b.public_id}\n".encode()
    )
    outcome = run_import(
        actor=actors["partner_a_admin"], kind="people", file_name="p.csv", content=content
    )
    assert not outcome.ok
    assert outcome.errors[0].column == "organization"
    assert not Person.objects.filter(last_name="Sneaky").exists()


def test_web_import_runs_as_a_background_job_with_its_report(
    client_as, workspace, django_capture_on_commit_callbacks
):
    client = client_as("orchestrator_staff")
    upload = SimpleUploadedFile(
        "orgs.csv", b"name,roles\nJob Co,dealer\nBad Co,unicorn\n", content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/organizations/new/", {"file": upload})
    job = ImportJob.objects.latest("id")
    assert response.status_code == 302 and response.url == f"/imports/{job.public_id}/"
    assert job.status == "failed"  # tasks run immediately under test settings
    assert job.errors == [{"row": 3, "column": "roles", "message": job.errors[0]["message"]}]
    page = client.get(response.url).content.decode()
    assert "Nothing was written" in page and "unicorn" in page
    assert not Organization.objects.filter(name="Job Co").exists()


def test_api_import_and_poll(client_as, workspace, django_capture_on_commit_callbacks):
    client = client_as("orchestrator_staff")
    upload = SimpleUploadedFile("orgs.csv", b"name,roles\nApi Import Co,dealer\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports", {"kind": "organizations", "file": upload})
    assert response.status_code == 202
    assert response.json()["status"] == "pending"  # answered before the worker runs it
    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert job["status"] == "succeeded" and job["created_count"] == 1 and job["percent"] == 100
    other = client_as("partner_a_admin").get(f"/api/v1/imports/{response.json()['id']}")
    assert other.status_code == 404


def test_every_problem_of_a_row_is_reported_at_once(system):
    content = _csv(
        "name,roles,region,country,website_domain\nMany Faults,wizard,mars,XX,bad/path\n"
    )
    outcome = run_import(actor=system, kind="organizations", file_name="o.csv", content=content)
    assert {(e.row, e.column) for e in outcome.errors} >= {
        (2, "roles"), (2, "region"), (2, "country"), (2, "website_domain"),
    }  # fmt: skip
