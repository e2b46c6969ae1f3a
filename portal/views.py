import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "portal/home.html")


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
