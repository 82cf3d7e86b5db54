"""The fit score: how well an organisation matches an ideal partner profile, and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ecosys.ecosystem.models import (
    EcosystemRole,
    Industry,
    Region,
    SizeBand,
    country_choices,
)

from .models import CriterionAttribute


def allowed_values(attribute: str) -> dict[str, str] | None:
    """Valid values (code -> label) for an attribute; None when any value is allowed (tags)."""
    return {
        CriterionAttribute.ROLE: dict(EcosystemRole.choices),
        CriterionAttribute.REGION: dict(Region.choices),
        CriterionAttribute.COUNTRY: dict(country_choices()),
        CriterionAttribute.INDUSTRY: dict(Industry.choices),
        CriterionAttribute.SIZE: dict(SizeBand.choices),
        CriterionAttribute.TAG: None,
    }[attribute]


def organization_values(organization, attribute: str) -> list[str]:
    """What the organisation has for an attribute, as codes."""
    if attribute == CriterionAttribute.ROLE:
        return list(organization.role_codes)
    if attribute == CriterionAttribute.TAG:
        return list(organization.tag_names)
    if attribute == CriterionAttribute.COUNTRY:
        value = organization.country.code if organization.country else ""
    else:
        value = getattr(organization, attribute)
    return [value] if value else []


def fit_score(criteria: Iterable[Any], organization) -> tuple[int | None, list[dict[str, Any]]]:
    """Score 0-100 = matched weight / total weight, with one explanation line per criterion.

    None when the profile has no criteria (nothing to measure against).
    """
    explanation = []
    total = matched = 0
    for criterion in criteria:
        actual = organization_values(organization, criterion.attribute)
        hit = bool(set(actual) & set(criterion.values))
        total += criterion.weight
        matched += criterion.weight if hit else 0
        labels = allowed_values(criterion.attribute) or {}
        explanation.append(
            {
                "attribute": criterion.attribute,
                "wanted": [labels.get(value, value) for value in criterion.values],
                "actual": [labels.get(value, value) for value in actual],
                "weight": criterion.weight,
                "matched": hit,
            }
        )
    if total == 0:
        return None, explanation
    return round(100 * matched / total), explanation
