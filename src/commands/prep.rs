//! `/peer prep @user`: everything you keep about a peer in one private message (SPEC §4): why
//! they are on your map, warmth, notes, the last two check-ins, open offers, their context and
//! any heads-up you still owe them. The nudge's **Prep** button shows the same.

use super::args::Args;
use super::{Ctx, Reply};
use crate::domain::UserId;
use crate::error::{Result, UsageError};

pub const USAGE: &str = "`/peer prep @user`";
pub const ABOUT: &str = "Before you talk: why they are on your map, warmth and last contact, your \
notes about them, the last two check-ins with their answers, open offers you made them, what you \
are working on together, their published context and any heads-up you still owe them. Only you see it; a check-in nudge's **Prep** \
button shows the same.";

pub(super) fn parse(args: &mut Args) -> Result<UserId, UsageError> {
    let peer = args.mention(USAGE)?;
    args.finish(USAGE)?;
    Ok(peer)
}

/// The prep text for `peer`, or a polite refusal when they are not on the map.
pub async fn prep(ctx: &Ctx<'_>, peer: &UserId) -> Result<Reply> {
    match ctx.store.prep_data(ctx.owner, peer, ctx.now).await? {
        Some(d) => {
            let mut text = crate::views::prep_text(&d, ctx.now);
            let trades = super::offer::suggestions(ctx, peer, d.context.as_ref()).await?;
            if !trades.is_empty() {
                text.push_str("\n*A trade?*");
                for t in trades {
                    text.push_str(&format!("\n• {t}"));
                }
            }
            Ok(Reply::new(text))
        }
        None => ctx.require_peer(peer, USAGE).await.map(|_| Reply::new("")),
    }
}
