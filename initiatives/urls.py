from django.urls import path

from initiatives import views

app_name = "initiatives"

urlpatterns = [
    path("territoires/", views.territory_index, name="territories"),
    path("thematiques/", views.theme_index, name="themes"),
    path("agenda/", views.agenda, name="agenda"),
    path("documents/", views.document_index, name="documents"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
    path("territoires/<slug:slug>/", views.territory_detail, name="territory"),
    path("thematiques/<slug:slug>/", views.theme_detail, name="theme"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path("documents/<slug:slug>/fichier/", views.document_file, name="document_file"),
]
