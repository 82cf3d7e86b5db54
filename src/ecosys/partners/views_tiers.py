"""Programme and tier pages: programmes with their tiers, evaluation proposals and decisions."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, CHANGE, allows
from ecosys.core.pages import page

from . import selectors, tiers
from .models import Program, TierProposalStatus
from .tasks import tiers_evaluate_run


def _uuid(text: str):
    """A posted id, or None when it is not a UUID (a tampered form finds nothing)."""
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _pairs(text: str, separator: str) -> dict[str, str]:
    """'people>=3, tenure_days>=90' -> {'people': '3', 'tenure_days': '90'}."""
    pairs = {}
    for part in text.split(","):
        if part.strip():
            key, _, value = part.partition(separator)
            pairs[key.strip()] = value.strip()
    return pairs


@page("partners.program:view")
def program_list(request):
    actor = request.actor
    programs = selectors.program_list(actor=actor)
    return render(
        request,
        "partners/program_list.html",
        {
            "programs": programs,
            "metrics": tiers.METRICS.values(),
            "benefits": tiers.BENEFITS.values(),
            "can_add": actor.is_orchestrator and allows(actor, ADD, Program),
        },
    )


class ProgramForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


@page("partners.program:add")
def program_edit(request, public_id=None):
    actor = request.actor
    program = (
        selectors.program_get(actor=actor, action=CHANGE, public_id=public_id)
        if public_id
        else None
    )
    rows = (
        [
            {
                "name": t.name,
                "criteria": ", ".join(f"{k}>={v}" for k, v in t.criteria.items()),
                "benefits": ", ".join(f"{k}={v}" for k, v in t.benefits.items()),
            }
            for t in program.tiers.all()
        ]
        if program
        else []
    )
    form = ProgramForm(
        request.POST or None,
        initial={"name": program.name, "description": program.description} if program else None,
    )
    errors = {}
    if request.method == "POST":
        rows = [
            {"name": n, "criteria": c, "benefits": b}
            for n, c, b in zip(
                request.POST.getlist("tier_name"),
                request.POST.getlist("tier_criteria"),
                request.POST.getlist("tier_benefits"),
                strict=False,
            )
            if n.strip() or c.strip() or b.strip()
        ]
        if form.is_valid():
            try:
                saved = tiers.program_save(
                    actor=actor,
                    program=program,
                    tiers=[
                        {
                            "name": r["name"],
                            "criteria": _pairs(r["criteria"], ">="),
                            "benefits": _pairs(r["benefits"], "="),
                        }
                        for r in rows
                    ],
                    **form.cleaned_data,
                )
            except ValidationError as error:
                errors = error.message_dict
            else:
                messages.success(request, f"Programme “{saved}” saved.")
                return redirect("partners:program-list")
    return render(
        request,
        "partners/program_form.html",
        {
            "form": form,
            "rows": rows + [{"name": "", "criteria": "", "benefits": ""}] * 2,
            "errors": errors,
            "metrics": tiers.METRICS.values(),
            "benefits": tiers.BENEFITS.values(),
            "title": f"Edit {program}" if program else "New programme",
        },
    )


@page("partners.tierproposal:view")
def proposal_list(request):
    actor = request.actor
    status = request.GET.get("status", TierProposalStatus.PENDING)
    proposals = selectors.proposal_list(actor=actor)
    if status in TierProposalStatus.values:
        proposals = proposals.filter(status=status)
    proposals = list(proposals[:200])
    labels = {m.key: m.label for m in tiers.METRICS.values()}
    for proposal in proposals:
        proposal.figure_lines = [(labels.get(k, k), v) for k, v in proposal.figures.items()]
    return render(
        request,
        "partners/proposal_list.html",
        {
            "proposals": proposals,
            "status": status,
            "statuses": TierProposalStatus.choices,
            "tiers": selectors.tier_list(actor=actor),
        },
    )


@require_POST
@page("partners.tierproposal:change")
def proposal_decide(request, public_id):
    actor = request.actor
    proposal = selectors.proposal_get(actor=actor, public_id=public_id)
    tier = None
    if request.POST.get("tier"):
        tier = (
            selectors.tier_list(actor=actor).filter(public_id=_uuid(request.POST["tier"])).first()
        )
    try:
        tiers.proposal_decide(
            actor=actor, proposal=proposal, decision=request.POST.get("decision", ""), tier=tier,
            reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Decision recorded; the partner's entitlements follow its tier.")
    return redirect("partners:proposal-list")


@require_POST
@page("partners.tierproposal:change")
def evaluate_now(request):
    if not request.actor.is_orchestrator:
        raise PermissionDenied("The orchestrator runs the tier evaluation.")
    tiers_evaluate_run.enqueue(request.actor.workspace.pk)
    messages.success(request, "Tier evaluation queued; new proposals appear here when it has run.")
    return redirect("partners:proposal-list")


@require_POST
@page("partners.partner:change")
def partner_enroll(request, public_id):
    actor = request.actor
    partner = selectors.partner_get(actor=actor, public_id=public_id, action=CHANGE)
    program = (
        selectors.program_list(actor=actor).filter(public_id=_uuid(request.POST["program"])).first()
        if request.POST.get("program")
        else None
    )
    try:
        tiers.partner_enroll(actor=actor, partner=partner, program=program)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        where = f"in {program}" if program else "in no programme"
        messages.success(
            request, f"{partner.organization} is {where}; the evaluation sets its tier."
        )
    return redirect("partners:partner-detail", partner.public_id)
