"""How the product lines, products, exchange rates and scorecards are searched, filtered,
sorted, shown and exported. Product and rate exports have the importers' columns, so an
export is a ready-made import file."""

import django_filters

from ecosys.core.listing import Column, ListSpec
from ecosys.core.widgets import FastSelect
from ecosys.ecosystem.models import Region

from .models import ExchangeRate, NormaliseMethod, Product, ProductLine, Scorecard

ANY = "Any"


class ProductLineFilter(django_filters.FilterSet):
    empty = django_filters.BooleanFilter(
        method="filter_empty",
        label="Products",
        widget=FastSelect(choices=[("", ANY), ("false", "With products"), ("true", "Empty")]),
    )

    class Meta:
        model = ProductLine
        fields = ["empty"]

    def filter_empty(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(product_count=0) if value else queryset.filter(product_count__gt=0)


class ProductFilter(django_filters.FilterSet):
    line = django_filters.CharFilter(
        field_name="line__name", lookup_expr="iexact", label="Product line"
    )

    class Meta:
        model = Product
        fields = ["line"]


class ExchangeRateFilter(django_filters.FilterSet):
    currency = django_filters.CharFilter(lookup_expr="iexact", label="Currency")
    month = django_filters.CharFilter(method="filter_month", label="Month (YYYY-MM)")

    class Meta:
        model = ExchangeRate
        fields = ["currency", "month"]

    def filter_month(self, queryset, name, value):
        from django.core.exceptions import ValidationError

        from .setup import month_clean

        try:
            return queryset.filter(month=month_clean(value))
        except ValidationError:
            return queryset.none()


class ScorecardFilter(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label=ANY, widget=FastSelect)
    is_default = django_filters.BooleanFilter(
        label="Default",
        widget=FastSelect(choices=[("", ANY), ("true", "The default"), ("false", "Others")]),
    )

    class Meta:
        model = Scorecard
        fields = ["region", "is_default"]


PRODUCT_LINES = ListSpec(
    filterset=ProductLineFilter,
    search_fields=("name", "description"),
    columns=(
        Column("id", "ID", lambda line: line.public_id),
        Column("name", "Name", lambda line: line.name, sort="name", link=True),
        Column("description", "Description", lambda line: line.description),
        Column("products", "Products", lambda line: line.product_count, sort="product_count"),
    ),
    default_sort="name",
    export_name="product-lines",
)

PRODUCTS = ListSpec(
    filterset=ProductFilter,
    search_fields=("sku", "name", "line__name"),
    columns=(
        Column("sku", "SKU", lambda p: p.sku, sort="sku", link=True),
        Column("name", "Name", lambda p: p.name, sort="name"),
        Column("product_line", "Product line", lambda p: p.line.name, sort="line__name"),
    ),
    default_sort="sku",
    export_name="products",
    related=("line",),
)

EXCHANGE_RATES = ListSpec(
    filterset=ExchangeRateFilter,
    search_fields=("currency",),
    columns=(
        Column("currency", "Currency", lambda r: r.currency, sort="currency", link=True),
        Column("month", "Month", lambda r: r.month.strftime("%Y-%m"), sort="month"),
        Column("rate", "Rate", lambda r: r.rate.normalize(), sort="rate"),
    ),
    default_sort="-month",
    export_name="exchange-rates",
)


def _applies_to(scorecard) -> str:
    if scorecard.is_default:
        return "Default: every other partner"
    if scorecard.tier_id:
        return f"{scorecard.program}, tier {scorecard.tier.name}"
    if scorecard.program_id:
        return f"{scorecard.program}"
    if scorecard.region:
        return f"Region {Region(scorecard.region).label}"
    return "No partner (no programme or region)"


def _measure_line(scorecard) -> str:
    return ", ".join(
        f"{m.measure} {m.weight}"
        + (f" (target {m.target:g})" if m.method == NormaliseMethod.TARGET else "")
        for m in scorecard.measures.all()
    )


SCORECARDS = ListSpec(
    filterset=ScorecardFilter,
    search_fields=("name", "description", "program__name", "tier__name"),
    columns=(
        Column("id", "ID", lambda s: s.public_id),
        Column("name", "Name", lambda s: s.name, sort="name", link=True),
        Column("applies_to", "Applies to", _applies_to),
        Column("measures", "Measures (weight)", _measure_line),
        Column("description", "Description", lambda s: s.description, in_table=False),
        Column("created_at", "Created", lambda s: s.created_at, sort="created_at", in_table=False),
    ),
    default_sort="name",
    export_name="scorecards",
    related=("program", "tier"),
)
