"""SLA arithmetic across weekends, holidays, midnight and daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.tenants.hours import Schedule, add_business_time, business_time_between, due_at

CPH = ZoneInfo("Europe/Copenhagen")
OFFICE = {day: ((time(9), time(17)),) for day in range(5)}  # Monday to Friday, 9 to 17


def local(tz, *args):
    return datetime(*args, tzinfo=tz)


def test_within_one_day():
    schedule = Schedule(CPH, OFFICE)
    start = local(CPH, 2026, 11, 18, 10, 0)  # Wednesday
    assert add_business_time(start, timedelta(hours=3), schedule) == local(CPH, 2026, 11, 18, 13, 0)


def test_friday_afternoon_rolls_over_the_weekend():
    schedule = Schedule(CPH, OFFICE)
    start = local(CPH, 2026, 11, 20, 16, 0)  # Friday 16:00: one hour left today
    assert add_business_time(start, timedelta(hours=3), schedule) == local(CPH, 2026, 11, 23, 11, 0)


def test_arrival_at_night_starts_counting_at_opening():
    schedule = Schedule(CPH, OFFICE)
    start = local(CPH, 2026, 11, 21, 23, 30)  # Saturday night
    assert add_business_time(start, timedelta(minutes=30), schedule) == local(CPH, 2026, 11, 23, 9, 30)


def test_holidays_are_skipped():
    schedule = Schedule(CPH, OFFICE, frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    start = local(CPH, 2026, 12, 23, 16, 0)  # Wednesday before Christmas Eve
    assert add_business_time(start, timedelta(hours=2), schedule) == local(CPH, 2026, 12, 28, 10, 0)


def test_several_blocks_a_day():
    blocks = {0: ((time(8), time(12)), (time(13), time(16)))}
    schedule = Schedule(CPH, blocks)
    start = local(CPH, 2026, 11, 23, 11, 0)  # Monday
    assert add_business_time(start, timedelta(hours=2), schedule) == local(CPH, 2026, 11, 23, 14, 0)


@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "Europe/Oslo", "Europe/Warsaw", "Europe/Berlin"])
def test_spring_forward_night_block_is_an_hour_shorter(zone):
    tz = ZoneInfo(zone)
    # A night watch 00:00-06:00 every day; on 29 March 2026 clocks jump from 02:00 to 03:00.
    schedule = Schedule(tz, {day: ((time(0), time(6)),) for day in range(7)})
    start = local(tz, 2026, 3, 29, 0, 0)
    assert business_time_between(start, local(tz, 2026, 3, 29, 6, 0), schedule) == timedelta(hours=5)
    # Five hours of open time end at 06:00 wall time that night, not 05:00.
    assert add_business_time(start, timedelta(hours=5), schedule) == local(tz, 2026, 3, 29, 6, 0)


@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "Europe/Oslo", "Europe/Warsaw", "Europe/Berlin"])
def test_fall_back_night_block_is_an_hour_longer(zone):
    tz = ZoneInfo(zone)
    schedule = Schedule(tz, {day: ((time(0), time(6)),) for day in range(7)})
    start = local(tz, 2026, 10, 25, 0, 0)  # clocks go back from 03:00 to 02:00
    assert business_time_between(start, local(tz, 2026, 10, 25, 6, 0), schedule) == timedelta(hours=7)


def test_around_the_clock_counts_real_time_across_dst():
    schedule = Schedule(CPH, OFFICE)
    start = local(CPH, 2026, 3, 29, 1, 30)
    due = due_at(start, timedelta(hours=1), business_hours=False, schedule=schedule)
    assert due - start.astimezone(UTC) == timedelta(hours=1)
    assert due.astimezone(CPH).hour == 3  # 01:30 + 1 h of real time is 03:30 summer time


def test_block_closing_at_midnight():
    schedule = Schedule(CPH, {4: ((time(20), time(0)),)})  # Friday evening
    start = local(CPH, 2026, 11, 20, 23, 0)
    assert add_business_time(start, timedelta(hours=2), schedule) == local(CPH, 2026, 11, 27, 21, 0)


def test_no_hours_at_all_runs_around_the_clock():
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=4), Schedule(CPH)) == start + timedelta(hours=4)


def test_open_at():
    schedule = Schedule(CPH, OFFICE)
    assert schedule.is_open(local(CPH, 2026, 11, 18, 9, 0))
    assert not schedule.is_open(local(CPH, 2026, 11, 18, 17, 0))
    assert not schedule.is_open(local(CPH, 2026, 11, 21, 12, 0))  # Saturday
