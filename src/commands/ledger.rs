//! `/peer ledger [@user]`: the trades kept with each peer, open loans first, reciprocity in
//! words (SPEC idea 6). Only the owner ever sees it.

use super::args::Args;
use super::{Ctx, Reply, fmt_day};
use crate::domain::{Trade, UserId, reciprocity};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;
use crate::views::loan_item;

pub const USAGE: &str = "`/peer ledger [@user]`";
pub const ABOUT: &str = "What you and your peers' teams gave each other: open loans first (overdue ones \
marked), then each peer's recent entries with their ids and how the give and take has gone lately, in words. \
Only you can see it.";

/// Entries shown per peer.
const RECENT: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    pub peer: Option<UserId>,
}

pub(super) fn parse(args: &mut Args) -> Result<Ledger, UsageError> {
    let peer = if args.peek_words(1).is_empty() {
        None
    } else {
        Some(args.mention(USAGE)?)
    };
    args.finish(USAGE)?;
    Ok(Ledger { peer })
}

impl Ledger {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let today = ctx.today();
        let trades = ctx.store.trades(ctx.owner, self.peer.as_ref()).await?;
        if trades.is_empty() {
            let whom = self
                .peer
                .as_ref()
                .map(|p| format!(" with {}", p.mention()))
                .unwrap_or_default();
            return Ok(Reply::new(format!(
                "Nothing in your ledger{whom} yet. `/peer trade got @ana info the reorg, a week early` \
                 keeps one; only you will see it."
            )));
        }
        let mut text = String::from("*Your ledger* (only you can see this)\n");
        let loans: Vec<&Trade> = trades.iter().filter(|t| t.is_open_loan()).collect();
        if !loans.is_empty() {
            text.push_str("*Open loans*\n");
            let mut loans = loans;
            loans.sort_by_key(|t| t.back_by);
            for t in loans {
                text.push_str(&format!("• {}\n", loan_item(t, today)));
            }
        }
        // Peers in the order of their latest entry.
        let mut peers: Vec<&UserId> = Vec::new();
        for t in &trades {
            if !peers.contains(&&t.peer) {
                peers.push(&t.peer);
            }
        }
        for peer in peers {
            let theirs: Vec<&Trade> = trades.iter().filter(|t| &t.peer == peer).collect();
            let words = reciprocity(&theirs, &peer.mention(), today);
            text.push_str(&format!("*With {}*: {words}\n", peer.mention()));
            for t in theirs.iter().take(RECENT) {
                text.push_str(&format!("• {}\n", entry_line(t, today)));
            }
            if theirs.len() > RECENT {
                text.push_str(&format!(
                    "  …and {} older: /peer ledger {} shows them all\n",
                    theirs.len() - RECENT,
                    peer.mention()
                ));
            }
        }
        text.push_str("`/peer trade delete <id>` removes an entry.");
        Ok(Reply::new(text))
    }
}

fn entry_line(t: &Trade, today: chrono::NaiveDate) -> String {
    format!(
        "#{} {}: {} {}: “{}”",
        t.number,
        fmt_day(t.held_on, today),
        t.direction.as_str(),
        t.good,
        escape_mrkdwn(&t.text)
    )
}
