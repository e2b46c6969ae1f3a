import logging
import sys

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F
from django.http import FileResponse, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache

from actors.models import Organisation
from initiatives.models import Event, Initiative, Listing, Territory
from portal import alerts, replica
from portal.cache import remembered
from portal.opendata.access import error_answer, is_open_data_address

logger = logging.getLogger(__name__)
HOME_PROGRAMMES = 12
SITE_PLAN_PROGRAMMES = 30


def home(request):
    initiatives = Initiative.objects.published()
    today = timezone.localdate()
    events = Event.objects.published().select_related("initiative", "territory")
    initiative_count, organisation_count, territory_count = remembered(
        "home-counts",
        (),
        lambda: [
            Listing.objects.count(),
            Organisation.objects.published().count(),
            Territory.objects.count(),
        ],
        request,
        section="pages",  # published organisations and territories count too
    )
    return render(
        request,
        "portal/home.html",
        {
            "initiative_count": initiative_count,
            "organisation_count": organisation_count,
            "territory_count": territory_count,
            "programmes": initiatives.with_first_year().top_level(HOME_PROGRAMMES),
            "upcoming_events": events.upcoming(today).order_by("start")[:4],
            "recent_events": events.past(today).order_by(F("start").desc())[:4],
            "recently_updated": initiatives.recently_updated()[:5],
            "this_year": today.year,
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
    body = {"status": "ok"}
    if replica.configured():  # public reads fall back to the primary: it is never an error here
        body["replica"] = replica.status()
    return JsonResponse(body)


FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


def favicon(request):
    """/favicon.ico, which browsers and feed readers ask for whatever the page links."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


LEGAL_PAGES = {
    "mentions-legales": "portal/legal/mentions_legales.html",
    "donnees-personnelles": "portal/legal/donnees_personnelles.html",
    "accessibilite": "portal/legal/accessibilite.html",
    "plan-du-site": "portal/legal/plan_du_site.html",
}


def legal_page(request, page):
    context = {}
    if page == "mentions-legales":
        context["security_contacts"] = settings.SECURITY_CONTACTS
    if page == "plan-du-site":
        context["programmes"] = Initiative.objects.published().top_level(SITE_PLAN_PROGRAMMES)
    if page == "donnees-personnelles":
        context["alert_confirmation_days"] = alerts.CONFIRMATION_DAYS  # the page says what is done
    return render(request, LEGAL_PAGES[page], context)


def server_error(request):
    """500, or a styled 503 when the database is what failed: it says the service will be back.

    Rendered without a request context, so it needs nothing from the database.
    """
    error = sys.exc_info()[1]
    if is_open_data_address(request.path_info):  # a client reads JSON, from any origin
        if isinstance(error, DatabaseError):
            response = error_answer(503, {"detail": ["Service indisponible, réessayez."]})
            response["Retry-After"] = "30"
            return response
        return error_answer(500, {"detail": ["Erreur interne du serveur."]})
    if isinstance(error, DatabaseError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
