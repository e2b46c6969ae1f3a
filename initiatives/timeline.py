"""Timelines drawn by us: an initiative's dated facts on one strip, a programme's children as bars.

Everything here is arithmetic on records the page has already prefetched: no query. A partial
date is drawn at its precision: "2016" covers the whole year, "mars 2016" its month, and
"21 mars 2016" is a point (a day is too short to be a span at this scale).
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from initiatives.partial_dates import PartialDate

WIDTH = 800  # the viewBox's width; the picture scales to its column
LEFT = 8  # room for the first year's label
RIGHT = 8
LANE = 18  # height of one row of marks
POINT = 5  # a day's mark: its radius, and the room it needs beside another mark
AXIS = 28  # the year labels' band under the marks
BAND_GAP = 10
BAND_LABEL = 14  # the band's name above its marks
LABEL_WIDTH = 260  # the bars' names, on the left of the programme's picture
BAR = 16


class Scale:
    """Days onto the x axis, from the first of January of `first_year` to the end of
    `last_year`: a month takes its own length, so a span never overlaps its neighbour."""

    def __init__(self, first_year, last_year, left=LEFT, width=WIDTH - LEFT - RIGHT):
        self.start = datetime.date(first_year, 1, 1)
        self.stop = datetime.date(last_year + 1, 1, 1)
        self.first_year, self.last_year = first_year, last_year
        self.left, self.width = left, width
        self.days = (self.stop - self.start).days

    def x(self, day):
        return round(self.left + (day - self.start).days * self.width / self.days, 1)

    def span(self, start, end=None):
        """(x0, x1) of a partial date, or of a period from `start` to `end`: a year or month
        from its first day to the morning after its last; a single day a point at its noon."""
        end = end or start
        if start == end and start.precision == "day":
            middle = round(self.x(start.first_day) + self.width / self.days / 2, 1)
            return middle, middle
        return self.x(start.first_day), self.x(end.last_day + datetime.timedelta(days=1))

    def ticks(self):
        """The years to label: every year on a short axis, every 2nd, 5th or 10th on a long one."""
        years = self.last_year - self.first_year + 1
        step = next(step for step in (1, 2, 5, 10, 20, 50) if years / step <= 12)
        first = -(-self.first_year // step) * step
        return [
            (year, self.x(datetime.date(year, 1, 1)), self.x(datetime.date(year, 7, 1)))
            for year in range(first, self.last_year + 1, step)
        ]


@dataclass
class Mark:
    kind: str  # milestone, event or figure
    label: str
    when: str  # the date as the text list writes it
    start: PartialDate
    end: PartialDate | None = None
    status: str = ""  # an event's: planned, held, cancelled, unconfirmed
    status_label: str = ""
    anchor: str = ""
    x0: float = 0
    x1: float = 0
    lane: int = 0
    y: float = 0

    @property
    def is_point(self):
        return self.x1 - self.x0 < 2 * POINT

    @property
    def cx(self):
        return round((self.x0 + self.x1) / 2, 1)

    @property
    def span_width(self):
        return round(self.x1 - self.x0, 1)

    @property
    def rect_x(self):
        return round(self.x0 + 1, 1)  # a span a unit short at each end: two in a row stay apart

    @property
    def rect_width(self):
        return round(max(self.x1 - self.x0 - 2, 1), 1)

    @property
    def top(self):
        return self.y - 6

    @property
    def cross(self):
        """A cancelled event's stroke through its mark: x1, y1, x2, y2."""
        return tuple(round(v, 1) for v in (self.cx - 6, self.y - 7, self.cx + 6, self.y + 7))

    @property
    def title(self):
        parts = [self.when, self.label]
        if self.status_label:
            parts.append(self.status_label)
        return " · ".join(parts)


@dataclass
class Band:
    kind: str
    label: str
    marks: list
    y: float = 0
    height: float = 0
    lanes: int = 1

    @property
    def label_y(self):
        return self.y + 10


class YearAxis:
    """Where a chart's year axis writes its labels and ticks, and where its drawing ends."""

    @property
    def label_y(self):
        return self.axis_y + 18

    @property
    def tick_y(self):
        return self.axis_y + 5

    @property
    def right(self):
        return self.width - RIGHT


@dataclass
class Strip(YearAxis):
    scale: Scale
    bands: list
    height: float
    axis_y: float
    ticks: list = field(default_factory=list)
    width: int = WIDTH

    @property
    def count(self):
        return sum(len(band.marks) for band in self.bands)


def assign_lanes(marks):
    """Greedy: each mark, in order of its start, on the first lane where it overlaps nothing
    (a point needs POINT of room on each side; spans may touch end to end). Returns the
    number of lanes used."""
    ends = []
    for mark in sorted(marks, key=lambda mark: (mark.x0, mark.x1)):
        left = mark.x0 - (POINT if mark.is_point else 0)
        right = mark.x1 + (POINT if mark.is_point else 0)
        for lane, end in enumerate(ends):
            if end <= left:
                mark.lane, ends[lane] = lane, right
                break
        else:
            mark.lane = len(ends)
            ends.append(right)
    return max(len(ends), 1)


def initiative_marks(initiative):
    """The dated milestones, events and figures of an initiative (prefetched), as marks."""
    from initiatives.templatetags.registre import figure as figure_text  # the list's own words

    milestones = [
        Mark("milestone", m.title, str(m.date), m.date, anchor=f"jalon-{m.pk}")
        for m in initiative.milestones.all()
    ]
    events = [
        Mark(
            "event",
            e.title,
            e.when,
            e.start,
            e.end,
            e.status,
            e.get_status_display(),
            anchor=f"evenement-{e.pk}",
        )  # fmt: skip
        for e in initiative.events.all()
        if e.start
    ]
    figures = [
        Mark(
            "figure",
            f"{figure_text(f)} {f.label_i18n}",
            f"{f.period_start}–{f.date}" if f.period_start else str(f.date),
            f.period_start or f.date,
            f.date if f.period_start else None,
        )  # fmt: skip
        for f in initiative.figures.all()
        if f.date
    ]
    return milestones, events, figures


def strip(milestones, events, figures, period=(None, None)):
    """The strip of an initiative: one band per kind of fact that has any, on one axis that
    covers them all and the initiative's own period. None when nothing is dated."""
    bands = [
        Band(kind, label, marks)
        for kind, label, marks in (
            ("milestone", _("Jalons"), milestones),
            ("event", _("Événements"), events),
            ("figure", _("Chiffres"), figures),
        )
        if marks
    ]
    if not bands:
        return None
    dates = [d for band in bands for m in band.marks for d in (m.start, m.end) if d]
    dates += [d for d in period if d]
    scale = Scale(min(d.year for d in dates), max(d.year for d in dates))
    y = 4
    for band in bands:
        for mark in band.marks:
            mark.x0, mark.x1 = scale.span(mark.start, mark.end)
        band.lanes = assign_lanes(band.marks)
        band.y, band.height = y, BAND_LABEL + band.lanes * LANE
        for mark in band.marks:
            mark.y = y + BAND_LABEL + mark.lane * LANE + LANE / 2
        y += band.height + BAND_GAP
    return Strip(scale, bands, height=y + AXIS, axis_y=y, ticks=scale.ticks())


@dataclass
class Bar:
    label: str
    url: str
    when: str
    start: PartialDate | None
    end: PartialDate | None
    open_end: bool  # still going: drawn to today, fading
    is_parent: bool = False
    x0: float = 0
    x1: float = 0
    y: float = 0

    @property
    def dated(self):
        return self.start is not None

    @property
    def label_y(self):
        return self.y + 12

    @property
    def mid_y(self):
        return self.y + BAR / 2

    @property
    def bar_width(self):
        return round(max(self.x1 - self.x0, 2), 1)


@dataclass
class Bars(YearAxis):
    scale: Scale
    bars: list
    height: float
    axis_y: float
    ticks: list
    today_x: float
    width: int = WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def name_width(self):
        return LABEL_WIDTH - 8


def programme_bars(programme, children, today):
    """A programme and its children (prefetched) as bars over the years: a known period from
    its first to its last day; an unfinished one ("depuis 2010") runs to today with an open
    end; a child without any date gets its row and the words "dates non connues", no bar."""

    def bar(initiative, is_parent=False):
        start, end = initiative.start, initiative.end
        open_end = bool(start and not end and initiative.status == "ongoing")
        return Bar(
            initiative.acronym or initiative.title_i18n, initiative.get_absolute_url(),
            initiative.period or _("dates non connues"), start, end, open_end, is_parent,
        )  # fmt: skip

    in_order = sorted(
        children, key=lambda child: (child.start is None, child.start and child.start.iso)
    )
    bars = [bar(programme, True), *(bar(child) for child in in_order)]
    dated = [b for b in bars if b.dated]
    if len(bars) < 2 or not dated:
        return None
    years = [d.year for b in dated for d in (b.start, b.end) if d]
    if any(b.open_end for b in bars):
        years.append(today.year)
    scale = Scale(min(years), max(years), left=LABEL_WIDTH, width=WIDTH - LABEL_WIDTH - RIGHT)
    today_x = scale.x(min(today, scale.stop - datetime.timedelta(days=1)))
    for row, b in enumerate(bars):
        b.y = 4 + row * (BAR + 8)
        if b.open_end:
            b.x0, b.x1 = scale.x(b.start.first_day), today_x
        elif b.dated:
            b.x0, b.x1 = scale.span(b.start, b.end)
    axis_y = 4 + len(bars) * (BAR + 8)
    return Bars(scale, bars, axis_y + AXIS, axis_y, scale.ticks(), today_x)
