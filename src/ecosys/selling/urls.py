from django.urls import path

from . import views

app_name = "selling"

urlpatterns = [
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/new/", views.deal_submit, name="deal-submit"),
    path("deals/<uuid:public_id>/", views.deal_detail, name="deal-detail"),
    path("deals/<uuid:public_id>/decide/", views.deal_decide, name="deal-decide"),
    path("deals/<uuid:public_id>/close/", views.deal_close, name="deal-close"),
]
