"""The timeline's placement of partial dates: a year as a span, a month as a shorter span, a
day as a point, each inside the span of what contains it; lanes that keep marks apart."""

import datetime
from types import SimpleNamespace

import pytest

from initiatives.partial_dates import PartialDate
from initiatives.timeline import POINT, Mark, Scale, assign_lanes, programme_bars, strip

P = PartialDate.parse


@pytest.fixture
def scale():
    return Scale(2015, 2017, left=0, width=1096)  # 1,096 days: one unit a day


def test_a_year_spans_its_whole_width(scale):
    assert scale.span(P("2015")) == (0, 365)
    assert scale.span(P("2016")) == (365, 731)  # a leap year is a day longer


def test_a_month_is_a_shorter_span_inside_its_year(scale):
    year = scale.span(P("2016"))
    march = scale.span(P("2016-03"))
    assert march == (365 + 31 + 29, 365 + 31 + 29 + 31)
    assert year[0] <= march[0] < march[1] <= year[1]
    assert scale.span(P("2016-02"))[1] - scale.span(P("2016-02"))[0] == 29


def test_a_day_is_a_point_inside_its_month(scale):
    x0, x1 = scale.span(P("21/03/2016"))
    assert x0 == x1 == 365 + 31 + 29 + 20.5  # the noon of the 21st
    march = scale.span(P("mars 2016"))
    assert march[0] < x0 < march[1]


def test_a_period_runs_from_its_first_day_to_the_end_of_its_last(scale):
    assert scale.span(P("2015"), P("2016-01")) == (0, 365 + 31)
    assert scale.span(P("2016-03-21"), P("2016-03-22")) == (445, 447)


def test_the_scale_fits_its_width_whatever_the_years():
    scale = Scale(1962, 2026, left=10, width=780)
    assert scale.x(datetime.date(1962, 1, 1)) == 10
    assert scale.x(datetime.date(2027, 1, 1)) == 790
    years = [year for year, _x, _middle in scale.ticks()]
    assert len(years) <= 13 and years == sorted(years) and years[0] >= 1962


def mark(x0, x1):
    return Mark("event", "x", "x", P("2016"), x0=x0, x1=x1)


def test_overlapping_marks_take_separate_lanes_and_apart_ones_share():
    marks = [mark(0, 100), mark(50, 150), mark(101, 200), mark(300, 300), mark(303, 303)]
    assert assign_lanes(marks) == 2
    assert [m.lane for m in marks] == [0, 1, 0, 0, 1]  # two days 3 units apart would touch
    assert assign_lanes([mark(0, 365), mark(365, 731)]) == 1  # two years in a row
    assert assign_lanes([mark(300, 300), mark(300 + 2 * POINT + 1, 300 + 2 * POINT + 1)]) == 1


def test_the_strip_covers_every_fact_and_the_initiative_period():
    milestones = [Mark("milestone", "Début", "2015", P("2015"))]
    events = [
        Mark("event", "Formation", "21 mars 2016", P("2016-03-21"), status="held"),
        Mark("event", "Plénière", "2016", P("2016"), status="cancelled"),
    ]
    drawn = strip(milestones, events, [], period=(P("2014"), P("2017")))
    assert (drawn.scale.first_year, drawn.scale.last_year) == (2014, 2017)
    assert [band.kind for band in drawn.bands] == ["milestone", "event"]
    day, year = events
    assert day.is_point and not year.is_point
    assert year.x0 < day.x0 < year.x1
    assert day.lane != year.lane  # the day lies inside the year: not drawn over it
    assert drawn.count == 3
    assert strip([], [], []) is None


def initiative(title, start=None, end=None, status="ongoing"):
    return SimpleNamespace(
        title_i18n=title, acronym="", start=start and P(start), end=end and P(end), status=status,
        period=f"{start}–{end}" if start else "", get_absolute_url=lambda: f"/{title}/",
    )  # fmt: skip


def test_programme_bars_run_to_today_when_still_going_and_undated_children_get_no_bar():
    today = datetime.date(2026, 12, 1)
    programme = initiative("TESR", "2010")
    children = [initiative("Forêt"), initiative("Étude", "2009", status="done")]
    drawn = programme_bars(programme, children, today)
    parent, study, undated = drawn.bars  # the dated children in date order, then the others
    assert (drawn.scale.first_year, drawn.scale.last_year) == (2009, 2026)
    assert parent.open_end and parent.x1 == drawn.today_x == drawn.scale.x(today)
    assert parent.x0 == drawn.scale.x(datetime.date(2010, 1, 1))
    assert not undated.dated
    assert (study.x0, study.x1) == drawn.scale.span(P("2009"))
    assert programme_bars(programme, [], today) is None
    assert programme_bars(initiative("X"), [initiative("Y")], today) is None
