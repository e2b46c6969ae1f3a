import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from actors.models import Organisation, Person
from initiatives.models import Initiative

logger = logging.getLogger(__name__)


def home(request):
    initiatives = Initiative.objects.published()
    return render(
        request,
        "portal/home.html",
        {
            "initiative_count": initiatives.count(),
            "organisation_count": Organisation.objects.published().count(),
            "person_count": Person.objects.published().count(),
            "programmes": initiatives.filter(parent__isnull=True).order_by("sort_key"),
            "recently_updated": initiatives.order_by("-updated_at")[:5],
        },
    )


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # The details (socket paths, hosts) stay in the log, not in a public response.
        logger.exception("healthz: the database does not answer")
        return JsonResponse({"status": "error", "reason": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
