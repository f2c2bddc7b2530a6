//! `/peer remove @user`: take a peer off the map (their history stays yours).

use super::args::Args;
use super::{Ctx, Reply};
use crate::domain::UserId;
use crate::error::{Result, UsageError};

pub const USAGE: &str = "`/peer remove @user`";
pub const ABOUT: &str =
    "Take a peer off your map. No more nudges about them; past check-ins stay in your history.";

#[derive(Debug, Clone, PartialEq)]
pub struct Remove {
    pub peer: UserId,
}

pub(super) fn parse(args: &mut Args) -> Result<Remove, UsageError> {
    let peer = args.mention(USAGE)?;
    args.finish(USAGE)?;
    Ok(Remove { peer })
}

impl Remove {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        if ctx.store.remove_peer(ctx.owner, &self.peer).await? {
            Ok(Reply::new(format!(
                "Removed {} from your map. No more nudges about them.",
                self.peer.mention()
            )))
        } else {
            Err(UsageError::new(
                format!("{} is not on your map.", self.peer.mention()),
                USAGE,
            )
            .into())
        }
    }
}
