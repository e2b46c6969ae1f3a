"""The pages of email alerts (`portal.alerts`): subscribe, confirm, unsubscribe.

No account and no session: the form on the index posts without a CSRF token, so that the
index stays a cacheable page without cookies. Forging it would only ask for an alert that the
address's owner must still confirm (double opt-in), within the rate limit.
"""

import logging

from django.core import signing
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from portal import alerts
from portal.catalogue.discovery import RefusedParameters, describe, followed_query, list_filter
from portal.catalogue.forms import AlertForm

logger = logging.getLogger(__name__)


def _message(request, title, text, status=200, list_query=None):
    context = {"title": title, "text": text, "list_query": list_query}
    return render(request, "portal/alert_message.html", context, status=status)


@csrf_exempt
@never_cache
def alert_subscribe(request):
    """GET: the form for the list given by the query; POST: the request for an alert."""
    if request.method == "POST":
        form = AlertForm(request.POST)
        query = request.POST.get("liste", "")
    else:
        form = AlertForm(initial={"liste": followed_query(request.GET)})
        query = request.GET.urlencode()
    try:
        filterset = list_filter(QueryDict(query))
    except RefusedParameters as error:
        return _message(request, gettext("Liste introuvable"), str(error), status=400)
    query = followed_query(filterset.data)
    context = {"form": form, "list_name": describe(filterset), "list_query": query}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "portal/alert_form.html", context, status=status)
    email = form.cleaned_data["email"]
    if alerts.refused_by_rate_limit(request, email):
        return _message(
            request,
            gettext("Trop de demandes"),
            gettext(
                "Trop de demandes d'alerte depuis cette adresse ou pour ce courriel. "
                "Réessayez plus tard."
            ),
            status=429,
            list_query=query,
        )
    try:
        alerts.subscribe(email, query, form.cleaned_data["frequence"])
    except OSError:
        logger.exception("Courriel de confirmation d'alerte non envoyé")
        return _message(
            request,
            gettext("Envoi impossible"),
            gettext("Le courriel de confirmation n'a pas pu être envoyé. Réessayez plus tard."),
            status=503,
            list_query=query,
        )
    return _message(
        request,
        gettext("Confirmez votre alerte"),
        gettext(
            "Si l'adresse indiquée est valide, elle va recevoir un courriel avec un lien de "
            "confirmation. L'alerte ne commence qu'une fois ce lien suivi."
        ),
        list_query=query,
    )


@never_cache
def alert_confirm(request, token):
    try:
        alert = alerts.alert_of(token, alerts.SALT_CONFIRM)
    except signing.SignatureExpired:
        return _message(
            request,
            gettext("Lien expiré"),
            gettext(
                "Ce lien de confirmation a plus de %(days)s jours. "
                "Demandez l'alerte à nouveau depuis la liste."
            )
            % {"days": alerts.CONFIRMATION_DAYS},
            status=400,
        )
    except signing.BadSignature:
        return _message(
            request, gettext("Lien invalide"), gettext("Ce lien de confirmation est invalide."), 400
        )
    if alert is None:
        text = gettext("Cette alerte n'existe plus : demandez-la à nouveau.")
        return _message(request, gettext("Alerte introuvable"), text, 404)
    alerts.confirm(alert)
    return _message(
        request,
        gettext("Alerte confirmée"),
        gettext(
            "Vous recevrez les nouveautés de cette liste (%(frequency)s). "
            "Chaque courriel contient un lien pour vous désabonner en un clic."
        )
        % {"frequency": alert.get_frequency_display().lower()},
        list_query=alert.query,
    )


@csrf_exempt  # RFC 8058: mail clients unsubscribe by a POST without any cookie
@never_cache
def alert_unsubscribe(request, token):
    """One click (GET from the email, or POST from the mail client): the alert and its address
    are deleted."""
    try:
        alert = alerts.alert_of(token, alerts.SALT_UNSUBSCRIBE)
    except signing.BadSignature:
        return _message(
            request,
            gettext("Lien invalide"),
            gettext("Ce lien de désabonnement est invalide."),
            400,
        )
    query = alert.query if alert else None
    if alert is not None:
        alert.delete()
    return _message(
        request,
        gettext("Désabonnement confirmé"),
        gettext("Vous ne recevrez plus de courriel pour cette liste ; votre adresse est effacée."),
        list_query=query,
    )
