//! `/peer map`: every peer with reason, cadence, last contact, next due date and warmth, the
//! most urgent first.

use super::add::load_warning;
use super::{Ctx, Reply};
use crate::domain::{Milestone, UserId};
use crate::error::Result;
use crate::outbound::milestone_line;
use crate::views::{peer_line, reason_line};
use std::collections::HashMap;

pub const USAGE: &str = "`/peer map [all]`";
pub const ABOUT: &str = "Your peers, coldest first (one cooling or cold within 6 weeks of its milestone before all, saying why): cadence, last contact, next check-in and how warm each relationship is \
(warm: within cadence; cooling: past it; cold: past twice the cadence). `all` adds the peers who left the \
workspace, read-only: they are never nudged about again.";

/// `/peer map` or `/peer map all` (`true`: with the peers who left, read-only).
pub(super) fn parse(args: &mut super::args::Args) -> Result<bool, crate::error::UsageError> {
    let all = args
        .peek_words(1)
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("all"));
    if all {
        args.skip_words(1);
    }
    args.finish(USAGE)?;
    Ok(all)
}

/// The map, then the peers who left the workspace, read-only.
pub(super) async fn run_all(ctx: &Ctx<'_>) -> Result<Reply> {
    let map = run(ctx).await?;
    let gone = ctx.store.departed_of(ctx.owner).await?;
    if gone.is_empty() {
        return Ok(map);
    }
    let today = ctx.today();
    let mut text = map.text;
    text.push_str("\n*Left the workspace* (kept read-only; never nudged)\n");
    for (p, at) in gone {
        let last = p
            .last_contact
            .map(|d| format!("last contact {}", super::fmt_day(d, today)))
            .unwrap_or_else(|| "no contact logged".into());
        text.push_str(&format!(
            "• {} · {} · {last} · left {}\n",
            p.peer.mention(),
            p.cadence,
            super::fmt_day(ctx.prefs().local_date(at), today)
        ));
        if let Some(r) = &p.reason {
            text.push_str(&reason_line(r));
            text.push('\n');
        }
    }
    Ok(Reply::new(text.trim_end().to_string()))
}

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Reply> {
    let today = ctx.today();
    let mut peers = ctx.store.peers_of(ctx.owner).await?;
    if peers.is_empty() {
        return Ok(Reply::new(
            "Your map is empty. Start with the 3–5 peers your year depends on: \
             `/peer add @ana biweekly because her platform gates our launch`.",
        ));
    }
    let record = ctx.store.heard_first_record(ctx.owner).await?;
    let mut signals = ctx
        .store
        .signals_for(std::slice::from_ref(ctx.owner))
        .await?
        .remove(ctx.owner)
        .unwrap_or_default();
    let milestones: HashMap<UserId, Milestone> = signals
        .iter_mut()
        .filter_map(|(p, s)| s.milestone.take().map(|m| (p.clone(), m)))
        .collect();
    // A cooling or cold relationship near its milestone comes first (SPEC §2).
    peers.sort_by_key(|p| {
        let at_risk = milestones
            .get(&p.peer)
            .is_some_and(|m| m.at_risk(p.warmth(today), today));
        (!at_risk, p.urgency_key(today))
    });
    let mut text = format!(
        "*Your peer map* ({} active, only you can see this)\n",
        peers.len()
    );
    for p in &peers {
        text.push_str(&peer_line(p, today, record.get(&p.peer).copied()));
        text.push('\n');
        if let Some(m) = milestones
            .get(&p.peer)
            .and_then(|m| milestone_line(m, p.warmth(today), today))
        {
            text.push_str(&format!("      {m}\n"));
        }
        if let Some(r) = &p.reason {
            text.push_str(&reason_line(r));
            text.push('\n');
        }
    }
    if let Some(w) = load_warning(&peers) {
        text.push_str(&w);
    }
    Ok(Reply::new(text.trim_end().to_string()))
}
