//! Prep before talking to a peer (SPEC §4): one compact, private message built from
//! [`PrepData`]. Pure.

use super::{fmt_day, fmt_moment, peer_line, reason_line};
use crate::domain::{Direction, PastCheckin, PrepData};
use crate::outbound::{context_with_age, escape_mrkdwn, milestone_line};
use chrono::{DateTime, NaiveDate, Utc};

fn checkin_line(c: &PastCheckin, today: NaiveDate) -> String {
    let kind = if c.coffee { "coffee" } else { "check-in" };
    let mut parts = Vec::new();
    let mut add = |label: &str, v: &Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{label}: {}", escape_mrkdwn(v)));
        }
    };
    add("top constraint", &c.agenda.constraint);
    add("boss pressing on", &c.agenda.boss);
    add("on fire", &c.agenda.fire);
    add("one cheap thing", &c.offer);
    add("notes", &c.notes);
    if c.status_sync {
        parts.push("turned into a status sync".into());
    }
    let body = if parts.is_empty() {
        "nothing noted".to_string()
    } else {
        parts.join("; ")
    };
    format!("• {} ({kind}): {body}", fmt_day(c.held_on, today))
}

/// The whole prep, as Slack mrkdwn: only non-empty sections, so it stays compact.
pub fn prep_text(d: &PrepData, now: DateTime<Utc>) -> String {
    let today = d.prefs.local_date(now);
    let p = &d.peer;
    let who = p.peer.mention();
    let mut out = format!("*Prep for {who}* (only you can see this)\n");
    out.push_str(&peer_line(p, today, d.heard_first));
    out.push('\n');
    match &p.reason {
        Some(r) => out.push_str(&format!("{}\n", reason_line(r).trim_start())),
        None => out.push_str("_No reason noted for them._\n"),
    }
    if let Some(line) = d
        .signals
        .milestone
        .as_ref()
        .and_then(|m| milestone_line(m, p.warmth(today), today))
    {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("*About them*\n");
    if d.notes.is_empty() {
        out.push_str(&format!(
            "• nothing yet: /peer note {who} <kids' names, hobbies, what they care about>\n"
        ));
    }
    for n in &d.notes {
        let day = fmt_day(d.prefs.local_date(n.at), today);
        out.push_str(&format!(
            "• #{} {}: {}\n",
            n.id,
            day,
            escape_mrkdwn(&n.text)
        ));
    }
    if !d.checkins.is_empty() {
        out.push_str("*Last check-ins*\n");
        for c in &d.checkins {
            out.push_str(&checkin_line(c, today));
            out.push('\n');
        }
    }
    if !d.signals.offers.is_empty() {
        out.push_str("*Open offers you made*\n");
        for o in &d.signals.offers {
            out.push_str(&format!(
                "• #{} “{}” (offered {}): /peer offered {who} done {} or drop {}\n",
                o.id,
                escape_mrkdwn(&o.what),
                fmt_day(o.made_on, today),
                o.id,
                o.id
            ));
        }
    }
    if !d.loans.is_empty() {
        out.push_str("*Open loans*\n");
        for t in &d.loans {
            let what = match t.direction {
                Direction::Gave => "you lent them",
                Direction::Got => "you borrowed",
            };
            let due = t.back_by.map(|b| fmt_day(b, today)).unwrap_or_default();
            let overdue = if t.is_overdue(today) { ", overdue" } else { "" };
            out.push_str(&format!(
                "• #{} {what} “{}”, back by {due}{overdue}\n",
                t.number,
                escape_mrkdwn(&t.text)
            ));
        }
    }
    if !d.together.is_empty() {
        out.push_str("*Working on together*\n");
        for t in &d.together {
            out.push_str(&format!(
                "• #{} “{}”, ends {}\n",
                t.number,
                escape_mrkdwn(&t.topic),
                fmt_day(t.ends_on, today)
            ));
        }
    }
    if let Some(c) = &d.context {
        out.push_str(&format!(
            "*Their published context*\n• {}\n",
            context_with_age(c, now)
        ));
    }
    if !d.untold.is_empty() {
        out.push_str("*You owe them a heads-up*\n");
        for h in &d.untold {
            out.push_str(&format!(
                "• #{} “{}” reaches the room {}: tell them first, then /peer told {who} {}\n",
                h.number,
                escape_mrkdwn(&h.what),
                fmt_moment(h.room_at, d.prefs.tz, today),
                h.number
            ));
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Milestone, Warmth};

    #[test]
    fn a_milestone_is_called_out_only_when_near_and_the_relationship_is_not_warm() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        let m = Milestone {
            due_on: "2026-12-20".parse().unwrap(),
            what: "cut-over".into(),
        };
        assert!(
            milestone_line(&m, Warmth::Cooling, today)
                .unwrap()
                .contains(":warning:")
        );
        assert!(
            !milestone_line(&m, Warmth::Warm, today)
                .unwrap()
                .contains(":warning:")
        );
        let far = Milestone {
            due_on: "2027-03-01".parse().unwrap(),
            ..m.clone()
        };
        assert!(
            !milestone_line(&far, Warmth::Cold, today)
                .unwrap()
                .contains(":warning:")
        );
        let past = Milestone {
            due_on: "2026-11-22".parse().unwrap(),
            ..m
        };
        assert_eq!(milestone_line(&past, Warmth::Cold, today), None);
    }
}
