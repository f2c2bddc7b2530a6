//! `/peer forget @user` · `/peer forget me`: delete what you keep about a peer, or everything
//! you own. Asks first: the reply carries a confirmation, valid once, for you, for 10 minutes.

use super::args::Args;
use super::{Confirm, Ctx, Reply};
use crate::domain::UserId;
use crate::error::{Result, UsageError};
use crate::store::{Deleted, ForgetTarget};
use chrono::TimeDelta;

pub const USAGE: &str = "`/peer forget @user` · `/peer forget me`";
pub const ABOUT: &str = "Delete for good everything you keep about a peer (map entry, reason, \
check-ins and notes, credits, snoozes, work together, escalations you started with them, their \
place in your heads-ups, messages naming them), or with `me` everything you own: your map, history, \
heads-ups, credits, work together, your escalations and your side of others', published context, \
settings and queued messages. I ask first; the confirmation works once, for you, for 10 minutes.";

/// How long a confirmation stays valid.
pub const VALID_FOR: TimeDelta = TimeDelta::minutes(10);

#[derive(Debug, Clone, PartialEq)]
pub struct Forget {
    pub target: ForgetTarget,
}

pub(super) fn parse(args: &mut Args) -> Result<Forget, UsageError> {
    let target = match args.peek_words(1).first() {
        Some(w) if w.eq_ignore_ascii_case("me") => {
            args.skip_words(1);
            ForgetTarget::Me
        }
        _ => ForgetTarget::Peer(args.mention(USAGE)?),
    };
    args.finish(USAGE)?;
    Ok(Forget { target })
}

impl Forget {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let question = match &self.target {
            ForgetTarget::Peer(p) => {
                if !ctx.store.keeps_anything_about(ctx.owner, p).await? {
                    return Err(UsageError::new(
                        format!(
                            "{} is not on your map and you keep nothing about them. Nothing was deleted.",
                            p.mention()
                        ),
                        USAGE,
                    )
                    .into());
                }
                format!(
                    "Delete everything you keep about {}: map entry, reason, check-ins and notes, \
                     credits, their place in your heads-ups and messages naming them? This cannot \
                     be undone. The button works for 10 minutes.",
                    p.mention()
                )
            }
            ForgetTarget::Me => "Delete everything Sideways keeps for you: your map, every \
                check-in and note, heads-ups, credits, your published context, your settings and \
                any queued message? This cannot be undone. The button works for 10 minutes."
                .to_string(),
        };
        let token = ctx
            .store
            .ask_forget(ctx.owner, &self.target, ctx.now + VALID_FOR, ctx.now)
            .await?;
        Ok(Reply {
            text: question,
            confirm: Some(Confirm {
                token,
                label: "Yes, delete it".into(),
            }),
            form: None,
        })
    }
}

/// What a confirmed forget says: what went, with counts.
pub fn done_text(target: &ForgetTarget, deleted: &Deleted) -> String {
    let what = if deleted.is_empty() {
        "nothing was left to delete".to_string()
    } else {
        deleted
            .iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match target {
        ForgetTarget::Peer(p) => format!(
            "Deleted everything you kept about {} ({what}). Nothing about them will be sent to you.",
            p.mention()
        ),
        ForgetTarget::Me => format!(
            "Deleted everything Sideways kept for you ({what}). Nothing more will be sent to you."
        ),
    }
}

/// The peer a forget names, if any.
pub fn peer_of(target: &ForgetTarget) -> Option<&UserId> {
    match target {
        ForgetTarget::Peer(p) => Some(p),
        ForgetTarget::Me => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    #[test]
    fn forget_reads_a_mention_or_me() {
        assert_eq!(
            Command::parse("forget me"),
            Ok(Command::Forget(Forget {
                target: ForgetTarget::Me
            }))
        );
        assert_eq!(
            Command::parse("forget <@U2|ana>"),
            Ok(Command::Forget(Forget {
                target: ForgetTarget::Peer(UserId::parse("U2").unwrap())
            }))
        );
        assert!(Command::parse("forget").is_err());
        assert!(Command::parse("forget me now").is_err());
        assert!(Command::parse("forget ana").is_err());
    }

    proptest::proptest! {
        #[test]
        fn forget_and_export_never_panic(s in "\\PC{0,40}") {
            let _ = Command::parse(&format!("forget {s}"));
            let _ = Command::parse(&format!("export {s}"));
        }
    }
}
