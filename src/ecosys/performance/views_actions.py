"""Pages for acting on performance: warnings, playbooks, interventions and their tasks,
escalation contacts and termination proposals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, MANAGE, allows
from ecosys.core.models import Role, TokenScope
from ecosys.core.pages import apply_service, detail_url, list_response, page
from ecosys.core.selectors import audit_for
from ecosys.partners.selectors import partner_get

from . import actions, lists_actions
from . import selectors_actions as selectors
from .forms_actions import (
    CancelForm,
    CloseForm,
    DecisionForm,
    EscalationContactForm,
    InterventionForm,
    PlaybookForm,
    TaskForm,
    TerminationForm,
    WarningStatusForm,
    steps_text,
)
from .models import (
    EarlyWarning,
    Intervention,
    InterventionStatus,
    Outcome,
    Playbook,
    Side,
    TerminationProposal,
    TerminationStatus,
    WarningStatus,
)


def _error_message(request, error) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


def _can_act(actor, action, model) -> bool:
    """Orchestrator staff who may write (not read-only)."""
    return actor.is_orchestrator and allows(actor, action, model)


# -- warnings --------------------------------------------------------------------------------


@page("performance.earlywarning:view")
def warning_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_actions.WARNINGS,
        queryset=selectors.warning_list(actor=actor),
        template="performance/actions/warning_list.html",
        context={"title": "Early warnings", "is_orchestrator": actor.is_orchestrator},
        detail_url=detail_url("warning-detail"),
    )


def _chart(warning: EarlyWarning) -> dict:
    series = warning.series or {}
    periods = [str(period) for period in series.get("periods") or []]
    change = series.get("change_index")
    if change is None and warning.change_period:
        marker = str(warning.change_period)
        change = next((i for i, p in enumerate(periods) if p.startswith(marker[:7])), None)
    return {
        "periods": periods,
        "values": series.get("values") or [],
        "fitted": series.get("fitted") or [],
        "change_index": change,
        "label": actions.measure_label(warning.measure),
    }


@page("performance.earlywarning:view")
def warning_detail(request, public_id):
    actor = request.actor
    warning = selectors.warning_get(actor=actor, public_id=public_id)
    can_change = _can_act(actor, CHANGE, EarlyWarning)
    transitions = actions.WARNING_TRANSITIONS[warning.status] if can_change else set()
    interventions = list(selectors.warning_interventions(actor=actor, warning=warning))
    open_intervention = next(
        (i for i in interventions if i.status == InterventionStatus.OPEN), None
    )
    context = {
        "warning": warning,
        "chart": _chart(warning),
        "measure_label": actions.measure_label(warning.measure),
        "can_change": can_change,
        "can_acknowledge": WarningStatus.ACKNOWLEDGED in transitions,
        "can_snooze": WarningStatus.SNOOZED in transitions,
        "can_dismiss": WarningStatus.DISMISSED in transitions,
        "can_reopen": WarningStatus.OPEN in transitions,
        "interventions": interventions,
        "can_intervene": _can_act(actor, ADD, Intervention) and open_intervention is None,
        "playbook": actions.playbook_for(warning) if actor.is_orchestrator else None,
        "history": audit_for(actor=actor, target=warning)[:50] if actor.is_orchestrator else [],
    }
    return render(request, "performance/actions/warning_detail.html", context)


@require_POST
@page("performance.earlywarning:change")
def warning_status(request, public_id):
    actor = request.actor
    warning = selectors.warning_get(actor=actor, public_id=public_id)
    form = WarningStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid date and status.")
    else:
        try:
            actions.warning_set_status(actor=actor, warning=warning, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
        else:
            messages.success(request, f"Warning {warning.get_status_display().lower()}.")
    return redirect("warning-detail", warning.public_id)


# -- interventions ---------------------------------------------------------------------------


def _intervention_form(request, actor, *, manual: bool, initial: dict):
    return InterventionForm(
        request.POST or None,
        initial=initial,
        playbooks=selectors.active_playbook_list(actor=actor),
        owners=selectors.owner_list(actor=actor),
        manual=manual,
    )


@page("performance.intervention:add")
def intervention_from_warning(request, public_id):
    """Open an intervention on a warning, with the matching playbook suggested."""
    actor = request.actor
    warning = selectors.warning_get(actor=actor, public_id=public_id)
    suggested = actions.playbook_for(warning)
    owner = warning.partner.owner or actor.user
    form = _intervention_form(
        request,
        actor,
        manual=False,
        initial={"playbook": suggested.public_id if suggested else None, "owner": owner.email},
    )
    if request.method == "POST" and form.is_valid():
        intervention = apply_service(
            form,
            lambda: actions.intervention_open(actor=actor, warning=warning, **form.cleaned_data),
        )
        if intervention is not None:
            messages.success(request, "Intervention opened.")
            return redirect("intervention-detail", intervention.public_id)
    return render(
        request,
        "performance/actions/intervention_form.html",
        {
            "form": form,
            "title": f"Intervene: {warning.partner.organization}",
            "warning": warning,
            "suggested": suggested,
            "cancel": reverse("warning-detail", args=[warning.public_id]),
        },
    )


@page("performance.intervention:add")
def intervention_create(request):
    """Open an intervention on a partner by hand (?partner=<id>)."""
    actor = request.actor
    try:
        partner = partner_get(actor=actor, public_id=request.GET.get("partner", ""))
    except ValidationError as error:  # a malformed id
        raise Http404 from error
    owner = partner.owner or actor.user
    form = _intervention_form(request, actor, manual=True, initial={"owner": owner.email})
    if request.method == "POST" and form.is_valid():
        intervention = apply_service(
            form,
            lambda: actions.intervention_open(actor=actor, partner=partner, **form.cleaned_data),
        )
        if intervention is not None:
            messages.success(request, "Intervention opened.")
            return redirect("intervention-detail", intervention.public_id)
    return render(
        request,
        "performance/actions/intervention_form.html",
        {
            "form": form,
            "title": f"Intervene: {partner.organization}",
            "cancel": reverse("partners:partner-detail", args=[partner.public_id]),
        },
    )


@page("performance.intervention:view")
def intervention_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_actions.INTERVENTIONS,
        queryset=selectors.intervention_list(actor=actor),
        template="performance/actions/intervention_list.html",
        context={"title": "Interventions", "is_orchestrator": actor.is_orchestrator},
        detail_url=detail_url("intervention-detail"),
    )


def _own_side(actor) -> str | None:
    if actor.role == Role.READ_ONLY or actor.token_scope == TokenScope.READ:
        return None
    if actor.is_orchestrator:
        return Side.ORCHESTRATOR
    return Side.PARTNER if actor.role == Role.EXTERNAL_ADMIN else None


@page("performance.intervention:view")
def intervention_detail(request, public_id):
    actor = request.actor
    intervention = selectors.intervention_get(actor=actor, public_id=public_id)
    tasks = list(selectors.intervention_tasks(actor=actor, intervention=intervention))
    is_open = intervention.status == InterventionStatus.OPEN
    can_change = _can_act(actor, CHANGE, Intervention)
    check = actions.outcome_check(intervention) if actor.is_orchestrator else None
    terminations = (
        list(selectors.intervention_terminations(actor=actor, intervention=intervention))
        if actor.is_orchestrator
        else []
    )
    can_propose = (
        _can_act(actor, ADD, TerminationProposal)
        and intervention.status == InterventionStatus.CLOSED
        and intervention.outcome == Outcome.NOT_RECOVERED
        and (actor.user == intervention.owner or actor.role == Role.ORCHESTRATOR_ADMIN)
        and not any(t.status == TerminationStatus.PROPOSED for t in terminations)
    )
    context = {
        "intervention": intervention,
        "tasks": tasks,
        "done": sum(1 for task in tasks if task.done_at),
        "own_side": _own_side(actor) if is_open else None,
        "can_change": can_change and is_open,
        "task_form": TaskForm() if can_change and is_open else None,
        "close_form": CloseForm(initial={"outcome": check["suggestion"]} if check else None)
        if can_change and is_open
        else None,
        "cancel_form": CancelForm() if can_change and is_open else None,
        "check": check,
        "today": timezone.localdate(),
        "terminations": terminations,
        "can_propose": can_propose,
        "measure_label": actions.measure_label(intervention.measure)
        if intervention.measure
        else "",
        "history": audit_for(actor=actor, target=intervention)[:50]
        if actor.is_orchestrator
        else [],
    }
    return render(request, "performance/actions/intervention_detail.html", context)


@require_POST
@page("performance.intervention:change")
def intervention_task_add(request, public_id):
    actor = request.actor
    intervention = selectors.intervention_get(actor=actor, public_id=public_id)
    form = TaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the task a title, a side and a due date.")
    else:
        try:
            actions.intervention_task_add(
                actor=actor, intervention=intervention, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
        else:
            messages.success(request, "Task added.")
    return redirect("intervention-detail", intervention.public_id)


@require_POST
@page("performance.interventiontask:change")
def intervention_task_done(request, public_id):
    actor = request.actor
    task = selectors.intervention_task_get(actor=actor, public_id=public_id)
    try:
        actions.intervention_task_done(
            actor=actor, task=task, done=request.POST.get("done", "1") == "1"
        )
    except (ValidationError, PermissionDenied) as error:
        _error_message(request, error)
    return redirect("intervention-detail", task.intervention.public_id)


@require_POST
@page("performance.intervention:change")
def intervention_close(request, public_id):
    actor = request.actor
    intervention = selectors.intervention_get(actor=actor, public_id=public_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the outcome.")
    else:
        try:
            actions.intervention_close(actor=actor, intervention=intervention, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
        else:
            messages.success(request, "Intervention closed.")
    return redirect("intervention-detail", intervention.public_id)


@require_POST
@page("performance.intervention:change")
def intervention_cancel(request, public_id):
    actor = request.actor
    intervention = selectors.intervention_get(actor=actor, public_id=public_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the intervention is cancelled.")
    else:
        try:
            actions.intervention_cancel(actor=actor, intervention=intervention, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
        else:
            messages.success(request, "Intervention cancelled.")
    return redirect("intervention-detail", intervention.public_id)


# -- playbooks -------------------------------------------------------------------------------


@page("performance.playbook:view")
def playbook_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_actions.PLAYBOOKS,
        queryset=selectors.playbook_list(actor=actor),
        template="performance/actions/playbook_list.html",
        context={"title": "Playbooks", "can_add": _can_act(actor, ADD, Playbook)},
        detail_url=detail_url("playbook-edit"),
    )


def _playbook_page(request, playbook: Playbook | None):
    actor = request.actor
    initial = {}
    if playbook is not None:
        initial = {
            "name": playbook.name,
            "description": playbook.description,
            "warning_kind": playbook.warning_kind,
            "measure": playbook.measure,
            "min_drop_percent": round(playbook.min_drop * 100, 1) if playbook.min_drop else None,
            "score_band": playbook.score_band,
            "active": playbook.active,
            "steps": steps_text(playbook),
        }
    can_edit = _can_act(actor, CHANGE if playbook else ADD, Playbook)
    form = PlaybookForm(request.POST or None, initial=initial or {"active": True})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Your role may not change playbooks.")
        if form.is_valid():
            saved = apply_service(
                form,
                lambda: actions.playbook_save(
                    actor=actor, playbook=playbook, **form.service_data()
                ),
            )
            if saved is not None:
                messages.success(request, f"Playbook “{saved.name}” saved.")
                return redirect("playbook-list")
    return render(
        request,
        "performance/actions/playbook_form.html",
        {
            "form": form,
            "playbook": playbook,
            "can_edit": can_edit,
            "can_delete": playbook is not None and _can_act(actor, "delete", Playbook),
            "title": f"Playbook: {playbook.name}" if playbook else "New playbook",
        },
    )


@page("performance.playbook:add")
def playbook_create(request):
    return _playbook_page(request, None)


@page("performance.playbook:view")
def playbook_edit(request, public_id):
    return _playbook_page(request, selectors.playbook_get(actor=request.actor, public_id=public_id))


@require_POST
@page("performance.playbook:delete")
def playbook_delete(request, public_id):
    actor = request.actor
    playbook = selectors.playbook_get(actor=actor, public_id=public_id)
    try:
        actions.playbook_delete(actor=actor, playbook=playbook)
    except PermissionDenied as error:
        _error_message(request, error)
        return redirect("playbook-edit", playbook.public_id)
    messages.success(request, f"Playbook “{playbook.name}” deleted.")
    return redirect("playbook-list")


# -- escalation contacts ---------------------------------------------------------------------


@page("performance.escalationcontact:manage")
def escalation_contacts(request):
    actor = request.actor
    if not actor.is_orchestrator:
        raise PermissionDenied("Escalation contacts are the orchestrator's.")
    form = EscalationContactForm(
        request.POST or None,
        users=selectors.owner_list(actor=actor),
        programs=selectors.program_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        contact = apply_service(
            form, lambda: actions.escalation_contact_add(actor=actor, **form.cleaned_data)
        )
        if contact is not None:
            messages.success(request, f"{contact} added.")
            return redirect("escalation-contacts")
    return render(
        request,
        "performance/actions/escalation_contacts.html",
        {
            "title": "Escalation contacts",
            "contacts": selectors.escalation_contact_list(actor=actor),
            "form": form,
        },
    )


@require_POST
@page("performance.escalationcontact:manage")
def escalation_contact_remove(request, public_id):
    actor = request.actor
    contact = selectors.escalation_contact_get(actor=actor, public_id=public_id, action=MANAGE)
    try:
        actions.escalation_contact_remove(actor=actor, contact=contact)
    except PermissionDenied as error:
        _error_message(request, error)
    else:
        messages.success(request, "Contact removed.")
    return redirect("escalation-contacts")


# -- termination -----------------------------------------------------------------------------


@page("performance.terminationproposal:add")
def termination_propose(request, public_id):
    actor = request.actor
    intervention = selectors.intervention_get(actor=actor, public_id=public_id)
    form = TerminationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proposal = apply_service(
            form,
            lambda: actions.termination_propose(
                actor=actor, intervention=intervention, **form.cleaned_data
            ),
        )
        if proposal is not None:
            messages.success(request, "Termination proposed; an admin decides it.")
            return redirect("termination-detail", proposal.public_id)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"Propose ending the partnership with {intervention.partner.organization}",
            "cancel": reverse("intervention-detail", args=[intervention.public_id]),
        },
    )


@page("performance.terminationproposal:view")
def termination_list(request):
    actor = request.actor
    return list_response(
        request,
        spec=lists_actions.TERMINATIONS,
        queryset=selectors.termination_list(actor=actor),
        template="core/list.html",
        context={"title": "Termination proposals"},
        detail_url=detail_url("termination-detail"),
    )


@page("performance.terminationproposal:view")
def termination_detail(request, public_id):
    actor = request.actor
    proposal = selectors.termination_get(actor=actor, public_id=public_id)
    can_decide = proposal.status == TerminationStatus.PROPOSED and _can_act(
        actor, MANAGE, TerminationProposal
    )
    return render(
        request,
        "performance/actions/termination_detail.html",
        {
            "proposal": proposal,
            "evidence": proposal.evidence or {},
            "form": DecisionForm() if can_decide else None,
            "history": audit_for(actor=actor, target=proposal)[:50],
        },
    )


@require_POST
@page("performance.terminationproposal:manage")
def termination_decide(request, public_id):
    actor = request.actor
    proposal = selectors.termination_get(actor=actor, public_id=public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject and say why.")
    else:
        data = form.cleaned_data
        try:
            actions.termination_decide(
                actor=actor,
                proposal=proposal,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                effective_date=data["effective_date"],
            )
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
        else:
            messages.success(request, "Decision recorded; the owner is told.")
    return redirect("termination-detail", proposal.public_id)
