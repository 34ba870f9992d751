from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sniper.domain.iso8601 import iso_from_ms, iso_from_ns, ms_from_iso

MAY_FIRST_NOON_MS = 1_714_564_800_000


def test_milliseconds_and_nanoseconds_each_have_their_own_name() -> None:
    assert iso_from_ms(MAY_FIRST_NOON_MS + 123) == "2024-05-01T12:00:00.123Z"
    assert iso_from_ms(0) == "1970-01-01T00:00:00.000Z"
    instant_ns = (MAY_FIRST_NOON_MS + 123) * 1_000_000 + 456_789
    assert iso_from_ns(instant_ns) == "2024-05-01T12:00:00.123456Z"


def test_text_is_read_back_exactly_and_without_an_offset_as_utc() -> None:
    assert ms_from_iso("1970-01-01T00:00:00.001Z") == 1
    assert ms_from_iso("2024-05-01T12:00:00") == MAY_FIRST_NOON_MS
    assert ms_from_iso("2024-05-01T14:00:00.000+02:00") == MAY_FIRST_NOON_MS
    with pytest.raises(ValueError, match="yesterday"):
        ms_from_iso("yesterday")


@given(st.integers(min_value=0, max_value=253_402_300_799_999))  # up to 9999-12-31
def test_milliseconds_survive_the_round_trip(epoch_ms: int) -> None:
    assert ms_from_iso(iso_from_ms(epoch_ms)) == epoch_ms
