"""Writes of channel data: uploading a sell-through file, mapping its columns, loading it in the
background (all rows or none), and withdrawing a load."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ecosys.analytics.ingest import (
    CONTRACT,
    FORMATS,
    IngestRefused,
    check_mapping,
    guess_mapping,
    ingest,
    read_header,
)
from ecosys.analytics.store import ChannelStore
from ecosys.core.access import ADD, CHANGE, Actor, ensure
from ecosys.core.audit import audit_record, diff
from ecosys.core.models import Workspace
from ecosys.partners.models import Partner

from .models import ChannelLoad, ExchangeRate, LoadMode, LoadStatus, Product
from .models import ProductLine as Line

CHUNK = 1024 * 1024


def store_for(workspace: Workspace | int) -> ChannelStore:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return ChannelStore(Path(settings.ECOSYS_ANALYTICS_DIR), workspace_id)


def incoming_dir() -> Path:
    path = Path(settings.ECOSYS_ANALYTICS_DIR) / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_format(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower().lstrip(".")
    if suffix == "txt":
        suffix = "csv"
    if suffix not in FORMATS:
        raise ValidationError({"file": "Upload a .csv, .xlsx or .parquet file."})
    return suffix


def mark_dirty(workspace: Workspace, month: dt.date | None) -> None:
    """Scores from `month` on need recomputing (see setup.mark_dirty_from)."""
    from .setup import mark_dirty_from

    if month is not None:
        mark_dirty_from(workspace, month)


@transaction.atomic
def channel_load_create(
    actor: Actor,
    *,
    upload: BinaryIO,
    file_name: str,
    mode: str = LoadMode.APPEND,
    mapping: dict[str, str] | None = None,
    start: bool = False,
) -> ChannelLoad:
    """Take a sell-through file: stream it to disk with its SHA-256, refuse a file already
    loaded (unless it is loaded as a correction), and guess the column mapping. With `start`
    (and a complete mapping) the load is queued at once; otherwise it waits for the mapping."""
    if actor.organization_id is None:
        raise PermissionDenied("Only members of an organisation load channel data.")
    ensure(
        actor, ADD, ChannelLoad(workspace=actor.workspace, organization_id=actor.organization_id)
    )
    fmt = file_format(file_name)
    if mode not in LoadMode.values:
        raise ValidationError({"mode": "Choose new data or a correction."})
    target = incoming_dir() / f"{uuid.uuid4().hex}.{fmt}"
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as handle:
        while chunk := upload.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if size > settings.ECOSYS_CHANNEL_MAX_BYTES:
                handle.close()
                target.unlink(missing_ok=True)
                limit = settings.ECOSYS_CHANNEL_MAX_BYTES / 1e9
                raise ValidationError({"file": f"The file is larger than {limit:,.1f} GB."})
            handle.write(chunk)
    if size == 0:
        target.unlink(missing_ok=True)
        raise ValidationError({"file": "The file is empty."})
    sha = digest.hexdigest()
    earlier = (
        ChannelLoad.objects.filter(sha256=sha, status=LoadStatus.STORED)
        .order_by("-created_at")
        .first()
    )
    if earlier is not None and mode == LoadMode.APPEND:
        target.unlink(missing_ok=True)
        raise ValidationError(
            {
                "file": (
                    f"This file was loaded already on {earlier.created_at:%Y-%m-%d %H:%M} "
                    f"({earlier.file_name}). Load it as a correction to replace what it holds."
                )
            }
        )
    try:
        columns, _rows = read_header(target, fmt)
    except IngestRefused as error:
        target.unlink(missing_ok=True)
        raise ValidationError({"file": str(error)}) from error
    chosen = mapping if mapping is not None else guess_mapping(columns)
    load = ChannelLoad.objects.create(
        workspace=actor.workspace,
        organization_id=actor.organization_id,
        file_name=Path(file_name).name[:255],
        file_format=fmt,
        file_path=str(target),
        size_bytes=size,
        sha256=sha,
        mapping=chosen,
        mode=mode,
        created_by=actor.membership,
        stage="waiting for the column mapping",
    )
    audit_record(
        actor=actor,
        action="channel_upload",
        target=load,
        changes=diff({}, {"file": load.file_name, "bytes": size, "sha256": sha, "mode": mode}),
    )
    if start:
        channel_load_start(actor, load=load, mapping=chosen, mode=mode)
    return load


def load_columns(load: ChannelLoad) -> tuple[list[str], list[list[str]]]:
    """The file's columns and first rows, for the mapping step."""
    try:
        return read_header(Path(load.file_path), load.file_format)
    except (IngestRefused, FileNotFoundError):
        return [], []


@transaction.atomic
def channel_load_start(
    actor: Actor, *, load: ChannelLoad, mapping: dict[str, str], mode: str | None = None
) -> ChannelLoad:
    """Confirm the column mapping and queue the load."""
    load = ChannelLoad.objects.select_for_update(of=("self",)).get(pk=load.pk)
    ensure(actor, CHANGE, load)
    if load.status != LoadStatus.PENDING or load.stage == "queued":
        raise ValidationError("This load has started already.")
    mapping = {key: value for key, value in (mapping or {}).items() if value}
    columns, _rows = load_columns(load)
    problems = check_mapping(mapping, columns)
    if problems:
        raise ValidationError({"mapping": problems})
    if mode is not None:
        if mode not in LoadMode.values:
            raise ValidationError({"mode": "Choose new data or a correction."})
        load.mode = mode
    load.mapping = mapping
    load.stage = "queued"
    load.save(update_fields=["mapping", "mode", "stage"])
    audit_record(
        actor=actor,
        action="channel_load_start",
        target=load,
        changes=diff({}, {"mapping": mapping}),
    )
    from .jobs import channel_load_run

    transaction.on_commit(lambda: channel_load_run.enqueue(load.pk))
    return load


def _partner_keys(workspace: Workspace) -> tuple[dict[str, int], dict[int, str]]:
    """Every way a file may name a partner (lower case) -> partner id; and display names."""
    keys: dict[str, int] = {}
    names: dict[int, str] = {}
    rows = Partner.objects.filter(workspace=workspace).values_list(
        "pk",
        "public_id",
        "organization__public_id",
        "organization__name",
        "organization__website_domain",
    )
    for pk, public_id, org_public_id, name, domain in rows:
        names[pk] = name
        keys[str(public_id).lower()] = pk
        keys[str(org_public_id).lower()] = pk
        if name:
            keys.setdefault(name.strip().lower(), pk)
        if domain:
            keys.setdefault(domain.strip().lower(), pk)
    return keys, names


def channel_load_execute(load_id: int, *, compute: bool = True, on_progress=None) -> ChannelLoad:
    """Run a queued load (in the worker): check every row, then store all or nothing; then
    (with `compute`) queue the computation of scores and warnings."""
    load = ChannelLoad.objects.select_related("workspace").get(pk=load_id)
    workspace = load.workspace
    if load.status != LoadStatus.PENDING:
        return load
    ChannelLoad.objects.filter(pk=load.pk).update(
        status=LoadStatus.RUNNING, stage="starting", percent=1
    )
    from .setup import settings_for

    channel = settings_for(workspace)
    keys, names = _partner_keys(workspace)
    allowed = None
    if load.organization_id != workspace.orchestrator_id:
        allowed = set(
            Partner.objects.filter(organization_id=load.organization_id).values_list(
                "pk", flat=True
            )
        )
    products = dict(Product.objects.values_list("sku", "line__name"))
    lines = set(Line.objects.values_list("name", flat=True))
    rates = {
        (currency, month): rate
        for currency, month, rate in ExchangeRate.objects.values_list("currency", "month", "rate")
    }
    last = [0.0]

    def progress(stage: str, percent: int) -> None:
        if on_progress:
            on_progress(stage, percent)
        now = time.monotonic()
        if now - last[0] > 0.5 or percent >= 100:
            last[0] = now
            ChannelLoad.objects.filter(pk=load.pk).update(stage=stage[:120], percent=percent)

    started = time.monotonic()
    try:
        result = ingest(
            Path(load.file_path),
            load.file_format,
            load.mapping,
            partner_keys=keys,
            partner_names=names,
            products=products,
            product_lines=lines,
            base_currency=channel.base_currency,
            rates=rates,
            store=store_for(workspace),
            load_id=str(load.public_id),
            mode=load.mode,
            allowed_partner_ids=allowed,
            progress=progress,
        )
    except IngestRefused as error:
        ChannelLoad.objects.filter(pk=load.pk).update(
            status=LoadStatus.REFUSED,
            stage="refused",
            percent=100,
            error_count=1,
            errors=[{"row": 0, "column": "", "message": str(error)}],
            message=str(error)[:500],
            finished_at=timezone.now(),
            seconds=time.monotonic() - started,
        )
        _discard_file(load)
        return ChannelLoad.objects.get(pk=load.pk)
    fields = {
        "rows": result.rows,
        "error_count": result.error_count,
        "errors": [error.as_dict() for error in result.errors],
        "message": result.message[:500],
        "percent": 100,
        "finished_at": timezone.now(),
        "seconds": time.monotonic() - started,
    }
    if result.ok:
        fields |= {
            "status": LoadStatus.STORED,
            "stage": "stored",
            "first_period": dt.date.fromisoformat(result.periods[0]),
            "last_period": dt.date.fromisoformat(result.periods[-1]),
            "partner_count": len(result.partners),
            "replaced_slices": result.replaced_slices,
        }
    else:
        fields |= {"status": LoadStatus.REFUSED, "stage": "refused"}
    with transaction.atomic():
        ChannelLoad.objects.filter(pk=load.pk).update(**fields)
        load.refresh_from_db()
        audit_record(
            actor=Actor.system(workspace),
            action="channel_load_stored" if result.ok else "channel_load_refused",
            target=load,
            changes=diff({}, {"rows": result.rows, "problems": result.error_count}),
        )
        if result.ok:
            mark_dirty(workspace, load.first_period)
            if load.mode == LoadMode.REPLACE:
                # Earlier loads whose every slice was replaced hold nothing any more.
                live = {stored.load for stored in store_for(workspace).files()}
                ChannelLoad.objects.filter(status=LoadStatus.STORED).exclude(
                    Q(public_id__in=live) | Q(pk=load.pk)
                ).update(status=LoadStatus.WITHDRAWN, stage="replaced by corrections")
    _discard_file(load)
    if result.ok and compute:
        from .jobs import analytics_run_soon

        analytics_run_soon(workspace, triggered_by=f"channel load {load.file_name}")
    return load


def _discard_file(load: ChannelLoad) -> None:
    if load.file_path:
        Path(load.file_path).unlink(missing_ok=True)


@transaction.atomic
def channel_load_withdraw(actor: Actor, *, load: ChannelLoad, reason: str) -> ChannelLoad:
    """Take a stored load's rows out of the data (its record stays, marked withdrawn)."""
    load = ChannelLoad.objects.select_for_update(of=("self",)).get(pk=load.pk)
    ensure(actor, CHANGE, load)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the data is withdrawn."})
    if load.status not in (LoadStatus.STORED, LoadStatus.PENDING):
        raise ValidationError("Only a stored or waiting load can be withdrawn.")
    removed = 0
    if load.status == LoadStatus.STORED:
        removed = store_for(load.workspace_id).remove_load(str(load.public_id))
        mark_dirty(load.workspace, load.first_period)
    _discard_file(load)
    load.status = LoadStatus.WITHDRAWN
    load.stage = "withdrawn"
    load.message = f"Withdrawn: {reason}"[:500]
    load.save(update_fields=["status", "stage", "message"])
    audit_record(
        actor=actor,
        action="channel_load_withdraw",
        target=load,
        changes=diff({}, {"reason": reason, "rows_removed": removed}),
    )
    if removed:
        from .jobs import analytics_run_soon

        transaction.on_commit(
            lambda: analytics_run_soon(load.workspace, triggered_by="withdrawn load")
        )
    return load


def contract_rows() -> list[tuple[str, bool, str]]:
    return [(name, required, text) for name, (required, text) in CONTRACT.items()]


def clean_old_uploads(max_age_hours: int = 48) -> int:
    """Remove uploaded files that were never mapped and loaded."""
    cutoff = time.time() - max_age_hours * 3600
    removed = 0
    for path in incoming_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
