//! `/peer map`: every peer with reason, cadence, last contact, next due date and warmth, the
//! most urgent first.

use super::add::load_warning;
use super::{Ctx, Reply};
use crate::error::Result;
use crate::views::{peer_line, reason_line};

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
            text.push_str(&reason_line(r));
            text.push('\n');
        }
    }
    if let Some(w) = load_warning(&peers) {
        text.push_str(&w);
    }
    Ok(Reply::new(text.trim_end().to_string()))
}
