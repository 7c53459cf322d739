"""The span arithmetic under availability, checked against the plainest model there is: a
span is the set of seconds it contains."""
from hypothesis import given
from hypothesis import strategies as st

from services.booking.domain.intervals import FreeTime, intersect, merged, subtract

spans = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=12)


def seconds_in(found) -> set[int]:
    return {t for start, end in found for t in range(start, end)}


def is_canonical(found) -> bool:
    """Sorted, no empty span, and no two that touch or overlap."""
    return all(a < b for a, b in found) and all(found[i][1] < found[i + 1][0] for i in range(len(found) - 1))


@given(spans)
def test_merged_keeps_every_second_in_sorted_disjoint_spans(given_spans):
    found = merged(given_spans)
    assert seconds_in(found) == seconds_in(given_spans)
    assert is_canonical(found)


@given(spans, spans)
def test_subtract_leaves_exactly_the_seconds_no_cut_touches(given_spans, cuts):
    found = subtract(given_spans, cuts)
    assert seconds_in(found) == seconds_in(given_spans) - seconds_in(cuts)
    assert is_canonical(found)


@given(spans, spans)
def test_intersect_keeps_the_seconds_in_both(left, right):
    assert seconds_in(intersect(left, right)) == seconds_in(left) & seconds_in(right)


@given(spans, st.integers(0, 200), st.integers(1, 50))
def test_free_time_covers_a_span_only_when_every_second_of_it_is_free(free, start, length):
    inside = set(range(start, start + length)) <= seconds_in(free)
    assert FreeTime(free).covers((start, start + length)) == inside
