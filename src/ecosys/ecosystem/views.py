"""Ecosystem pages: organisations, people, relationships, person roles and the graph."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, DELETE, allows, can
from ecosys.core.pages import apply_service, detail_url, list_response, page, sharing_context
from ecosys.core.selectors import audit_for

from . import lists, selectors, services
from .forms import (
    OrganizationForm,
    PersonForm,
    PersonRoleForm,
    RelationshipForm,
    TransitionForm,
)
from .models import (
    RELATIONSHIP_TRANSITIONS,
    EcosystemRole,
    Organization,
    Person,
    PersonRole,
    Region,
    Relationship,
)

DETAIL_ROWS = 20  # rows per section on a detail page; each section links to its full list


def _detail(name):
    return detail_url(f"ecosystem:{name}-detail")


# -- organisations ---------------------------------------------------------------------------


@page("ecosystem.organization:view")
def organization_list(request):
    return list_response(
        request,
        spec=lists.ORGANIZATIONS,
        queryset=selectors.organization_list(actor=request.actor),
        template="ecosystem/organization_list.html",
        context={"can_add": allows(request.actor, ADD, Organization), "title": "Organisations"},
        detail_url=_detail("organization"),
    )


@page("ecosystem.organization:view")
def organization_detail(request, public_id):
    actor = request.actor
    org = selectors.organization_get(actor=actor, public_id=public_id)
    people = selectors.person_list(actor=actor).filter(organization=org).order_by("last_name")
    relationships = (
        selectors.relationship_list(actor=actor)
        .filter(Q(source=org) | Q(target=org))
        .select_related("source", "target")
        .order_by("-created_at")
    )
    context = {
        "org": org,
        "roles": [EcosystemRole(code).label for code in org.role_codes],
        "tags": org.tag_names,
        "people": people.select_related("organization")[:DETAIL_ROWS],
        "people_count": people.count(),
        "relationships": relationships[:DETAIL_ROWS],
        "person_roles": selectors.person_role_list(actor=actor)
        .filter(organization=org)
        .select_related("person")[:DETAIL_ROWS],
        "history": audit_for(actor=actor, target=org)[:DETAIL_ROWS],
        "can_change": can(actor, CHANGE, org),
        "can_delete": can(actor, DELETE, org),
        "is_orchestrator_org": org.pk == actor.workspace.orchestrator_id,
        **(sharing_context(request, org) if org.pk != actor.workspace.orchestrator_id else {}),
    }
    return render(request, "ecosystem/organization_detail.html", context)


@page("ecosystem.organization:add")
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = apply_service(
            form,
            lambda: services.organization_create(actor=request.actor, **form.service_kwargs()),
        )
        if org is not None:
            messages.success(request, f"Organisation “{org}” created.")
            return redirect("ecosystem:organization-detail", org.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": "New organisation",
            "cancel": reverse("ecosystem:organization-list"),
        },
    )


@page("ecosystem.organization:change")
def organization_update(request, public_id):
    actor = request.actor
    org = selectors.organization_get(actor=actor, public_id=public_id, action=CHANGE)
    form = OrganizationForm(request.POST or None, instance=org, can_set_roles=actor.is_orchestrator)
    if request.method == "POST" and form.is_valid():
        updated = apply_service(
            form,
            lambda: services.organization_update(
                actor=actor, organization=org, **form.service_kwargs()
            ),
        )
        if updated is not None:
            messages.success(request, "Changes saved.")
            return redirect("ecosystem:organization-detail", org.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Edit {org}",
            "cancel": reverse("ecosystem:organization-detail", args=[org.public_id]),
        },
    )


@require_POST
@page("ecosystem.organization:delete")
def organization_delete(request, public_id):
    org = selectors.organization_get(actor=request.actor, public_id=public_id, action=DELETE)
    try:
        services.organization_delete(actor=request.actor, organization=org)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("ecosystem:organization-detail", org.public_id)
    messages.success(request, f"Organisation “{org}” deleted.")
    return redirect("ecosystem:organization-list")


@page("ecosystem.organization:view")
def organization_suggest(request):
    """Suggestions for the organisation search box in forms (visible organisations only)."""
    text = next((value for key, value in request.GET.items() if key.endswith("search")), "")
    matches = []
    if text.strip():
        matches = (
            selectors.organization_list(actor=request.actor)
            .filter(name__icontains=text.strip())
            .order_by("name")
            .values_list("public_id", "name")[:12]
        )
    return render(request, "core/partials/suggestions.html", {"matches": matches})


# -- people ----------------------------------------------------------------------------------


@page("ecosystem.person:view")
def person_list(request):
    return list_response(
        request,
        spec=lists.PEOPLE,
        queryset=selectors.person_list(actor=request.actor),
        template="ecosystem/person_list.html",
        context={"can_add": allows(request.actor, ADD, Person), "title": "People"},
        detail_url=_detail("person"),
    )


@page("ecosystem.person:view")
def person_detail(request, public_id):
    actor = request.actor
    person = selectors.person_get(actor=actor, public_id=public_id)
    context = {
        "person": person,
        "organization_visible": person.organization_id is not None
        and selectors.organization_list(actor=actor).filter(pk=person.organization_id).exists(),
        "roles": selectors.person_role_list(actor=actor)
        .filter(person=person)
        .select_related("organization"),
        "history": audit_for(actor=actor, target=person)[:DETAIL_ROWS],
        "can_change": can(actor, CHANGE, person),
        "can_delete": can(actor, DELETE, person),
        "role_form": PersonRoleForm(organizations=selectors.organization_list(actor=actor))
        if allows(actor, ADD, PersonRole)
        else None,
        **sharing_context(request, person),
    }
    return render(request, "ecosystem/person_detail.html", context)


def _person_form(request, instance=None):
    organizations = selectors.organization_list(actor=request.actor, action=CHANGE)
    if request.actor.is_orchestrator:
        organizations = selectors.organization_list(actor=request.actor)
    initial = {}
    org_id = request.GET.get("organization")
    if instance is None and org_id:
        initial["organization"] = org_id
    if instance is None and not request.actor.is_orchestrator:
        initial["organization"] = request.actor.membership.organization.public_id
    form = PersonForm(
        request.POST or None, instance=instance, organizations=organizations, initial=initial
    )
    if instance is not None and not request.actor.is_orchestrator:
        del form.fields["organization"]  # only the orchestrator moves people (see person_update)
    return form


@page("ecosystem.person:add")
def person_create(request):
    form = _person_form(request)
    if request.method == "POST" and form.is_valid():
        person = apply_service(
            form, lambda: services.person_create(actor=request.actor, **form.service_kwargs())
        )
        if person is not None:
            messages.success(request, f"{person} added.")
            return redirect("ecosystem:person-detail", person.public_id)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "New person", "cancel": reverse("ecosystem:person-list")},
    )


@page("ecosystem.person:change")
def person_update(request, public_id):
    person = selectors.person_get(actor=request.actor, public_id=public_id, action=CHANGE)
    form = _person_form(request, instance=person)
    if request.method == "POST" and form.is_valid():
        updated = apply_service(
            form,
            lambda: services.person_update(
                actor=request.actor, person=person, **form.service_kwargs()
            ),
        )
        if updated is not None:
            messages.success(request, "Changes saved.")
            return redirect("ecosystem:person-detail", person.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Edit {person}",
            "cancel": reverse("ecosystem:person-detail", args=[person.public_id]),
        },
    )


@require_POST
@page("ecosystem.person:delete")
def person_delete(request, public_id):
    person = selectors.person_get(actor=request.actor, public_id=public_id, action=DELETE)
    services.person_delete(actor=request.actor, person=person)
    messages.success(request, f"{person} deleted.")
    return redirect("ecosystem:person-list")


# -- relationships ---------------------------------------------------------------------------


@page("ecosystem.relationship:view")
def relationship_list(request):
    return list_response(
        request,
        spec=lists.RELATIONSHIPS,
        queryset=selectors.relationship_list(actor=request.actor),
        template="ecosystem/relationship_list.html",
        context={"can_add": allows(request.actor, ADD, Relationship), "title": "Relationships"},
        detail_url=_detail("relationship"),
    )


@page("ecosystem.relationship:view")
def relationship_detail(request, public_id):
    actor = request.actor
    relationship = selectors.relationship_get(actor=actor, public_id=public_id)
    visible = set(
        selectors.organization_list(actor=actor)
        .filter(pk__in=[relationship.source_id, relationship.target_id])
        .values_list("pk", flat=True)
    )
    can_change = can(actor, CHANGE, relationship)
    allowed = sorted(RELATIONSHIP_TRANSITIONS[relationship.state])
    context = {
        "relationship": relationship,
        "source_visible": relationship.source_id in visible,
        "target_visible": relationship.target_id in visible,
        "history": selectors.relationship_history(actor=actor, relationship=relationship),
        "audit": audit_for(actor=actor, target=relationship)[:50],
        "can_change": can_change,
        "transition_form": TransitionForm(allowed=allowed) if can_change and allowed else None,
        **sharing_context(request, relationship),
    }
    return render(request, "ecosystem/relationship_detail.html", context)


def _relationship_form(request, instance=None):
    initial = {}
    if instance is None and request.GET.get("source"):
        initial["source"] = request.GET["source"]
    form = RelationshipForm(
        request.POST or None,
        instance=instance,
        organizations=selectors.organization_list(actor=request.actor),
        initial=initial,
    )
    if instance is not None and not request.actor.is_orchestrator:
        # A partner edits a shared relationship's details, not the organisations it links.
        del form.fields["source"], form.fields["target"]
    return form


@page("ecosystem.relationship:add")
def relationship_create(request):
    form = _relationship_form(request)
    if request.method == "POST" and form.is_valid():
        relationship = apply_service(
            form,
            lambda: services.relationship_create(actor=request.actor, **form.service_kwargs()),
        )
        if relationship is not None:
            messages.success(request, "Relationship created.")
            return redirect("ecosystem:relationship-detail", relationship.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": "New relationship",
            "cancel": reverse("ecosystem:relationship-list"),
        },
    )


@page("ecosystem.relationship:change")
def relationship_update(request, public_id):
    relationship = selectors.relationship_get(
        actor=request.actor, public_id=public_id, action=CHANGE
    )
    form = _relationship_form(request, instance=relationship)
    if request.method == "POST" and form.is_valid():
        updated = apply_service(
            form,
            lambda: services.relationship_update(
                actor=request.actor, relationship=relationship, **form.service_kwargs()
            ),
        )
        if updated is not None:
            messages.success(request, "Changes saved.")
            return redirect("ecosystem:relationship-detail", relationship.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": "Edit relationship",
            "cancel": reverse("ecosystem:relationship-detail", args=[relationship.public_id]),
        },
    )


@require_POST
@page("ecosystem.relationship:change")
def relationship_transition(request, public_id):
    relationship = selectors.relationship_get(
        actor=request.actor, public_id=public_id, action=CHANGE
    )
    form = TransitionForm(
        request.POST, allowed=sorted(RELATIONSHIP_TRANSITIONS[relationship.state])
    )
    if not form.is_valid():
        messages.error(request, "Choose one of the offered states.")
    else:
        try:
            services.relationship_transition(
                actor=request.actor,
                relationship=relationship,
                to_state=form.cleaned_data["to_state"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, f"Relationship is now {relationship.get_state_display().lower()}."
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("ecosystem:relationship-detail", relationship.public_id)


# -- person roles ----------------------------------------------------------------------------


@page("ecosystem.personrole:view")
def person_role_list(request):
    return list_response(
        request,
        spec=lists.PERSON_ROLES,
        queryset=selectors.person_role_list(actor=request.actor),
        template="ecosystem/person_role_list.html",
        context={"title": "Person roles"},
        detail_url=lambda role: reverse("ecosystem:person-detail", args=[role.person.public_id]),
    )


@require_POST
@page("ecosystem.personrole:add")
def person_role_create(request, public_id):
    actor = request.actor
    person = selectors.person_get(actor=actor, public_id=public_id)
    form = PersonRoleForm(request.POST, organizations=selectors.organization_list(actor=actor))
    if form.is_valid():
        try:
            services.person_role_create(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Role added.")
    else:
        messages.error(request, "Choose an organisation from the suggestions and a role.")
    return redirect("ecosystem:person-detail", person.public_id)


@require_POST
@page("ecosystem.personrole:delete")
def person_role_delete(request, public_id):
    role = selectors.person_role_get(actor=request.actor, public_id=public_id, action=DELETE)
    services.person_role_delete(actor=request.actor, person_role=role)
    messages.success(request, "Role removed.")
    return redirect("ecosystem:person-detail", role.person.public_id)


# -- graph -----------------------------------------------------------------------------------


@page("ecosystem.organization:view")
def graph(request):
    if not request.actor.is_orchestrator:
        raise PermissionDenied("The ecosystem graph is for the orchestrator.")
    return render(
        request,
        "ecosystem/graph.html",
        {"roles": EcosystemRole.choices, "regions": Region.choices},
    )


@page("ecosystem.organization:view")
def graph_data(request):
    if not request.actor.is_orchestrator:
        raise PermissionDenied("The ecosystem graph is for the orchestrator.")
    roles = [role for role in request.GET.getlist("role") if role]
    data = selectors.graph_data(
        actor=request.actor, roles=roles or None, region=request.GET.get("region", "")
    )
    return JsonResponse(data)
