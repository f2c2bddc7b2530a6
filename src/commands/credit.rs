//! `/peer credit @user <contribution>`: credit a peer's team where they cannot hear it. The
//! credit is named in the next digest of every leadership meeting whose channel the crediting
//! user is in (SPEC §8).

use super::args::{Args, bounded_text};
use super::{Ctx, Reply};
use crate::domain::UserId;
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer credit @user <what their team did>`";
pub const ABOUT: &str = "Credit a peer's team. It is named in the next digest of every leadership \
meeting whose channel you are in: a forum they may not attend.";

const MAX_WHAT: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub struct CreditCmd {
    pub peer: UserId,
    pub what: String,
}

pub(super) fn parse(args: &mut Args) -> Result<CreditCmd, UsageError> {
    let peer = args.mention(USAGE)?;
    let what = match args.rest() {
        Some(w) => bounded_text(w, MAX_WHAT, "credit", USAGE)?,
        None => {
            return Err(UsageError::new(
                "What did their team do? e.g. `/peer credit @ana lent us two engineers for the migration`.",
                USAGE,
            ));
        }
    };
    Ok(CreditCmd { peer, what })
}

impl CreditCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        if self.peer == ctx.owner.user {
            return Err(UsageError::new(
                "Credit is for someone else's team: name the peer whose team did it.",
                USAGE,
            )
            .into());
        }
        ctx.store
            .add_credit(ctx.owner, &self.peer, &self.what, ctx.now)
            .await?;
        let meetings = ctx.store.meetings(&ctx.owner.team).await?;
        let mut mine = Vec::new();
        let mut unknown = false;
        for m in &meetings {
            match ctx.messenger.channel_members(&m.team, &m.channel).await {
                Ok(members) if members.contains(&ctx.owner.user) => mine.push(m.label()),
                Ok(_) => {}
                Err(_) => unknown = true,
            }
        }
        let where_ = if meetings.is_empty() {
            "No leadership meeting is set up yet (`/peer meeting add`); it will be named in the first \
             digest of a meeting whose channel you are in, if that comes within two weeks."
                .to_string()
        } else if !mine.is_empty() {
            format!(
                "It will be named in the next digest of {}.",
                mine.join(", ")
            )
        } else if unknown {
            "It will be named in the next digest of every meeting whose channel you are in."
                .to_string()
        } else {
            "You are not in any digest channel, so no digest will name it yet: join one, or tell them yourself."
                .to_string()
        };
        Ok(Reply::new(format!(
            "Noted: {}'s team, “{}”. {where_}",
            self.peer.mention(),
            escape_mrkdwn(&self.what)
        )))
    }
}
