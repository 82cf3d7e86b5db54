"""Personal API tokens, session auth, login throttling."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from ecosys.core.models import ApiToken
from ecosys.core.services import token_create, token_hash


def test_token_is_hashed_at_rest_and_shown_once(client_as, members):
    client = client_as("orchestrator_staff")
    response = client.post(
        "/tokens/", {"name": "CRM sync", "scope": "write", "expires_in_days": 30}
    )
    html = response.content.decode()
    token = ApiToken.objects.get(name="CRM sync")
    raw = html.split('id="new-token">')[1].split("<")[0]
    assert raw.startswith("ecs_") and token.token_hash == token_hash(raw)
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    assert raw not in client.get("/tokens/").content.decode()
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["token_scope"] == "write"


def test_read_token_cannot_write_and_revoked_or_expired_tokens_fail(actors, workspace):
    _, raw = token_create(actor=actors["orchestrator_staff"], name="r", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/organizations").status_code == 200
    write = client.post(
        "/api/v1/organizations", {"name": "x", "roles": ["dealer"]}, content_type="application/json"
    )
    assert write.status_code == 403
    token = ApiToken.objects.get(token_hash=token_hash(raw))
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    expired = client.get("/api/v1/organizations")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert Client(HTTP_AUTHORIZATION="Bearer ecs_made_up").get("/api/v1/me").status_code == 401


def test_revoke_through_the_api_takes_effect_at_once(actors, workspace):
    _, raw = token_create(actor=actors["partner_a_admin"], name="w", scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    token_id = client.get("/api/v1/tokens").json()["results"][0]["id"]
    assert client.post(f"/api/v1/tokens/{token_id}/revoke").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_token_rules(actors):
    with pytest.raises(ValidationError) as error:
        token_create(actor=actors["partner_a_member"], name="", scope="write", expires_in_days=999)
    assert set(error.value.message_dict) == {"name", "scope", "expires_in_days"}


def test_members_see_only_their_own_tokens(actors, client_as):
    token_create(actor=actors["partner_a_admin"], name="partner token")
    assert "partner token" not in client_as("partner_b_member").get("/tokens/").content.decode()
    assert "partner token" in client_as("orchestrator_admin").get("/tokens/").content.decode()


def test_session_api_writes_need_csrf(members, workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members["orchestrator_staff"].user)
    response = client.post(
        "/api/v1/organizations", {"name": "x", "roles": ["dealer"]}, content_type="application/json"
    )
    assert response.status_code == 403


def test_login_is_throttled_after_five_failures(members, workspace):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "manager@helix.example", "password": "wrong"})
    locked = client.post(
        "/login/", {"username": "manager@helix.example", "password": "ecosys-demo"}
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_with_email_and_password(members, workspace):
    client = Client()
    response = client.post(
        "/login/", {"username": "Manager@Helix.example".lower(), "password": "ecosys-demo"}
    )
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200


def test_token_authentication_is_one_query_and_refuses_at_once(actors, members, workspace):
    """The token, member, user, organisation and workspace come in one query with what requests
    read of them; suspending the member or the user, revoking or expiring the token refuses
    the very next authentication (nothing is cached between requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from ecosys.core.models import ApiToken, Membership, User
    from ecosys.core.services import token_authenticate

    actor = actors["orchestrator_staff"]
    _, raw = token_create(actor=actor, name="t")
    token_authenticate(raw)  # records last_used_at
    with CaptureQueriesContext(connection) as queries:
        token = token_authenticate(raw)
        membership = token.membership
        read = (
            token.scope,
            token.workspace.name,
            token.workspace.orchestrator_id,
            membership.role,
            membership.is_active,
            membership.organization_id,
            membership.organization.public_id,
            membership.organization.name,
            membership.user.email,
            membership.user.get_full_name(),
        )
    assert len(queries) == 1
    assert read[0] == "read" and read[8] == "manager@helix.example"

    membership = members["orchestrator_staff"]
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert token_authenticate(raw) is None
    Membership.objects.filter(pk=membership.pk).update(is_active=True)
    assert token_authenticate(raw) is not None
    User.objects.filter(pk=membership.user_id).update(is_active=False)
    assert token_authenticate(raw) is None
    User.objects.filter(pk=membership.user_id).update(is_active=True)
    tokens = ApiToken.objects.filter(prefix=raw[:10])
    tokens.update(expires_at=timezone.now())
    assert token_authenticate(raw) is None
    tokens.update(expires_at=timezone.now() + dt.timedelta(days=1), revoked_at=timezone.now())
    assert token_authenticate(raw) is None
