"""The permission matrix's objects, payloads and pages for exit bundle jobs:
tests/core/test_permission_matrix.py calls every operation as every kind of principal on an
export of partner A's share (asked for by A) and one of partner B's (asked for by B)."""

import datetime as dt
import io
import zipfile

from django.utils import timezone

from ecosys.portability import jobs
from ecosys.portability.models import BundleJob

PAGES = (
    "/bundles/{bundle}/",
    "/bundles/{bundle}/download/?token={bundle_token}",
)
LISTS = (
    "/bundles/",
    "/bundles/export/",
    "/bundles/import/",
    "/bundles/engagements/suggest/?engagement__search=a",
)


def objects(workspace, actors, organizations) -> dict:
    """Per organisation: a finished export of its own share, asked for by the organisation,
    with its file on disk and a valid signed link."""
    folder = jobs.bundle_dir() / str(workspace.public_id)
    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    for organization in organizations:
        job = BundleJob.objects.create(
            workspace=workspace, kind="export", scope="organization", organization=organization,
            scope_label=organization.name, requester_organization=organization, status="done",
            phase="done", progress_done=100, file_name="matrix.zip",
            finished_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(hours=1),
        )  # fmt: skip
        content = io.BytesIO()
        with zipfile.ZipFile(content, "w") as archive:
            archive.writestr("README.md", f"matrix {organization.name}")
        (folder / f"{job.public_id}.zip").write_bytes(content.getvalue())
        job.file_path = f"{workspace.public_id}/{job.public_id}.zip"
        job.save(update_fields=["file_path"])
        found[organization] = {"bundle": job.public_id, "bundle_token": jobs.download_token(job)}
    return found


def url(url: str, ids: dict) -> str:
    return url.replace(
        "{bundle_id}/file", f"{ids['bundle']}/file?token={ids['bundle_token']}"
    ).replace("{bundle_id}", str(ids["bundle"]))


def payloads(ids: dict) -> dict:
    return {
        "bundle_export_start": {"scope": "organization", "organization_id": str(ids["org"])},
        "bundle_import_start": {
            "_multipart": True,
            "policy": "skip",
            "dry_run": "true",
            "file": "bundle.zip",
        },
    }
