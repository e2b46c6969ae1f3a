from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("initiatives/", views.initiative_index, name="initiative_index"),
    path("recherche/", views.search_page, name="search"),
    path("admin/", admin.site.urls),
    path("", include("actors.urls")),
    path("", include("initiatives.urls")),
]
