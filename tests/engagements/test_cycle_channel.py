"""Metrics computed from channel data: the customer's monthly purchases through the channel as
baseline values, every other account's mean as the comparison group, checked against an
independent computation with pyarrow; refusals write nothing."""

import datetime as dt
import random
import shutil
from decimal import Decimal

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import ValidationError

from ecosys.core.access import Actor
from ecosys.engagements import services_cycle as services
from ecosys.engagements.channel_metrics import metric_channel_pull
from ecosys.engagements.demo import demo_cycle
from ecosys.engagements.models import Measurement
from ecosys.performance.services import store_for


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path):
    private = tmp_path / "analytics"
    shutil.copytree(settings.ECOSYS_ANALYTICS_DIR, private, dirs_exist_ok=True)
    settings.ECOSYS_ANALYTICS_DIR = private
    return private


@pytest.fixture
def setting(workspace):
    engagement = demo_cycle(workspace, rng=random.Random(7))["staffing"]
    actor = Actor.system(workspace)
    metric = services.metric_create(
        actor=actor, engagement=engagement, name="Orders through the channel", unit="orders",
        direction="higher", value_per_unit=Decimal("120"),
    )  # fmt: skip
    table = pq.ParquetDataset(store_for(workspace).paths(), partitioning=None).read(
        columns=["period", "account", "order_id"]
    )
    first = engagement.start_date.replace(day=1)
    start = (first - dt.timedelta(days=12 * 31)).replace(day=1)
    window = table.filter(
        pc.and_(pc.greater_equal(table["period"], start), pc.less(table["period"], first))
    )
    counts = window.group_by(["period", "account"]).aggregate([("order_id", "count_distinct")])
    busiest = counts.group_by("account").aggregate([("order_id_count_distinct", "sum")])
    account = busiest.sort_by([("order_id_count_distinct_sum", "descending")])["account"][0]
    return actor, engagement, metric, account.as_py(), counts.to_pylist()


def test_baseline_and_comparison_come_from_channel_data(setting):
    actor, engagement, metric, account, counts = setting
    result = metric_channel_pull(actor=actor, metric=metric, account=account, measure="orders")
    own = {
        row["period"]: row["order_id_count_distinct"] for row in counts if row["account"] == account
    }
    others: dict = {}
    for row in counts:
        if row["account"] != account:
            others.setdefault(row["period"], []).append(row["order_id_count_distinct"])
    stored = {
        (m.group, m.period_start): m.value
        for m in Measurement.objects.filter(metric=metric, kind="baseline")
    }
    assert result["engagement"] == len(own) > 0 and result["comparison"] == len(others)
    for period, value in own.items():
        assert stored[("engagement", period)] == Decimal(value)
    for period, values in others.items():
        expected = Decimal(sum(values)) / len(values)
        assert abs(stored[("comparison", period)] - expected) < Decimal("0.0001")
    assert {m.source for m in Measurement.objects.filter(metric=metric)} == {"channel"}
    # pulling again adds nothing
    again = metric_channel_pull(actor=actor, metric=metric, account=account, measure="orders")
    assert again["engagement"] == again["comparison"] == 0
    assert again["skipped"] == len(own) + len(others)


def test_refusals_write_nothing(setting):
    actor, engagement, metric, account, _ = setting
    with pytest.raises(ValidationError, match="counted in"):
        metric_channel_pull(actor=actor, metric=metric, account=account, measure="quantity")
    with pytest.raises(ValidationError, match="No channel sales"):
        metric_channel_pull(actor=actor, metric=metric, account="NOBODY-1", measure="orders")
    with pytest.raises(ValidationError, match="measure is one of"):
        metric_channel_pull(actor=actor, metric=metric, account=account, measure="mood")
    assert not Measurement.objects.filter(metric=metric).exists()


def test_page_pulls_values(setting, client_as):
    _, engagement, metric, account, _ = setting
    client = client_as("orchestrator_staff")
    url = f"/engagements/metrics/{metric.public_id}/channel/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"account": "NOBODY-1", "measure": "orders"})
    assert bad.status_code == 200 and "No channel sales" in bad.content.decode()
    done = client.post(url, {"account": account, "measure": "orders"})
    assert done.status_code == 302
    assert Measurement.objects.filter(metric=metric, source="channel").exists()
    assert client_as("partner_a_member").get(url).status_code in (403, 404)


def test_api_pulls_values_and_refuses_others(setting, client_as):
    _, engagement, metric, account, _ = setting
    url = f"/api/v1/engagements/metrics/{metric.public_id}/channel"
    staff = client_as("orchestrator_staff")
    refused = staff.post(url, {"account": account, "measure": "quantity"}, "application/json")
    assert refused.status_code == 422 and "counted in" in refused.content.decode()
    done = staff.post(url, {"account": account, "measure": "orders"}, "application/json")
    assert done.status_code == 200 and done.json()["engagement"] > 0
    outsider = client_as("partner_b_member")
    answer = outsider.post(url, {"account": account, "measure": "orders"}, "application/json")
    assert answer.status_code in (403, 404)
