from django.urls import path

from initiatives import views

app_name = "initiatives"

urlpatterns = [
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
    path("territoires/<slug:slug>/", views.territory_detail, name="territory"),
    path("thematiques/<slug:slug>/", views.theme_detail, name="theme"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
]
