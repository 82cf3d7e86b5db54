"""Engagements API: cycle."""

from ninja import Router

router = Router(tags=["engagements"])
