"""The organisation list API builds its page without model instances or per-row validation:
its output must stay exactly what the validated OrganizationOut schema gives."""

import pytest
from django.test import Client
from ninja.renderers import JSONRenderer

from ecosys.core.listing import list_apply, list_page
from ecosys.core.schemas import Page
from ecosys.ecosystem import lists, selectors
from ecosys.ecosystem.api import organization_out
from ecosys.ecosystem.models import Organization
from ecosys.ecosystem.schemas import OrganizationOut


def _validated(actor, params: dict) -> str:
    """What the API answered before: ORM rows, organization_out, ninja/pydantic validation."""
    rows = list_apply(selectors.organization_list(actor=actor), params, lists.ORGANIZATIONS)
    page = list_page(rows.queryset, params)
    data = {
        "count": page.count,
        "count_exact": page.count_exact,
        "page": page.number,
        "per_page": page.per_page,
        "pages": page.num_pages,
        "has_next": page.has_next,
        "results": [organization_out(org) for org in page.object_list],
    }
    dumped = Page[OrganizationOut].model_validate(data).model_dump()
    return JSONRenderer().render(None, dumped, response_status=200)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"per_page": "5", "page": "2"},
        {"sort": "-created_at", "per_page": "50"},
        {"q": "a", "sort": "country"},
        {"role": "distributor"},
        {"country": "ZZ"},  # an invalid filter: no rows
        {"page": "999"},  # beyond the end: the last page
    ],
)
@pytest.mark.parametrize("principal", ["orchestrator_staff", "partner_a_member"])
def test_fast_list_answers_what_the_schema_validated_answer_did(
    params, principal, actors, members, token_for, workspace
):
    # A row with every odd value: no country, empty lists, markup and quotes in text.
    Organization.objects.filter(pk=members[principal].organization_id).update(
        country="", description='<b>"x"</b> & \u00e9', tag_names=[], website_domain=""
    )
    raw = token_for(principal)
    response = Client().get("/api/v1/organizations", params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content.decode() == _validated(actors[principal], params)  # byte for byte


def test_fast_list_rows_are_schema_valid(api_token_client):
    body = api_token_client.get("/api/v1/organizations", {"per_page": "100"}).json()
    assert body["results"]
    for row in body["results"]:
        assert set(OrganizationOut.model_validate(row).model_dump()) == set(row)


@pytest.fixture
def api_token_client(token_for, workspace):
    raw = token_for("orchestrator_staff")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
