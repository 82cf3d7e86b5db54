"""Core pages: sign-in, the home dashboard, the audit log, API tokens, imports, health."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import ADD, MEMBER, PUBLIC, allows
from .forms import AuditFilterForm, ImportUploadForm, MemberForm, ShareForm, TokenForm
from .imports import IMPORTERS
from .listing import list_page
from .pages import apply_service, is_htmx, page


@method_decorator(never_cache, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


login_view = page(PUBLIC)(LoginView.as_view())
logout_view = page(PUBLIC)(auth_views.LogoutView.as_view())


@page(PUBLIC)
def ping(request):
    """Liveness: the process answers (also the trivial view the benchmarks compare against)."""
    return HttpResponse("ok", content_type="text/plain")


@page(PUBLIC)
def health(request):
    """Readiness for load balancers: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@page(MEMBER)
def home(request):
    from ecosys.ecosystem import selectors as eco

    actor = request.actor
    if not actor.is_orchestrator:
        # The home page is where the apps meet: the portal shows the partner's own status.
        from ecosys.partners.selectors import partner_list
        from ecosys.readiness.selectors import new_product_courses

        return render(
            request,
            "core/portal_home.html",
            {
                "partner": partner_list(actor=actor)
                .filter(organization_id=actor.organization_id)
                .first(),
                "organization": actor.membership.organization,
                "people_count": eco.person_list(actor=actor).count(),
                "relationship_count": eco.relationship_list(actor=actor).count(),
                "new_product_courses": new_product_courses(actor=actor)[:10],
            },
        )
    role_counts = eco.role_counts(actor=actor)
    context = {
        "role_counts": role_counts,
        "organization_total": eco.organization_list(actor=actor).count(),
        "people_total": eco.person_list(actor=actor).count(),
        "relationship_total": eco.relationship_list(actor=actor).count(),
        "by_region": eco.organization_counts_by(actor=actor, field="region"),
        "by_worker_type": eco.person_counts_by_worker_type(actor=actor),
        "recent": selectors.audit_log(actor=actor)[:12],
    }
    return render(request, "core/home.html", context)


@page("core.auditevent:view")
def audit_log(request):
    events = selectors.audit_log(actor=request.actor)
    if not request.actor.is_orchestrator:
        raise PermissionDenied("The workspace log is for the orchestrator.")
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        events = form.apply(events)
    page_obj = list_page(events, request.GET)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page_obj": page_obj, "params": params.urlencode()},
    )


@page(MEMBER)
def token_list(request):
    actor = request.actor
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _, raw = services.token_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"form": form, "raw_token": raw, "tokens": selectors.token_list(actor=actor)},
    )


@require_POST
@page(MEMBER)
def token_revoke(request, public_id):
    token = selectors.token_get(actor=request.actor, public_id=public_id)
    services.token_revoke(actor=request.actor, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("token-list")


@page("core.importjob:add")
def import_create(request, kind):
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise Http404("Nothing can be imported as that.")
    if not allows(request.actor, ADD, importer.model):
        raise PermissionDenied(f"Your role may not import {importer.label.lower()}.")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                actor=request.actor, kind=kind, file_name=upload.name, content=upload.read()
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            return redirect("import-detail", job.public_id)
    return render(request, "core/import_form.html", {"form": form, "importer": importer})


@page("core.importjob:view")
def import_detail(request, public_id):
    job = selectors.import_job_get(actor=request.actor, public_id=public_id)
    template = "core/partials/import_status.html" if is_htmx(request) else "core/import_detail.html"
    back = {
        "organizations": "ecosystem:organization-list",
        "people": "ecosystem:person-list",
        "products": "performance_setup:product-list",
        "person-skills": "engagements:staffing-person-skill-list",
        "exchange-rates": "performance_setup:exchange-rate-list",
    }
    return render(
        request,
        template,
        {"job": job, "back_url": reverse(back.get(job.kind, "home"))},
    )


# -- members ---------------------------------------------------------------------------------


@page("core.membership:manage")
def member_list(request):
    from ecosys.ecosystem.selectors import organization_list

    actor = request.actor
    organizations = organization_list(actor=actor) if actor.is_orchestrator else None
    form = MemberForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization", None) or (
            actor.workspace.orchestrator if actor.is_orchestrator else actor.membership.organization
        )
        membership = apply_service(
            form, lambda: services.member_add(actor=actor, organization=organization, **data)
        )
        if membership is not None:
            messages.success(
                request, f"{membership.user.email} added; an invitation is on its way."
            )
            return redirect("member-list")
    return render(
        request,
        "core/members.html",
        {"form": form, "members": selectors.member_list(actor=actor)},
    )


@require_POST
@page("core.membership:manage")
def member_set_active(request, public_id):
    membership = selectors.member_get(actor=request.actor, public_id=public_id)
    active = request.POST.get("active") == "1"
    try:
        services.member_set_active(actor=request.actor, membership=membership, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{membership.user.email} {'restored' if active else 'suspended'}."
        )
    return redirect("member-list")


class PasswordSetView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_set.html"
    success_url = "/login/"
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, "Password saved. Sign in with your e-mail and it.")
        return super().form_valid(form)


password_set = page(PUBLIC)(PasswordSetView.as_view())


# -- sharing ---------------------------------------------------------------------------------


def _redirect_back(request):
    """Back to the page the form was on; never to another site (an open redirect)."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe and target.startswith("/") else "home")


@require_POST
@page("core.sharinggrant:add")
def share_create(request, target_type, public_id):
    from ecosys.ecosystem.selectors import organization_list

    target = selectors.shareable_get(
        actor=request.actor, target_type=target_type, public_id=public_id
    )
    form = ShareForm(request.POST, organizations=organization_list(actor=request.actor))
    if form.is_valid():
        try:
            services.grant_share(actor=request.actor, target=target, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Shared with {form.cleaned_data['organization']}.")
    else:
        messages.error(request, "Choose an organisation from the suggestions to share with.")
    return _redirect_back(request)


@require_POST
@page("core.sharinggrant:delete")
def share_revoke(request, public_id):
    grant = selectors.grant_get(actor=request.actor, public_id=public_id)
    services.grant_revoke(actor=request.actor, grant=grant)
    messages.success(request, f"No longer shared with {grant.organization}.")
    return _redirect_back(request)
