"""Readiness pages: onboarding templates; ticking tasks off from the partner's page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ecosys.core.access import ADD, allows, get_visible, restrict
from ecosys.core.pages import apply_service, page

from . import services
from .models import Announcement, AnnouncementRead, OnboardingTask, OnboardingTemplate

EXAMPLE = """0 | orchestrator | Welcome call and portal tour
3 | partner | Invite your sales and service staff to the portal
7 | partner | Accept the partner agreement | 30
14 | orchestrator | Joint business plan workshop | 30
30 | partner | First two people complete product training | 30
60 | partner | First registered deal | 60
90 | orchestrator | 90-day review and tier placement | 90"""


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    is_default = forms.BooleanField(
        required=False, label="Start it for every partner entering onboarding"
    )
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 9}), initial=EXAMPLE, label="Tasks"
    )


@page("readiness.onboardingtemplate:view")
def template_list(request):
    actor = request.actor
    can_add = actor.is_orchestrator and allows(actor, ADD, OnboardingTemplate)
    form = TemplateForm(request.POST or None) if can_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        saved = apply_service(
            form, lambda: services.template_save(actor=actor, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, f"Onboarding template “{saved}” saved.")
            return redirect("readiness:template-list")
    templates = [
        (template, services.tasks_source(template.tasks))
        for template in restrict(OnboardingTemplate.objects.all(), actor)
    ]
    return render(request, "readiness/template_list.html", {"templates": templates, "form": form})


@require_POST
@page("readiness.onboardingtask:change")
def task_done(request, public_id):
    actor = request.actor
    task = get_visible(
        OnboardingTask.objects.select_related("plan__partner"), actor, public_id=public_id
    )
    try:
        services.task_done(actor=actor, task=task, done=request.POST.get("done") == "1")
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("partners:partner-detail", task.plan.partner.public_id)


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    program = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", empty_label="Every programme"
    )
    tier = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="public_id", empty_label="Every tier"
    )
    region = forms.ChoiceField(required=False)
    member_role = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Admins and members"),
            ("external_admin", "Partner admins only"),
            ("external_member", "Partner members only"),
        ],
    )

    def __init__(self, *args, **kwargs):
        from ecosys.ecosystem.models import Region
        from ecosys.partners.models import Program, Tier

        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.all()
        self.fields["tier"].queryset = Tier.objects.select_related("program")
        self.fields["region"].choices = [("", "Every region"), *Region.choices]


@page("readiness.announcement:view")
def announcement_list(request):
    from . import announcements

    actor = request.actor
    can_add = actor.is_orchestrator and allows(actor, ADD, Announcement)
    form = AnnouncementForm(request.POST or None) if can_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        published = apply_service(
            form, lambda: announcements.announcement_publish(actor=actor, **form.cleaned_data)
        )
        if published is not None:
            messages.success(
                request, f"Published to {len(published.recipients)} partner member(s)."
            )
            return redirect("readiness:announcement-list")
    rows = list(announcements.announcements_for(actor=actor)[:100])
    read_ids = set(
        AnnouncementRead.objects.filter(user=actor.user, announcement__in=rows).values_list(
            "announcement_id", flat=True
        )
    )
    items = [
        {
            "announcement": a,
            "read": a.pk in read_ids,
            "reach": announcements.reach(a) if actor.is_orchestrator else None,
        }
        for a in rows
    ]
    return render(request, "readiness/announcement_list.html", {"items": items, "form": form})


@page("readiness.announcement:view")
def announcement_detail(request, public_id):
    from django.http import Http404

    from . import announcements

    actor = request.actor
    announcement = announcements.announcements_for(actor=actor).filter(public_id=public_id).first()
    if announcement is None:
        raise Http404("Not found.")
    announcements.mark_read(actor=actor, announcement=announcement)
    return render(
        request,
        "readiness/announcement_detail.html",
        {
            "announcement": announcement,
            "reach": announcements.reach(announcement) if actor.is_orchestrator else None,
        },
    )
