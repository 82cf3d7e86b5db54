"""The permission matrix's objects, payloads and pages for performance actions (warnings,
playbooks, interventions, escalation contacts, terminations): tests/core/test_permission_matrix.py
calls every operation as every kind of principal on the objects of partner A and of partner B."""

import datetime as dt

from django.utils import timezone

from ecosys.partners.models import Partner
from ecosys.performance import actions
from ecosys.performance.models import (
    AnalyticsRun,
    ChannelLoad,
    EarlyWarning,
    ExchangeRate,
    Product,
    ProductLine,
    Scorecard,
)

PAGES = (
    "/performance/warnings/{warning}/",
    "/performance/warnings/{warning}/intervene/",
    "/performance/interventions/{intervention}/",
    "/performance/interventions/{failed_intervention}/terminate/",
    "/performance/interventions/new/?partner={partner}",
    "/performance/playbooks/{playbook}/",
    "/performance/terminations/{termination}/",
    "/performance/partners/{partner}/",
    "/performance/data/{load}/",
    "/performance/setup/product-lines/{line}/",
    "/performance/setup/products/{product}/",
    "/performance/setup/scorecards/{scorecard}/",
    "/performance/setup/scorecards/{scorecard}/edit/",
)
LISTS = (
    "/performance/warnings/",
    "/performance/interventions/",
    "/performance/playbooks/",
    "/performance/playbooks/new/",
    "/performance/escalation-contacts/",
    "/performance/terminations/",
    "/performance/",
    "/performance/league/",
    "/performance/data/",
    "/performance/runs/",
    "/performance/setup/",
    "/performance/setup/product-lines/",
    "/performance/setup/products/",
    "/performance/setup/exchange-rates/",
    "/performance/setup/scorecards/",
    "/performance/setup/scorecards/new/",
)


def objects(workspace, actors, organizations) -> dict:
    """Per organisation: a warning, an intervention on it with a partner-side task, a failed
    intervention proposed for termination (so proposing again answers 422 to those allowed);
    shared: a playbook and an escalation contact."""
    staff, admin = actors["orchestrator_staff"], actors["orchestrator_admin"]
    playbook = actions.playbook_save(
        actor=staff,
        name="Matrix playbook",
        steps=[
            {"title": "Call", "side": "orchestrator", "due_days": 5},
            {"title": "Plan", "side": "partner", "due_days": 20},
        ],
    )
    contact = actions.escalation_contact_add(actor=admin, level=2, user=admin.user)
    now, found = timezone.now(), {}
    line = ProductLine.objects.create(workspace=workspace, name="Matrix line")
    product = Product.objects.create(workspace=workspace, sku="MATRIX-1", name="M", line=line)
    rate = ExchangeRate.objects.create(
        workspace=workspace, currency="CHF", month=dt.date(2026, 1, 1), rate=1
    )
    scorecard = Scorecard.objects.create(workspace=workspace, name="Matrix scorecard")
    run = AnalyticsRun.objects.create(workspace=workspace, triggered_by="matrix")
    for organization in organizations:
        partner = Partner.objects.get(organization=organization)
        warning = EarlyWarning.objects.create(
            workspace=workspace, partner=partner, kind="level_shift", measure="matrix",
            change_period=dt.date(2026, 1, 1), magnitude=-0.3, before=10.0, after=7.0,
            confidence=0.99, explanation=f"Matrix drop of {organization}", detected_at=now,
            last_seen_at=now,
        )  # fmt: skip
        intervention = actions.intervention_open(
            actor=staff, warning=warning, playbook=playbook, owner=staff.user
        )
        failed = actions.intervention_open(
            actor=staff, partner=partner, title="Matrix failed", owner=staff.user,
            due_date=timezone.localdate() + dt.timedelta(days=5),
        )  # fmt: skip
        actions.intervention_close(actor=staff, intervention=failed, outcome="not_recovered")
        termination = actions.termination_propose(actor=staff, intervention=failed, reason="matrix")
        load = ChannelLoad.objects.create(
            workspace=workspace, organization=organization, file_name="matrix.csv",
            file_format="csv", sha256="0" * 64, stage="waiting for the column mapping",
        )  # fmt: skip
        found[organization] = {
            "load": load.public_id,
            "run": run.public_id,
            "line": line.public_id,
            "product": product.public_id,
            "rate": rate.public_id,
            "scorecard": scorecard.public_id,
            "warning": warning.public_id,
            "intervention": intervention.public_id,
            "intervention_task": intervention.tasks.get(side="partner").public_id,
            "failed_intervention": failed.public_id,
            "termination": termination.public_id,
            "playbook": playbook.public_id,
            "contact": contact.public_id,
        }
    return found


def url(url: str, ids: dict) -> str:
    return (
        url.replace("{warning_id}", str(ids["warning"]))
        .replace("{intervention_id}", str(ids["intervention"]))
        .replace("{intervention_task_id}", str(ids["intervention_task"]))
        .replace("{playbook_id}", str(ids["playbook"]))
        .replace("{termination_id}", str(ids["termination"]))
        .replace("{contact_id}", str(ids["contact"]))
        .replace("{load_id}", str(ids["load"]))
        .replace("{run_id}", str(ids["run"]))
        .replace("{line_id}", str(ids["line"]))
        .replace("{product_id}", str(ids["product"]))
        .replace("{rate_id}", str(ids["rate"]))
        .replace("{scorecard_id}", str(ids["scorecard"]))
    )


def payloads(ids: dict) -> dict:
    later = str(timezone.localdate() + dt.timedelta(days=30))
    steps = [{"title": "Call", "side": "orchestrator", "due_days": 5}]
    return {
        "warning_status_set": {"status": "dismissed", "reason": "matrix"},
        "playbook_create": {"name": "Matrix playbook 2", "steps": steps},
        "playbook_update": {"name": "Matrix playbook 3", "steps": steps},
        "intervention_create": {
            "partner_id": str(ids["partner"]),
            "title": "Matrix",
            "due_date": later,
        },
        "intervention_task_add": {"title": "Matrix", "side": "partner", "due_date": later},
        "intervention_task_done": {"done": True},
        "intervention_close": {"outcome": "partly"},
        "intervention_cancel": {"reason": "matrix"},
        "escalation_contact_add": {"level": 1, "user": "manager@helix.example"},
        "termination_propose": {
            "intervention_id": str(ids["failed_intervention"]),
            "reason": "matrix",
        },
        "termination_decide": {"decision": "reject", "reason": "matrix"},
        "channel_load_upload": {"_multipart": True, "mode": "append", "file": "sales.csv"},
        "channel_load_start": {"mapping": {"partner": "missing"}},
        "channel_load_withdraw": {"reason": "matrix"},
        "perf_settings_update": {"warning_recent_months": 5},
        "product_line_create": {"name": "Matrix line 2"},
        "product_line_update": {"name": "Matrix line 3"},
        "product_create": {"sku": "MATRIX-2", "name": "M2", "product_line_id": str(ids["line"])},
        "product_update": {"sku": "MATRIX-1", "name": "M3", "product_line_id": str(ids["line"])},
        "exchange_rate_set": {"currency": "CHF", "month": "2026-02", "rate": "1.05"},
        "scorecard_create": {
            "name": "Matrix scorecard 2",
            "measures": [{"measure": "revenue", "weight": 10}],
        },
        "scorecard_update": {
            "name": "Matrix scorecard 3",
            "measures": [{"measure": "orders", "weight": 10}],
        },
    }
