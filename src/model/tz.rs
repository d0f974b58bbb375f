//! POSIX TZ strings (IEEE Std 1003.1, XBD §8.3 "TZ"), the form OpenWrt
//! keeps in `system.@system[0].timezone` and TR-181 uses for
//! `Device.Time.LocalTimeZone`: `std offset [dst [offset] [,start[/time],end[/time]]]`,
//! e.g. `CET-1CEST,M3.5.0,M10.5.0/3`.
//!
//! Only what a router needs: the UTC offset in force at an instant, so
//! `Device.Time.CurrentLocalTime` can be given in local time. Pure: the
//! instant comes in as a parameter.

use crate::cwmp::xsd::DateTime;

/// A day rule of the TZ string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian1(u16),
    /// `n`: day 0..=365, February 29 counted in leap years.
    Julian0(u16),
    /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (1..=5, 5 = last) of month `m`.
    Month { month: u8, week: u8, weekday: u8 },
}

/// A switch: the day, and the local time of day (seconds, may be negative
/// or beyond 24 h, as POSIX.1-2024 allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Switch {
    day: Day,
    time: i32,
}

/// A parsed TZ string. Offsets are seconds EAST of UTC (the opposite sign
/// of the text, where `CET-1` means one hour ahead of UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosixTz {
    std_offset: i32,
    /// Daylight time: its offset and the switches into and out of it.
    dst: Option<(i32, Switch, Switch)>,
}

/// Why a TZ string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TzError(pub String);

impl std::fmt::Display for TzError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad POSIX TZ string: {}", self.0)
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, TzError> {
        Err(TzError(format!("{what} at position {}", self.pos + 1)))
    }

    /// A zone name: 3+ letters, or `<...>` with letters, digits, `+`, `-`.
    fn name(&mut self) -> Result<(), TzError> {
        let start = self.pos;
        if self.eat(b'<') {
            while let Some(c) = self.peek() {
                if c == b'>' {
                    break;
                }
                if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'-') {
                    return self.fail("bad character in <name>");
                }
                self.pos += 1;
            }
            if !self.eat(b'>') || self.pos - start < 5 {
                return self.fail("unterminated or short <name>");
            }
            return Ok(());
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        if self.pos - start < 3 {
            return self.fail("zone name of fewer than 3 letters");
        }
        Ok(())
    }

    fn number(&mut self, max: u32) -> Result<u32, TzError> {
        let start = self.pos;
        let mut n: u32 = 0;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            n = n.saturating_mul(10).saturating_add(u32::from(c - b'0'));
            self.pos += 1;
        }
        if self.pos == start || n > max {
            return self.fail("number missing or out of range");
        }
        Ok(n)
    }

    /// `[+|-]hh[:mm[:ss]]` in seconds; hours up to `max_hours`.
    fn hms(&mut self, max_hours: u32) -> Result<i32, TzError> {
        let negative = if self.eat(b'-') {
            true
        } else {
            self.eat(b'+');
            false
        };
        let mut secs = self.number(max_hours)? * 3600;
        if self.eat(b':') {
            secs += self.number(59)? * 60;
            if self.eat(b':') {
                secs += self.number(59)?;
            }
        }
        let secs = secs as i32; // ≤ 167 h: fits
        Ok(if negative { -secs } else { secs })
    }

    fn switch(&mut self) -> Result<Switch, TzError> {
        let day = if self.eat(b'J') {
            let n = self.number(365)?;
            if n == 0 {
                return self.fail("J0");
            }
            Day::Julian1(n as u16)
        } else if self.eat(b'M') {
            let month = self.number(12)? as u8;
            let ok = month >= 1 && self.eat(b'.');
            let week = if ok { self.number(5)? as u8 } else { 0 };
            let ok = ok && week >= 1 && self.eat(b'.');
            if !ok {
                return self.fail("rule Mm.w.d");
            }
            let weekday = self.number(6)? as u8;
            Day::Month {
                month,
                week,
                weekday,
            }
        } else {
            Day::Julian0(self.number(365)? as u16)
        };
        // POSIX: the default switch time is 02:00:00 local.
        let time = if self.eat(b'/') {
            self.hms(167)?
        } else {
            2 * 3600
        };
        Ok(Switch { day, time })
    }
}

impl PosixTz {
    /// UTC, no daylight time.
    pub fn utc() -> PosixTz {
        PosixTz {
            std_offset: 0,
            dst: None,
        }
    }

    /// Parses a TZ string. A bare name without offset (`UTC`, OpenWrt's
    /// default) is UTC.
    pub fn parse(text: &str) -> Result<PosixTz, TzError> {
        let mut c = Cursor {
            s: text.as_bytes(),
            pos: 0,
        };
        if text.starts_with(':') {
            return c.fail("':' (a zoneinfo file name, not a rule)");
        }
        c.name()?;
        if c.peek().is_none() {
            return Ok(PosixTz {
                std_offset: 0,
                dst: None,
            });
        }
        // POSIX offsets are west-positive; keep east-positive inside.
        let std_offset = -c.hms(24)?;
        if c.peek().is_none() {
            return Ok(PosixTz {
                std_offset,
                dst: None,
            });
        }
        c.name()?;
        let dst_offset = match c.peek() {
            Some(b',') | None => std_offset + 3600,
            Some(_) => -c.hms(24)?,
        };
        let (start, end) = if c.eat(b',') {
            let start = c.switch()?;
            if !c.eat(b',') {
                return c.fail("missing end rule");
            }
            (start, c.switch()?)
        } else if c.peek().is_none() {
            // No rule given: the US rule glibc and musl assume.
            (
                Switch {
                    day: Day::Month {
                        month: 3,
                        week: 2,
                        weekday: 0,
                    },
                    time: 7200,
                },
                Switch {
                    day: Day::Month {
                        month: 11,
                        week: 1,
                        weekday: 0,
                    },
                    time: 7200,
                },
            )
        } else {
            return c.fail("unexpected character");
        };
        if c.peek().is_some() {
            return c.fail("trailing characters");
        }
        Ok(PosixTz {
            std_offset,
            dst: Some((dst_offset, start, end)),
        })
    }

    /// Seconds east of UTC in force at Unix time `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        let Some((dst_offset, start, end)) = self.dst else {
            return self.std_offset;
        };
        let year = DateTime::from_unix(t + i64::from(self.std_offset)).year;
        // The start is in local standard time, the end in local daylight
        // time (POSIX); both become UTC instants of this year.
        let start_utc = switch_local(year, start) - i64::from(self.std_offset);
        let end_utc = switch_local(year, end) - i64::from(dst_offset);
        let in_dst = if start_utc < end_utc {
            start_utc <= t && t < end_utc
        } else {
            // Southern hemisphere: daylight time spans the new year.
            !(end_utc <= t && t < start_utc)
        };
        if in_dst {
            dst_offset
        } else {
            self.std_offset
        }
    }

    /// `t` as local time with its UTC offset (TR-181 CurrentLocalTime).
    pub fn local_time(&self, t: i64) -> DateTime {
        let offset = self.offset_at(t);
        let mut dt = DateTime::from_unix(t + i64::from(offset));
        // xsd:dateTime offsets are whole minutes; round seconds toward zero.
        dt.offset_minutes = Some((offset / 60) as i16);
        dt
    }
}

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Unix time of 00:00:00 on `year-month-day` (as if UTC).
fn midnight(year: u16, month: u8, day: u8) -> i64 {
    DateTime {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
        offset_minutes: Some(0),
    }
    .to_unix()
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The local wall-clock instant (seconds, as if UTC) of a switch in `year`.
fn switch_local(year: u16, s: Switch) -> i64 {
    let jan1 = midnight(year, 1, 1);
    let day_start = match s.day {
        Day::Julian0(n) => jan1 + i64::from(n) * 86_400,
        Day::Julian1(n) => {
            // Days counted without February 29: from March on, a leap
            // year's day n is one calendar day later.
            let extra = i64::from(is_leap(year) && n >= 60);
            jan1 + (i64::from(n) - 1 + extra) * 86_400
        }
        Day::Month {
            month,
            week,
            weekday,
        } => {
            let first = midnight(year, month, 1);
            // 1970-01-01 was a Thursday (4).
            let first_wday = ((first.div_euclid(86_400) + 4).rem_euclid(7)) as u8;
            let mut day = 1 + (weekday + 7 - first_wday) % 7 + (week - 1) * 7;
            while day > days_in_month(year, month) {
                day -= 7;
            }
            first + i64::from(day - 1) * 86_400
        }
    };
    day_start + i64::from(s.time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        DateTime::parse(text).unwrap().to_unix()
    }

    fn local(tz: &str, utc: &str) -> String {
        PosixTz::parse(tz).unwrap().local_time(at(utc)).to_string()
    }

    #[test]
    fn central_europe_switches_on_the_last_sundays_of_march_and_october() {
        let cet = "CET-1CEST,M3.5.0,M10.5.0/3";
        // 2024: DST from 31 March 01:00 UTC to 27 October 01:00 UTC.
        assert_eq!(
            local(cet, "2024-03-31T00:59:59Z"),
            "2024-03-31T01:59:59+01:00"
        );
        assert_eq!(
            local(cet, "2024-03-31T01:00:00Z"),
            "2024-03-31T03:00:00+02:00"
        );
        assert_eq!(
            local(cet, "2024-10-27T00:59:59Z"),
            "2024-10-27T02:59:59+02:00"
        );
        assert_eq!(
            local(cet, "2024-10-27T01:00:00Z"),
            "2024-10-27T02:00:00+01:00"
        );
        assert_eq!(
            local(cet, "2024-01-15T12:00:00Z"),
            "2024-01-15T13:00:00+01:00"
        );
        // 2026: the last Sunday of March is the 29th.
        assert_eq!(
            local(cet, "2026-03-29T01:00:00Z"),
            "2026-03-29T03:00:00+02:00"
        );
        assert_eq!(
            local(cet, "2026-03-28T01:00:00Z"),
            "2026-03-28T02:00:00+01:00"
        );
    }

    #[test]
    fn us_eastern_and_the_default_rule() {
        for tz in ["EST5EDT,M3.2.0,M11.1.0", "EST5EDT"] {
            // 2024: 10 March 07:00 UTC and 3 November 06:00 UTC.
            assert_eq!(
                local(tz, "2024-03-10T06:59:59Z"),
                "2024-03-10T01:59:59-05:00"
            );
            assert_eq!(
                local(tz, "2024-03-10T07:00:00Z"),
                "2024-03-10T03:00:00-04:00"
            );
            assert_eq!(
                local(tz, "2024-11-03T05:59:59Z"),
                "2024-11-03T01:59:59-04:00"
            );
            assert_eq!(
                local(tz, "2024-11-03T06:00:00Z"),
                "2024-11-03T01:00:00-05:00"
            );
        }
    }

    #[test]
    fn southern_hemisphere_dst_spans_the_new_year() {
        // Australia/Sydney: AEDT from the first Sunday of October to the
        // first Sunday of April, 03:00 local.
        let syd = "AEST-10AEDT,M10.1.0,M4.1.0/3";
        assert_eq!(
            local(syd, "2024-01-10T00:00:00Z"),
            "2024-01-10T11:00:00+11:00"
        );
        assert_eq!(
            local(syd, "2024-04-06T15:59:59Z"),
            "2024-04-07T02:59:59+11:00"
        );
        assert_eq!(
            local(syd, "2024-04-06T16:00:00Z"),
            "2024-04-07T02:00:00+10:00"
        );
        assert_eq!(
            local(syd, "2024-10-05T15:59:59Z"),
            "2024-10-06T01:59:59+10:00"
        );
        assert_eq!(
            local(syd, "2024-10-05T16:00:00Z"),
            "2024-10-06T03:00:00+11:00"
        );
    }

    #[test]
    fn fixed_offsets_quoted_names_and_julian_days() {
        assert_eq!(local("UTC", "2024-06-01T10:00:00Z"), "2024-06-01T10:00:00Z");
        assert_eq!(
            local("GMT0", "2024-06-01T10:00:00Z"),
            "2024-06-01T10:00:00Z"
        );
        assert_eq!(
            local("IST-5:30", "2024-06-01T10:00:00Z"),
            "2024-06-01T15:30:00+05:30"
        );
        assert_eq!(
            local("<+0545>-5:45", "2024-06-01T10:00:00Z"),
            "2024-06-01T15:45:00+05:45"
        );
        assert_eq!(
            local("<-03>3", "2024-06-01T10:00:00Z"),
            "2024-06-01T07:00:00-03:00"
        );
        // J60 is 1 March even in a leap year; 59 (zero-based) is 29 Feb.
        let tz = "AAA0BBB,J60/0,J300/0";
        assert_eq!(local(tz, "2024-02-29T23:59:59Z"), "2024-02-29T23:59:59Z");
        assert_eq!(
            local(tz, "2024-03-01T00:00:00Z"),
            "2024-03-01T01:00:00+01:00"
        );
        let tz = "AAA0BBB,59/0,300/0";
        assert_eq!(
            local(tz, "2024-02-29T00:00:00Z"),
            "2024-02-29T01:00:00+01:00"
        );
    }

    #[test]
    fn malformed_strings_are_refused() {
        for bad in [
            "",
            "C",
            "CE-1",
            "CET-1CEST,M3.5.0",
            "CET-1CEST,M13.5.0,M10.5.0",
            "CET-1CEST,M3.6.0,M10.5.0",
            "CET-1CEST,M3.5.7,M10.5.0",
            "CET-1CEST,J0,J5",
            "CET-25",
            "CET-1CEST,M3.5.0,M10.5.0/3x",
            ":Europe/Paris",
            "<AB>1",
            "CET-1:60",
        ] {
            assert!(PosixTz::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
