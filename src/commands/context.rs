//! `/peer context [set <text> | clear | @user]`: publish your team's current constraints, or
//! read a peer's. Context is the one thing a user publishes to the whole workspace (SPEC §9).

use super::args::{Args, bounded_text};
use super::{Ctx, Reply, fmt_day};
use crate::domain::{Published, UserId};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer context set <what your team is juggling>` · `/peer context clear` · \
`/peer context @user` · `/peer context`";
pub const ABOUT: &str = "Publish your team's current constraints (\"hiring freeze, SOC2 audit, two \
on-call engineers out\"). Anyone in the workspace can read them, and leadership digests show them. \
After 30 days they are shown with their age and I ask you once to refresh or clear them.";

const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum ContextCmd {
    Set(String),
    Clear,
    Read(Option<UserId>),
}

pub(super) fn parse(args: &mut Args) -> Result<ContextCmd, UsageError> {
    match args
        .peek_words(1)
        .first()
        .map(|w| w.to_ascii_lowercase())
        .as_deref()
    {
        None => Ok(ContextCmd::Read(None)),
        Some("set") => {
            args.skip_words(1);
            match args.rest() {
                Some(t) => Ok(ContextCmd::Set(bounded_text(
                    t, MAX_TEXT, "context", USAGE,
                )?)),
                None => Err(UsageError::new(
                    "What is your team juggling? e.g. `/peer context set hiring freeze until January, SOC2 audit`.",
                    USAGE,
                )),
            }
        }
        Some("clear") => {
            args.skip_words(1);
            args.finish(USAGE)?;
            Ok(ContextCmd::Clear)
        }
        Some(_) => {
            let who = args.mention(USAGE)?;
            args.finish(USAGE)?;
            Ok(ContextCmd::Read(Some(who)))
        }
    }
}

impl ContextCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            ContextCmd::Set(text) => {
                ctx.store.set_context(ctx.owner, text, ctx.now).await?;
                Ok(Reply::new(format!(
                    "Published. Anyone in the workspace can read it with /peer context {}, and the \
                     digests of your leadership meetings show it. In 30 days I'll ask you to refresh it; \
                     `/peer context clear` takes it down.",
                    ctx.owner.user.mention()
                )))
            }
            ContextCmd::Clear => {
                if ctx.store.clear_context(ctx.owner).await? {
                    Ok(Reply::new("Taken down. Digests will no longer show it."))
                } else {
                    Ok(Reply::new("You had nothing published."))
                }
            }
            ContextCmd::Read(who) => {
                let user = who.as_ref().unwrap_or(&ctx.owner.user);
                let found = ctx
                    .store
                    .contexts_of(&ctx.owner.team, std::slice::from_ref(user))
                    .await?;
                let mine = who.is_none() || who.as_ref() == Some(&ctx.owner.user);
                Ok(Reply::new(match (found.first(), mine) {
                    (Some(p), true) => format!(
                        "Your published context: {}\n{}",
                        self.line(ctx, p),
                        "`/peer context set <text>` replaces it, `/peer context clear` takes it down."
                    ),
                    (Some(p), false) => format!(
                        "{}'s team is juggling: {}",
                        user.mention(),
                        self.line(ctx, p)
                    ),
                    (None, true) => "You have not published any context. `/peer context set <what your team is juggling>` lets peers see it.".into(),
                    (None, false) => format!("{} has not published any context.", user.mention()),
                }))
            }
        }
    }

    fn line(&self, ctx: &Ctx<'_>, p: &Published) -> String {
        // Once: "(set Mon 23 Nov)", or "(set Mon 23 Nov, 31 days ago)" when it is stale.
        let day = fmt_day(ctx.prefs().local_date(p.set_at), ctx.today());
        let age = p
            .stale_days(ctx.now)
            .map(|d| format!(", {d} days ago"))
            .unwrap_or_default();
        format!("{} _(set {day}{age})_", escape_mrkdwn(&p.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    #[test]
    fn context_subcommands_parse() {
        assert_eq!(
            Command::parse("context set hiring freeze, SOC2").unwrap(),
            Command::Context(ContextCmd::Set("hiring freeze, SOC2".into()))
        );
        assert_eq!(
            Command::parse("context").unwrap(),
            Command::Context(ContextCmd::Read(None))
        );
        assert_eq!(
            Command::parse("context <@U0ANA|ana>").unwrap(),
            Command::Context(ContextCmd::Read(UserId::parse("U0ANA")))
        );
        assert_eq!(
            Command::parse("context clear").unwrap(),
            Command::Context(ContextCmd::Clear)
        );
        assert!(Command::parse("context set").is_err());
        assert!(Command::parse("context clear now").is_err());
        assert!(Command::parse("context ana").is_err());
        assert!(Command::parse("credit <@U0ANA>").is_err());
    }
}
