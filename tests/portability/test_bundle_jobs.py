"""Exit bundle jobs through the pages and the API, as users meet them: exports and downloads,
who may do what, expiry, dry runs and refused imports."""

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from ecosys.core.models import JobRun
from ecosys.ecosystem.models import Organization
from ecosys.portability import jobs
from ecosys.portability.bundle_export import export_bundle
from ecosys.portability.models import BundleJob, BundleJobStatus
from ecosys.portability.registry import declarations


@pytest.fixture(autouse=True)
def bundle_dir(settings, tmp_path):
    settings.ECOSYS_BUNDLE_DIR = tmp_path / "bundles"
    return settings.ECOSYS_BUNDLE_DIR


def export_through_page(client, data, capture) -> BundleJob:
    with capture(execute=True):
        response = client.post("/bundles/export/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return BundleJob.objects.get(public_id=response["Location"].strip("/").split("/")[-1])


def download(client, job) -> bytes:
    page = client.get(f"/bundles/{job.public_id}/")
    assert page.status_code == 200
    link = jobs.download_url(job)
    assert link.split("?")[0] in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def manifest_checks_out(data: bytes) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        content = archive.read(name)
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], name
        assert len(content) == entry["bytes"]
    return manifest


def entity_files(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}


def row_total(workspace) -> int:
    with scope(workspace=workspace.pk):
        return sum(d.model.objects.count() for d in declarations() if d.entity != "core.auditevent")


def test_orchestrator_exports_the_workspace_and_downloads_it(
    workspace, client_as, members, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_as("orchestrator_staff")
    form = client.get("/bundles/export/")
    assert form.status_code == 200 and "The whole workspace" in form.content.decode()
    job = export_through_page(client, {"scope": "workspace"}, django_capture_on_commit_callbacks)
    assert job.status == BundleJobStatus.DONE, job.error
    assert job.requested_by == members["orchestrator_staff"].user
    assert job.percent == 100 and job.phase == "done"
    assert job.expires_at == job.finished_at + jobs.ttl()
    data = download(client, job)
    assert hashlib.sha256(data).hexdigest() == job.sha256 and len(data) == job.size_bytes
    manifest = manifest_checks_out(data)
    assert manifest["scope"] == {"kind": "workspace", "organization": None}
    assert (
        job.counts["ecosystem.organization"]
        == 67
        == manifest["entities"]["ecosystem.organization"]["count"]
    )
    # The requester is told, with the link to the job's page.
    assert [m.to for m in mailoutbox] == [["manager@helix.example"]]
    assert "ready to download" in mailoutbox[0].subject
    assert f"/bundles/{job.public_id}/" in mailoutbox[0].body
    # The list shows it, searchable and filterable, and exports.
    listed = client.get("/bundles/?kind=export&status=done&scope=workspace&q=helix")
    assert str(job.public_id) in listed.content.decode()
    assert str(job.public_id) not in client.get("/bundles/?kind=import").content.decode()
    export = client.get("/bundles/?export=csv")
    assert str(job.public_id) in b"".join(export.streaming_content).decode()


def test_partner_admin_exports_its_own_share_and_it_equals_a_direct_export(
    workspace, client_as, partner_a, django_capture_on_commit_callbacks
):
    client = client_as("partner_a_admin")
    page = client.get("/bundles/export/")
    assert "Export everything that is ours" in page.content.decode()
    assert 'name="organization"' not in page.content.decode()
    job = export_through_page(client, {}, django_capture_on_commit_callbacks)
    assert job.status == BundleJobStatus.DONE, job.error
    assert (job.scope, job.organization, job.requester_organization) == (
        "organization",
        partner_a,
        partner_a,
    )
    data = download(client, job)
    manifest = manifest_checks_out(data)
    assert manifest["scope"] == {"kind": "organization", "organization": str(partner_a.public_id)}
    direct = io.BytesIO()
    export_bundle(workspace, scope="organization", organization=partner_a, out=direct)
    assert entity_files(data) == entity_files(direct.getvalue())


def test_partner_admin_cannot_export_the_workspace_or_another_organisation(
    workspace, client_as, partner_b, token_for
):
    client = client_as("partner_a_admin")
    response = client.post(
        "/api/v1/bundles/export", {"scope": "workspace"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "only its own share" in response.json()["detail"]
    # Another organisation it cannot see is not found.
    response = client.post(
        "/api/v1/bundles/export",
        {"scope": "organization", "organization_id": str(partner_b.public_id)},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not BundleJob.objects.exists()


def test_members_are_refused_and_foreign_jobs_are_not_found(
    workspace, client_as, actors, partner_b, django_capture_on_commit_callbacks
):
    member = client_as("partner_a_member")
    for url in ("/bundles/", "/bundles/export/", "/bundles/import/"):
        assert member.get(url).status_code == 403, url
    assert member.post("/bundles/export/", {}).status_code == 403
    assert member.get("/api/v1/bundles").status_code == 403
    answer = member.post("/api/v1/bundles/export", {}, content_type="application/json")
    assert answer.status_code == 403
    # Staff export partner B's share: partner A's admin does not find it, the orchestrator does.
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.bundle_export_start(
            actor=actors["orchestrator_staff"], scope="organization", organization=partner_b
        )
    job.refresh_from_db()
    admin = client_as("partner_a_admin")
    assert admin.get(f"/bundles/{job.public_id}/").status_code == 404
    assert admin.get(jobs.download_url(job)).status_code == 404
    assert admin.get(f"/api/v1/bundles/{job.public_id}").status_code == 404
    assert admin.get(f"/api/v1/bundles/{job.public_id}/download").status_code == 404
    assert str(job.public_id) not in admin.get("/bundles/").content.decode()
    assert admin.get("/api/v1/bundles").json()["count"] == 0
    staff = client_as("orchestrator_staff")
    assert staff.get(f"/api/v1/bundles/{job.public_id}").json()["status"] == "done"
    # Orchestrator staff may export but not import.
    assert staff.get("/bundles/import/").status_code == 403


def test_a_bad_or_foreign_token_does_not_download(
    workspace, client_as, actors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        one = jobs.bundle_export_start(actor=actors["orchestrator_staff"], scope="workspace")
        other = jobs.bundle_export_start(actor=actors["partner_a_admin"], scope="organization")
    client = client_as("orchestrator_staff")
    url = f"/bundles/{one.public_id}/download/"
    assert client.get(url).status_code == 403
    assert client.get(url + "?token=forged").status_code == 403
    other.refresh_from_db()
    response = client.get(f"{url}?token={jobs.download_token(other)}")
    assert response.status_code == 403


def test_expired_links_answer_410_and_the_daily_job_deletes_the_file(
    workspace, client_as, actors, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.bundle_export_start(actor=actors["orchestrator_staff"], scope="workspace")
    job.refresh_from_db()
    path = jobs.bundle_file(job)
    assert path is not None and path.stat().st_size == job.size_bytes
    client = client_as("orchestrator_staff")
    # A link signed longer ago than the download time has expired.
    hours = jobs.ttl().total_seconds()
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - hours - 60)
    old_link = jobs.download_url(job)
    monkeypatch.setattr(signing.time, "time", real_time)
    response = client.get(old_link)
    assert response.status_code == 410
    assert "link has expired" in response.content.decode()
    fresh = jobs.download_url(job)
    assert client.get(fresh).status_code == 200
    # The bundle's own time runs out: every link answers 410, the page and API say so.
    BundleJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    response = client.get(fresh)
    assert response.status_code == 410
    assert "This bundle expired" in response.content.decode()
    api = client.get(f"/api/v1/bundles/{job.public_id}/download")
    assert api.status_code == 410 and "expired" in api.json()["detail"]
    assert client.get(f"/api/v1/bundles/{job.public_id}").json()["download_url"] is None
    # The daily job deletes the file; the record stays, marked expired.
    jobs.bundles_expire_run.enqueue(workspace_id=workspace.pk)
    job.refresh_from_db()
    assert not path.exists()
    assert job.status == BundleJobStatus.EXPIRED and job.file_path == "" and job.expired_at
    run = JobRun.objects.get(job="portability.bundles_expire")
    assert run.result == {"expired": 1, "bytes_freed": job.size_bytes}
    assert "its file was deleted" in client.get(f"/bundles/{job.public_id}/").content.decode()
    assert client.get(fresh).status_code == 410
    # A bundle still within its time is left alone.
    with django_capture_on_commit_callbacks(execute=True):
        kept = jobs.bundle_export_start(actor=actors["orchestrator_staff"], scope="workspace")
    assert jobs.bundles_expire(workspace=workspace) == {"expired": 0, "bytes_freed": 0}
    kept.refresh_from_db()
    assert jobs.bundle_file(kept) is not None


def workspace_bundle(workspace) -> bytes:
    out = io.BytesIO()
    export_bundle(workspace, scope="workspace", out=out)
    return out.getvalue()


def test_dry_run_reports_what_would_change_writes_nothing_then_applies(
    workspace, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    data = workspace_bundle(workspace)
    organization = Organization.objects.exclude(pk=workspace.orchestrator_id).order_by("id")[0]
    original = organization.name
    Organization.objects.filter(pk=organization.pk).update(name="Renamed since the export")
    before = row_total(workspace)
    client = client_as("orchestrator_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/bundles/import/",
            {
                "file": SimpleUploadedFile("helix.zip", data),
                "policy": "update",
                "dry_run": "on",
            },
        )
    assert response.status_code == 302
    job = BundleJob.objects.get(kind="import")
    assert job.status == BundleJobStatus.DONE, job.error
    assert job.dry_run and job.report["applied"] is False
    assert job.counts["ecosystem.organization"] == {"created": 0, "updated": 1, "skipped": 66}
    assert row_total(workspace) == before
    organization.refresh_from_db()
    assert organization.name == "Renamed since the export"
    page = client.get(f"/bundles/{job.public_id}/").content.decode()
    assert "What the import would do" in page and "Import this bundle for real" in page
    assert "dry run done" in mailoutbox[-1].subject
    # Applied for real, with the same upload.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/bundles/{job.public_id}/apply/")
    applied = BundleJob.objects.get(source=job)
    assert response["Location"] == f"/bundles/{applied.public_id}/"
    assert applied.status == BundleJobStatus.DONE and not applied.dry_run, applied.error
    assert applied.counts["ecosystem.organization"]["updated"] == 1
    organization.refresh_from_db()
    assert organization.name == original


def test_tampered_bundle_is_refused_with_the_reason_and_writes_nothing(
    workspace, client_as, token_for, mailoutbox, django_capture_on_commit_callbacks
):
    data = workspace_bundle(workspace)
    source = zipfile.ZipFile(io.BytesIO(data))
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name)
            if name == "entities/ecosystem.organization.jsonl":
                content = content.replace(b"Helix", b"Hel1x", 1)
            archive.writestr(name, content)
    Organization.objects.filter(pk=workspace.orchestrator_id).update(name="Changed")
    raw = token_for("orchestrator_admin", "write")
    before = row_total(workspace)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/bundles/import",
            {"file": SimpleUploadedFile("t.zip", tampered.getvalue()), "policy": "update"},
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/bundles/{job_id}").json()
    assert status["status"] == "failed"
    assert "entities/ecosystem.organization.jsonl" in status["error"]
    assert "SHA-256" in status["error"] or "checksum" in status["error"].lower()
    assert status["report"]["problems"] and status["counts"] == {}
    assert row_total(workspace) == before
    assert Organization.objects.get(pk=workspace.orchestrator_id).name == "Changed"
    page = client_as("orchestrator_admin").get(f"/bundles/{job_id}/").content.decode()
    assert "Refused: nothing was written." in page and "ecosystem.organization.jsonl" in page
    assert "failed" in mailoutbox[-1].subject
    # Something that is not a ZIP is refused at once, and nothing is kept.
    response = client.post(
        "/api/v1/bundles/import", {"file": SimpleUploadedFile("x.zip", b"not a zip")}
    )
    assert response.status_code == 422
    assert "not a ZIP" in response.json()["detail"][0]["msg"]
    assert BundleJob.objects.count() == 1


def test_import_is_for_the_orchestrators_admins_only(workspace, client_as, token_for):
    data = SimpleUploadedFile("b.zip", b"PK\x05\x06" + b"\0" * 18)
    assert (
        client_as("orchestrator_staff").post("/api/v1/bundles/import", {"file": data}).status_code
        == 403
    )
    assert client_as("partner_a_admin").post("/bundles/import/", {"file": data}).status_code == 403
    read = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('orchestrator_admin', 'read')}")
    assert read.post("/api/v1/bundles/import", {"file": data}).status_code == 403
    assert not BundleJob.objects.exists()
    assert not list(jobs.bundle_dir().glob("*/*"))


def test_api_export_status_list_and_file(workspace, token_for, django_capture_on_commit_callbacks):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('orchestrator_staff', 'write')}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/bundles/export", {}, content_type="application/json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    status = client.get(f"/api/v1/bundles/{job_id}").json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["counts"]["partners.partner"] == 17
    listed = client.get("/api/v1/bundles?kind=export&status=done").json()
    assert [row["id"] for row in listed["results"]] == [job_id]
    link = client.get(f"/api/v1/bundles/{job_id}/download").json()
    assert link["sha256"] == status["sha256"]
    api_path = link["api_url"].split("://", 1)[1].split("/", 1)[1]
    data = b"".join(client.get("/" + api_path).streaming_content)
    assert hashlib.sha256(data).hexdigest() == status["sha256"]
    manifest_checks_out(data)
    assert client.get(f"/api/v1/bundles/{job_id}/file?token=forged").status_code == 403
    # A read-only token follows jobs but starts none.
    read = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('orchestrator_staff', 'read')}")
    assert read.get(f"/api/v1/bundles/{job_id}").status_code == 200
    assert (
        read.post("/api/v1/bundles/export", {}, content_type="application/json").status_code == 403
    )


def test_a_job_of_a_member_who_lost_access_does_nothing(
    workspace, actors, members, django_capture_on_commit_callbacks
):
    job = jobs.bundle_export_start(actor=actors["partner_a_admin"], scope="organization")
    members["partner_a_admin"].is_active = False
    members["partner_a_admin"].save(update_fields=["is_active"])
    job = jobs.bundle_job_execute(job)
    assert job.status == BundleJobStatus.FAILED and "no longer" in job.error
    assert jobs.bundle_file(job) is None


def test_detail_page_polls_while_running(workspace, client_as, actors):
    job = jobs.bundle_export_start(actor=actors["orchestrator_staff"], scope="workspace")
    BundleJob.objects.filter(pk=job.pk).update(
        status=BundleJobStatus.RUNNING, phase="exporting partners.partner", progress_done=40
    )
    client = client_as("orchestrator_staff")
    page = client.get(f"/bundles/{job.public_id}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="40"' in page
    partial = client.get(f"/bundles/{job.public_id}/?progress=1", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<article id="bundle-progress"')
    assert "Exporting partners.partner… 40%" in partial.content.decode()
    # A second export of the same scope waits for the first.
    response = client.post("/bundles/export/", {"scope": "workspace"})
    assert response.status_code == 200 and "already running" in response.content.decode()
    assert "HX-Refresh" not in partial  # still running: the box alone, polled again
    BundleJob.objects.filter(pk=job.pk).update(
        status=BundleJobStatus.DONE, counts={"partners.partner": 3}
    )
    done = client.get(f"/bundles/{job.public_id}/?progress=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"  # finished: the whole page, with its table of counts


def test_an_import_under_new_ids_is_passed_to_the_importer(
    workspace, client_as, django_capture_on_commit_callbacks
):
    data = workspace_bundle(workspace)
    before = row_total(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("orchestrator_admin").post(
            "/api/v1/bundles/import",
            {"file": SimpleUploadedFile("b.zip", data), "dry_run": "true", "new_ids": "true"},
        )
    assert response.status_code == 202 and response.json()["new_ids"] is True
    job = BundleJob.objects.get(public_id=response.json()["id"])
    # The importer was asked for new ids (a copy beside the original, the same workspace here,
    # so names that must be unique may clash: the dry run is where that shows, writing nothing).
    assert job.report["new_ids"] is True and job.report["dry_run"] is True
    assert job.status == BundleJobStatus.FAILED  # the demo's tag names are taken here
    assert "while writing ecosystem.tag records" in job.error, job.error
    assert "must be unique" in job.error and "rename one of them" in job.error
    assert row_total(workspace) == before


def test_lists_take_the_same_queries_for_one_job_or_many(workspace, client_as, actors, partner_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("orchestrator_staff")

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    jobs.bundle_export_start(actor=actors["orchestrator_staff"], scope="workspace")
    one = (queries("/bundles/"), queries("/api/v1/bundles"))
    for _ in range(5):
        BundleJob.objects.create(
            workspace=workspace, kind="export", scope="organization", organization=partner_a,
            scope_label=partner_a.name, requested_by=actors["orchestrator_staff"].user,
            requester_organization=workspace.orchestrator, status="done",
            counts={"ecosystem.organization": 3}, expires_at=timezone.now(),
        )  # fmt: skip
    assert (queries("/bundles/"), queries("/api/v1/bundles")) == one
    assert one == (5, 5), one


def test_progress_inside_the_import_transaction_goes_through_a_connection_of_its_own(
    workspace, monkeypatch
):
    from types import SimpleNamespace

    from django.db import connection, transaction

    job = SimpleNamespace(pk=10**9)  # no such row: the real statement below changes nothing
    # The real second connection takes the statement (PostgreSQL); SQLite writes nothing.
    real = jobs._ProgressWriter(job)
    with transaction.atomic():
        real("writing ecosystem.organization", 55)
    assert (real.aside is not None) == (connection.vendor == "postgresql")
    real.close()
    assert real.aside is None

    executed = []

    class Recorder:
        def execute(self, statement, params):
            executed.append(params)

        def close(self):
            executed.append("closed")

    monkeypatch.setattr(jobs.psycopg, "connect", lambda **params: Recorder())
    writer = jobs._ProgressWriter(job)
    writer("checking ecosystem.tag", 10)  # outside: the ORM, no second connection
    with transaction.atomic():
        writer("writing ecosystem.organization", 55)
        writer("writing ecosystem.organization", 55)  # the same again: not written twice
        writer("writing ecosystem.person", 70)
        aside = jobs.progress_aside(job.pk)
    writer.close()
    if connection.vendor == "postgresql":
        assert executed == [
            ["writing ecosystem.organization", 55, job.pk],
            ["writing ecosystem.person", 70, job.pk],
            "closed",
        ]
        assert aside is None
    else:
        # SQLite: one writer at a time; the progress goes to a file the pages read.
        assert executed == [] and aside == ("writing ecosystem.person", 70)
    assert jobs.progress_aside(job.pk) is None  # removed at the end


def test_a_running_jobs_page_and_api_show_the_progress_left_aside(workspace, client_as, actors):
    """What a running import on SQLite leaves aside is what its page and the API show."""
    from django.db import transaction

    admin = actors["orchestrator_admin"]
    job = BundleJob.objects.create(
        workspace=workspace,
        kind="import",
        status=BundleJobStatus.RUNNING,
        phase="starting",
        requested_by=admin.user,
        requester_organization=workspace.orchestrator,
    )
    writer = jobs._ProgressWriter(job)
    with transaction.atomic():
        writer._write_file("importing ecosystem.person", 62)
    job.refresh_from_db()
    assert (job.phase_now, job.percent) == ("importing ecosystem.person", 62)
    client = client_as("orchestrator_admin")
    page = client.get(f"/bundles/{job.public_id}/?progress=1")
    assert b"Importing ecosystem.person" in page.content and b'value="62"' in page.content
    data = client.get(f"/api/v1/bundles/{job.public_id}").json()
    assert (data["phase"], data["percent"]) == ("importing ecosystem.person", 62)
    writer.close()
    job.refresh_from_db()
    assert (job.phase_now, job.percent) == ("starting", 0)
