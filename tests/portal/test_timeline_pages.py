"""The timelines on the seed data: an initiative's strip and its one chronological list, a
programme's bars, the table of contents of a long page."""

import re

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

PICARDIE = "/initiatives/co-animation-reseau-regional-economie-circulaire-picardie/"
EFC = "/initiatives/soutien-deploiement-economie-fonctionnalite-cooperation/"
TESR = "/initiatives/transformation-ecologique-et-sociale-de-la-region/"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_picardie_network_tells_each_event_once_in_one_chronology(client):
    html = page(client, PICARDIE)
    # Told in the chronology's list only (the picture's hover titles and schema.org aside).
    visible = html.split("</head>")[1].split('<svg class="chart__svg"')
    visible = visible[0] + visible[1].split("</svg>", 1)[1]
    assert visible.count("couches lavables") == 1
    assert visible.count("Fusion des régions") == 1
    assert "plénières prévues ne peuvent se tenir" not in visible  # the cancelled events say it
    assert ">Événements</h2>" not in html  # no second list: events sit in the chronology
    chronology = html.split('id="chronologie-liste"')[1].split("</ol>")[0]
    dates = re.findall(r'class="(?:timeline__date|event__when)">([^<]+)<', chronology)
    assert dates[:4] == ["2006", "2012", "2014", "2015"]
    assert "21 mars 2016" in dates and dates.index("2016") < dates.index("21 mars 2016")


def test_the_strip_draws_days_as_points_years_as_spans_and_marks_statuses(client):
    html = page(client, PICARDIE)
    svg = html.split('<svg class="chart__svg"')[1].split("</svg>")[0]
    assert 'role="img" aria-labelledby="strip-caption"' in svg
    assert svg.count("mark--cancelled") == 2 and svg.count("mark--held") == 6
    assert svg.count("<circle") == 5  # the five events known to the day
    assert re.search(r"<title>21 mars 2016 · Formation-action[^<]*· Tenu</title>", svg)
    assert 'id="strip-caption"' in html and "style=" not in svg


def test_a_programme_draws_its_children_as_bars_over_the_years(client):
    html = page(client, EFC)
    figure = html.split('role="img" aria-labelledby="bars-caption"')[1].split("</figure>")[0]
    assert f"de 2002 à {timezone.localdate().year}" in figure  # "depuis 2002": to this day
    assert figure.count('<g class="bar') == 4  # the programme and its three actions
    assert "bar--parent bar--open" in figure
    tesr = page(client, TESR)
    assert tesr.count("dates non connues</text>") == 9  # the nine operations


def test_a_long_page_opens_with_its_table_of_contents(client):
    html = page(client, TESR)
    contents = html.split('aria-labelledby="contents-title"')[1].split("</nav>")[0]
    anchors = re.findall(r'href="#([a-z]+)"', contents)
    assert anchors[:2] == ["objectifs", "description"]
    for anchor in anchors:
        assert f'id="{anchor}"' in html
