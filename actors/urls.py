from django.urls import path

from actors import views

app_name = "actors"

urlpatterns = [
    path("acteurs/", views.actor_index, name="index"),
    path("acteurs/organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("acteurs/personnes/<slug:slug>/", views.person_detail, name="person"),
]
