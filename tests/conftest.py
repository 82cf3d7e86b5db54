"""Shared fixtures: the small demo ecosystem loaded once per test database, and its members."""

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from ecosys.core.access import Actor
from ecosys.core.models import Membership, Workspace
from ecosys.core.services import token_create
from ecosys.ecosystem.demo import demo_load

DEMO_MEMBERS = {
    "orchestrator_admin": "admin@helix.example",
    "orchestrator_staff": "manager@helix.example",
    "orchestrator_read_only": "auditor@helix.example",
    "partner_a_admin": "admin@partner-a.example",
    "partner_a_member": "member@partner-a.example",
    "partner_b_member": "member@partner-b.example",
}


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgresql`` check what the PostgreSQL server itself does: they run in
    the PostgreSQL pass (CI runs the suite on SQLite and on PostgreSQL) and are deselected,
    not skipped, on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    chosen = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(chosen) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
        items[:] = chosen


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the small demo once per test database; each test runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        if not Workspace.objects.exists():
            # Engagement tests build their own engagements (the browser tests load them all).
            demo_load(size="small", engagements=False)


@pytest.fixture
def workspace(db):
    workspace = Workspace.objects.select_related("orchestrator").get(slug="helix")
    with scope(workspace=workspace.pk):
        yield workspace


@pytest.fixture
def members(workspace) -> dict[str, Membership]:
    memberships = Membership.objects.select_related("user", "organization", "workspace")
    by_email = {m.user.email: m for m in memberships}
    return {name: by_email[email] for name, email in DEMO_MEMBERS.items()}


@pytest.fixture
def actors(members) -> dict[str, Actor]:
    return {
        name: Actor(workspace=m.workspace, user=m.user, membership=m) for name, m in members.items()
    }


@pytest.fixture
def partner_a(members):
    return members["partner_a_admin"].organization


@pytest.fixture
def partner_b(members):
    return members["partner_b_member"].organization


@pytest.fixture
def client_as(members):
    """A browser-like client signed in as one of the demo members."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(members[name].user)
        return client

    return make


@pytest.fixture
def token_for(actors):
    """A raw API token of one demo member, read or write."""

    def make(name: str, scope_: str = "read") -> str:
        _, raw = token_create(actor=actors[name], name="test", scope=scope_)
        return raw

    return make


@pytest.fixture
def unscoped():
    with scopes_disabled():
        yield
