"""The separation page: what the relationship holds, a drafted closing record, and, once
completed, the closing record with the way back (re-import from the organisation's bundle)."""

import hashlib

from ecosys.portability import services
from ecosys.portability.models import ItemKind, SeparationItem

BUNDLE = b"PK\x03\x04 the way back"


def _complete(actors, workspace, organization):
    staff = actors["orchestrator_staff"]
    earliest, _ = services.earliest_effective_date(organization)
    separation = services.separation_start(
        actor=staff, organization=organization, reason="Different roads", effective_date=earliest
    )
    services.separation_bundle_deliver(
        actor=staff, separation=separation, file_name="harbor.zip",
        sha256=hashlib.sha256(BUNDLE).hexdigest(), size_bytes=len(BUNDLE),
    )  # fmt: skip
    services.separation_bundle_acknowledge(actor=actors["partner_a_admin"], separation=separation)
    services.separations_review(workspace=workspace, today=separation.effective_date)
    for item in SeparationItem.objects.filter(separation=separation, decision="pending"):
        decision = {
            ItemKind.SHARING: "revoke", ItemKind.ACCESS: "revoke", ItemKind.DEAL: "back",
        }.get(item.kind, "close")  # fmt: skip
        services.separation_item_decide(actor=staff, item=item, decision=decision, note="ends")
    services.separation_erase(actor=staff, separation=separation)
    return separation


def test_the_page_shows_holdings_and_drafts_what_was_delivered(
    actors, workspace, partner_a, client_as
):
    staff = actors["orchestrator_staff"]
    earliest, _ = services.earliest_effective_date(partner_a)
    separation = services.separation_start(
        actor=staff, organization=partner_a, reason="r", effective_date=earliest
    )
    page = client_as("orchestrator_staff").get(f"/separations/{separation.public_id}/")
    html = page.content.decode()
    assert "What the relationship holds" in html
    deals = separation.items.filter(kind=ItemKind.DEAL).count()
    assert deals and f"<td>Open deal</td><td>{deals}</td><td>{deals}</td>" in html
    assert "Coming back" not in html


def test_the_completed_separation_invites_back_and_says_how(
    actors, workspace, partner_a, client_as
):
    separation = _complete(actors, workspace, partner_a)
    draft = services.delivered_summary(separation)
    assert "harbor.zip" in draft and "acknowledged" in draft and "erased" in draft
    assert "Open deal: 2 back to the orchestrator." in draft
    services.separation_complete(
        actor=actors["orchestrator_staff"], separation=separation, why="Different roads",
        delivered=draft, invitation="Our door stays open.",
    )  # fmt: skip
    html = client_as("orchestrator_admin").get(f"/separations/{separation.public_id}/")
    html = html.content.decode()
    assert "Our door stays open." in html and "Different roads" in html
    assert "Coming back" in html and "re-imported from its own bundle" in html
    assert hashlib.sha256(BUNDLE).hexdigest() in html
    assert 'href="/bundles/import/"' in html
