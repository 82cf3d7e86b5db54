"""Audit events: every service records who changed what, from where, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db.models import Model

from .access import Actor
from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_plain(item) for item in value)
    if isinstance(value, Model):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    """The audited fields of an object as JSON-ready values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [before, after]}."""
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)
    }


def audit_record(
    *, actor: Actor, action: str, target: Model, changes: dict | None = None
) -> AuditEvent:
    """Record one audit event for a change the actor made to target."""
    return AuditEvent.objects.create(
        workspace=actor.workspace,
        user=actor.user,
        actor_label=actor.label,
        channel=actor.channel,
        action=action,
        target_type=target._meta.label_lower,
        target_public_id=getattr(target, "public_id", None),
        target_repr=str(target)[:300],
        changes=changes or {},
    )
