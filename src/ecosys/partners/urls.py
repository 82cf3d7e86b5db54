from django.urls import include, path

from . import (
    views,
    views_agreements,
    views_applications,
    views_continuity,
    views_locator,
    views_tiers,
)

app_name = "partners"

urlpatterns = [
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/board/", views.partner_board, name="partner-board"),
    path("partners/new/", views.partner_create, name="partner-create"),
    path("partners/<uuid:public_id>/", views.partner_detail, name="partner-detail"),
    path("partners/<uuid:public_id>/edit/", views.partner_update, name="partner-update"),
    path(
        "partners/<uuid:public_id>/transition/", views.partner_transition, name="partner-transition"
    ),
    path("apply/<slug:slug>/", views_applications.apply, name="apply"),
    path("locator/<slug:slug>/", views_locator.public_locator, name="locator"),
    path("partners/<uuid:public_id>/listing/", views_locator.listing_save, name="listing-save"),
    path("partners/applications/", views_applications.application_list, name="application-list"),
    path(
        "partners/applications/<uuid:public_id>/",
        views_applications.application_detail,
        name="application-detail",
    ),
    path(
        "partners/applications/<uuid:public_id>/decide/",
        views_applications.application_decide,
        name="application-decide",
    ),
    path("partners/approval-steps/", views_applications.approval_steps, name="approval-steps"),
    path("partners/agreements/", views_agreements.agreement_list, name="agreement-list"),
    path("partners/agreements/new/", views_agreements.agreement_issue, name="agreement-issue"),
    path(
        "partners/agreements/review/",
        views_agreements.agreements_review_now,
        name="agreements-review",
    ),
    path(
        "partners/agreements/<uuid:public_id>/",
        views_agreements.agreement_detail,
        name="agreement-detail",
    ),
    path(
        "partners/agreements/<uuid:public_id>/decide/",
        views_agreements.agreement_decide,
        name="agreement-decide",
    ),
    path("partners/agreement-templates/", views_agreements.template_list, name="template-list"),
    path(
        "partners/agreement-templates/<uuid:public_id>/publish/",
        views_agreements.version_publish,
        name="version-publish",
    ),
    path("partners/programs/", views_tiers.program_list, name="program-list"),
    path("partners/programs/new/", views_tiers.program_edit, name="program-create"),
    path("partners/programs/<uuid:public_id>/edit/", views_tiers.program_edit, name="program-edit"),
    path("partners/tier-proposals/", views_tiers.proposal_list, name="proposal-list"),
    path("partners/tier-proposals/evaluate/", views_tiers.evaluate_now, name="tiers-evaluate"),
    path(
        "partners/tier-proposals/<uuid:public_id>/decide/",
        views_tiers.proposal_decide,
        name="proposal-decide",
    ),
    path("partners/<uuid:public_id>/enroll/", views_tiers.partner_enroll, name="partner-enroll"),
    path("partners/<uuid:public_id>/retire/", views_continuity.plan_open, name="plan-open"),
    path("partners/continuity/<uuid:public_id>/", views_continuity.plan_detail, name="plan-detail"),
    path(
        "partners/continuity/<uuid:public_id>/complete/",
        views_continuity.plan_complete,
        name="plan-complete",
    ),
    path(
        "partners/continuity-items/<uuid:public_id>/resolve/",
        views_continuity.item_resolve,
        name="item-resolve",
    ),
    path("", include("ecosys.partners.urls_renewals")),
    path("partner-profiles/", views.profile_list, name="profile-list"),
    path("partner-profiles/new/", views.profile_create, name="profile-create"),
    path("partner-profiles/<uuid:public_id>/edit/", views.profile_update, name="profile-update"),
    path("partner-profiles/<uuid:public_id>/delete/", views.profile_delete, name="profile-delete"),
]
