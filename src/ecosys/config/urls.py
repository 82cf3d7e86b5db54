from django.urls import include, path

from ecosys.core import views as core_views

from .api import api

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.login_view, name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("-/ping", core_views.ping, name="ping"),
    path("-/health", core_views.health, name="health"),
    path("audit/", core_views.audit_log, name="audit-log"),
    path("tokens/", core_views.token_list, name="token-list"),
    path("tokens/<uuid:public_id>/revoke/", core_views.token_revoke, name="token-revoke"),
    path("imports/<slug:kind>/new/", core_views.import_create, name="import-create"),
    path("members/", core_views.member_list, name="member-list"),
    path("members/<uuid:public_id>/active/", core_views.member_set_active, name="member-active"),
    path("password/set/<uidb64>/<token>/", core_views.password_set, name="password-set"),
    path(
        "shares/<str:target_type>/<uuid:public_id>/", core_views.share_create, name="share-create"
    ),
    path("shares/<uuid:public_id>/revoke/", core_views.share_revoke, name="share-revoke"),
    path("imports/<uuid:public_id>/", core_views.import_detail, name="import-detail"),
    path("api/v1/", api.urls),
    path("", include("ecosys.core.urls")),
    path("", include("ecosys.ecosystem.urls")),
    path("", include("ecosys.partners.urls")),
    path("", include("ecosys.questionnaires.urls")),
    path("", include("ecosys.readiness.urls")),
    path("", include("ecosys.performance.urls")),
    path("", include("ecosys.selling.urls")),
    path("", include("ecosys.portability.urls")),
    path("", include("ecosys.engagements.urls")),
]
