"""Calls every API operation and every page as every kind of principal, on objects of partner A
and partner B, and compares the status codes with the checked-in matrix.

Regenerate after a deliberate change with ECOSYS_UPDATE_MATRIX=1, then review the diff.
"""

import datetime
import importlib
import json
import os
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from ecosys.core.models import ApiToken
from ecosys.core.services import grant_share
from ecosys.ecosystem.models import Organization, Person, PersonRole, Relationship
from ecosys.partners import agreements, continuity
from ecosys.partners.applications import FORM_SALT
from ecosys.partners.models import (
    Application,
    IdealPartnerProfile,
    Partner,
    Program,
    TierProposal,
)
from ecosys.questionnaires import services as questionnaire_services
from ecosys.readiness import announcements, mentoring
from ecosys.readiness import services as onboarding_services
from ecosys.readiness.course_files import course_file_add
from ecosys.readiness.models import (
    CertificateAward,
    Course,
    Enrollment,
    Mentor,
    OnboardingTemplate,
)
from ecosys.selling.services import deal_submit

from .test_access_rules import api_operations

MATRIX = Path(__file__).with_name("permission_matrix.json")


def _plugins() -> list:
    """Every `tests/<app>/matrix_*.py`: an app's objects, payloads and pages join the matrix by
    defining PAGES, LISTS, objects(workspace, actors, organizations) -> {org: ids},
    payloads(ids) -> {operation: body} and url(url, ids) -> url, with no edit here."""
    root = Path(__file__).parents[1]
    return [
        importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        for path in sorted(root.glob("*/matrix_*.py"))
    ]


PLUGINS = _plugins()
MATRIX_PDF = b"%PDF-1.4 matrix"
PRINCIPALS = [
    "anonymous",
    "orchestrator_staff",
    "partner_a_admin",
    "partner_a_member",
    "partner_b_member",
    "read_only_token",
    "revoked_token",
]


class _Rollback(Exception):
    def __init__(self, status):
        self.status = status


@pytest.fixture
def objects(workspace, partner_a, partner_b, members, actors, settings, tmp_path):
    """One object of each kind belonging to partner A and to partner B."""
    settings.MEDIA_ROOT = tmp_path
    rel = {
        org: Relationship.objects.filter(target=org, source=workspace.orchestrator).first()
        for org in (partner_a, partner_b)
    }
    person = {
        org: Person.objects.filter(organization=org).first() for org in (partner_a, partner_b)
    }
    role, share = {}, {}
    customer = Organization.objects.filter(roles__role="customer").first()
    for org in (partner_a, partner_b):
        role[org] = PersonRole.objects.create(
            workspace=workspace, person=person[org], organization=org, kind="contact_at"
        )
        share[org] = grant_share(
            actor=actors["orchestrator_staff"], target=customer, organization=org
        )
    member = {partner_a: members["partner_a_member"], partner_b: members["partner_b_member"]}
    staff = actors["orchestrator_staff"]
    clauses = {"terms": "t", "exit_clause": "e", "data_return_clause": "d"}
    template = agreements.template_create(actor=staff, name="Matrix agreement")
    version = agreements.version_publish(actor=staff, template=template, **clauses)
    spare = agreements.version_publish(
        actor=staff, template=agreements.template_create(actor=staff, name="Spare"), **clauses
    )
    program = Program.objects.get(name="Reseller programme")
    proposal = {
        org: TierProposal.objects.create(
            workspace=workspace, partner=Partner.objects.get(organization=org),
            proposed_tier=program.tiers.first(), figures={},
        )
        for org in (partner_a, partner_b)
    }  # fmt: skip
    plan = {
        org: continuity.plan_open(
            actor=staff, partner=Partner.objects.get(organization=org),
            effective_date=datetime.date(2027, 6, 30), reason="matrix",
        )
        for org in (partner_a, partner_b)
    }  # fmt: skip
    questionnaire = questionnaire_services.questionnaire_create(
        actor=staff,
        title="Matrix questionnaire",
        source="? How many? | number\n? Proof | file | pdf | optional",
    )
    assignment = {
        org: questionnaire_services.assignment_send(
            actor=staff, questionnaire=questionnaire, organization=org,
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )
        for org in (partner_a, partner_b)
    }  # fmt: skip
    answer_file = {
        org: questionnaire_services.answer_file_upload(
            actor=actors[name], assignment=assignment[org], position=2,
            upload=SimpleUploadedFile("proof.pdf", MATRIX_PDF),
        )
        for org, name in ((partner_a, "partner_a_member"), (partner_b, "partner_b_member"))
    }  # fmt: skip
    onboarding = {
        org: onboarding_services.plan_start(
            actor=staff, partner=Partner.objects.get(organization=org),
            template=OnboardingTemplate.objects.get(),
        )
        for org in (partner_a, partner_b)
    }  # fmt: skip
    news = announcements.announcement_publish(actor=staff, title="Matrix news", body="b")
    course = Course.objects.get(title="Field service essentials")
    course_file = course_file_add(
        actor=staff, course=course, title="Matrix sheet",
        upload=SimpleUploadedFile("sheet.pdf", MATRIX_PDF),
    )  # fmt: skip
    pool = list(Mentor.objects.order_by("id"))
    mentorship = {
        org: mentoring.mentor_assign(
            actor=staff, partner=Partner.objects.get(organization=org), mentor=pool[i]
        )
        for i, org in enumerate((partner_a, partner_b))
    }
    enrollment = {
        org: Enrollment.objects.create(workspace=workspace, course=course, person=person[org])
        for org in (partner_a, partner_b)
    }
    # The file module is done (as if opened), so completing the course depends on access only.
    Enrollment.objects.filter(course=course).update(files_done=[str(course_file.public_id)])
    agreement = {
        org: agreements.agreement_issue(
            actor=staff, partner=Partner.objects.get(organization=org), version=version,
            start_date=datetime.date(2027, 1, 1),
        )
        for org in (partner_a, partner_b)
    }  # fmt: skip
    profile = IdealPartnerProfile.objects.get()
    application = Application.objects.create(
        workspace=workspace, company_name="Matrix applicant", website_domain="matrix.example",
        country="DE", partner_type="dealer", contact_name="M", contact_email="m@matrix.example",
    )  # fmt: skip
    free_org = Organization.objects.filter(roles__role="customer", partner__isnull=True).first()
    deal = {
        org: deal_submit(
            actor=staff, partner=Partner.objects.get(organization=org), title="Matrix deal",
            customer_name=f"Matrix customer {org.pk}", estimated_value=1000, currency="EUR",
            expected_close_date=timezone.localdate() + datetime.timedelta(days=30),
        )
        for org in (partner_a, partner_b)
    }  # fmt: skip
    plugged = [plugin.objects(workspace, actors, (partner_a, partner_b)) for plugin in PLUGINS]
    return {
        label: {
            "org": org.public_id,
            "person": person[org].public_id,
            "relationship": rel[org].public_id,
            "role": role[org].public_id,
            "member": member[org].public_id,
            "share": share[org].public_id,
            "partner": Partner.objects.get(organization=org).public_id,
            "profile": profile.public_id,
            "free_org": free_org.public_id,
            "application": application.public_id,
            "agreement": agreement[org].public_id,
            "template": template.public_id,
            "spare_version": spare.public_id,
            "program": program.public_id,
            "questionnaire": questionnaire.public_id,
            "announcement": news.public_id,
            "course": course.public_id,
            "course_file": course_file.public_id,
            "mentor": pool[0].public_id,
            "mentorship": mentorship[org].public_id,
            "enrollment": enrollment[org].public_id,
            "award": CertificateAward.objects.first().code,
            "task": onboarding[org].tasks.filter(side="partner").first().public_id,
            "assignment": assignment[org].public_id,
            "answer_file": answer_file[org].public_id,
            "plan": plan[org].public_id,
            "item": plan[org].items.filter(kind="access").first().public_id,
            "proposal": proposal[org].public_id,
            "deal": deal[org].public_id,
            **{key: value for found in plugged for key, value in found[org].items()},
        }
        for label, org in (("A", partner_a), ("B", partner_b))
    }


@pytest.fixture
def principals(client_as, token_for, members):
    read_token = token_for("orchestrator_staff", "read")
    revoked = token_for("orchestrator_staff", "write")
    ApiToken.objects.filter(prefix=revoked[:10]).update(revoked_at=timezone.now())
    return {
        "anonymous": (Client(), {}),
        "orchestrator_staff": (client_as("orchestrator_staff"), {}),
        "partner_a_admin": (client_as("partner_a_admin"), {}),
        "partner_a_member": (client_as("partner_a_member"), {}),
        "partner_b_member": (client_as("partner_b_member"), {}),
        "read_only_token": (Client(), {"HTTP_AUTHORIZATION": f"Bearer {read_token}"}),
        "revoked_token": (Client(), {"HTTP_AUTHORIZATION": f"Bearer {revoked}"}),
    }


def _payload(name: str, ids: dict, other: dict):
    """A valid body for each writing operation (so the status reflects access, not bad input)."""
    return {
        **{key: value for plugin in PLUGINS for key, value in plugin.payloads(ids).items()},
        "organization_create": {"name": "Matrix Org", "roles": ["dealer"]},
        "organization_update": {"description": "changed by the matrix"},
        "person_create": {
            "last_name": "Matrix",
            "worker_type": "employee",
            "organization_id": str(ids["org"]),
        },
        "person_update": {"title": "Matrix title"},
        "relationship_create": {
            "source_id": str(ids["org"]),
            "target_id": str(other["org"]),
            "kind": "partners_with",
        },
        "relationship_update": {"notes": "matrix"},
        "relationship_transition": {"to_state": "ended", "reason": "matrix"},
        "person_role_create": {
            "person_id": str(ids["person"]),
            "organization_id": str(ids["org"]),
            "kind": "account_lead",
        },
        "token_create": {"name": "matrix", "scope": "read"},
        "job_run_create": {"job": "readiness.refreshers"},
        "member_add": {
            "email": "new@matrix.example",
            "role": "external_member",
            "organization_id": str(ids["org"]),
        },
        "member_set_active": {"active": False},
        "partner_create": {"organization_id": str(ids["free_org"])},
        "application_submit": {
            "company_name": "Public Co",
            "website_domain": "public-co.example",
            "country": "FR",
            "partner_type": "dealer",
            "contact_name": "P",
            "contact_email": "p@public-co.example",
            "token": signing.dumps(timezone.now().timestamp() - 10, salt=FORM_SALT),
        },
        "application_decide": {"decision": "comment", "comment": "matrix"},
        "agreement_issue": {
            "partner_id": str(ids["partner"]),
            "version_id": str(ids["spare_version"]),
            "start_date": "2027-02-01",
        },
        "agreement_decide": {"decision": "decline", "reason": "matrix"},
        "template_create": {"name": "Matrix template"},
        "program_create": {"name": "Matrix programme", "tiers": [{"name": "T"}]},
        "program_update": {"name": "Reseller programme", "tiers": [{"name": "T"}]},
        "partner_enroll": {"program_id": str(ids["program"])},
        "proposal_decide": {"decision": "approve"},
        "deal_submit": {
            "partner_id": str(ids["partner"]),
            "customer_name": "Matrix prospect",
            "title": "Matrix deal 2",
            "estimated_value": "2500.00",
            "currency": "EUR",
            "expected_close_date": str(timezone.localdate() + datetime.timedelta(days=30)),
        },
        "deal_decide": {"decision": "reject", "reason": "matrix"},
        "deal_close": {"outcome": "lost"},
        "plan_open": {"effective_date": "2027-06-30", "reason": "matrix"},
        "item_resolve": {"resolution": "closed", "note": "matrix"},
        "listing_save": {"published": True, "capabilities": "matrix"},
        "questionnaire_create": {"title": "Matrix q2", "source": "? Q | number"},
        "assignment_send": {
            "organization_id": str(ids["org"]),
            "due_date": str(timezone.localdate() + datetime.timedelta(days=30)),
        },
        "assignment_answer": {"answers": {"1": "5"}},
        "assignment_review": {"note": "matrix"},
        "answer_file_upload": {"_multipart": True, "question": 2, "file": "proof.pdf"},
        "course_file_add": {"_multipart": True, "title": "Matrix file", "file": "m.pdf"},
        "course_version_publish": {
            "change_note": "matrix",
            "grace_until": str(timezone.localdate() + datetime.timedelta(days=30)),
        },
        "onboarding_template_create": {"name": "Matrix onboarding", "source": "0 | partner | T"},
        "onboarding_task_done": {"done": True},
        "announcement_publish": {"title": "Matrix", "body": "b"},
        "course_create": {"title": "Matrix course", "modules_source": "text | A | B"},
        "course_enroll": {"person_id": str(ids["person"])},
        "enrollment_complete": {"answers": {}},
        "mentor_add": {"person_id": str(ids["person"]), "capacity": 2},
        "mentorship_start": {"mentor_id": str(ids["mentor"])},
        "coaching_session_log": {"held_on": "2026-01-05", "notes": "matrix"},
        "version_publish": {"terms": "t", "exit_clause": "e", "data_return_clause": "d"},
        "approval_steps_put": [{"name": "Matrix", "approvers": ["manager@helix.example"]}],
        "partner_update": {"next_step": "matrix"},
        "partner_transition": {"to_state": "at_risk", "reason": "matrix"},
        "profile_create": {
            "name": "Matrix profile",
            "criteria": [{"attribute": "region", "values": ["europe"], "weight": 10}],
        },
        "profile_update": {
            "name": "Matrix profile 2",
            "criteria": [{"attribute": "region", "values": ["europe"], "weight": 10}],
        },
        "share_create": {
            "target_type": "ecosystem.person",
            "target_id": str(ids["person"]),
            "organization_id": str(other["org"]),
        },
    }.get(name)


def _api_cases(objects):
    skip_ids = {"token_revoke", "import_detail", "import_create"}  # own rows; tested in test_api
    for path, operation in api_operations():
        name = operation.view_func.__name__
        if name in skip_ids:
            continue
        for method in sorted(operation.methods):
            owners = ["A", "B"] if "{" in path or method != "GET" or name == "share_list" else ["-"]
            for owner in owners:
                ids = objects.get(owner, objects["A"])
                other = objects["B" if owner == "A" else "A"]
                url = "/api/v1" + path
                url = (
                    url.replace("{org_id}", str(ids["org"]))
                    .replace("{person_id}", str(ids["person"]))
                    .replace("{rel_id}", str(ids["relationship"]))
                    .replace("{role_id}", str(ids["role"]))
                    .replace("{member_id}", str(ids["member"]))
                    .replace("{share_id}", str(ids["share"]))
                    .replace("{partner_id}", str(ids["partner"]))
                    .replace("{profile_id}", str(ids["profile"]))
                    .replace("{application_id}", str(ids["application"]))
                    .replace("{agreement_id}", str(ids["agreement"]))
                    .replace("{template_id}", str(ids["template"]))
                    .replace("{program_id}", str(ids["program"]))
                    .replace("{proposal_id}", str(ids["proposal"]))
                    .replace("{plan_id}", str(ids["plan"]))
                    .replace("{questionnaire_id}", str(ids["questionnaire"]))
                    .replace("{assignment_id}", str(ids["assignment"]))
                    .replace("{file_id}", str(ids["answer_file"]))
                    .replace("{course_file_id}", str(ids["course_file"]))
                    .replace("{task_id}", str(ids["task"]))
                    .replace("{announcement_id}", str(ids["announcement"]))
                    .replace("{course_id}", str(ids["course"]))
                    .replace("{enrollment_id}", str(ids["enrollment"]))
                    .replace("{mentorship_id}", str(ids["mentorship"]))
                    .replace("{code}", str(ids["award"]))
                    .replace("{item_id}", str(ids["item"]))
                    .replace("{deal_id}", str(ids["deal"]))
                    .replace("{slug}", "helix")
                )
                for plugin in PLUGINS:
                    url = plugin.url(url, ids)
                if name == "share_list":
                    url += f"?target_type=ecosystem.person&target_id={ids['person']}"
                yield f"{method} {path} [{owner}]", method, url, _payload(name, ids, other)


def _page_cases(objects):
    for owner in ("A", "B"):
        ids = objects[owner]
        for template in (
            "/organizations/{org}/",
            "/organizations/{org}/edit/",
            "/people/{person}/",
            "/people/{person}/edit/",
            "/relationships/{relationship}/",
            "/relationships/{relationship}/edit/",
            "/partners/{partner}/",
            "/partners/{partner}/edit/",
            "/partner-profiles/{profile}/edit/",
            "/partners/applications/{application}/",
            "/partners/agreements/{agreement}/",
            "/partners/agreement-templates/{template}/publish/",
            "/partners/programs/{program}/edit/",
            "/partners/continuity/{plan}/",
            "/partners/{partner}/retire/",
            "/questionnaires/{questionnaire}/",
            "/assessments/{assignment}/",
            "/assessment-files/{answer_file}/",
            "/announcements/{announcement}/",
            "/courses/{course}/",
            *(page for plugin in PLUGINS for page in plugin.PAGES),
            "/courses/{course}/versions/new/",
            "/course-files/{course_file}/",
            "/deals/{deal}/",
        ):
            url = template.format(**ids)
            yield f"GET {template} [{owner}]", "GET", url, None
    for url in (
        "/", "/organizations/", "/organizations/new/", "/people/", "/people/new/",
        "/relationships/", "/relationships/new/", "/person-roles/", "/graph/", "/graph/data/",
        "/audit/", "/tokens/", "/imports/organizations/new/", "/imports/people/new/", "/members/",
        "/jobs/",
        "/partners/", "/partners/board/", "/partners/new/",
        "/partner-profiles/", "/partner-profiles/new/",
        "/partners/applications/", "/partners/approval-steps/", "/apply/helix/",
        "/partners/agreements/", "/partners/agreements/new/", "/partners/agreement-templates/",
        "/partners/programs/", "/partners/programs/new/", "/partners/tier-proposals/",
        "/locator/helix/", "/questionnaires/", "/assessments/", "/readiness/onboarding-templates/",
        "/announcements/", "/courses/", "/readiness/mentors/", "/deals/", "/deals/new/",
        *(page for plugin in PLUGINS for page in plugin.LISTS),
    ):  # fmt: skip
        yield f"GET {url}", "GET", url, None


def _call(client, headers, method, url, payload):
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(url, **headers)
            elif isinstance(payload, dict) and payload.get("_multipart"):
                data = {key: value for key, value in payload.items() if key != "_multipart"}
                data["file"] = SimpleUploadedFile(data["file"], MATRIX_PDF)
                response = client.post(url, data=data, **headers)
            else:
                response = getattr(client, method.lower())(
                    url, data=json.dumps(payload or {}), content_type="application/json", **headers
                )
            raise _Rollback(response.status_code)
    except _Rollback as outcome:
        return outcome.status


def test_permission_matrix(objects, principals):
    cases = list(_api_cases(objects)) + list(_page_cases(objects))
    observed = {}
    for label, method, url, payload in cases:
        row = {}
        for principal in PRINCIPALS:
            client, headers = principals[principal]
            if principal.endswith("_token") and not url.startswith("/api/"):
                continue  # tokens are for the API only
            row[principal] = _call(client, headers, method, url, payload)
        observed[label] = row
    if os.environ.get("ECOSYS_UPDATE_MATRIX") == "1":
        MATRIX.write_text(json.dumps(observed, indent=1, sort_keys=True) + "\n")
    expected = json.loads(MATRIX.read_text())
    differences = {
        label: {"expected": expected.get(label), "observed": row}
        for label, row in observed.items()
        if expected.get(label) != row
    }
    missing = sorted(set(expected) - set(observed))
    assert differences == {} and missing == []
