"""What every HTMX page shares: the declared access rule, lists with export, and form handling."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from html import escape
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils.safestring import mark_safe

from .access import MEMBER, PUBLIC, NotAuthenticated, check_rule, rule_model
from .listing import PAGE_SIZES, ListSpec, export_response, list_apply, list_page


def page(rule: str):
    """Declare and check a page's access rule; anonymous visitors go to the sign-in page."""
    if rule not in (PUBLIC, MEMBER):
        rule_model(rule)

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            try:
                check_rule(getattr(request, "actor", None), rule)
            except NotAuthenticated:
                if request.user.is_authenticated:
                    raise PermissionDenied(
                        "Your account is not a member of any workspace."
                    ) from None
                return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        checked.access_rule = rule
        return checked

    return decorate


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def list_response(
    request,
    *,
    spec: ListSpec,
    queryset: QuerySet,
    template: str,
    context: dict[str, Any] | None = None,
    detail_url: Callable[[Any], str] | None = None,
):
    """Render a searchable, filterable, sortable, paginated list, or export it (?export=)."""
    result = list_apply(queryset, request.GET, spec)
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return export_response(result.queryset, spec, fmt)
    page_obj = list_page(result.queryset, request.GET)
    columns = [column for column in spec.columns if column.key != "id" and column.in_table]
    rows_html = _rows_html(page_obj.object_list, columns, detail_url)
    params = request.GET.copy()
    for key in ("page", "export"):
        params.pop(key, None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    full_context = {
        "spec": spec,
        "columns": columns,
        "rows_html": rows_html,
        "page_obj": page_obj,
        "result": result,
        "filter_form": result.filterset.form,
        "query": result.query,
        "sort": result.sort,
        "params": params.urlencode(),
        "sort_params": sort_params.urlencode(),
        "page_sizes": PAGE_SIZES,
        **(context or {}),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "list-results":
        return render(request, "core/partials/list_results.html", full_context)
    return render(request, template, full_context)


def _rows_html(objects, columns, detail_url) -> str:
    """The table body, built in Python: a template loop over 25 rows x 10 cells was the
    largest cost of every list page."""
    rows = []
    for obj in objects:
        url = detail_url(obj) if detail_url else None
        cells = []
        for column in columns:
            value = column.shown(obj)
            text = escape("" if value is None else str(value))
            if column.link and url:
                text = f'<a href="{escape(url)}">{text or "—"}</a>'
            cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped above


def apply_service(form, call: Callable[[], Any]) -> Any | None:
    """Run a service with a valid form's data; its ValidationError becomes field errors."""
    try:
        return call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in form.fields else None
                for message in messages:
                    form.add_error(target, message)
        else:
            for message in error.messages:
                form.add_error(None, message)
        return None


def sharing_context(request, target) -> dict[str, Any]:
    """What a detail page needs to show and change who its object is shared with."""
    from ecosys.ecosystem.selectors import organization_list

    from .forms import ShareForm
    from .selectors import grant_list

    actor = request.actor
    if not actor.is_orchestrator or actor.role == "read_only":
        return {}
    return {
        "sharing": {
            "grants": grant_list(actor=actor, target=target),
            "form": ShareForm(organizations=organization_list(actor=actor)),
            "target_type": target._meta.label_lower,
            "target": target,
            "next": request.get_full_path(),
        }
    }


def detail_url(route: str):
    """row -> its detail page URL; reversed once per list, not once per row (it showed in
    profiles). `route` names a URL taking the row's public_id."""
    import uuid

    from django.urls import reverse

    zero = uuid.UUID(int=0)
    prefix, suffix = reverse(route, args=[zero]).split(str(zero))
    return lambda obj: f"{prefix}{obj.public_id}{suffix}"
