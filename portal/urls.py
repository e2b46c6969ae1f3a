from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from portal import views
from portal.catalogue import discovery
from portal.catalogue import views as catalogue

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("initiatives/", catalogue.initiative_index, name="initiative_index"),
    path("recherche/", catalogue.search_page, name="search"),
    path("flux/initiatives.atom", discovery.InitiativeFeed(), name="feed"),
    path("flux/thematiques/<slug:slug>.atom", discovery.ThemeFeed(), name="theme_feed"),
    path("flux/territoires/<slug:slug>.atom", discovery.TerritoryFeed(), name="territory_feed"),
    path("agenda.ics", discovery.agenda_ics, name="agenda_ics"),
    path("initiatives/<slug:slug>/agenda.ics", discovery.initiative_ics, name="initiative_ics"),
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": discovery.SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    re_path(
        r"^sitemap-(?P<section>{})\.xml$".format("|".join(discovery.SITEMAPS)),
        sitemap,
        {"sitemaps": discovery.SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", discovery.robots_txt, name="robots"),
    re_path(r"^(?P<page>{})/$".format("|".join(views.LEGAL_PAGES)), views.legal_page, name="legal"),
    path("", include("portal.opendata.api")),  # the open-data API and exports
    path("admin/", admin.site.urls),
    path("", include("actors.urls")),
    path("", include("initiatives.urls")),
]

handler404 = "portal.opendata.api.page_not_found"  # JSON with CORS at open-data addresses
handler500 = "portal.views.server_error"
