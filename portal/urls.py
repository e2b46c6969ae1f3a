from django.contrib import admin
from django.urls import include, path, re_path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("initiatives/", views.initiative_index, name="initiative_index"),
    path("recherche/", views.search_page, name="search"),
    re_path(r"^(?P<page>{})/$".format("|".join(views.LEGAL_PAGES)), views.legal_page, name="legal"),
    path("admin/", admin.site.urls),
    path("", include("actors.urls")),
    path("", include("initiatives.urls")),
]

handler500 = "portal.views.server_error"
