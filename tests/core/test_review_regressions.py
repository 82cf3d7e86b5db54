"""Regressions from the security review: read tokens, redirects, imports, exports, sharing."""

import io

from django.test import Client
from openpyxl import load_workbook

from ecosys.core.models import SharingGrant
from ecosys.core.services import (
    grant_share,
    import_job_create,
    member_set_active,
    token_create,
)
from ecosys.core.tasks import import_job_run
from ecosys.ecosystem.models import Organization, Person
from ecosys.ecosystem.services import organization_update, person_delete


def test_read_token_cannot_revoke_tokens(actors, workspace):
    victim, _ = token_create(actor=actors["partner_a_admin"], name="victim", scope="write")
    _, raw = token_create(actor=actors["orchestrator_admin"], name="reader", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(f"/api/v1/tokens/{victim.public_id}/revoke")
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.revoked_at is None


def test_share_views_do_not_redirect_off_site(client_as, partner_a, partner_b):
    person = Person.objects.filter(organization=partner_b).first()
    staff = client_as("orchestrator_staff")
    evil = "https://evil.example/phish"
    shared = staff.post(
        f"/shares/ecosystem.person/{person.public_id}/",
        {"organization": str(partner_a.public_id), "access": "read", "next": evil},
    )
    assert shared.status_code == 302 and not shared.url.startswith(("http", "//"))
    grant = SharingGrant.objects.get(target_id=person.pk, organization=partner_a)
    revoked = staff.post(f"/shares/{grant.public_id}/revoke/", {"next": "//evil.example/"})
    assert revoked.status_code == 302 and not revoked.url.startswith(("http", "//"))
    kept = f"/people/{person.public_id}/"
    again = staff.post(
        f"/shares/ecosystem.person/{person.public_id}/",
        {"organization": str(partner_a.public_id), "access": "read", "next": kept},
    )
    assert again.url == kept


def test_import_of_a_member_suspended_before_it_runs_writes_nothing(
    actors, members, partner_a, django_capture_on_commit_callbacks
):
    content = (
        f"last_name,worker_type,organization\nAfterSuspension,employee,{partner_a.public_id}\n"
    )
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_create(
            actor=actors["partner_a_admin"],
            kind="people",
            file_name="p.csv",
            content=content.encode(),
        )
    member_set_active(
        actor=actors["orchestrator_admin"], membership=members["partner_a_admin"], active=False
    )
    import_job_run.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert not Person.objects.filter(last_name="AfterSuspension").exists()


def test_csv_with_an_oversized_cell_fails_the_job_with_a_reason(
    actors, django_capture_on_commit_callbacks
):
    content = b"name,roles,description\nHuge,dealer," + b"x" * 200_000 + b"\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            actor=actors["orchestrator_staff"], kind="organizations", file_name="o.csv",
            content=content,
        )  # fmt: skip
    job.refresh_from_db()
    assert job.status == "failed" and job.errors and job.errors[0]["row"] == 1
    assert not Organization.objects.filter(name="Huge").exists()


def test_xlsx_export_survives_control_characters(actors, partner_a, client_as):
    organization_update(
        actor=actors["partner_a_admin"], organization=partner_a, description="a\x07b"
    )
    response = client_as("orchestrator_staff").get(
        "/organizations/", {"export": "xlsx", "q": partner_a.name}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert partner_a.name in [row[1] for row in sheet.iter_rows(values_only=True)]


def test_xlsx_export_neutralises_formulas_hidden_behind_control_characters():
    from ecosys.core.listing import xlsx_bytes

    content = xlsx_bytes(iter([["name"], ['\x01=HYPERLINK("http://evil")']]), "x")
    cell = load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'")


def test_partners_do_not_see_whom_else_a_record_is_shared_with(actors, partner_a, partner_b):
    customer = Organization.objects.filter(roles__role="customer").first()
    for org in (partner_a, partner_b):
        grant_share(actor=actors["orchestrator_staff"], target=customer, organization=org)
    client = Client()
    client.force_login(actors["partner_a_admin"].user)
    page = client.get(f"/organizations/{customer.public_id}/").content.decode()
    assert partner_b.name not in page


def test_deleting_a_shared_record_removes_its_grants(actors, partner_a, partner_b):
    person = Person.objects.filter(organization=partner_b, roles__isnull=True).first()
    grant_share(actor=actors["orchestrator_staff"], target=person, organization=partner_a)
    person_id = person.pk
    person_delete(actor=actors["orchestrator_staff"], person=person)
    assert not SharingGrant.objects.filter(target_id=person_id).exists()
