"""Time as half-open spans of POSIX seconds, and the set arithmetic availability is made of.

Instants are integers (seconds since the epoch, UTC), so a daylight-saving change is just
an hour that a local day has more or fewer of: nothing is ever computed in "minutes since
local midnight" and patched afterwards (the bug behind Cal.com's DST slots).
"""
import functools
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[int, int]  # [start, end) in POSIX seconds


def merged(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with touching or overlapping spans joined; empty spans dropped."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(spans: Iterable[Span], cuts: Iterable[Span]) -> list[Span]:
    """``spans`` minus ``cuts``; both may be unsorted, the result is sorted and merged.

    One sweep over both sorted lists: every stylist's free time of every searched day is
    made here."""
    out: list[Span] = []
    cuts = merged(cuts)
    j, n = 0, len(cuts)
    for start, end in merged(spans):
        while j < n and cuts[j][1] <= start:
            j += 1
        k = j
        while k < n and cuts[k][0] < end:
            cut_start, cut_end = cuts[k]
            if cut_start > start:
                out.append((start, cut_start))
            if cut_end >= end:
                start = end
                break
            start = cut_end
            k += 1
        if start < end:
            out.append((start, end))
        j = k
    return out


def intersect(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    left, right = merged(a), merged(b)
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        start, end = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class FreeTime:
    """Sorted, merged free spans with an O(log n) "is this span inside one of them?"."""

    __slots__ = ("spans", "_starts")

    def __init__(self, spans: Iterable[Span], already_merged: bool = False):
        self.spans = list(spans) if already_merged else merged(spans)
        self._starts = [s for s, _ in self.spans]

    def covers(self, span: Span) -> bool:
        i = bisect_right(self._starts, span[0]) - 1
        return i >= 0 and self.spans[i][1] >= span[1]

    def total(self) -> int:
        return sum(end - start for start, end in self.spans)


@functools.lru_cache(maxsize=65536)
def wall_clock(day: date, hhmm: str, zone: ZoneInfo) -> int:
    """The instant a local wall-clock time happens on ``day``; "24:00" is the next midnight.

    A time skipped by a spring-forward change is read with the offset before the change,
    so 02:30 on that day is 03:30 new time, never an error. Cached: every stylist's shift
    on a day starts at one of a few times, and a search asks for each of them.
    """
    if hhmm == "24:00":
        return int(datetime.combine(day + timedelta(days=1), time(0), zone).timestamp())
    return int(datetime.combine(day, time.fromisoformat(hhmm), zone).timestamp())


def local_day(day: date, zone: ZoneInfo) -> Span:
    """The whole local day, however long a DST change makes it (23, 24 or 25 hours)."""
    return wall_clock(day, "00:00", zone), wall_clock(day, "24:00", zone)


def ranges_on(day: date, ranges: Iterable[dict], zone: ZoneInfo, start="start", end="end") -> list[Span]:
    return merged((wall_clock(day, r[start], zone), wall_clock(day, r[end], zone)) for r in ranges)


def instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def local_date(seconds_: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(seconds_, zone).date()


def days_touched(spans: Iterable[Span], zone: ZoneInfo) -> list[date]:
    """Every local date any instant of ``spans`` falls on."""
    days: set[date] = set()
    for start, end in spans:
        day = local_date(start, zone)
        while True:
            days.add(day)
            day += timedelta(days=1)
            if local_day(day, zone)[0] >= end:
                break
    return sorted(days)
