"""Channel data loads end to end: upload, mapping, all-or-nothing checks, corrections, partner
uploads limited to their own rows, withdrawal; then scores, pages, API, report, CLI."""

import datetime as dt
import io
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ecosys.performance import services
from ecosys.performance.analysis import analytics_run
from ecosys.performance.models import (
    AnalyticsRun,
    ChannelLoad,
    EarlyWarning,
    LoadStatus,
    PartnerScore,
)
from ecosys.performance.reports import monthly_report_send
from ecosys.performance.setup import settings_for

HEADER = "Reseller,Day,Item,Customer,Invoice,Units,Net,Ccy\n"


def _partner(org):
    return org.partner


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture
def load_now(django_capture_on_commit_callbacks):
    """Upload and run a load to the end (tasks run immediately once the transaction commits)."""

    def do(actor, content: bytes, name="sales.csv", mode="append", mapping=None):
        with django_capture_on_commit_callbacks(execute=True):
            load = services.channel_load_create(
                actor, upload=io.BytesIO(content), file_name=name, mode=mode, mapping=mapping
            )
        with django_capture_on_commit_callbacks(execute=True):
            services.channel_load_start(actor, load=load, mapping=load.mapping, mode=mode)
        load.refresh_from_db()
        return load

    return do


def test_demo_has_scores_and_warnings(workspace):
    assert ChannelLoad.objects.filter(status=LoadStatus.STORED).count() == 1
    assert PartnerScore.objects.count() > 100
    latest = PartnerScore.objects.order_by("-period").first()
    assert latest.band in ("Red", "Amber", "Green")
    assert 0 <= latest.score <= 100
    assert EarlyWarning.objects.exists()
    assert services.store_for(workspace).rows() > 1000


def test_guessed_mapping_and_a_good_load(actors, partner_a, workspace, load_now):
    before = services.store_for(workspace).rows()
    load = load_now(
        actors["orchestrator_admin"],
        _csv(
            f"{partner_a.name},2026-11-03,SD-100,ACME-1,X1,2,3600.00,EUR",
            f"{partner_a.name},2026-11-04,BR-6204,ACME-2,X2,10,450.00,EUR",
        ),
    )
    assert load.mapping["partner"] == "Reseller" and load.mapping["amount"] == "Net"
    assert load.status == LoadStatus.STORED, load.errors
    assert load.rows == 2 and load.first_period == dt.date(2026, 11, 1)
    assert services.store_for(workspace).rows() == before + 2
    # The load queued a computation: November now has a score for partner A.
    assert PartnerScore.objects.filter(partner=_partner(partner_a), period="2026-11-01").exists()
    assert AnalyticsRun.objects.filter(triggered_by__contains="sales.csv").exists()


def test_a_bad_file_stores_nothing_and_says_where(actors, partner_a, workspace, load_now):
    before = services.store_for(workspace).rows()
    load = load_now(
        actors["orchestrator_admin"],
        _csv(
            f"{partner_a.name},2026-11-03,SD-100,A,X1,2,3600.00,EUR",
            "Nobody Ltd,2026-13-40,NOPE,A,X2,two,12.3.4,XXX",
            f"{partner_a.name},2026-11-03,SD-100,A,X1,2,3600.00,EUR",
        ),
    )
    assert load.status == LoadStatus.REFUSED
    problems = {(e["row"], e["column"]) for e in load.errors}
    assert {(3, "partner"), (3, "date"), (3, "sku"), (3, "quantity"), (3, "amount")} <= problems
    assert (3, "currency") in problems and (4, "row") in problems
    assert services.store_for(workspace).rows() == before


def test_same_file_twice_is_refused_unless_a_correction(actors, partner_a, workspace, load_now):
    content = _csv(f"{partner_a.name},2026-11-05,SD-100,A,Y1,1,1800.00,EUR")
    assert load_now(actors["orchestrator_admin"], content).status == LoadStatus.STORED
    with pytest.raises(ValidationError, match="loaded already"):
        services.channel_load_create(
            actors["orchestrator_admin"], upload=io.BytesIO(content), file_name="again.csv"
        )
    # Another file for the same partner-month is refused too (it would double the month)...
    other = _csv(f"{partner_a.name},2026-11-09,SD-200,A,Y2,1,999.00,EUR")
    refused = load_now(actors["orchestrator_admin"], other)
    assert refused.status == LoadStatus.REFUSED
    assert "already has data for 2026-11" in refused.errors[0]["message"]
    # ...unless it is a correction, which replaces that partner-month atomically.
    fixed = load_now(actors["orchestrator_admin"], other, mode="replace")
    assert fixed.status == LoadStatus.STORED and fixed.replaced_slices == 1
    score = PartnerScore.objects.get(partner=_partner(partner_a), period="2026-11-01")
    assert score.measures["revenue"] == pytest.approx(999.0)


def test_partner_loads_its_own_rows_only(actors, partner_a, partner_b, load_now):
    admin_a = actors["partner_a_admin"]
    mixed = load_now(
        admin_a,
        _csv(
            f"{partner_a.name},2026-11-03,SD-100,A,Z1,1,1800.00,EUR",
            f"{partner_b.name},2026-11-03,SD-100,A,Z2,1,1800.00,EUR",
        ),
    )
    assert mixed.status == LoadStatus.REFUSED
    assert [e["row"] for e in mixed.errors] == [3]
    assert "your own organisation" in mixed.errors[0]["message"]
    own = load_now(admin_a, _csv(f"{partner_a.name},2026-11-03,SD-100,A,Z1,1,1800.00,EUR"))
    assert own.status == LoadStatus.STORED and own.organization == partner_a


def test_members_without_the_right_cannot_load(actors):
    with pytest.raises(PermissionDenied):
        services.channel_load_create(
            actors["partner_a_member"], upload=io.BytesIO(_csv()), file_name="x.csv"
        )


def test_withdraw_takes_the_rows_out(actors, partner_a, workspace, load_now):
    before = services.store_for(workspace).rows()
    load = load_now(
        actors["orchestrator_admin"], _csv(f"{partner_a.name},2026-11-03,SD-100,A,W1,1,10,EUR")
    )
    with pytest.raises(ValidationError):
        services.channel_load_withdraw(actors["orchestrator_admin"], load=load, reason=" ")
    services.channel_load_withdraw(actors["orchestrator_admin"], load=load, reason="test data")
    load.refresh_from_db()
    assert load.status == LoadStatus.WITHDRAWN
    assert services.store_for(workspace).rows() == before


def test_mapping_must_name_the_required_columns(actors):
    load = services.channel_load_create(
        actors["orchestrator_admin"],
        upload=io.BytesIO(b"who,when,what,much\nA,2026-01-01,SD-100,1\n"),
        file_name="odd.csv",
    )
    with pytest.raises(ValidationError) as error:
        services.channel_load_start(actors["orchestrator_admin"], load=load, mapping={})
    assert "partner" in str(error.value) and "amount" in str(error.value)


def test_xlsx_bomb_and_wrong_parquet_are_refused(actors):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 50_000_000 + b"</a>")
    with pytest.raises(ValidationError, match="unsafe"):
        services.channel_load_create(
            actors["orchestrator_admin"], upload=io.BytesIO(bomb.getvalue()), file_name="b.xlsx"
        )
    table = pa.table({"partner": ["x"], "date": [20260101], "sku": ["SD-100"], "amount": [1.0]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    load = services.channel_load_create(
        actors["orchestrator_admin"], upload=io.BytesIO(buffer.getvalue()), file_name="w.parquet"
    )
    # No quantity column: the mapping cannot be completed, so the load cannot start.
    with pytest.raises(ValidationError, match="quantity"):
        services.channel_load_start(actors["orchestrator_admin"], load=load, mapping=load.mapping)
    load.refresh_from_db()
    assert load.status == LoadStatus.PENDING


def test_parquet_with_wrong_types_reports_rows(actors, partner_a, load_now):
    table = pa.table(
        {
            "partner": [partner_a.name],
            "date": pa.array([20260101], pa.int64()),
            "sku": ["SD-100"],
            "quantity": [1.0],
            "amount": ["lots"],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    load = load_now(actors["orchestrator_admin"], buffer.getvalue(), name="typed.parquet")
    assert load.status == LoadStatus.REFUSED
    assert {e["column"] for e in load.errors} >= {"date", "amount"}


def test_pages_for_the_orchestrator_and_partners(client_as, partner_a, partner_b):
    admin = client_as("orchestrator_admin")
    for url in (
        "/performance/",
        "/performance/league/",
        "/performance/data/",
        "/performance/runs/",
    ):
        assert admin.get(url).status_code == 200, url
    profile_a = f"/performance/partners/{partner_a.partner.public_id}/"
    profile_b = f"/performance/partners/{partner_b.partner.public_id}/"
    response = admin.get(profile_a)
    assert response.status_code == 200 and b"How the score is made" in response.content
    partner = client_as("partner_a_member")
    assert partner.get("/performance/").url == profile_a
    assert partner.get(profile_a).status_code == 200
    assert partner.get(profile_b).status_code == 404
    assert partner.get("/performance/league/").status_code == 403


def test_upload_page_and_mapping_step(client_as, partner_a):
    admin = client_as("orchestrator_admin")
    content = _csv(f"{partner_a.name},2026-11-03,SD-100,A,P1,1,1800.00,EUR")
    response = admin.post(
        "/performance/data/",
        {"file": SimpleUploadedFile("page.csv", content), "mode": "append"},
    )
    assert response.status_code == 302
    page = admin.get(response.url)
    assert b"Match the file" in page.content and b"Reseller" in page.content


def test_api_upload_and_scores(client_as, token_for, partner_a, django_capture_on_commit_callbacks):
    from django.test import Client

    token = token_for("orchestrator_admin", "write")
    client = Client()
    content = _csv(f"{partner_a.name},2026-11-03,SD-100,A,Q1,1,1800.00,EUR")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/performance/loads",
            {"file": SimpleUploadedFile("api.csv", content), "mode": "append"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.content
    load_id = response.json()["id"]
    body = client.get(
        f"/api/v1/performance/loads/{load_id}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert body["status"] == "stored" and body["rows"] == 1
    scores = client.get(
        "/api/v1/performance/scores?period=2026-11-01",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert scores["count"] >= 1
    assert {s["partner"] for s in scores["results"]} >= {partner_a.name}


def test_monthly_report_goes_once(workspace, django_capture_on_commit_callbacks):
    channel = settings_for(workspace)
    channel.report_recipients = "boss@helix.example\nops@helix.example"
    channel.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly_report_send(workspace, today=dt.date(2026, 11, 20)) == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@helix.example", "ops@helix.example"]
    assert "October 2026" in message.subject and "Top partners" in message.body
    assert message.attachments[0][0] == "scores-2026-10.csv"
    assert monthly_report_send(workspace, today=dt.date(2026, 11, 25)) == 0


def test_analytics_run_is_recorded_and_explained(workspace):
    run = analytics_run(workspace, triggered_by="test")
    assert run.status == "succeeded"
    assert run.partner_periods > 100 and run.timings["total_s"] > 0
    warning = EarlyWarning.objects.exclude(series={}).first()
    assert warning is not None and "%" in warning.explanation
    assert "sure" in warning.explanation or "stopped buying" in warning.explanation


def test_demo_warning_pages_show_the_explanation_and_history(client_as, workspace):
    warning = EarlyWarning.objects.exclude(series={}).first()
    admin = client_as("orchestrator_admin")
    page = admin.get(f"/performance/warnings/{warning.public_id}/")
    assert page.status_code == 200
    assert warning.explanation.encode() in page.content
    assert admin.get("/performance/warnings/").status_code == 200


def test_scorecards_can_weigh_metrics_of_other_modules(workspace, actors):
    """Onboarding progress (readiness) joins a scorecard through the one measure registry."""
    from ecosys.performance.measures import measures
    from ecosys.performance.models import ScorecardMeasure
    from ecosys.performance.setup import scorecard_default
    from ecosys.readiness.models import OnboardingPlan, OnboardingTask

    registry = measures()
    assert {"onboarding_progress", "certified_people", "assessment_score"} <= set(registry)
    assert not registry["onboarding_progress"].channel
    card = scorecard_default(workspace)
    ScorecardMeasure.objects.create(
        workspace=workspace, scorecard=card, measure="onboarding_progress", weight=50
    )
    latest_month = PartnerScore.objects.order_by("-period").values_list("period", flat=True)[0]
    scored = PartnerScore.objects.filter(period=latest_month).values_list("partner", flat=True)
    plan = OnboardingPlan.objects.filter(partner__in=scored).order_by("-started_on").first()
    assert plan is not None
    tasks = list(OnboardingTask.objects.filter(plan=plan))
    expected = round(100 * sum(t.done_at is not None for t in tasks) / len(tasks), 1)
    analytics_run(workspace, triggered_by="test")
    latest = PartnerScore.objects.filter(partner=plan.partner).order_by("-period").first()
    assert latest.measures["onboarding_progress"] == pytest.approx(expected)
    assert "onboarding_progress" in latest.normalised


def test_cli_channel_load_stores_reports_and_computes(workspace, partner_a, tmp_path, capsys):
    from ecosys.cli import main

    good = tmp_path / "good.csv"
    good.write_bytes(_csv(f"{partner_a.name},2026-11-03,SD-100,A,CLI-1,1,1800.00,EUR"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("Nobody,2026-11-03,SD-100,A,CLI-2,1,1800.00,EUR"))
    before = services.store_for(workspace).rows()
    with pytest.raises(SystemExit) as exit_info:
        main(["channel-load", str(good), str(bad)])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "good.csv: 1 rows stored" in captured.out
    assert "row 2, partner: Unknown partner 'Nobody'." in captured.err
    assert "Scores for" in captured.out
    assert services.store_for(workspace).rows() == before + 1
    assert PartnerScore.objects.filter(partner=_partner(partner_a), period="2026-11-01").exists()


def test_profile_says_what_early_warning_can_see(client_as, partner_a, workspace):
    analytics_run(workspace, triggered_by="test")
    latest = PartnerScore.objects.filter(partner=_partner(partner_a)).order_by("-period").first()
    assert set(latest.watch) == {"revenue", "orders", "product_lines", "accounts"}
    assert all(v is None or v > 0 for v in latest.watch.values())
    page = client_as("partner_a_admin").get(
        f"/performance/partners/{_partner(partner_a).public_id}/"
    )
    assert b"What early warning can see" in page.content


def test_cli_analytics_run(workspace, capsys):
    from ecosys.cli import main

    main(["analytics-run"])
    out = capsys.readouterr().out
    assert out.startswith("Done:") and "partner-months" in out
    assert AnalyticsRun.objects.filter(triggered_by="ecosys analytics-run").exists()
