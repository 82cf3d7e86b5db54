"""Exit bundle jobs of one engagement: the orchestrator exports it whole (page, API, CLI) or as
its customer sees it; the customer's admin exports its own engagement (never more than its
portal shows); another customer's admin does not find it, a member may not export."""

# ruff: noqa: F811 - the imported fixtures are taken as test arguments

import io
import json
import re
import zipfile

import pytest
from django.test import Client

from ecosys.core.access import Actor
from ecosys.core.models import Membership, Role
from ecosys.core.services import member_add
from ecosys.engagements.models import Engagement
from ecosys.portability import jobs
from ecosys.portability.bundle_export import export_bundle
from ecosys.portability.models import BundleJob, BundleJobStatus

from .test_bundle_engagement import demo_engagements, engagement  # noqa: F401 (fixtures)
from .test_bundle_jobs import (  # noqa: F401 (bundle_dir is an autouse fixture)
    bundle_dir,
    download,
    entity_files,
    export_through_page,
    manifest_checks_out,
)
from .test_bundle_jobs_cli import ecosys


@pytest.fixture
def customer_admin(engagement) -> Client:
    membership = Membership.objects.filter(
        organization=engagement.customer, role=Role.EXTERNAL_ADMIN, is_active=True
    ).first()
    assert membership is not None, "the engagements demo gives each customer an admin"
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def customer_member(workspace, engagement) -> Client:
    membership = member_add(
        actor=Actor.system(workspace),
        email="member@customer.example",
        organization=engagement.customer,
        role=Role.EXTERNAL_MEMBER,
        password="a long enough password 1",
        first_name="Cora",
        last_name="Member",
    )
    client = Client()
    client.force_login(membership.user)
    return client


def direct(workspace, engagement, organization=None) -> bytes:
    out = io.BytesIO()
    export_bundle(
        workspace, scope="engagement", engagement=engagement, organization=organization, out=out
    )
    return out.getvalue()


def api_file(client, job_id) -> bytes:
    link = client.get(f"/api/v1/bundles/{job_id}/download")
    assert link.status_code == 200, link.content
    response = client.get("/api/v1" + link.json()["api_url"].split("/api/v1", 1)[1])
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_orchestrator_exports_an_engagement_through_the_page(
    workspace, engagement, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_as("orchestrator_staff")
    form = client.get(f"/bundles/export/?engagement={engagement.public_id}")
    html = form.content.decode()
    assert form.status_code == 200 and "One engagement" in html
    # Preselected: the scope and the engagement (its id and title in the search box).
    assert re.search(r'<input type="radio" name="scope" value="engagement"[^>]* checked>', html)
    assert f'name="engagement" value="{engagement.public_id}"' in html
    assert f'value="{engagement.title}"' in html
    suggest = client.get("/bundles/engagements/suggest/", {"engagement__search": engagement.title})
    assert str(engagement.public_id) in suggest.content.decode()
    job = export_through_page(
        client,
        {"scope": "engagement", "engagement": str(engagement.public_id)},
        django_capture_on_commit_callbacks,
    )
    assert job.status == BundleJobStatus.DONE, job.error
    assert (job.scope, job.engagement, job.organization) == ("engagement", engagement, None)
    assert job.scope_label == f"engagement {engagement.title}"
    data = download(client, job)
    manifest = manifest_checks_out(data)
    assert manifest["scope"] == {
        "kind": "engagement",
        "organization": None,
        "engagement": str(engagement.public_id),
    }
    assert entity_files(data) == entity_files(direct(workspace, engagement))
    assert "ready to download" in mailoutbox[-1].subject
    # The list shows the engagement scope and filters by it.
    listed = client.get(f"/bundles/?scope=engagement&engagement={engagement.public_id}")
    assert str(job.public_id) in listed.content.decode()
    assert "One engagement" in listed.content.decode()
    other = Engagement.objects.exclude(pk=engagement.pk).first()
    assert (
        str(job.public_id)
        not in client.get(f"/bundles/?engagement={other.public_id}").content.decode()
    )
    assert str(job.public_id) not in client.get("/bundles/?scope=workspace").content.decode()
    assert str(job.public_id) in client.get(f"/bundles/?q={engagement.title}").content.decode()
    export = b"".join(client.get("/bundles/?export=csv&scope=engagement").streaming_content)
    assert str(engagement.public_id) in export.decode()
    # No engagement chosen: a clear error, nothing queued.
    refused = client.post("/bundles/export/", {"scope": "engagement"})
    assert refused.status_code == 200 and "Choose the engagement to export" in (
        refused.content.decode()
    )
    assert BundleJob.objects.count() == 1


def test_orchestrator_exports_an_engagement_through_the_api_whole_and_as_its_customer(
    workspace, engagement, token_for, partner_a, django_capture_on_commit_callbacks
):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('orchestrator_admin', 'write')}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/bundles/export",
            {"engagement_id": str(engagement.public_id)},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    whole = BundleJob.objects.get(public_id=response.json()["id"])
    answer = client.get(f"/api/v1/bundles/{whole.public_id}").json()
    assert (answer["scope"], answer["engagement_id"], answer["status"]) == (
        "engagement",
        str(engagement.public_id),
        "done",
    )
    data = api_file(client, whole.public_id)
    assert manifest_checks_out(data)["scope"]["kind"] == "engagement"
    assert entity_files(data) == entity_files(direct(workspace, engagement))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/bundles/export",
            {
                "scope": "engagement",
                "engagement_id": str(engagement.public_id),
                "organization_id": str(engagement.customer.public_id),
            },
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    assert response.json()["organization_id"] == str(engagement.customer.public_id)
    data = api_file(client, response.json()["id"])
    manifest = manifest_checks_out(data)
    assert manifest["scope"] == {
        "kind": "engagement",
        "organization": str(engagement.customer.public_id),
        "engagement": str(engagement.public_id),
    }
    assert entity_files(data) == entity_files(direct(workspace, engagement, engagement.customer))
    assert entity_files(data) != entity_files(direct(workspace, engagement))
    # Another organisation's view of the engagement is refused, nothing queued.
    assert partner_a.pk != engagement.customer_id
    refused = client.post(
        "/api/v1/bundles/export",
        {
            "scope": "engagement",
            "engagement_id": str(engagement.public_id),
            "organization_id": str(partner_a.public_id),
        },
        content_type="application/json",
    )
    assert refused.status_code in (400, 422) and "not its customer" in refused.content.decode()
    missing = client.post(
        "/api/v1/bundles/export", {"scope": "engagement"}, content_type="application/json"
    )
    assert missing.status_code in (400, 422) and "Choose the engagement" in missing.content.decode()
    assert BundleJob.objects.count() == 2


def test_the_customers_admin_exports_its_own_engagement_as_its_portal_shows_it(
    workspace, engagement, customer_admin, django_capture_on_commit_callbacks
):
    page = customer_admin.get("/bundles/export/")
    html = page.content.decode()
    assert page.status_code == 200 and "Export an engagement of ours" in html
    own = Engagement.objects.filter(customer=engagement.customer)
    for row in Engagement.objects.all():
        assert (f'value="{row.public_id}"' in html) == own.filter(pk=row.pk).exists(), row.title
    preselected = customer_admin.get(f"/bundles/export/?engagement={engagement.public_id}")
    assert f'value="{engagement.public_id}" selected' in preselected.content.decode()
    job = export_through_page(
        customer_admin,
        {"engagement": str(engagement.public_id)},
        django_capture_on_commit_callbacks,
    )
    assert job.status == BundleJobStatus.DONE, job.error
    assert (job.scope, job.engagement, job.organization, job.requester_organization) == (
        "engagement",
        engagement,
        engagement.customer,
        engagement.customer,
    )
    data = download(customer_admin, job)
    manifest = manifest_checks_out(data)
    assert manifest["scope"] == {
        "kind": "engagement",
        "organization": str(engagement.customer.public_id),
        "engagement": str(engagement.public_id),
    }
    assert entity_files(data) == entity_files(direct(workspace, engagement, engagement.customer))
    # The API gives the same view, even when the whole engagement is asked for.
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_admin.post(
            "/api/v1/bundles/export",
            {"scope": "engagement", "engagement_id": str(engagement.public_id)},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    assert response.json()["organization_id"] == str(engagement.customer.public_id)
    assert entity_files(api_file(customer_admin, response.json()["id"])) == entity_files(data)
    # Without an engagement picked the admin still exports everything that is its own.
    job = export_through_page(customer_admin, {}, django_capture_on_commit_callbacks)
    assert (job.scope, job.engagement, job.organization) == (
        "organization",
        None,
        engagement.customer,
    )


def test_another_customers_admin_does_not_find_it_and_a_member_may_not_export(
    workspace, engagement, client_as, partner_a, customer_member, django_capture_on_commit_callbacks
):
    assert partner_a.pk != engagement.customer_id
    admin = client_as("partner_a_admin")
    assert admin.get(f"/bundles/export/?engagement={engagement.public_id}").status_code == 404
    assert admin.get("/bundles/export/?engagement=not-a-uuid").status_code == 404
    html = admin.get("/bundles/export/").content.decode()
    assert str(engagement.public_id) not in html
    suggest = admin.get("/bundles/engagements/suggest/", {"engagement__search": engagement.title})
    assert str(engagement.public_id) not in suggest.content.decode()
    posted = admin.post("/bundles/export/", {"engagement": str(engagement.public_id)})
    assert posted.status_code == 200 and "Pick one of your engagements" in posted.content.decode()
    response = admin.post(
        "/api/v1/bundles/export",
        {"scope": "engagement", "engagement_id": str(engagement.public_id)},
        content_type="application/json",
    )
    assert response.status_code == 404
    # The customer's own member: 403 on the page, the suggestions and the API.
    url = f"/bundles/export/?engagement={engagement.public_id}"
    assert customer_member.get(url).status_code == 403
    assert customer_member.get(
        "/bundles/engagements/suggest/?engagement__search=a"
    ).status_code == (403)
    response = customer_member.post(
        "/api/v1/bundles/export",
        {"scope": "engagement", "engagement_id": str(engagement.public_id)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not BundleJob.objects.exists()


def test_a_job_whose_requester_lost_the_engagement_fails_and_writes_nothing(
    workspace, engagement, customer_admin, django_capture_on_commit_callbacks, bundle_dir
):
    with django_capture_on_commit_callbacks(execute=False):
        response = customer_admin.post(
            "/api/v1/bundles/export",
            {"engagement_id": str(engagement.public_id)},
            content_type="application/json",
        )
    job = BundleJob.objects.get(public_id=response.json()["id"])
    Membership.objects.filter(user=job.requested_by).update(role=Role.EXTERNAL_MEMBER)
    job = jobs.bundle_job_execute(job)
    assert job.status == BundleJobStatus.FAILED and "no longer" in job.error
    assert not any(bundle_dir.rglob("*.zip"))


def test_cli_exports_an_engagement_whole_and_as_its_customer_sees_it(
    workspace, engagement, partner_a, tmp_path, capsys
):
    path = tmp_path / "engagement.zip"
    ecosys("bundle-export", "--engagement", str(engagement.public_id), str(path))
    assert f"engagement {engagement.title} to {path}" in capsys.readouterr().out
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert manifest["scope"] == {
        "kind": "engagement",
        "organization": None,
        "engagement": str(engagement.public_id),
    }
    assert _files(path) == entity_files(direct(workspace, engagement))
    view = tmp_path / "customer.zip"
    customer = str(engagement.customer.public_id)
    ecosys("bundle-export", "--engagement", str(engagement.public_id), "--organization", customer,
           str(view))  # fmt: skip
    assert f"as {engagement.customer.name} sees it" in capsys.readouterr().out
    manifest = json.loads(zipfile.ZipFile(view).read("manifest.json"))
    assert manifest["scope"]["organization"] == customer
    assert _files(view) == entity_files(direct(workspace, engagement, engagement.customer))
    with pytest.raises(SystemExit, match="No engagement"):
        ecosys("bundle-export", "--engagement", "not-a-uuid", str(tmp_path / "x.zip"))
    with pytest.raises(SystemExit, match="is not the customer"):
        ecosys("bundle-export", "--engagement", str(engagement.public_id), "--organization",
               str(partner_a.public_id), str(tmp_path / "x.zip"))  # fmt: skip
    assert not (tmp_path / "x.zip").exists()


def _files(path) -> dict[str, bytes]:
    return entity_files(path.read_bytes())
