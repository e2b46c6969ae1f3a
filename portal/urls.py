from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from initiatives import urls as registry_pages
from initiatives import views as registry
from portal import reporting, views
from portal.catalogue import alert_views, discovery, embed
from portal.catalogue import views as catalogue
from portal.maps import views as maps
from portal.opendata import dcat

# Every public page under /initiatives/, here and nowhere else. The exports
# /initiatives/export.<format> are open data: they are declared with the API
# (portal.opendata.api), whose OpenAPI document describes them and whose CORS, rate limit and
# JSON 404 they share.
initiative_pages = [
    path("initiatives/", catalogue.initiative_index, name="initiative_index"),
    # Before the records' <slug>: "integrer" names the page that embeds the list.
    path("initiatives/integrer/", embed.initiative_embed_builder, name="initiative_embed_builder"),
    path("integrer/initiatives/", embed.initiative_embed, name="initiative_embed"),
    path("initiatives/<slug:slug>/agenda.ics", discovery.initiative_ics, name="initiative_ics"),
]
initiative_record = [  # named initiatives:detail, beside the registry's other record pages
    path("initiatives/<slug:slug>/", registry.initiative_detail, name="detail"),
]

# French unprefixed, English under /en/ (portal.i18n): every page a visitor reads, its feeds and
# calendars. The staff pages, the open data (which take ?lang=en) and the robots' files are
# addressed once.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
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
    path("favicon.ico", views.favicon, name="favicon"),
    path(".well-known/security.txt", reporting.security_txt, name="security_txt"),
    path("csp-report/", reporting.csp_report, name="csp_report"),
    path("", include("portal.opendata.api")),  # the open-data API and exports
    path("donnees/catalogue.jsonld", dcat.catalogue_jsonld, name="opendata_catalogue"),
    path("admin/", include("portal.password_reset")),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    *initiative_pages,
    path("recherche/", catalogue.search_page, name="search"),
    path("carte/", maps.initiative_map, name="initiative_map"),
    path("flux/initiatives.atom", discovery.InitiativeFeed(), name="feed"),
    path("flux/thematiques/<slug:slug>.atom", discovery.ThemeFeed(), name="theme_feed"),
    path("flux/territoires/<slug:slug>.atom", discovery.TerritoryFeed(), name="territory_feed"),
    path("agenda.ics", discovery.agenda_ics, name="agenda_ics"),
    path("alertes/", alert_views.alert_subscribe, name="alert_subscribe"),
    path("alertes/confirmer/<str:token>/", alert_views.alert_confirm, name="alert_confirm"),
    path(
        "alertes/desabonner/<str:token>/", alert_views.alert_unsubscribe, name="alert_unsubscribe"
    ),
    re_path(r"^(?P<page>{})/$".format("|".join(views.LEGAL_PAGES)), views.legal_page, name="legal"),
    path("", include("actors.urls")),
    path("", include((registry_pages.urlpatterns + initiative_record, "initiatives"))),
    prefix_default_language=False,
)

handler404 = "portal.opendata.api.page_not_found"  # JSON with CORS at open-data addresses
handler500 = "portal.views.server_error"
