"""Partner lifecycle API: partners, their transitions and timeline, ideal partner profiles."""

from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Router, Status

from ecosys.core.access import CHANGE, DELETE, access_rule
from ecosys.core.api import paginate
from ecosys.core.listing import export_response, list_apply
from ecosys.core.models import User
from ecosys.core.schemas import Detail, Page
from ecosys.ecosystem.selectors import organization_get

from . import lists, selectors, services
from .schemas import (
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PartnerTransitionIn,
    ProfileIn,
    ProfileOut,
    TimelineOut,
)

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
        owner = User.objects.filter(email=(email or "").lower()).first() if email else None
        if email and owner is None:
            raise ValidationError({"owner": f"No user with the e-mail {email}."})
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
