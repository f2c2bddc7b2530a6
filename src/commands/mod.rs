//! The `/peer` command: its text parsed once into a typed [`Command`], then run against the
//! store with the clock passed in. Every transport (HTTP, Socket Mode, the console) comes here.
//!
//! Each subcommand's file owns its `USAGE` line, its parser and its behaviour; `/peer help`
//! is built from those same constants so it cannot drift from the parser.

mod add;
mod args;
mod cadence;
pub mod checkin;
mod context;
mod credit;
mod headsup;
mod help;
mod map;
mod meeting;
mod remove;
mod settings;
mod snooze;
mod told;

use crate::domain::{ChannelId, DeliveryPrefs, Owner, Peer, UserId, nudge_at};
use crate::error::{AppError, Result, UsageError};
use crate::outbound::{Messenger, SendError};
use crate::store::{Profile, Store};
use args::Args;
use chrono::{DateTime, NaiveDate, Utc};

pub use add::Add;
pub use cadence::SetCadence;
pub use checkin::Checkin;
pub use context::ContextCmd;
pub use credit::CreditCmd;
pub use headsup::HeadsupCmd;
pub use help::Help;
pub use meeting::MeetingCmd;
pub use remove::Remove;
pub use settings::Settings;
pub use snooze::{Snooze, SnoozeFor};
pub use told::Told;

/// A `/peer` invocation, fully parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help(Help),
    Add(Add),
    Remove(Remove),
    Map,
    Checkin(Checkin),
    Cadence(SetCadence),
    Snooze(Snooze),
    Settings(Settings),
    Headsup(HeadsupCmd),
    Headsups,
    Told(Told),
    Credit(CreditCmd),
    Context(ContextCmd),
    Meeting(MeetingCmd),
}

/// Every subcommand's usage line, in help order.
pub const ALL_USAGE: &str = "`/peer add @user [weekly|biweekly|monthly|every N weeks] [because …]` · \
`/peer remove @user` · `/peer map` · `/peer checkin @user [coffee] [on <date>] [notes]` · \
`/peer cadence @user <cadence>` · `/peer snooze @user <N days | until <date>>` · \
`/peer headsup \"<what>\" @a @b … before <when>` · `/peer told @user [<id>]` · `/peer headsups` · \
`/peer credit @user <what their team did>` · `/peer context [set <text> | clear | @user]` · \
`/peer meeting add #channel \"<schedule>\" [lead <minutes>] [<name>]` · `/peer meeting list | remove <id> | preview <id>` · \
`/peer settings [tz <zone>] [hours <HH-HH>] [days <mon-fri>]` · `/peer help [topic]`";

impl Command {
    /// Parses the text after `/peer`. Empty text is a request for help.
    pub fn parse(text: &str) -> Result<Command, UsageError> {
        let mut args = Args::new(text);
        let Some(sub) = args.next_word() else {
            return Ok(Command::Help(Help { topic: None }));
        };
        match sub.to_ascii_lowercase().as_str() {
            "help" | "?" => help::parse(&mut args).map(Command::Help),
            "add" => add::parse(&mut args).map(Command::Add),
            "remove" | "rm" => remove::parse(&mut args).map(Command::Remove),
            "map" | "list" => args.finish(map::USAGE).map(|_| Command::Map),
            "checkin" | "check-in" => checkin::parse(&mut args).map(Command::Checkin),
            "cadence" => cadence::parse(&mut args).map(Command::Cadence),
            "snooze" => snooze::parse(&mut args).map(Command::Snooze),
            "settings" => settings::parse(&mut args).map(Command::Settings),
            "headsup" | "heads-up" => {
                headsup::parse(args.rest().unwrap_or("")).map(Command::Headsup)
            }
            "headsups" | "heads-ups" => args.finish(headsup::LIST_USAGE).map(|_| Command::Headsups),
            "told" => told::parse(&mut args).map(Command::Told),
            "credit" => credit::parse(&mut args).map(Command::Credit),
            "context" => context::parse(&mut args).map(Command::Context),
            "meeting" | "meetings" => meeting::parse(&mut args).map(Command::Meeting),
            _ => Err(UsageError::new(
                format!("I don't know `/peer {}`.", args::free_text(sub)),
                ALL_USAGE,
            )),
        }
    }

    /// Whether running it may change the user's data (and so their App Home).
    pub fn changes_data(&self) -> bool {
        !matches!(
            self,
            Command::Help(_)
                | Command::Map
                | Command::Headsups
                | Command::Context(ContextCmd::Read(_))
                | Command::Meeting(MeetingCmd::List | MeetingCmd::Preview(_))
        )
    }

    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            Command::Help(h) => Ok(h.run()),
            Command::Add(c) => c.run(ctx).await,
            Command::Remove(c) => c.run(ctx).await,
            Command::Map => map::run(ctx).await,
            Command::Checkin(c) => c.run(ctx).await,
            Command::Cadence(c) => c.run(ctx).await,
            Command::Snooze(c) => c.run(ctx).await,
            Command::Settings(c) => c.run(ctx).await,
            Command::Headsup(c) => c.run(ctx).await,
            Command::Headsups => headsup::list(ctx).await,
            Command::Told(c) => c.run(ctx).await,
            Command::Credit(c) => c.run(ctx).await,
            Command::Context(c) => c.run(ctx).await,
            Command::Meeting(c) => c.run(ctx).await,
        }
    }
}

/// Everything a command runs with: the store, who is asking, their preferences and the time.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub owner: &'a Owner,
    pub profile: &'a Profile,
    pub now: DateTime<Utc>,
    /// For the few commands that must ask Slack something (a channel's members).
    pub messenger: &'a dyn Messenger,
}

impl Ctx<'_> {
    pub fn prefs(&self) -> DeliveryPrefs {
        self.profile.prefs()
    }

    /// The asking user's calendar date.
    pub fn today(&self) -> NaiveDate {
        self.prefs().local_date(self.now)
    }

    /// When the scheduler should next look at `peer`, given its state now.
    pub fn nudge_at(&self, peer: &Peer) -> DateTime<Utc> {
        nudge_at(peer, &self.prefs(), None, self.now)
    }

    /// Who is in `channel`; a channel Sideways cannot see is the user's to fix, a Slack outage
    /// is not.
    async fn channel_members(
        &self,
        channel: &ChannelId,
        usage: &'static str,
    ) -> Result<Vec<UserId>> {
        let ask = self.messenger.channel_members(&self.owner.team, channel);
        match tokio::time::timeout(std::time::Duration::from_secs(2), ask).await {
            Ok(Ok(m)) => Ok(m),
            Ok(Err(SendError::Rejected(code))) => Err(UsageError::new(
                format!(
                    "I can't see who is in {} (Slack says `{code}`). Invite me there with `/invite @Sideways`, then try again.",
                    channel.mention()
                ),
                usage,
            )
            .into()),
            Ok(Err(e)) => Err(AppError::Unavailable(e.to_string())),
            Err(_) => Err(AppError::Unavailable("Slack took too long".into())),
        }
    }

    /// Fails politely unless `who` is on the map.
    pub async fn require_peer_here(&self, who: &UserId) -> Result<Peer> {
        self.require_peer(who, checkin::USAGE).await
    }

    /// The peer, or a polite refusal if they are not on the map.
    async fn require_peer(&self, who: &UserId, usage: &'static str) -> Result<Peer> {
        match self.store.peer(self.owner, who).await? {
            Some(p) => Ok(p),
            None => Err(UsageError::new(
                format!(
                    "{} is not on your map. Add them first with `/peer add {}`.",
                    who.mention(),
                    who.mention()
                ),
                usage,
            )
            .into()),
        }
    }
}

/// What the user sees in answer: Slack mrkdwn, shown only to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
}

impl Reply {
    pub fn new(text: impl Into<String>) -> Self {
        Reply { text: text.into() }
    }
}

pub(crate) use crate::views::{fmt_day, fmt_moment};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_help_and_unknown_words_are_refused_with_the_command_list() {
        assert_eq!(
            Command::parse("  "),
            Ok(Command::Help(Help { topic: None }))
        );
        let e = Command::parse("frobnicate now").unwrap_err();
        assert!(e.problem.contains("`/peer frobnicate`"));
        assert_eq!(e.usage, ALL_USAGE);
    }

    #[test]
    fn map_takes_no_arguments() {
        assert_eq!(Command::parse("map"), Ok(Command::Map));
        assert!(
            Command::parse("map please")
                .unwrap_err()
                .problem
                .contains("`please`")
        );
    }
}
