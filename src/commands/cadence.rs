//! `/peer cadence @user <cadence>`: change how often a peer comes due.

use super::args::Args;
use super::{Ctx, Reply, fmt_day};
use crate::domain::{Cadence, UserId};
use crate::error::{Result, UsageError};

pub const USAGE: &str = "`/peer cadence @user <weekly|biweekly|monthly|quarterly|every N weeks>`";
pub const ABOUT: &str = "Change how often a peer comes due. Weekly where your work is tightly coupled, \
biweekly or monthly otherwise. The clock still runs from your last contact.";

#[derive(Debug, Clone, PartialEq)]
pub struct SetCadence {
    pub peer: UserId,
    pub cadence: Cadence,
}

pub(super) fn parse(args: &mut Args) -> Result<SetCadence, UsageError> {
    let peer = args.mention(USAGE)?;
    let words = args.peek_words(3);
    let (cadence, used) =
        Cadence::parse_words(&words).map_err(|e| UsageError::new(e.to_string(), USAGE))?;
    args.skip_words(used);
    args.finish(USAGE)?;
    Ok(SetCadence { peer, cadence })
}

impl SetCadence {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let mut peer = ctx.require_peer(&self.peer, USAGE).await?;
        peer.cadence = self.cadence;
        ctx.store
            .update_peer(ctx.owner, &peer, ctx.nudge_at(&peer))
            .await?;
        Ok(Reply::new(format!(
            "{} is now {}. Next check-in due {}.",
            peer.peer.mention(),
            peer.cadence,
            fmt_day(peer.next_due(), ctx.today())
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadences_parse_and_junk_is_refused() {
        let c = parse(&mut Args::new("<@U2> every 4 weeks")).unwrap();
        assert_eq!(c.cadence, Cadence::Weeks(4));
        assert!(
            parse(&mut Args::new("<@U2>"))
                .unwrap_err()
                .problem
                .contains("Which cadence")
        );
        assert!(
            parse(&mut Args::new("<@U2> hourly"))
                .unwrap_err()
                .problem
                .contains("`hourly`")
        );
        assert!(
            parse(&mut Args::new("<@U2> weekly please"))
                .unwrap_err()
                .problem
                .contains("`please`")
        );
    }
}
