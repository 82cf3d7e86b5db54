"""The permission matrix's objects, payloads and pages for the money part of engagements:
per organisation an engagement (the organisation as customer) with consulting terms, a
submitted time entry and an issued settlement; tests/core/test_permission_matrix.py calls
every operation as every kind of principal on the objects of partner A and of partner B."""

import datetime as dt

from ecosys.ecosystem.models import Person
from ecosys.engagements import services_money as services
from ecosys.engagements.models import Engagement

PAGES = (
    "/engagements/{money_engagement}/terms/",
    "/engagements/{money_engagement}/time/",
    "/engagements/{money_engagement}/settlements/",
    "/engagements/{money_engagement}/venture/",
    "/settlements/{settlement}/",
    "/settlements/{settlement}/csv/",
    "/settlements/{settlement}/pdf/",
)
LISTS = ("/settlements/",)


def objects(workspace, actors, organizations) -> dict:
    staff = actors["orchestrator_staff"]
    person = Person.objects.filter(organization_id=workspace.orchestrator_id).order_by("id")[0]
    found = {}
    for organization in organizations:
        engagement = Engagement.objects.create(
            workspace=workspace, customer=organization, title=f"Matrix money {organization}",
            start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31), currency="EUR",
            lead=staff.user,
        )  # fmt: skip
        services.terms_set(
            actor=staff,
            engagement=engagement,
            model="consulting",
            currency="EUR",
            rates={str(person.public_id): "100"},
        )
        worked = services.time_entry_add(
            actor=staff, engagement=engagement, person=person, work_date=dt.date(2025, 1, 6),
            hours="4",
        )  # fmt: skip
        services.time_entry_decide(actor=staff, entry=worked, decision="approve")
        settlement = services.settlement_generate(
            actor=staff, engagement=engagement, day=dt.date(2025, 1, 6)
        )
        services.settlement_issue(actor=staff, settlement=settlement)
        waiting = services.time_entry_add(
            actor=staff, engagement=engagement, person=person, work_date=dt.date(2025, 6, 2),
            hours="2",
        )  # fmt: skip
        found[organization] = {
            "money_engagement": engagement.public_id,
            "money_person": person.public_id,
            "time_entry": waiting.public_id,
            "settlement": settlement.public_id,
        }
    return found


def url(url: str, ids: dict) -> str:
    return (
        url.replace("{engagement_id}", str(ids["money_engagement"]))
        .replace("{time_entry_id}", str(ids["time_entry"]))
        .replace("{settlement_id}", str(ids["settlement"]))
    )


def payloads(ids: dict) -> dict:
    return {
        "engagement_terms_set": {
            "model": "consulting",
            "currency": "EUR",
            "rates": {str(ids["money_person"]): "110"},
        },
        "time_entry_add": {
            "person_id": str(ids["money_person"]),
            "work_date": "2025-06-03",
            "hours": "3",
        },
        "time_entry_decide": {"decision": "approve"},
        "settlement_generate": {"day": "2025-06-03"},
        "settlement_decide": {"decision": "accept"},
        "venture_shares_set": {"shares": []},
        "venture_contribution_add": {
            "organization_id": str(ids["org"]),
            "kind": "money",
            "amount": "100",
            "contributed_on": "2025-02-01",
        },
        "venture_distribute": {"day": "2025-02-01", "result": "100"},
    }
