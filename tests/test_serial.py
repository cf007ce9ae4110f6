# -*- test-case-name: tests.test_serial -*-
"""Tests for L{dnsops.serial}."""

import datetime

from twisted.trial.unittest import SynchronousTestCase

from dnsops.serial import MAX_SERIAL, looks_like_date, next_serial

DAY = datetime.date(2024, 3, 15)


class LooksLikeDateTests(SynchronousTestCase):
    """L{looks_like_date} spots YYYYMMDDnn serials."""

    def test_date_serials(self) -> None:
        """If the serial is ten digits starting with a real date, then it looks like a date."""
        for serial in (2024031500, 1990010100, 2200123199, 2024022999):
            self.assertTrue(looks_like_date(serial), serial)

    def test_not_dates(self) -> None:
        """If the digits are not a calendar date in 1990-2200, or not ten, then it does not."""
        for serial in (1, 0, 2024013200, 2023022900, 2024130100, 1989123100, 2201010100,
                       202403150, 20240315000, MAX_SERIAL):
            self.assertFalse(looks_like_date(serial), serial)


class NextSerialTests(SynchronousTestCase):
    """L{next_serial} applies the date policy, else counts up with RFC 1982 wrap."""

    def test_counter(self) -> None:
        """If the serial is not a date, then it goes up by one."""
        self.assertEqual(next_serial(1, DAY), 2)
        self.assertEqual(next_serial(41, DAY), 42)

    def test_zero(self) -> None:
        """If the serial is zero, then the next one is one."""
        self.assertEqual(next_serial(0, DAY), 1)

    def test_wrap(self) -> None:
        """If the serial is the largest, then it wraps past zero to one."""
        self.assertEqual(next_serial(MAX_SERIAL, DAY), 1)
        self.assertEqual(next_serial(MAX_SERIAL - 1, DAY), MAX_SERIAL)

    def test_older_date_jumps_to_today(self) -> None:
        """If the serial is an earlier date, then it becomes today's date with nn = 00."""
        self.assertEqual(next_serial(2024031407, DAY), 2024031500)
        self.assertEqual(next_serial(1999010100, DAY), 2024031500)

    def test_same_day_counts_up(self) -> None:
        """If the serial is already today, then nn goes up by one."""
        self.assertEqual(next_serial(2024031500, DAY), 2024031501)
        self.assertEqual(next_serial(2024031542, DAY), 2024031543)

    def test_ninety_nine_rolls_into_next_day(self) -> None:
        """If today's nn is 99, then the serial rolls into tomorrow's number."""
        self.assertEqual(next_serial(2024031599, DAY), 2024031600)

    def test_day_roll_over(self) -> None:
        """If the date changes between edits, then the serial moves to the new day."""
        first = next_serial(2024031402, DAY)
        second = next_serial(first, DAY)
        third = next_serial(second, DAY + datetime.timedelta(days=1))
        self.assertEqual((first, second, third), (2024031500, 2024031501, 2024031600))

    def test_month_and_year_roll_over(self) -> None:
        """If the day rolls into a new month or year, then the date part follows the calendar."""
        self.assertEqual(next_serial(2024022905, datetime.date(2024, 3, 1)), 2024030100)
        self.assertEqual(next_serial(2023123199, datetime.date(2024, 1, 1)), 2024010100)

    def test_future_date_counts_up(self) -> None:
        """If the serial is a date after today, then it still only goes up by one."""
        self.assertEqual(next_serial(2030010100, DAY), 2030010101)

    def test_always_increases(self) -> None:
        """If serials are bumped many times in one day, then each is larger than the last."""
        serial = 2024031500
        for _ in range(150):
            following = next_serial(serial, DAY)
            self.assertGreater(following, serial)
            serial = following

    def test_default_today_is_utc_now(self) -> None:
        """If no day is given, then today's UTC date is used."""
        today = datetime.datetime.now(datetime.timezone.utc).date()
        result = next_serial(1990010100)
        self.assertIn(result // 100, {int(today.strftime("%Y%m%d")),
                                      int((today + datetime.timedelta(days=1)).strftime("%Y%m%d"))})
        self.assertEqual(result % 100, 0)
