"""Foreign keys: each has an index that leads with its column, and only one such index.

Every index costs every write; a key's own index is a duplicate when a composite index or
unique constraint of the table starts with the key (``core.models._covered_keys_unindexed``).
Checked on the database the migrations built, SQLite or PostgreSQL."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list[tuple[tuple[str, ...], bool]]:
    """(columns, unique) of the table's indexes and unique constraints, primary key aside."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        (tuple(found["columns"]), bool(found["unique"]))
        for found in constraints.values()
        if (found["index"] or found["unique"]) and found["columns"] and not found["primary_key"]
    ]


def _ecosys_models():
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("ecosys.") and model._meta.managed
    ]


def test_every_foreign_key_leads_an_index_and_only_one_index_of_its_own():
    duplicates, unindexed = [], []
    for model in _ecosys_models():
        indexes = _indexes(model._meta.db_table)
        for field in model._meta.local_fields:
            if not field.many_to_one:
                continue
            leading = [index for index in indexes if index[0][0] == field.column]
            # Its own index: plain, on its column alone (a unique one may be partial).
            if not leading:
                unindexed.append(f"{model._meta.label}.{field.name}")
            elif ((field.column,), False) in leading and len(leading) > 1:
                duplicates.append(f"{model._meta.label}.{field.name}")
    assert not duplicates, f"keys indexed twice: {duplicates}"
    assert not unindexed, f"keys with no index leading with them: {unindexed}"


def test_the_rule_left_keys_with_no_covering_index_their_own():
    from ecosys.core.models import Membership
    from ecosys.ecosystem.models import Relationship

    # Relationship.source has no composite index leading with it: it keeps its own index.
    assert Relationship._meta.get_field("source").db_index
    # Membership.workspace leads a composite index or constraint: no index of its own.
    assert not Membership._meta.get_field("workspace").db_index
    assert any(
        columns[0] == "workspace_id" and len(columns) > 1
        for columns, _ in _indexes(Membership._meta.db_table)
    )
