"""The permission matrix's objects, payloads and pages for separations:
tests/core/test_permission_matrix.py calls every operation as every kind of principal on the
separation of partner A and that of partner B."""

from ecosys.portability import services

PAGES = (
    "/separations/{separation}/",
    "/separations/{separation}/bundle/download/",
)
LISTS = ("/separations/", "/separations/new/")


def objects(workspace, actors, organizations) -> dict:
    """Per organisation: a separation started by the orchestrator with a bundle delivered (so
    its admin may acknowledge it); starting another one answers 422 to those allowed."""
    staff, found = actors["orchestrator_staff"], {}
    for organization in organizations:
        earliest, _ = services.earliest_effective_date(organization)
        separation = services.separation_start(
            actor=staff, organization=organization, reason="matrix", effective_date=earliest
        )
        services.separation_bundle_deliver(
            actor=staff, separation=separation, file_name="matrix.zip", sha256="a" * 64,
            size_bytes=10,
        )  # fmt: skip
        found[organization] = {
            "separation": separation.public_id,
            "separation_item": separation.items.filter(kind="access").first().public_id,
        }
    return found


def url(url: str, ids: dict) -> str:
    return url.replace("{separation_id}", str(ids["separation"])).replace(
        "{separation_item_id}", str(ids["separation_item"])
    )


def payloads(ids: dict) -> dict:
    return {
        "separation_start": {
            "organization_id": str(ids["org"]),
            "reason": "matrix",
            "effective_date": "2027-12-31",
        },
        "separation_item_decide": {"decision": "revoke"},
        "separation_bundle_deliver": {"file_name": "m.zip", "sha256": "b" * 64, "size_bytes": 10},
        "separation_complete": {"why": "w", "delivered": "d", "invitation": "i"},
        "separation_cancel": {"reason": "matrix"},
    }
