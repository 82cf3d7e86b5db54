"""Pages of channel data and performance results, under /performance/."""

from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("league/", views.league, name="league"),
    path("partners/<uuid:public_id>/", views.partner_profile, name="partner"),
    path("data/", views.load_list, name="loads"),
    path("data/<uuid:public_id>/", views.load_detail, name="load"),
    path("data/<uuid:public_id>/withdraw/", views.load_withdraw, name="load-withdraw"),
    path("runs/", views.run_list, name="runs"),
    path("runs/now/", views.run_now, name="run-now"),
]
