"""Partner lifecycle API: partners, their transitions and timeline, ideal partner profiles."""

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Router, Status

from ecosys.core.access import CHANGE, DELETE, PUBLIC, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get

from . import agreements as agreement_services
from . import applications, continuity, lists, locator, selectors, services
from . import tiers as tier_services
from .applications import form_token
from .schemas import (
    AgreementDecisionIn,
    AgreementIssueIn,
    AgreementOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationReceipt,
    ApprovalStepIO,
    DecisionIn,
    EnrollIn,
    ItemResolutionIn,
    ListingIn,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PartnerTransitionIn,
    PlanIn,
    PlanOut,
    ProfileIn,
    ProfileOut,
    ProgramIn,
    ProgramOut,
    ProposalDecisionIn,
    ProposalOut,
    PublicPartnerOut,
    TemplateIn,
    TimelineOut,
    VersionIn,
    VersionOut,
)
from .tasks import agreements_review_run, tiers_evaluate_run

router = Router(tags=["partners"])
ERRORS = {401: Detail, 403: Detail, 404: Detail}


def partner_out(partner, *, orchestrator: bool) -> dict:
    return {
        "id": partner.public_id,
        "organization": {"id": partner.organization.public_id, "name": partner.organization.name},
        "state": partner.state,
        "state_changed_at": partner.state_changed_at,
        "owner": partner.owner.email if partner.owner else None,
        "next_step": partner.next_step,
        "next_step_due": partner.next_step_due,
        "fit_profile_id": partner.fit_profile.public_id
        if orchestrator and partner.fit_profile
        else None,
        "fit_score": partner.fit_score if orchestrator else None,
        "fit_explanation": partner.fit_explanation if orchestrator else [],
    }


def profile_out(profile) -> dict:
    return {
        "id": profile.public_id,
        "name": profile.name,
        "description": profile.description,
        "criteria": [
            {"attribute": c.attribute, "values": c.values, "weight": c.weight}
            for c in profile.criteria.all()
        ],
    }


def _resolve(actor, data: dict) -> dict:
    if "owner" in data:
        email = data.pop("owner")
        owner = selectors.owner_by_email(actor=actor, email=email) if email else None
        if email and owner is None:
            raise ValidationError(
                {"owner": f"No active member of the orchestrator has the e-mail {email}."}
            )
        data["owner"] = owner
    if "fit_profile_id" in data:
        profile_id = data.pop("fit_profile_id")
        data["fit_profile"] = (
            selectors.profile_get(actor=actor, public_id=profile_id) if profile_id else None
        )
    return data


def _orchestrator(request) -> bool:
    return request.auth.is_orchestrator


@router.get("/partners", response={200: Page[PartnerOut], **ERRORS})
@access_rule("partners.partner:view")
def partner_list(request):
    """Partners you can see. Filters: state, owner (e-mail), min_fit; q; sort (-fit_score…)."""
    rows = list_apply(
        selectors.partner_list(actor=request.auth), request.GET, lists.PARTNERS
    ).queryset
    orchestrator = _orchestrator(request)
    return paginate(
        request,
        rows.select_related("fit_profile"),
        lambda p: partner_out(p, orchestrator=orchestrator),
    )


@router.get("/partners/export", response={200: None, **ERRORS})
@access_rule("partners.partner:view")
def partner_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    rows = list_apply(
        selectors.partner_list(actor=request.auth), request.GET, lists.PARTNERS
    ).queryset
    return export_response(rows, lists.PARTNERS, format)


@router.post("/partners", response={201: PartnerOut, **ERRORS})
@access_rule("partners.partner:add")
def partner_create(request, payload: PartnerIn):
    data = _resolve(request.auth, payload.dict())
    data["organization"] = organization_get(
        actor=request.auth, public_id=data.pop("organization_id")
    )
    partner = services.partner_create(actor=request.auth, **data)
    return Status(201, partner_out(partner, orchestrator=True))


@router.get("/partners/{partner_id}", response={200: PartnerOut, **ERRORS})
@access_rule("partners.partner:view")
def partner_detail(request, partner_id: UUID):
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id)
    return partner_out(partner, orchestrator=_orchestrator(request))


@router.patch("/partners/{partner_id}", response={200: PartnerOut, **ERRORS})
@access_rule("partners.partner:change")
def partner_update(request, partner_id: UUID, payload: PartnerPatch):
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id, action=CHANGE)
    data = _resolve(request.auth, payload.dict(exclude_unset=True))
    return partner_out(
        services.partner_update(actor=request.auth, partner=partner, **data), orchestrator=True
    )


@router.post("/partners/{partner_id}/transitions", response={200: PartnerOut, **ERRORS})
@access_rule("partners.partner:change")
def partner_transition(request, partner_id: UUID, payload: PartnerTransitionIn):
    """Move a partner: prospect → applicant → onboarding → active ⇄ at risk/suspended → retired."""
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id, action=CHANGE)
    partner = services.partner_transition(actor=request.auth, partner=partner, **payload.dict())
    return partner_out(partner, orchestrator=True)


@router.get("/partners/{partner_id}/timeline", response={200: list[TimelineOut], **ERRORS})
@access_rule("partners.partner:view")
def partner_timeline(request, partner_id: UUID):
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id)
    return list(selectors.partner_timeline(actor=request.auth, partner=partner))


@router.get("/partner-profiles", response={200: list[ProfileOut], **ERRORS})
@access_rule("partners.idealpartnerprofile:view")
def profile_list(request):
    return [profile_out(profile) for profile in selectors.profile_list(actor=request.auth)]


@router.post("/partner-profiles", response={201: ProfileOut, **ERRORS})
@access_rule("partners.idealpartnerprofile:add")
def profile_create(request, payload: ProfileIn):
    """Create a profile of weighted criteria; values are codes (or labels) of the attribute."""
    profile = services.profile_save(actor=request.auth, **payload.dict())
    return Status(
        201, profile_out(selectors.profile_get(actor=request.auth, public_id=profile.public_id))
    )


@router.put("/partner-profiles/{profile_id}", response={200: ProfileOut, **ERRORS})
@access_rule("partners.idealpartnerprofile:change")
def profile_update(request, profile_id: UUID, payload: ProfileIn):
    """Replace a profile's name, description and criteria; its partners are rescored."""
    profile = selectors.profile_get(actor=request.auth, public_id=profile_id, action=CHANGE)
    services.profile_save(actor=request.auth, profile=profile, **payload.dict())
    return profile_out(selectors.profile_get(actor=request.auth, public_id=profile_id))


@router.delete("/partner-profiles/{profile_id}", response={204: None, **ERRORS})
@access_rule("partners.idealpartnerprofile:delete")
def profile_delete(request, profile_id: UUID):
    profile = selectors.profile_get(actor=request.auth, public_id=profile_id, action=DELETE)
    services.profile_delete(actor=request.auth, profile=profile)
    return Status(204, None)


# -- applications ----------------------------------------------------------------------------


def application_out(application) -> dict:
    return {
        "id": application.public_id,
        "company_name": application.company_name,
        "website_domain": application.website_domain,
        "country": application.country,
        "region": application.region,
        "partner_type": application.partner_type,
        "contact_name": application.contact_name,
        "contact_email": application.contact_email,
        "message": application.message,
        "status": application.status,
        "current_step": application.current_step.name if application.current_step else None,
        "partner_id": application.partner.public_id if application.partner else None,
        "created_at": application.created_at,
        "decisions": [
            {
                "step": d.step_name,
                "decision": d.decision,
                "decided_by": d.decided_by.email if d.decided_by else None,
                "comment": d.comment,
                "decided_at": d.decided_at,
            }
            for d in application.decisions.all()
        ],
    }


def _public_workspace(slug: str):
    from ecosys.core.selectors import workspace_by_slug

    return workspace_by_slug(slug)


@router.get(
    "/public/{slug}/application-token",
    auth=None,
    response={200: dict, 404: Detail},
    tags=["public"],
)
@access_rule(PUBLIC)
def application_token(request, slug: str):
    """A form token for the public application (spam protection: submit it 3+ seconds later)."""
    _public_workspace(slug)
    return {"token": form_token()}


@router.post(
    "/public/{slug}/applications",
    auth=None,
    response={201: ApplicationReceipt, 404: Detail},
    tags=["public"],
)
@access_rule(PUBLIC)
def application_submit(request, slug: str, payload: ApplicationIn):
    """Apply to become a partner (no sign-in); duplicates by domain are refused."""
    from django_scopes import scope

    workspace = _public_workspace(slug)
    data = payload.dict()
    token = data.pop("token")
    with scope(workspace=workspace.pk):
        applications.application_submit(
            workspace=workspace, data=data, token=token, address=request.META.get("REMOTE_ADDR")
        )
    return Status(201, {"received": True, "message": "Thank you; we answer by e-mail."})


@router.get("/applications", response={200: Page[ApplicationOut], **ERRORS}, tags=["applications"])
@access_rule("partners.application:view")
def application_list(request):
    """Partner applications (orchestrator). Filters: status (pending, approved, rejected),
    partner_type, country; q (company, domain, contact); sort (-created_at…)."""
    rows = list_apply(
        selectors.application_list(actor=request.auth), request.GET, lists.APPLICATIONS
    ).queryset
    return paginate(request, rows, application_out)


@router.get("/applications/export", response={200: None, **ERRORS}, tags=["applications"])
@access_rule("partners.application:view")
def application_export(request, format: str = "csv"):  # noqa: A002 - the public parameter name
    """The applications list as CSV or XLSX (same filters as the list)."""
    rows = list_apply(
        selectors.application_list(actor=request.auth), request.GET, lists.APPLICATIONS
    ).queryset
    return export_response(rows, lists.APPLICATIONS, format)


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **ERRORS},
    tags=["applications"],
)
@access_rule("partners.application:view")
def application_detail(request, application_id: UUID):
    return application_out(selectors.application_get(actor=request.auth, public_id=application_id))


@router.post(
    "/applications/{application_id}/decisions",
    response={200: ApplicationOut, **ERRORS},
    tags=["applications"],
)
@access_rule("partners.application:change")
def application_decide(request, application_id: UUID, payload: DecisionIn):
    """Approve or reject the current step (approvers only), or comment."""
    application = selectors.application_get(actor=request.auth, public_id=application_id)
    applications.application_decide(actor=request.auth, application=application, **payload.dict())
    return application_out(selectors.application_get(actor=request.auth, public_id=application_id))


@router.get(
    "/approval-steps", response={200: list[ApprovalStepIO], **ERRORS}, tags=["applications"]
)
@access_rule("partners.approvalstep:view")
def approval_steps_get(request):
    steps = selectors.approval_step_list(actor=request.auth)
    return [{"name": s.name, "approvers": [u.email for u in s.approvers.all()]} for s in steps]


@router.put(
    "/approval-steps", response={200: list[ApprovalStepIO], **ERRORS}, tags=["applications"]
)
@access_rule("partners.approvalstep:change")
def approval_steps_put(request, payload: list[ApprovalStepIO]):
    """Replace the approval sequence (orchestrator admin)."""
    steps = applications.approval_steps_set(actor=request.auth, steps=[s.dict() for s in payload])
    return [{"name": s.name, "approvers": [u.email for u in s.approvers.all()]} for s in steps]


# -- agreements ------------------------------------------------------------------------------


def version_out(version) -> dict:
    fields = ["terms", "term_months", "renewal", "notice_days", "territory", "exclusive",
              "exit_clause", "data_return_clause"]  # fmt: skip
    return {
        **{name: getattr(version, name) for name in fields},
        "id": version.public_id,
        "template": version.template.name,
        "number": version.number,
        "published_at": version.published_at,
    }


def agreement_out(agreement) -> dict:
    return {
        "id": agreement.public_id,
        "partner_id": agreement.partner.public_id,
        "partner": agreement.partner.organization.name,
        "template": agreement.version.template.name,
        "version": agreement.version.number,
        "version_id": agreement.version.public_id,
        "status": agreement.status,
        "start_date": agreement.start_date,
        "end_date": agreement.end_date,
        "notice_date": agreement.notice_date,
        "accepted_by": agreement.accepted_by.email if agreement.accepted_by else None,
        "accepted_at": agreement.accepted_at,
        "accepted_from": agreement.accepted_from,
        "decline_reason": agreement.decline_reason,
    }


@router.get("/agreements", response={200: Page[AgreementOut], **ERRORS}, tags=["agreements"])
@access_rule("partners.agreement:view")
def agreement_list(request):
    """Agreements you can see (a partner: its own). Filters: status, template; q; sort."""
    rows = list_apply(
        selectors.agreement_list(actor=request.auth), request.GET, lists.AGREEMENTS
    ).queryset
    return paginate(request, rows, agreement_out)


@router.get(
    "/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS}, tags=["agreements"]
)
@access_rule("partners.agreement:view")
def agreement_detail(request, agreement_id: UUID):
    return agreement_out(selectors.agreement_get(actor=request.auth, public_id=agreement_id))


@router.post("/agreements", response={201: AgreementOut, **ERRORS}, tags=["agreements"])
@access_rule("partners.agreement:add")
def agreement_issue(request, payload: AgreementIssueIn):
    """Issue the newest version of a template to a partner."""
    actor = request.auth
    partner = selectors.partner_get(actor=actor, public_id=payload.partner_id)
    version = selectors.agreement_version_get(actor=actor, public_id=payload.version_id)
    agreement = agreement_services.agreement_issue(
        actor=actor, partner=partner, version=version, start_date=payload.start_date
    )
    return Status(201, agreement_out(agreement))


@router.post(
    "/agreements/{agreement_id}/decision",
    response={200: AgreementOut, **ERRORS},
    tags=["agreements"],
)
@access_rule("partners.agreement:change")
def agreement_decide(request, agreement_id: UUID, payload: AgreementDecisionIn):
    """The partner admin accepts (naming the version read) or declines (with a reason)."""
    agreement = selectors.agreement_get(actor=request.auth, public_id=agreement_id)
    if payload.decision == "accept":
        agreement_services.agreement_accept(
            actor=request.auth, agreement=agreement, address=request.META.get("REMOTE_ADDR"),
            version_number=payload.version,
        )  # fmt: skip
    elif payload.decision == "decline":
        agreement_services.agreement_decline(
            actor=request.auth, agreement=agreement, reason=payload.reason
        )
    else:
        raise ValidationError({"decision": "accept or decline"})
    return agreement_out(selectors.agreement_get(actor=request.auth, public_id=agreement_id))


@router.get("/agreement-templates", response={200: list[dict], **ERRORS}, tags=["agreements"])
@access_rule("partners.agreementtemplate:view")
def template_list(request):
    templates = selectors.agreement_template_list(actor=request.auth)
    return [
        {"id": str(t.public_id), "name": t.name, "description": t.description,
         "versions": [version_out(v) for v in t.versions.all()]}
        for t in templates
    ]  # fmt: skip


@router.post("/agreement-templates", response={201: dict, **ERRORS}, tags=["agreements"])
@access_rule("partners.agreementtemplate:add")
def template_create(request, payload: TemplateIn):
    template = agreement_services.template_create(actor=request.auth, **payload.dict())
    return Status(201, {"id": str(template.public_id), "name": template.name})


@router.post(
    "/agreement-templates/{template_id}/versions",
    response={201: VersionOut, **ERRORS},
    tags=["agreements"],
)
@access_rule("partners.agreementversion:add")
def version_publish(request, template_id: UUID, payload: VersionIn):
    """Publish the next version of a template's terms (published versions never change)."""
    template = selectors.agreement_template_get(actor=request.auth, public_id=template_id)
    version = agreement_services.version_publish(
        actor=request.auth, template=template, **payload.dict()
    )
    return Status(201, version_out(version))


@router.post("/agreement-review", response={202: dict, **ERRORS}, tags=["agreements"])
@access_rule("partners.agreement:add")
def agreements_review(request):
    """Queue the review now: reminders before notice dates, renewals, ends of fixed terms."""
    if not request.auth.is_orchestrator:
        raise PermissionDenied("The orchestrator runs the agreement review.")
    result = agreements_review_run.enqueue(request.auth.workspace.pk)
    return Status(202, {"task_id": str(result.id)})


# -- programmes and tiers --------------------------------------------------------------------


def program_out(program) -> dict:
    return {
        "id": program.public_id,
        "name": program.name,
        "description": program.description,
        "tiers": [
            {"name": t.name, "criteria": t.criteria, "benefits": t.benefits}
            for t in program.tiers.all()
        ],
    }


def proposal_out(proposal) -> dict:
    return {
        "id": proposal.public_id,
        "partner_id": proposal.partner.public_id,
        "partner": proposal.partner.organization.name,
        "program": proposal.proposed_tier.program.name,
        "current_tier": proposal.current_tier.name if proposal.current_tier else None,
        "proposed_tier": proposal.proposed_tier.name,
        "figures": proposal.figures,
        "status": proposal.status,
        "decided_tier": proposal.decided_tier.name if proposal.decided_tier else None,
        "reason": proposal.reason,
        "created_at": proposal.created_at,
    }


@router.get("/programs", response={200: list[ProgramOut], **ERRORS}, tags=["programmes"])
@access_rule("partners.program:view")
def program_list(request):
    return [program_out(p) for p in selectors.program_list(actor=request.auth)]


@router.post("/programs", response={201: ProgramOut, **ERRORS}, tags=["programmes"])
@access_rule("partners.program:add")
def program_create(request, payload: ProgramIn):
    """A programme with ranked tiers (entry level first): criteria over metrics, benefits."""
    program = tier_services.program_save(actor=request.auth, **payload.dict())
    return Status(201, program_out(program))


@router.put("/programs/{program_id}", response={200: ProgramOut, **ERRORS}, tags=["programmes"])
@access_rule("partners.program:change")
def program_update(request, program_id: UUID, payload: ProgramIn):
    program = selectors.program_get(actor=request.auth, action=CHANGE, public_id=program_id)
    return program_out(
        tier_services.program_save(actor=request.auth, program=program, **payload.dict())
    )


@router.put(
    "/partners/{partner_id}/program", response={200: PartnerOut, **ERRORS}, tags=["programmes"]
)
@access_rule("partners.partner:change")
def partner_enroll(request, partner_id: UUID, payload: EnrollIn):
    """Enrol a partner in a programme (null: none); the evaluation then proposes its tier."""
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id, action=CHANGE)
    program = (
        selectors.program_get(actor=request.auth, public_id=payload.program_id)
        if payload.program_id
        else None
    )
    tier_services.partner_enroll(actor=request.auth, partner=partner, program=program)
    return partner_out(partner, orchestrator=True)


@router.get("/tier-proposals", response={200: Page[ProposalOut], **ERRORS}, tags=["programmes"])
@access_rule("partners.tierproposal:view")
def proposal_list(request, status: str | None = None):
    rows = selectors.proposal_list(actor=request.auth)
    if status:
        rows = rows.filter(status=status)
    return paginate(request, rows, proposal_out)


@router.post(
    "/tier-proposals/{proposal_id}/decision",
    response={200: ProposalOut, **ERRORS},
    tags=["programmes"],
)
@access_rule("partners.tierproposal:change")
def proposal_decide(request, proposal_id: UUID, payload: ProposalDecisionIn):
    """Approve the proposed tier, override it (tier_rank + reason) or dismiss it (reason)."""
    proposal = selectors.proposal_get(actor=request.auth, public_id=proposal_id)
    tier = None
    if payload.tier_rank is not None:
        tier = selectors.tier_by_rank(
            actor=request.auth, program_id=proposal.proposed_tier.program_id, rank=payload.tier_rank
        )
    tier_services.proposal_decide(
        actor=request.auth,
        proposal=proposal,
        decision=payload.decision,
        tier=tier,
        reason=payload.reason,
    )
    proposal.refresh_from_db()
    return proposal_out(proposal)


@router.post("/tier-evaluation", response={202: dict, **ERRORS}, tags=["programmes"])
@access_rule("partners.tierproposal:change")
def tier_evaluation(request):
    """Queue the tier evaluation now (it also runs daily in the worker)."""
    if not request.auth.is_orchestrator:
        raise PermissionDenied("The orchestrator runs the tier evaluation.")
    result = tiers_evaluate_run.enqueue(request.auth.workspace.pk)
    return Status(202, {"task_id": str(result.id)})


# -- retirement and continuity ---------------------------------------------------------------


def plan_out(plan) -> dict:
    return {
        "id": plan.public_id,
        "partner_id": plan.partner.public_id,
        "effective_date": plan.effective_date,
        "reason": plan.reason,
        "status": plan.status,
        "items": [
            {"id": i.public_id, "kind": i.kind, "label": i.label, "resolution": i.resolution,
             "successor": i.successor.name if i.successor else None, "note": i.note}
            for i in plan.items.select_related("successor")
        ],
    }  # fmt: skip


def _plan(request, plan_id):
    return selectors.continuity_plan_get(actor=request.auth, public_id=plan_id)


@router.post(
    "/partners/{partner_id}/continuity-plan", response={201: PlanOut, **ERRORS}, tags=["partners"]
)
@access_rule("partners.partner:change")
def plan_open(request, partner_id: UUID, payload: PlanIn):
    """Start retiring a partner: a plan listing its customers, agreements and sign-ins."""
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id, action=CHANGE)
    plan = continuity.plan_open(actor=request.auth, partner=partner, **payload.dict())
    return Status(201, plan_out(plan))


@router.get("/continuity-plans/{plan_id}", response={200: PlanOut, **ERRORS}, tags=["partners"])
@access_rule("partners.continuityplan:view")
def plan_detail(request, plan_id: UUID):
    return plan_out(_plan(request, plan_id))


@router.post(
    "/continuity-items/{item_id}/resolution", response={200: PlanOut, **ERRORS}, tags=["partners"]
)
@access_rule("partners.partner:change")
def item_resolve(request, item_id: UUID, payload: ItemResolutionIn):
    """Hand a customer relationship to a successor, or close an item with a reason."""
    item = selectors.continuity_item_get(actor=request.auth, public_id=item_id)
    successor = (
        organization_get(actor=request.auth, public_id=payload.successor_id)
        if payload.successor_id
        else None
    )
    continuity.item_resolve(
        actor=request.auth,
        item=item,
        resolution=payload.resolution,
        successor=successor,
        note=payload.note,
    )
    return plan_out(item.plan)


@router.post(
    "/continuity-plans/{plan_id}/complete", response={200: PlanOut, **ERRORS}, tags=["partners"]
)
@access_rule("partners.partner:change")
def plan_complete(request, plan_id: UUID):
    """Complete the plan (every item decided): the partner retires and its access ends."""
    plan = _plan(request, plan_id)
    continuity.plan_complete(actor=request.auth, plan=plan)
    return plan_out(_plan(request, plan_id))


# -- public partner locator ------------------------------------------------------------------


@router.get(
    "/public/{slug}/partners",
    auth=None,
    response={200: list[PublicPartnerOut], 404: Detail},
    tags=["public"],
)
@access_rule(PUBLIC)
def locator_search(request, slug: str, region: str = "", capability: str = "", role: str = ""):
    """The public partner locator: listed active partners, with only what each agreed to show."""
    from django_scopes import scope

    workspace = _public_workspace(slug)
    with scope(workspace=workspace.pk):
        return locator.listings_public(region=region, capability=capability, role=role)


@router.put(
    "/partners/{partner_id}/listing", response={200: ListingIn, **ERRORS}, tags=["partners"]
)
@access_rule("partners.partner:view")
def listing_save(request, partner_id: UUID, payload: ListingIn):
    """The partner's admin sets what the public locator shows (the orchestrator may unpublish)."""
    partner = selectors.partner_get(actor=request.auth, public_id=partner_id)
    listing = locator.listing_save(actor=request.auth, partner=partner, **payload.dict())
    return {name: getattr(listing, name) for name in locator.FIELDS}
