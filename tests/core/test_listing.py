"""The list helper: bounded page sizes, a count that stops at a cap, paging on past it."""

from ecosys.core import listing
from ecosys.core.listing import ListPage, neutralise
from ecosys.ecosystem.models import Organization


def test_count_is_exact_below_the_cap(workspace, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 10_000)
    page = ListPage(Organization.objects.order_by("name", "id"), {"per_page": "10", "page": "2"})
    total = Organization.objects.count()
    assert page.count_exact and page.count == total
    assert page.num_pages == -(-total // 10)
    assert [o.pk for o in page] == list(
        Organization.objects.order_by("name", "id").values_list("pk", flat=True)[10:20]
    )


def test_beyond_the_cap_paging_goes_on_by_next(workspace, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 20)
    queryset = Organization.objects.order_by("name", "id")
    total = queryset.count()
    assert total > 40
    page = ListPage(queryset, {"per_page": "10", "page": "4"})
    assert not page.count_exact and page.count == 20 and page.num_pages is None
    assert page.has_next and page.number == 4 and len(page.object_list) == 10
    last = ListPage(queryset, {"per_page": "10", "page": str(-(-total // 10))})
    assert not last.has_next and 0 < len(last.object_list) <= 10


def test_bad_page_parameters_fall_back(workspace):
    page = ListPage(Organization.objects.order_by("id"), {"per_page": "lots", "page": "-3"})
    assert page.number == 1 and page.per_page == 25
    huge = ListPage(Organization.objects.order_by("id"), {"per_page": "100000", "page": "999999"})
    assert huge.per_page == listing.MAX_PAGE_SIZE and huge.number == huge.num_pages


def test_api_envelope_reports_whether_the_count_is_exact(client_as, workspace):
    body = client_as("orchestrator_staff").get("/api/v1/organizations", {"per_page": 5}).json()
    assert body["count_exact"] is True and body["has_next"] is True and body["pages"] >= 2


def test_formula_cells_are_neutralised():
    assert [neutralise(v) for v in ["=1+1", "+x", "-y", "@z", "\tq", "\rr", "ok", 5]] == [
        "'=1+1", "'+x", "'-y", "'@z", "'\tq", "'\rr", "ok", 5,
    ]  # fmt: skip


def test_fast_select_escapes_and_marks_the_selection():
    from ecosys.core.widgets import FastSelect

    widget = FastSelect(choices=[("", "Any"), ("a&b", "<A & B>"), ("c", "C")])
    html = widget.render("kind", "a&b", attrs={"id": "id_kind"})
    assert '<option value="a&amp;b" selected>&lt;A &amp; B&gt;</option>' in html
    assert '<option value="c">C</option>' in html and html.count("selected") == 1
    assert html.startswith('<select name="kind" id="id_kind">')
