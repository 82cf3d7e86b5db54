"""Demo channel data: three years of monthly sell-through for every demo partner, with
seasonality, different growth, and injected changes (drops, lost key accounts) so that the demo
shows real scores and real warnings. Loaded through the real ingestion and analytics."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np

from ecosys.core.access import Actor
from ecosys.core.models import Channel
from ecosys.partners.models import Partner, PartnerState

from .models import ExchangeRate, Product, ProductLine

LINES = {
    "Servo drives": ["SD-100", "SD-200", "SD-400", "SD-800"],
    "Motion controllers": ["MC-10", "MC-20", "MC-40"],
    "Bearings": ["BR-6204", "BR-6205", "BR-6306", "BR-7208"],
    "Sensors": ["SN-IND", "SN-OPT", "SN-VIB"],
    "Spare parts": ["SP-KIT-A", "SP-KIT-B", "SP-FAN", "SP-PSU"],
    "Service contracts": ["SC-BASIC", "SC-PLUS"],
    "Software licences": ["SW-DESIGN", "SW-MONITOR"],
    "Training": ["TR-DAY", "TR-WEEK"],
}
PRICES = {"SD": 1800, "MC": 2400, "BR": 45, "SN": 160, "SP": 90, "SC": 3000, "SW": 1200, "TR": 700}
MONTHS = 36
LAST_MONTH = dt.date(2026, 10, 1)
# Sizes: rows per partner-month at the median partner.
ROWS = {"small": 14, "medium": 24, "large": 10}


def _months() -> list[dt.date]:
    index = LAST_MONTH.year * 12 + LAST_MONTH.month - 1
    return [dt.date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(MONTHS - 1, -1, -1)]


def populate_catalogue(workspace) -> None:
    for name, skus in LINES.items():
        line = ProductLine.objects.create(workspace=workspace, name=name)
        Product.objects.bulk_create(
            Product(workspace=workspace, sku=sku, name=f"{name} {sku}", line=line) for sku in skus
        )
    for month in _months():
        wobble = Decimal(str(round(0.9 + 0.04 * np.sin(month.month), 4)))
        ExchangeRate.objects.create(workspace=workspace, currency="USD", month=month, rate=wobble)


def write_channel_file(partners: list[Partner], path: Path, *, size: str, seed: int) -> int:
    """Write the demo sell-through CSV; returns the number of rows."""
    rng = np.random.default_rng(seed)
    months = _months()
    season = np.array([0.85, 0.9, 1.05, 1.0, 1.0, 0.95, 0.85, 0.7, 1.05, 1.1, 1.15, 1.3])
    skus = [(line, sku) for line, items in LINES.items() for sku in items]
    rows = 0
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner", "date", "sku", "account", "order_id", "quantity", "amount",
                         "currency"])  # fmt: skip
        for number, partner in enumerate(partners):
            org = partner.organization
            scale = float(rng.lognormal(0, 0.7))
            growth = float(rng.uniform(-0.08, 0.3))
            start = 0 if rng.random() < 0.8 else int(rng.integers(3, 18))
            drop_at, drop = None, 1.0
            # About one partner in five changes behaviour in the last six months.
            if number % 5 == 1 and partner.state in (PartnerState.ACTIVE, PartnerState.AT_RISK):
                drop_at = MONTHS - int(rng.integers(2, 7))
                drop = float(rng.uniform(0.35, 0.6))
            accounts = [f"{org.name.split()[0].upper()}-C{k:03d}" for k in range(4, 40)]
            key_account = f"{org.name.split()[0].upper()}-KEY1"
            loses_key = number % 7 == 3
            mix = rng.dirichlet(np.ones(len(skus)) * 0.6)
            currency = "USD" if org.region == "north_america" else "EUR"
            order_no = 0
            for t, month in enumerate(months):
                if t < start:
                    continue
                level = scale * (1 + growth) ** (t / 12) * season[month.month - 1]
                if drop_at is not None and t >= drop_at:
                    level *= drop
                count = max(0, int(rng.poisson(ROWS[size] * level)))
                for _ in range(count):
                    order_no += 1
                    line, sku = skus[int(rng.choice(len(skus), p=mix))]
                    account = accounts[int(rng.integers(0, len(accounts)))]
                    if rng.random() < 0.18 and not (loses_key and t >= MONTHS - 4):
                        account = key_account
                    quantity = int(rng.integers(1, 6))
                    price = PRICES[sku[:2]] * float(rng.uniform(0.85, 1.1))
                    day = month.replace(day=int(rng.integers(1, 28)))
                    writer.writerow([org.name, day.isoformat(), sku, account,
                                     f"{org.pk}-{order_no}", quantity,
                                     f"{quantity * price:.2f}", currency])  # fmt: skip
                    rows += 1
    return rows


def populate_performance(workspace, *, size: str = "small") -> None:
    """Catalogue, rates, three years of sell-through for every partner, then scores and
    warnings — all through the services a user's upload goes through."""
    from .analysis import analytics_run
    from .services import channel_load_create, channel_load_execute, store_for

    # A new workspace owns no channel data; files left by an earlier one with its id go.
    store_for(workspace).clear()
    populate_catalogue(workspace)
    partners = list(
        Partner.objects.filter(workspace=workspace)
        .exclude(state__in=[PartnerState.PROSPECT, PartnerState.APPLICANT])
        .select_related("organization")
        .order_by("pk")
    )
    if not partners:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-sell-through.csv"
        write_channel_file(partners, path, size=size, seed=workspace.pk)
        actor = Actor.system(workspace, channel=Channel.SYSTEM)
        with open(path, "rb") as handle:
            load = channel_load_create(
                actor, upload=handle, file_name="demo-sell-through.csv", start=False
            )
    load.stage = "queued"
    load.save(update_fields=["stage"])
    channel_load_execute(load.pk, compute=False)
    analytics_run(workspace, triggered_by="demo loader")
