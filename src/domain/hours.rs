//! When a message may reach a user: their time zone, working hours and working days.
//!
//! A message whose moment falls outside the window (or while the bot was down) goes out at the
//! start of the next window. All arithmetic is done on local wall-clock times resolved through
//! the IANA database for that very date, so daylight-saving changes move nothing.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::fmt;

/// A set of weekdays, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekdaySet(u8);

const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeekdaySet {
    pub const MON_FRI: WeekdaySet = WeekdaySet(0b0001_1111);

    pub fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.num_days_from_monday()) != 0
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits & 0x7f != 0).then_some(WeekdaySet(bits & 0x7f))
    }

    fn day(word: &str) -> Option<u8> {
        super::dates::weekday_from_word(word).map(|d| d.num_days_from_monday() as u8)
    }

    /// Parses `mon-fri`, `mon,wed,fri`, `sun-thu` (ranges wrap around the week).
    pub fn parse(s: &str) -> Option<Self> {
        let mut bits = 0u8;
        for item in s.split(',').filter(|i| !i.is_empty()) {
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (Self::day(a)?, Self::day(b)?);
                    let mut i = a;
                    loop {
                        bits |= 1 << i;
                        if i == b {
                            break;
                        }
                        i = (i + 1) % 7;
                    }
                }
                None => bits |= 1 << Self::day(item)?,
            }
        }
        Self::from_bits(bits)
    }
}

impl fmt::Display for WeekdaySet {
    /// The shortest form: `mon-fri`, `mon,wed,fri`, `every day`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0x7f {
            return f.write_str("every day");
        }
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            if self.0 & (1 << i) != 0 {
                let start = i;
                while i + 1 < 7 && self.0 & (1 << (i + 1)) != 0 {
                    i += 1;
                }
                parts.push(if i - start >= 2 {
                    format!("{}-{}", NAMES[start], NAMES[i])
                } else if i > start {
                    format!("{},{}", NAMES[start], NAMES[i])
                } else {
                    NAMES[start].to_string()
                });
            }
            i += 1;
        }
        f.write_str(&parts.join(","))
    }
}

/// Working hours as whole local hours, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub start: u8,
    pub end: u8,
}

impl WorkingHours {
    pub const DEFAULT: WorkingHours = WorkingHours { start: 9, end: 17 };

    pub fn new(start: u8, end: u8) -> Option<Self> {
        (start < end && end <= 24).then_some(WorkingHours { start, end })
    }

    /// Parses `9-17`, `09-17` or `09:00-17:00`.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('-')?;
        let hour = |t: &str| -> Option<u8> {
            let t = t.strip_suffix(":00").unwrap_or(t);
            (!t.is_empty() && t.len() <= 2 && t.bytes().all(|c| c.is_ascii_digit()))
                .then(|| t.parse().ok())?
        };
        Self::new(hour(a)?, hour(b)?)
    }
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:00–{:02}:00", self.start, self.end)
    }
}

/// Everything that decides when a message may reach one user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryPrefs {
    pub tz: Tz,
    pub hours: WorkingHours,
    pub days: WeekdaySet,
}

impl Default for DeliveryPrefs {
    fn default() -> Self {
        DeliveryPrefs {
            tz: Tz::UTC,
            hours: WorkingHours::DEFAULT,
            days: WeekdaySet::MON_FRI,
        }
    }
}

/// The first real instant at or after the local wall-clock time `date hour:00` (a time skipped by
/// a DST jump resolves to the moment the clocks jump to).
fn local_instant(tz: Tz, date: NaiveDate, hour: u8) -> DateTime<Utc> {
    let (date, hour) = if hour >= 24 {
        (date + Days::new(1), 0)
    } else {
        (date, hour)
    };
    resolve_local(
        tz,
        date.and_time(NaiveTime::from_hms_opt(u32::from(hour), 0, 0).unwrap_or(NaiveTime::MIN)),
    )
}

/// The real instant of a local wall-clock time: a time skipped by a DST jump resolves to the
/// moment the clocks jump to, a repeated one to its first occurrence.
pub(crate) fn resolve_local(tz: Tz, mut t: chrono::NaiveDateTime) -> DateTime<Utc> {
    for _ in 0..8 {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&t)
}

/// The first instant of `date` in `tz`.
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_instant(tz, date, 0)
}

impl DeliveryPrefs {
    /// The user's calendar date at `at`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// `at` itself when it falls inside a working window, else the start of the next window.
    pub fn next_working_instant(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let first = self.local_date(at);
        for offset in 0..8 {
            let day = first + Days::new(offset);
            if !self.days.contains(day.weekday()) {
                continue;
            }
            let start = local_instant(self.tz, day, self.hours.start);
            let end = local_instant(self.tz, day, self.hours.end);
            if at < start {
                return start;
            }
            if at < end {
                return at;
            }
        }
        // Unreachable with a non-empty day set; fail towards "later", never "at 2 a.m.".
        at + chrono::Duration::days(1)
    }

    pub fn is_working(&self, at: DateTime<Utc>) -> bool {
        self.next_working_instant(at) == at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn prefs(tz: &str) -> DeliveryPrefs {
        DeliveryPrefs {
            tz: tz.parse().unwrap(),
            ..DeliveryPrefs::default()
        }
    }

    #[test]
    fn inside_the_window_is_now() {
        let p = prefs("Europe/Paris");
        // Monday 2026-11-23 10:00 Paris = 09:00Z
        assert_eq!(
            p.next_working_instant(utc("2026-11-23T09:00:00Z")),
            utc("2026-11-23T09:00:00Z")
        );
    }

    #[test]
    fn before_hours_waits_for_the_start_of_the_day() {
        let p = prefs("America/New_York");
        // Monday 06:00 New York (EST, -5) -> 09:00 local = 14:00Z
        assert_eq!(
            p.next_working_instant(utc("2026-11-23T11:00:00Z")),
            utc("2026-11-23T14:00:00Z")
        );
    }

    #[test]
    fn friday_evening_rolls_to_monday_morning() {
        let p = prefs("Europe/London");
        assert_eq!(
            p.next_working_instant(utc("2026-11-27T18:30:00Z")),
            utc("2026-11-30T09:00:00Z")
        );
        // Saturday midnight too.
        assert_eq!(
            p.next_working_instant(utc("2026-11-28T00:00:00Z")),
            utc("2026-11-30T09:00:00Z")
        );
    }

    #[test]
    fn daylight_saving_keeps_nine_oclock_local() {
        let p = prefs("America/New_York");
        // Friday 2026-03-06 18:00 EST; the clocks spring forward on Sunday 03-08.
        // Monday 09:00 EDT is 13:00Z, not 14:00Z.
        assert_eq!(
            p.next_working_instant(utc("2026-03-06T23:00:00Z")),
            utc("2026-03-09T13:00:00Z")
        );
        // And back in the autumn: Friday 2026-10-30 evening EDT -> Monday 11-02 09:00 EST = 14:00Z.
        assert_eq!(
            p.next_working_instant(utc("2026-10-30T22:00:00Z")),
            utc("2026-11-02T14:00:00Z")
        );
    }

    #[test]
    fn a_window_starting_in_a_skipped_hour_starts_when_the_clocks_jump() {
        let p = DeliveryPrefs {
            tz: "America/New_York".parse().unwrap(),
            hours: WorkingHours::new(2, 10).unwrap(),
            days: WeekdaySet::parse("sun").unwrap(),
        };
        // 2026-03-08 02:00 does not exist in New York; 03:00 EDT = 07:00Z.
        assert_eq!(
            p.next_working_instant(utc("2026-03-08T05:00:00Z")),
            utc("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn custom_days_and_hours_are_respected() {
        let p = DeliveryPrefs {
            tz: "Asia/Tokyo".parse().unwrap(),
            hours: WorkingHours::parse("10-16").unwrap(),
            days: WeekdaySet::parse("sun-thu").unwrap(),
        };
        // Friday 2026-11-27 11:00 Tokyo (02:00Z) is not a working day -> Sunday 11-29 10:00 = 01:00Z.
        assert_eq!(
            p.next_working_instant(utc("2026-11-27T02:00:00Z")),
            utc("2026-11-29T01:00:00Z")
        );
        assert!(!p.is_working(utc("2026-11-27T02:00:00Z")));
    }

    #[test]
    fn hours_parse_and_refuse_nonsense() {
        assert_eq!(WorkingHours::parse("9-17"), WorkingHours::new(9, 17));
        assert_eq!(WorkingHours::parse("08:00-16:00"), WorkingHours::new(8, 16));
        assert_eq!(WorkingHours::parse("0-24"), WorkingHours::new(0, 24));
        for bad in [
            "17-9", "9-9", "9-25", "9", "a-b", "-5-6", "9-17-18", "123-4",
        ] {
            assert!(WorkingHours::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn day_sets_parse_and_print_compactly() {
        assert_eq!(WeekdaySet::parse("mon-fri"), Some(WeekdaySet::MON_FRI));
        assert_eq!(
            WeekdaySet::parse("Monday-Friday"),
            Some(WeekdaySet::MON_FRI)
        );
        assert_eq!(
            WeekdaySet::parse("mon,wed,fri").unwrap().to_string(),
            "mon,wed,fri"
        );
        assert_eq!(
            WeekdaySet::parse("sun-tue").unwrap().to_string(),
            "mon,tue,sun"
        );
        assert_eq!(
            WeekdaySet::parse("mon-sun").unwrap().to_string(),
            "every day"
        );
        assert_eq!(WeekdaySet::parse("tue-thu").unwrap().to_string(), "tue-thu");
        for bad in ["", "funday", "mon-", "mo"] {
            assert!(WeekdaySet::parse(bad).is_none(), "{bad}");
        }
    }
}
