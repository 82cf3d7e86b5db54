"""list_apply builds the filter set only when a filter is asked for or its form is read."""

from unittest import mock

from ecosys.core.listing import list_apply
from ecosys.ecosystem import lists, selectors


def test_no_filter_no_filterset_until_read(actors, workspace):
    actor = actors["orchestrator_staff"]
    spec = lists.ORGANIZATIONS
    with mock.patch.object(spec.filterset, "__init__", autospec=True, return_value=None) as init:
        result = list_apply(selectors.organization_list(actor=actor), {"q": "a"}, spec)
        assert init.call_count == 0
    assert result.queryset.count() > 0
    # Read (a page shows the form): built with the same params, once.
    form = result.filterset.form
    assert "region" in form.fields
    assert result.filterset is result.filterset
    assert result.errors == {}
    assert not form.is_bound or not form.errors


def test_filter_asked_for_filters_and_reports_errors(actors, workspace):
    actor = actors["orchestrator_staff"]
    spec = lists.ORGANIZATIONS
    rows = selectors.organization_list(actor=actor)
    result = list_apply(rows, {"region": "europe"}, spec)
    assert set(result.queryset.values_list("region", flat=True)) == {"europe"}
    bad = list_apply(rows, {"region": "nowhere"}, spec)
    assert not bad.queryset.exists()
    assert "region" in bad.errors
