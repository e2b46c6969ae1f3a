"""The registry's public record pages, named initiatives:…; portal/urls.py includes them under
that namespace, with the initiative's own page (every /initiatives/… page is declared there)."""

from django.urls import path

from initiatives import views

urlpatterns = [
    path("territoires/", views.territory_index, name="territories"),
    path("thematiques/", views.theme_index, name="themes"),
    path("agenda/", views.agenda, name="agenda"),
    path("documents/", views.document_index, name="documents"),
    path("territoires/<slug:slug>/", views.territory_detail, name="territory"),
    path("thematiques/<slug:slug>/", views.theme_detail, name="theme"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path("documents/<slug:slug>/fichier/", views.document_file, name="document_file"),
]
