"""One search-filter-sort-paginate helper for pages, the API and exports, and the exporters."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

PAGE_SIZES = (25, 50, 100)
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Column:
    """A list column: its key (also the export header), label, and how to read it from a row."""

    key: str
    label: str
    value: Callable[[Any], Any]
    sort: str | None = None  # ORM ordering expression; None means not sortable
    link: bool = False  # rendered as the link to the row's page
    display: Callable[[Any], Any] | None = None  # what a page shows, when not the export value
    in_table: bool = True  # False: in exports only

    def shown(self, obj: Any) -> Any:
        value = (self.display or self.value)(obj)
        return ", ".join(str(item) for item in value) if isinstance(value, list | tuple) else value


@dataclass(frozen=True)
class ListSpec:
    """How one kind of row is listed: search fields, filters, sortable columns, export columns."""

    filterset: type[django_filters.FilterSet]
    search_fields: tuple[str, ...]
    columns: tuple[Column, ...]
    default_sort: str
    export_name: str
    related: tuple[str, ...] = ()
    prefetch: tuple = ()  # lookups or Prefetch objects
    extra_sorts: tuple[tuple[str, str], ...] = ()  # sort keys with no column of their own
    sort_keys: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        sorts = {column.key: column.sort for column in self.columns if column.sort}
        object.__setattr__(self, "sort_keys", sorts | dict(self.extra_sorts))


class ListResult:
    """A filtered, sorted queryset and the filter form that produced it.

    The filter set is built only when a filter was asked for or when it is read (a page shows
    its form): django-filter deep-copies every filter on construction, which an API list
    without filters never needs.
    """

    def __init__(
        self,
        *,
        queryset: QuerySet,
        query: str,
        sort: str,
        filterset: django_filters.FilterSet | None = None,
        make_filterset: Callable[[], django_filters.FilterSet] | None = None,
    ):
        if filterset is None and make_filterset is None:
            raise TypeError("ListResult needs a filterset or a way to make one.")
        self.queryset = queryset
        self.query = query
        self.sort = sort
        self._filterset = filterset
        self._make_filterset = make_filterset

    @property
    def filterset(self) -> django_filters.FilterSet:
        if self._filterset is None:
            self._filterset = self._make_filterset()
        return self._filterset

    @property
    def errors(self) -> dict:
        return dict(self.filterset.errors) if self.filterset.is_bound else {}


def list_apply(queryset: QuerySet, params, spec: ListSpec) -> ListResult:
    """Apply the search text (q), the spec's filters and the sort (sort=key or -key)."""
    filterset = None
    if any(params.get(name) for name in spec.filterset.base_filters):
        filterset = spec.filterset(params, queryset=queryset)
        rows = filterset.qs if filterset.is_valid() else queryset.none()
    else:
        rows = queryset  # no filter asked for: skip building and validating the filter form
    query = (params.get("q") or "").strip()
    if query:
        condition = Q()
        for name in spec.search_fields:
            condition |= Q(**{f"{name}__icontains": query})
        rows = rows.filter(condition)
    sort = params.get("sort") or spec.default_sort
    key = sort.lstrip("-")
    if key not in spec.sort_keys:
        sort, key = spec.default_sort, spec.default_sort.lstrip("-")
    descending = sort.startswith("-")
    order = spec.sort_keys[key]
    rows = rows.order_by(f"-{order}" if descending else order, "-id" if descending else "id")
    if spec.related:
        rows = rows.select_related(*spec.related)
    if spec.prefetch:
        rows = rows.prefetch_related(*spec.prefetch)
    return ListResult(
        queryset=rows,
        query=query,
        sort=sort,
        filterset=filterset,
        make_filterset=lambda: spec.filterset(params, queryset=queryset),
    )


COUNT_CAP = 1_000


class ListPage:
    """One page of rows, and a count that stops at COUNT_CAP.

    An exact COUNT(*) over a 100,000-row workspace cost more database time than the whole rest
    of a list request; beyond the cap the page says "more than 1,000" and paging goes on by
    "next" (the page fetches one row more than it shows to know whether there is one).
    """

    def __init__(self, queryset: QuerySet, params, *, default_size: int = PAGE_SIZES[0]):
        try:
            self.per_page = min(max(int(params.get("per_page", default_size)), 1), MAX_PAGE_SIZE)
        except ValueError:
            self.per_page = default_size
        try:
            self.number = max(int(params.get("page", 1)), 1)
        except ValueError:
            self.number = 1
        capped = queryset.order_by()[: COUNT_CAP + 1].count()
        self.count_exact = capped <= COUNT_CAP
        self.count = min(capped, COUNT_CAP)
        if self.count_exact:
            self.number = min(self.number, max(self.num_pages, 1))
        start = (self.number - 1) * self.per_page
        rows = list(queryset[start : start + self.per_page + 1])
        self.has_next = len(rows) > self.per_page
        self.object_list = rows[: self.per_page]

    @property
    def num_pages(self) -> int | None:
        """Pages in all, or None when the count is above the cap."""
        if not self.count_exact:
            return None
        return max(-(-self.count // self.per_page), 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)


def list_page(queryset: QuerySet, params) -> ListPage:
    """One page of rows; page size is bounded, an out-of-range page gives the last page."""
    return ListPage(queryset, params)


# -- export ----------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Stop spreadsheet programs from running a cell as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(queryset: QuerySet, columns: Iterable[Column]) -> Iterator[list[Any]]:
    """Header row then one row per object, read in chunks so memory stays flat."""
    columns = list(columns)
    yield [column.key for column in columns]
    # iterator() with a chunk size also runs prefetches per chunk, so memory stays flat.
    for obj in queryset.iterator(chunk_size=2000):
        yield [neutralise(_cell(column.value(obj))) for column in columns]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(rows: Iterator[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        # Control characters (allowed in our text fields) make openpyxl refuse the whole file;
        # neutralise again after removing them, or "\x01=…" would become a formula.
        sheet.append(
            [
                cell
                if isinstance(cell, int | float)
                else neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(cell)))
                for cell in row
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(queryset: QuerySet, spec: ListSpec, fmt: str):
    """A CSV (streamed) or XLSX download of every row of the queryset."""
    from django.http import HttpResponse

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    filename = f"{spec.export_name}-{stamp}"
    rows = export_rows(queryset, spec.columns)
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(rows, spec.export_name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return csv_response(rows, filename)
