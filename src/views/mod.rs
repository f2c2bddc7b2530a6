//! Pure presentation: data in, a view model or a line of text out. No I/O, no Slack types, no
//! clock of its own. Commands, the scheduler and App Home all word things the same way because
//! they all come here.

mod home;
mod prep;

pub use home::home;
pub use prep::prep_text;

use crate::domain::{DeliveryPrefs, Headsup, Meeting, Peer, Warmth};
use crate::outbound::{HeadsupItem, escape_mrkdwn};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};

/// A moment in `tz`: `today 15:00`, `Thu 3 Dec 10:00`.
pub fn fmt_moment(at: DateTime<Utc>, tz: chrono_tz::Tz, today: NaiveDate) -> String {
    let local = at.with_timezone(&tz);
    format!(
        "{} {}",
        fmt_day(local.date_naive(), today),
        local.format("%H:%M")
    )
}

/// `today`, `tomorrow`, `Mon 7 Dec` (with the year when it is not this one).
pub fn fmt_day(d: NaiveDate, today: NaiveDate) -> String {
    match (d - today).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        _ if d.year() == today.year() => d.format("%a %-d %b").to_string(),
        _ => d.format("%a %-d %b %Y").to_string(),
    }
}

/// A heads-up as messages show it, with the room time in the owner's zone.
pub fn headsup_item(h: &Headsup, prefs: &DeliveryPrefs, now: DateTime<Utc>) -> HeadsupItem {
    HeadsupItem {
        number: h.number,
        what: h.what.clone(),
        room: fmt_moment(h.room_at, prefs.tz, prefs.local_date(now)),
        until: time_until(h.room_at, now),
        untold: h.untold().map(|p| p.peer.clone()).collect(),
    }
}

/// `#3 you lent <@A>'s team “two engineers”, back by Fri 11 Dec :warning: overdue`: one open
/// loan as the ledger and App Home list it.
pub fn loan_item(t: &crate::domain::Trade, today: NaiveDate) -> String {
    let who = t.peer.mention();
    let what = match t.direction {
        crate::domain::Direction::Gave => format!("you lent {who}'s team"),
        crate::domain::Direction::Got => format!("you borrowed from {who}'s team"),
    };
    let due = t.back_by.map(|d| fmt_day(d, today)).unwrap_or_default();
    let overdue = if t.is_overdue(today) {
        " :warning: overdue"
    } else {
        ""
    };
    format!(
        "#{} {what} “{}”, back by {due}{overdue}",
        t.number,
        crate::outbound::escape_mrkdwn(&t.text)
    )
}

/// `in 40 minutes`, `in about 2 hours`, `in 3 days`: how far off `at` is, as the time it
/// really is (a reminder sent late says so).
pub fn time_until(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (at - now).num_minutes();
    match minutes {
        ..=0 => "now".into(),
        1 => "in 1 minute".into(),
        2..=59 => format!("in {minutes} minutes"),
        60..=89 => "in about an hour".into(),
        90..=1199 => format!("in about {} hours", (minutes + 30) / 60),
        1200..=2159 => "in about a day".into(),
        _ => format!("in {} days", (minutes + 720) / 1440),
    }
}

/// `Mon 23 Nov 09:30 (Europe/London)`: an occurrence in the meeting's own zone.
pub fn room_label(m: &Meeting, occurrence: NaiveDateTime, now: DateTime<Utc>) -> String {
    format!("{} ({})", occurrence_time(m, occurrence, now), m.tz.name())
}

/// `Mon 23 Nov 09:30`, with its year when that is not the year of `now` in the meeting's zone.
pub fn occurrence_time(m: &Meeting, occurrence: NaiveDateTime, now: DateTime<Utc>) -> String {
    let format = if occurrence.year() == now.with_timezone(&m.tz).year() {
        "%a %-d %b %H:%M"
    } else {
        "%a %-d %b %Y %H:%M"
    };
    occurrence.format(format).to_string()
}

/// `● <@U> · *warm* · weekly · last contact … · next check-in …` (with snooze and heard-first
/// record when there is one).
pub fn peer_line(p: &Peer, today: NaiveDate, heard_first: Option<(i64, i64)>) -> String {
    let icon = match p.warmth(today) {
        Warmth::Warm => ":large_green_circle:",
        Warmth::Cooling => ":large_yellow_circle:",
        Warmth::Cold => ":large_blue_circle:",
    };
    let last = match p.last_contact {
        Some(d) => format!("last contact {}", fmt_day(d, today)),
        None => "no contact logged yet".into(),
    };
    let due = p.next_due();
    let next = if due < today {
        format!("check-in overdue since {}", fmt_day(due, today))
    } else {
        format!("next check-in {}", fmt_day(due, today))
    };
    let mut line = format!(
        "{icon} {} · *{}* · {} · {last} · {next}",
        p.peer.mention(),
        p.warmth(today).label(),
        p.cadence
    );
    if p.is_snoozed(today)
        && let Some(s) = p.snoozed_until
    {
        line.push_str(&format!(" · snoozed until {}", fmt_day(s, today)));
    }
    if let Some((yes, all)) = heard_first {
        line.push_str(&format!(" · heard news from you first {yes} of {all}"));
    }
    line
}

/// The `_because …_` line under a peer on the map.
pub fn reason_line(reason: &str) -> String {
    format!("      _because {}_", escape_mrkdwn(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_print_relative_to_today() {
        let today: NaiveDate = "2026-11-21".parse().unwrap();
        assert_eq!(fmt_day(today, today), "today");
        assert_eq!(fmt_day("2026-11-30".parse().unwrap(), today), "Mon 30 Nov");
        assert_eq!(
            fmt_day("2027-01-04".parse().unwrap(), today),
            "Mon 4 Jan 2027"
        );
    }
}
