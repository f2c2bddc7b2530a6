//! `/peer map`: every peer with reason, cadence, last contact, next due date and warmth, the
//! most urgent first.

use super::add::load_warning;
use super::{Ctx, Reply, fmt_day};
use crate::domain::{Peer, Warmth};
use crate::error::Result;
use crate::messenger::escape_mrkdwn;
use chrono::NaiveDate;

pub const USAGE: &str = "`/peer map`";
pub const ABOUT: &str = "Your peers, coldest first: cadence, last contact, next check-in and how warm each relationship is \
(warm: within cadence; cooling: past it; cold: past twice the cadence).";

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Reply> {
    let today = ctx.today();
    let mut peers = ctx.store.peers_of(ctx.owner).await?;
    if peers.is_empty() {
        return Ok(Reply::new(
            "Your map is empty. Start with the 3–5 peers your year depends on: \
             `/peer add @ana biweekly because her platform gates our launch`.",
        ));
    }
    peers.sort_by_key(|p| p.urgency_key(today));
    let record = ctx.store.heard_first_record(ctx.owner).await?;
    let mut text = format!(
        "*Your peer map* ({} active, only you can see this)\n",
        peers.len()
    );
    for p in &peers {
        text.push_str(&peer_line(p, today, record.get(&p.peer).copied()));
        text.push('\n');
        if let Some(r) = &p.reason {
            text.push_str(&format!("      _because {}_\n", escape_mrkdwn(r)));
        }
    }
    if let Some(w) = load_warning(&peers) {
        text.push_str(&w);
    }
    Ok(Reply::new(text.trim_end().to_string()))
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
