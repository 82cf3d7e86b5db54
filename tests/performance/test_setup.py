"""Performance configuration: channel settings, the product catalogue, exchange rates and
scorecards — validation, permission, audit, dirty marking, and which scorecard scores whom."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecosys.core.imports import run_import
from ecosys.core.models import AuditEvent
from ecosys.ecosystem.models import Organization
from ecosys.partners.models import Partner, Program, Tier
from ecosys.performance import setup
from ecosys.performance.measures import DEFAULT_WEIGHTS
from ecosys.performance.models import (
    ChannelSettings,
    ExchangeRate,
    Product,
    ProductLine,
    Scorecard,
)

EARLIEST = dt.date(1990, 1, 1)
MEASURES = [{"measure": "revenue", "weight": 60}, {"measure": "orders", "weight": 40}]


def _api(client, method, url, body=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(
        "/api/v1" + url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )


def _messages(response) -> dict[str, str]:
    return {".".join(map(str, e["loc"][1:])): e["msg"] for e in response.json()["detail"]}


@pytest.fixture
def clean(workspace):
    """No scorecards, catalogue or rates, and settings up to date, whatever the demo loaded."""
    Scorecard.objects.all().delete()
    ExchangeRate.objects.all().delete()
    Product.objects.all().delete()
    ProductLine.objects.all().delete()
    setup.settings_for(workspace)
    ChannelSettings.objects.update(dirty_from=None, base_currency="EUR")
    return workspace


def _dirty(workspace):
    return ChannelSettings.objects.get(workspace=workspace).dirty_from


# -- channel settings ------------------------------------------------------------------------


def test_settings_for_is_get_or_create_and_idempotent(workspace):
    ChannelSettings.objects.all().delete()
    first = setup.settings_for(workspace)
    second = setup.settings_for(workspace)
    assert first.pk == second.pk
    assert ChannelSettings.objects.filter(workspace=workspace).count() == 1
    assert first.base_currency == "EUR"


def test_changing_the_base_currency_recomputes_everything_and_is_audited(clean, client_as):
    client = client_as("orchestrator_admin")
    response = client.post(
        "/performance/setup/",
        {
            "base_currency": "usd",
            "warning_sensitivity": "high",
            "warning_recent_months": 6,
            "warning_min_change": "0.2",
            "report_recipients": "Ops@helix.example\n\nboss@helix.example\nops@helix.example",
            "escalate_overdue_days": 7,
            "escalate_stalled_days": 45,
        },
    )
    assert response.status_code == 302
    row = ChannelSettings.objects.get(workspace=clean)
    assert row.base_currency == "USD"
    assert row.dirty_from == EARLIEST
    assert row.report_recipients == "ops@helix.example\nboss@helix.example"
    event = AuditEvent.objects.filter(target_type="performance.channelsettings").latest("id")
    assert event.changes["base_currency"] == ["EUR", "USD"]
    assert event.changes["warning_sensitivity"] == ["normal", "high"]


def test_settings_without_a_currency_change_leave_scores_alone(clean, actors):
    setup.settings_update(actor=actors["orchestrator_admin"], escalate_overdue_days=10)
    assert _dirty(clean) is None


def test_settings_validation_names_each_field(clean, actors):
    with pytest.raises(ValidationError) as error:
        setup.settings_update(
            actor=actors["orchestrator_admin"],
            base_currency="EURO",
            report_recipients="ok@example.com\nnot-an-address",
            warning_recent_months=99,
        )
    messages = error.value.message_dict
    assert "is not an ISO 4217 currency code" in messages["base_currency"][0]
    assert messages["report_recipients"] == ["Not a valid e-mail address: not-an-address."]
    assert "warning_recent_months" in messages
    assert ChannelSettings.objects.get(workspace=clean).base_currency == "EUR"


def test_settings_page_shows_errors(clean, client_as):
    response = client_as("orchestrator_admin").post(
        "/performance/setup/",
        {
            "base_currency": "XXY",
            "warning_sensitivity": "normal",
            "warning_recent_months": 6,
            "warning_min_change": "0.15",
            "report_recipients": "nobody",
            "escalate_overdue_days": 7,
            "escalate_stalled_days": 45,
        },
    )
    assert response.status_code == 200
    assert "“XXY” is not an ISO 4217 currency code" in response.content.decode()
    assert "Not a valid e-mail address: nobody." in response.content.decode()


def test_only_an_orchestrator_admin_changes_settings(clean, client_as, actors, token_for):
    staff = client_as("orchestrator_staff")
    assert staff.get("/performance/setup/").status_code == 200  # staff may look
    assert staff.post("/performance/setup/", {"base_currency": "USD"}).status_code == 403
    assert client_as("partner_a_admin").get("/performance/setup/").status_code == 403
    with pytest.raises(PermissionDenied):
        setup.settings_update(actor=actors["orchestrator_staff"], base_currency="USD")
    assert _api(staff, "patch", "/performance/settings", {"base_currency": "USD"}).status_code == (
        403
    )
    admin_token = token_for("orchestrator_admin", "write")
    response = _api(
        staff,
        "patch",
        "/performance/settings",
        {"base_currency": "GBP", "report_recipients": ["a@helix.example"]},
        token=admin_token,
    )
    assert response.status_code == 200, response.content
    assert response.json()["base_currency"] == "GBP"
    assert response.json()["report_recipients"] == ["a@helix.example"]
    assert response.json()["dirty_from"] == "1990-01-01"
    bad = _api(staff, "patch", "/performance/settings", {"base_currency": "G"}, token=admin_token)
    assert bad.status_code == 422
    assert "ISO 4217" in _messages(bad)["base_currency"]


# -- product catalogue -----------------------------------------------------------------------


def test_product_line_and_product_crud_through_the_api(clean, client_as):
    client = client_as("orchestrator_staff")
    response = _api(client, "post", "/performance/product-lines", {"name": "Pumps"})
    assert response.status_code == 201
    line_id = response.json()["id"]
    again = _api(client, "post", "/performance/product-lines", {"name": "pumps"})
    assert again.status_code == 422
    assert _messages(again)["name"] == "There is already a product line called “pumps”."
    body = {"sku": "P-100", "name": "Pump 100", "product_line_id": line_id}
    created = _api(client, "post", "/performance/products", body)
    assert created.status_code == 201
    assert created.json()["product_line"]["name"] == "Pumps"
    duplicate = _api(client, "post", "/performance/products", {**body, "sku": "p-100"})
    assert duplicate.status_code == 422
    assert "already used by another product" in _messages(duplicate)["sku"]
    refused = _api(client, "delete", f"/performance/product-lines/{line_id}")
    assert refused.status_code == 422
    assert "still has 1 product" in refused.json()["detail"][0]["msg"]
    product_id = created.json()["id"]
    assert _api(client, "delete", f"/performance/products/{product_id}").status_code == 204
    assert _api(client, "delete", f"/performance/product-lines/{line_id}").status_code == 204
    actions = list(
        AuditEvent.objects.filter(target_type__startswith="performance.product")
        .order_by("id")
        .values_list("target_type", "action")
    )
    assert actions[-4:] == [
        ("performance.productline", "create"),
        ("performance.product", "create"),
        ("performance.product", "delete"),
        ("performance.productline", "delete"),
    ]


def test_deleting_a_line_with_products_says_why_on_the_page(clean, client_as, actors):
    line = setup.product_line_create(actor=actors["orchestrator_staff"], name="Valves")
    setup.product_create(actor=actors["orchestrator_staff"], sku="V1", name="Valve", line=line)
    client = client_as("orchestrator_staff")
    response = client.post(
        f"/performance/setup/product-lines/{line.public_id}/delete/", follow=True
    )
    assert "“Valves” still has 1 product; move them to another line" in response.content.decode()
    assert ProductLine.objects.filter(pk=line.pk).exists()


def test_product_form_errors_are_shown(clean, client_as):
    response = client_as("orchestrator_staff").post(
        "/performance/setup/products/new/", {"sku": "", "name": "Nameless", "line": ""}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Choose the product line." in text
    assert "This field cannot be blank." in text  # the SKU, in the same answer


def test_product_list_page_searches_filters_and_exports(
    clean, client_as, actors, django_assert_max_num_queries
):
    staff = actors["orchestrator_staff"]
    pumps = setup.product_line_create(actor=staff, name="Pumps")
    valves = setup.product_line_create(actor=staff, name="Valves")
    for number in range(30):
        setup.product_create(
            actor=staff,
            sku=f"S-{number:03}",
            name=f"Item {number}",
            line=pumps if number % 2 else valves,
        )
    client = client_as("orchestrator_staff")
    with django_assert_max_num_queries(12):
        page = client.get("/performance/setup/products/?line=Pumps&sort=-sku")
    text = page.content.decode()
    assert "S-029" in text and "S-028" not in text
    export = client.get("/performance/setup/products/?q=Item 1&export=csv")
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0] == "sku,name,product_line"
    assert len(lines) == 1 + 11  # Item 1, Item 10-19
    with django_assert_max_num_queries(8):
        api = _api(client, "get", "/performance/products?per_page=5&sort=sku")
    assert [row["sku"] for row in api.json()["results"]][:2] == ["S-000", "S-001"]


def test_partners_see_no_catalogue_rates_or_settings(clean, client_as):
    client = client_as("partner_a_admin")
    for url in (
        "/performance/setup/products/",
        "/performance/setup/product-lines/",
        "/performance/setup/exchange-rates/",
        "/performance/setup/products/new/",
    ):
        assert client.get(url).status_code == 403, url
    for url in ("/performance/products", "/performance/exchange-rates", "/performance/settings"):
        assert _api(client, "get", url).status_code == 403, url


def test_product_import_creates_missing_lines_and_is_all_or_nothing(clean, actors):
    staff = actors["orchestrator_staff"]
    setup.product_line_create(actor=staff, name="Pumps")
    good = (
        b"sku,name,product_line\nA-1,Alpha,Pumps\nB-1,Beta,Brand new line\n"
        b"C-1,Gamma,brand new line\n"
    )
    outcome = run_import(actor=staff, kind="products", file_name="p.csv", content=good)
    assert outcome.ok and outcome.created == 3
    assert Product.objects.get(sku="C-1").line.name == "Brand new line"
    assert ProductLine.objects.filter(name__iexact="brand new line").count() == 1
    again = b"sku,name,product_line\nA-1,Alpha renamed,Pumps\nD-1,,Pumps\n"
    outcome = run_import(actor=staff, kind="products", file_name="p.csv", content=again)
    assert not outcome.ok
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "name")]
    assert Product.objects.get(sku="A-1").name == "Alpha"  # nothing written
    outcome = run_import(
        actor=staff, kind="products", file_name="p.csv",
        content=b"sku,name,product_line\nA-1,Alpha renamed,Pumps\n",
    )  # fmt: skip
    assert outcome.updated == 1 and Product.objects.get(sku="A-1").name == "Alpha renamed"


# -- exchange rates --------------------------------------------------------------------------


def test_setting_a_rate_upserts_and_marks_data_dirty_from_its_month(clean, actors):
    staff = actors["orchestrator_staff"]
    rate, created = setup.exchange_rate_set(
        actor=staff, currency="usd", month="2025-03-17", rate="0.9"
    )
    assert created and rate.month == dt.date(2025, 3, 1) and rate.currency == "USD"
    assert _dirty(clean) == dt.date(2025, 3, 1)
    rate, created = setup.exchange_rate_set(
        actor=staff, currency="USD", month="2025-03", rate="0.95"
    )
    assert not created and rate.rate == Decimal("0.95")
    assert ExchangeRate.objects.filter(currency="USD").count() == 1
    setup.exchange_rate_set(actor=staff, currency="GBP", month="2025-06", rate="1.2")
    assert _dirty(clean) == dt.date(2025, 3, 1)  # the earliest month is kept
    setup.exchange_rate_set(actor=staff, currency="GBP", month="2024-01", rate="1.1")
    assert _dirty(clean) == dt.date(2024, 1, 1)
    ChannelSettings.objects.update(dirty_from=None)
    setup.exchange_rate_delete(actor=staff, rate=rate)
    assert _dirty(clean) == dt.date(2025, 3, 1)
    events = AuditEvent.objects.filter(target_type="performance.exchangerate").order_by("id")
    assert [e.action for e in events][-5:] == ["create", "update", "create", "create", "delete"]
    assert events.filter(action="update").last().changes == {"rate": ["0.90000000", "0.95"]}


def test_rate_validation(clean, actors):
    with pytest.raises(ValidationError) as error:
        setup.exchange_rate_set(
            actor=actors["orchestrator_staff"], currency="EUR", month="March", rate="-1"
        )
    messages = error.value.message_dict
    assert messages["currency"] == ["EUR is the base currency; its rate is always 1."]
    assert messages["month"] == ["“March” is not a month; write it as YYYY-MM (2025-03)."]
    assert messages["rate"] == ["The rate must be greater than 0."]
    assert _dirty(clean) is None


def test_rate_api_and_list_filters(clean, client_as, django_assert_max_num_queries):
    client = client_as("orchestrator_staff")
    body = {"currency": "USD", "month": "2025-01", "rate": "0.91"}
    assert _api(client, "put", "/performance/exchange-rates", body).status_code == 201
    replaced = _api(client, "put", "/performance/exchange-rates", {**body, "rate": "0.92"})
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    _api(client, "put", "/performance/exchange-rates", {**body, "month": "2025-02"})
    _api(client, "put", "/performance/exchange-rates", {**body, "currency": "CHF"})
    zero = _api(client, "put", "/performance/exchange-rates", {**body, "rate": "0"})
    assert _messages(zero)["rate"] == "The rate must be greater than 0."
    with django_assert_max_num_queries(8):
        listed = _api(client, "get", "/performance/exchange-rates?currency=usd&month=2025-01")
    assert [(r["currency"], r["month"], Decimal(r["rate"])) for r in listed.json()["results"]] == [
        ("USD", "2025-01-01", Decimal("0.92"))
    ]
    with django_assert_max_num_queries(12):
        page = client.get("/performance/setup/exchange-rates/?currency=CHF")
    assert "CHF" in page.content.decode() and "USD" not in page.content.decode().split("<tbody")[-1]
    rate_id = replaced.json()["id"]
    assert _api(client, "delete", f"/performance/exchange-rates/{rate_id}").status_code == 204
    assert _dirty(clean) == dt.date(2025, 1, 1)


def test_rate_import(clean, actors):
    content = b"currency,month,rate\nUSD,2025-01,0.9\nUSD,2025-02,0.91\nGBP,2025-13,1.1\n"
    outcome = run_import(
        actor=actors["orchestrator_staff"],
        kind="exchange-rates",
        file_name="r.csv",
        content=content,
    )
    assert [(e.row, e.column) for e in outcome.errors] == [(4, "month")]
    assert not ExchangeRate.objects.exists()
    outcome = run_import(
        actor=actors["orchestrator_staff"], kind="exchange-rates", file_name="r.csv",
        content=content.replace(b"2025-13", b"2025-12"),
    )  # fmt: skip
    assert outcome.created == 3
    assert _dirty(clean) == dt.date(2025, 1, 1)


# -- scorecards ------------------------------------------------------------------------------


def test_scorecard_validation_names_each_row(clean, actors):
    with pytest.raises(ValidationError) as error:
        setup.scorecard_save(
            actor=actors["orchestrator_staff"],
            name="Bad",
            bands=[
                {"name": "Low", "min": 5, "colour": "#ff0000"},
                {"name": "High", "min": 2, "colour": "red"},
            ],
            measures=[
                {"measure": "revenue", "weight": 0},
                {"measure": "nonsense", "weight": 10},
                {"measure": "orders", "weight": 10, "method": "target"},
                {"measure": "accounts", "weight": 10, "method": "target", "target": -3},
                {"measure": "revenue", "weight": 5},
            ],
        )
    messages = {key: value[0] for key, value in error.value.message_dict.items()}
    assert messages == {
        "bands.1.min": "The lowest band starts at 0.",
        "bands.2.min": "Minimums go up from band to band: this one must be above 5.",
        "bands.2.colour": "Give the colour as #rrggbb (e.g. #1e8449).",
        "measures.1.weight": "The weight is a whole number from 1 to 100.",
        "measures.2.measure": "Choose one of the measures offered.",
        "measures.3.target": "Scoring against a target needs a target.",
        "measures.4.target": "The target must be greater than 0.",
        "measures.5.measure": "“Revenue” is listed twice.",
    }
    too_many = [{"name": f"B{i}", "min": i * 10, "colour": "#000000"} for i in range(7)]
    with pytest.raises(ValidationError) as error:
        setup.scorecard_save(
            actor=actors["orchestrator_staff"], name="Many", bands=too_many, measures=MEASURES
        )
    assert error.value.message_dict["bands"] == ["A scorecard has at most 6 bands."]


def test_tier_must_belong_to_the_programme(clean, actors, workspace):
    program = Program.objects.get(name="Reseller programme")
    other = Program.objects.create(workspace=workspace, name="Other programme")
    foreign = Tier.objects.create(workspace=workspace, program=other, rank=1, name="Gold")
    with pytest.raises(ValidationError) as error:
        setup.scorecard_save(
            actor=actors["orchestrator_staff"], name="X", measures=MEASURES,
            program=program, tier=foreign,
        )  # fmt: skip
    assert error.value.message_dict["tier"] == [
        "The tier “Gold” is not a tier of Reseller programme."
    ]
    with pytest.raises(ValidationError) as error:
        setup.scorecard_save(
            actor=actors["orchestrator_staff"], name="X", measures=MEASURES, tier=foreign
        )
    assert error.value.message_dict["tier"] == ["Choose the programme the tier belongs to."]


def test_exactly_one_default_scorecard(clean, actors):
    staff = actors["orchestrator_staff"]
    first = setup.scorecard_save(actor=staff, name="First", measures=MEASURES)
    assert first.is_default  # the first scorecard of a workspace is the default
    second = setup.scorecard_save(actor=staff, name="Second", measures=MEASURES, is_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert Scorecard.objects.filter(workspace=clean, is_default=True).count() == 1
    with pytest.raises(ValidationError) as error:
        setup.scorecard_save(
            actor=staff, scorecard=second, name="Second", measures=MEASURES, is_default=False
        )
    assert "make another one the default instead" in error.value.message_dict["is_default"][0]
    with pytest.raises(ValidationError) as error:
        setup.scorecard_delete(actor=staff, scorecard=second)
    assert "make another scorecard the default" in error.value.messages[0]
    setup.scorecard_delete(actor=staff, scorecard=first)
    assert not Scorecard.objects.filter(pk=first.pk).exists()


def test_scorecard_default_is_idempotent_and_uses_the_default_weights(clean):
    first = setup.scorecard_default(clean)
    second = setup.scorecard_default(clean)
    assert first.pk == second.pk and first.is_default
    assert sorted(first.measures.values_list("measure", "weight")) == sorted(DEFAULT_WEIGHTS)
    assert [band["name"] for band in first.bands] == ["Red", "Amber", "Green"]
    assert Scorecard.objects.filter(workspace=clean).count() == 1


def test_editing_a_scorecard_recomputes_everything_and_is_audited(clean, actors):
    staff = actors["orchestrator_staff"]
    card = setup.scorecard_save(actor=staff, name="Main", measures=MEASURES)
    ChannelSettings.objects.update(dirty_from=dt.date(2025, 1, 1))
    setup.scorecard_save(
        actor=staff,
        scorecard=card,
        name="Main",
        measures=[{"measure": "revenue", "weight": 100, "method": "target", "target": 50000}],
    )
    assert _dirty(clean) == EARLIEST
    event = AuditEvent.objects.filter(target_public_id=card.public_id).latest("id")
    assert event.action == "update"
    assert event.changes["measures"] == [
        ["revenue × 60 (percentile)", "orders × 40 (percentile)"],
        ["revenue × 100 (target 50000)"],
    ]


def test_scorecard_api_and_partner_visibility(clean, client_as):
    staff = client_as("orchestrator_staff")
    program = Program.objects.get(name="Reseller programme")
    body = {
        "name": "Resellers",
        "program_id": str(program.public_id),
        "measures": [
            {"measure": "revenue", "weight": 30},
            {"measure": "orders", "weight": 10, "method": "target", "target": 12},
        ],
        "bands": [
            {"name": "Low", "min": 0, "colour": "#aa0000"},
            {"name": "High", "min": 60, "colour": "#00aa00"},
        ],
    }
    created = _api(staff, "post", "/performance/scorecards", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["weight_total"] == 40
    assert [m["share"] for m in data["measures"]] == [75.0, 25.0]
    assert data["partner_count"] == Partner.objects.filter(program=program).count()
    assert not data["is_default"]  # a programme's scorecard is never the fallback
    bad = _api(staff, "post", "/performance/scorecards", {**body, "name": "R2"})
    assert "already applies to Reseller programme (all tiers)" in _messages(bad)["program"]
    partner = client_as("partner_a_member")
    listed = _api(partner, "get", "/performance/scorecards")
    assert listed.status_code == 200
    assert listed.json()["results"][0]["partner_count"] is None
    assert _api(partner, "post", "/performance/scorecards", body).status_code == 403
    url = f"/performance/scorecards/{data['id']}"
    assert _api(partner, "put", url, body).status_code == 403
    assert _api(partner, "delete", url).status_code == 403
    assert partner.get(f"/performance/setup/scorecards/{data['id']}/").status_code == 200
    assert partner.get(f"/performance/setup/scorecards/{data['id']}/edit/").status_code == 403


def test_scorecard_pages(clean, client_as, django_assert_max_num_queries):
    client = client_as("orchestrator_staff")
    response = client.post(
        "/performance/setup/scorecards/new/",
        {
            "name": "Europe",
            "region": "europe",
            "measure_measure": ["revenue", "orders", ""],
            "measure_weight": ["20", "0", ""],
            "measure_method": ["percentile", "percentile", "percentile"],
            "measure_target": ["", "", ""],
            "band_name": ["Red", "Green", ""],
            "band_min": ["0", "50", ""],
            "band_colour": ["#ff0000", "#00ff00", "#888888"],
        },
    )
    assert response.status_code == 200
    assert "Row 2: The weight is a whole number from 1 to 100." in response.content.decode()
    response = client.post(
        "/performance/setup/scorecards/new/",
        {
            "name": "Europe",
            "region": "europe",
            "measure_measure": ["revenue", "orders"],
            "measure_weight": ["20", "5"],
            "measure_method": ["percentile", "percentile"],
            "measure_target": ["", ""],
            "band_name": ["Red", "Green"],
            "band_min": ["0", "50"],
            "band_colour": ["#ff0000", "#00ff00"],
        },
    )
    assert response.status_code == 302
    card = Scorecard.objects.get(name="Europe")
    assert card.region == "europe" and card.bands[1] == {
        "name": "Green",
        "min": 50,
        "colour": "#00ff00",
    }
    with django_assert_max_num_queries(15):
        listing = client.get("/performance/setup/scorecards/")
    assert "Region Europe" in listing.content.decode()
    detail = client.get(f"/performance/setup/scorecards/{card.public_id}/")
    assert "80.0%" in detail.content.decode()  # revenue 20 of 25


def test_scorecard_for_partners_takes_the_most_specific_match(
    clean, actors, workspace, django_assert_num_queries
):
    staff = actors["orchestrator_staff"]
    program = Program.objects.get(name="Reseller programme")
    other = Program.objects.create(workspace=workspace, name="Services programme")
    tier = program.tiers.order_by("rank").first()
    default = setup.scorecard_save(actor=staff, name="Default", measures=MEASURES)
    by_region = setup.scorecard_save(
        actor=staff, name="Asia", measures=MEASURES, region="asia_pacific"
    )
    by_program = setup.scorecard_save(
        actor=staff, name="Resellers", measures=MEASURES, program=program
    )
    by_tier = setup.scorecard_save(
        actor=staff, name="Resellers T1", measures=MEASURES, program=program, tier=tier
    )

    def partner(pk, program_id=None, tier_id=None, region=""):
        return Partner(
            pk=pk, program_id=program_id, tier_id=tier_id, organization=Organization(region=region)
        )

    partners = [
        partner(1, program.pk, tier.pk, "asia_pacific"),  # tier beats programme and region
        partner(2, program.pk, None, "asia_pacific"),  # programme beats region
        partner(3, program.pk, tier.pk + 999, "europe"),  # another tier: the programme's card
        partner(4, other.pk, None, "asia_pacific"),  # a programme without a card: region
        partner(5, None, None, "europe"),  # nothing specific: the default
    ]
    with django_assert_num_queries(2):
        chosen = setup.scorecard_for_partners(workspace, partners)
    assert {pk: card.pk for pk, card in chosen.items()} == {
        1: by_tier.pk,
        2: by_program.pk,
        3: by_program.pk,
        4: by_region.pk,
        5: default.pk,
    }
    with django_assert_num_queries(2):  # the same for ten times as many partners
        setup.scorecard_for_partners(workspace, partners * 10)
    assert [m.measure for m in chosen[5].measures.all()] == ["revenue", "orders"]


def test_scorecard_for_partners_creates_the_default_when_there_is_none(clean, workspace):
    partner = Partner(pk=1, program_id=None, tier_id=None, organization=Organization(region=""))
    chosen = setup.scorecard_for_partners(workspace, [partner])
    assert chosen[1].is_default and chosen[1].name == "Default scorecard"
