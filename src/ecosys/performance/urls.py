from django.urls import include, path

urlpatterns = [
    path("performance/", include("ecosys.performance.urls_main")),
    path("performance/setup/", include("ecosys.performance.urls_setup")),
    path("performance/", include("ecosys.performance.urls_actions")),
]
