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
pub mod escalate;
mod export;
pub mod forget;
mod headsup;
mod help;
mod ledger;
mod map;
mod meeting;
mod milestone;
mod note;
mod offer;
mod offered;
mod prep;
mod remove;
pub mod review;
mod settings;
mod snooze;
pub mod stuck;
mod together;
mod told;
mod trade;

use crate::domain::{ChannelId, DeliveryPrefs, Owner, Peer, UserId, nudge_at};
use crate::error::{AppError, Result, UsageError};
use crate::outbound::{Messenger, SendError};
use crate::store::{Profile, Store};
use args::Args;
use chrono::{DateTime, NaiveDate, Utc};

pub use add::{Add, add_successor};
pub use cadence::SetCadence;
pub use checkin::Checkin;
pub use context::ContextCmd;
pub use credit::CreditCmd;
pub use escalate::EscalateCmd;
pub use forget::Forget;
pub use headsup::HeadsupCmd;
pub use help::Help;
pub use ledger::Ledger;
pub use meeting::MeetingCmd;
pub use milestone::MilestoneCmd;
pub use note::NoteCmd;
pub use offer::OfferCmd;
pub use offered::{OfferedCmd, close as close_offer};
pub use prep::prep;
pub use remove::Remove;
pub use review::ReviewCmd;
pub use settings::Settings;
pub use snooze::{Snooze, SnoozeFor};
pub use together::TogetherCmd;
pub use told::Told;
pub use trade::TradeCmd;

/// A `/peer` invocation, fully parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help(Help),
    Add(Add),
    Remove(Remove),
    Map,
    /// The map with the peers who left the workspace.
    MapAll,
    Checkin(Checkin),
    Note(NoteCmd),
    Prep(UserId),
    Offered(OfferedCmd),
    Milestone(MilestoneCmd),
    Review(ReviewCmd),
    Cadence(SetCadence),
    Snooze(Snooze),
    Settings(Settings),
    Headsup(HeadsupCmd),
    Headsups,
    Told(Told),
    Credit(CreditCmd),
    Context(ContextCmd),
    Meeting(MeetingCmd),
    Trade(TradeCmd),
    Offer(OfferCmd),
    Ledger(Ledger),
    Escalate(EscalateCmd),
    /// The stuck diagnostic about a peer (a form; see [`stuck`]).
    Stuck(UserId),
    Together(TogetherCmd),
    Export,
    Forget(Forget),
}

/// One `/peer` subcommand: the words that name it, its usage line, what it does, and its
/// parser. [`COMMANDS`] is the only list: the parser dispatches through it and `/peer help`
/// (the overview, each topic, and every "I don't know" reply) is generated from it, so help
/// cannot drift from what is accepted.
pub struct Spec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub usage: &'static str,
    pub about: &'static str,
    parse: fn(&mut Args) -> Result<Command, UsageError>,
}

/// Every subcommand, in help order.
pub const COMMANDS: &[Spec] = &[
    Spec {
        name: "add",
        aliases: &[],
        usage: add::USAGE,
        about: add::ABOUT,
        parse: |a| add::parse(a).map(Command::Add),
    },
    Spec {
        name: "remove",
        aliases: &["rm"],
        usage: remove::USAGE,
        about: remove::ABOUT,
        parse: |a| remove::parse(a).map(Command::Remove),
    },
    Spec {
        name: "map",
        aliases: &["list"],
        usage: map::USAGE,
        about: map::ABOUT,
        parse: |a| map::parse(a).map(|all| if all { Command::MapAll } else { Command::Map }),
    },
    Spec {
        name: "checkin",
        aliases: &["check-in"],
        usage: checkin::USAGE,
        about: checkin::ABOUT,
        parse: |a| checkin::parse(a).map(Command::Checkin),
    },
    Spec {
        name: "note",
        aliases: &[],
        usage: note::USAGE,
        about: note::ABOUT,
        parse: |a| note::parse(a).map(Command::Note),
    },
    Spec {
        name: "notes",
        aliases: &[],
        usage: note::LIST_USAGE,
        about: note::LIST_ABOUT,
        parse: |a| note::parse_list(a).map(Command::Note),
    },
    Spec {
        name: "prep",
        aliases: &[],
        usage: prep::USAGE,
        about: prep::ABOUT,
        parse: |a| prep::parse(a).map(Command::Prep),
    },
    Spec {
        name: "offered",
        aliases: &[],
        usage: offered::USAGE,
        about: offered::ABOUT,
        parse: |a| offered::parse(a).map(Command::Offered),
    },
    Spec {
        name: "milestone",
        aliases: &[],
        usage: milestone::USAGE,
        about: milestone::ABOUT,
        parse: |a| milestone::parse(a).map(Command::Milestone),
    },
    Spec {
        name: "review",
        aliases: &[],
        usage: review::USAGE,
        about: review::ABOUT,
        parse: |a| review::parse(a).map(Command::Review),
    },
    Spec {
        name: "cadence",
        aliases: &[],
        usage: cadence::USAGE,
        about: cadence::ABOUT,
        parse: |a| cadence::parse(a).map(Command::Cadence),
    },
    Spec {
        name: "snooze",
        aliases: &[],
        usage: snooze::USAGE,
        about: snooze::ABOUT,
        parse: |a| snooze::parse(a).map(Command::Snooze),
    },
    Spec {
        name: "headsup",
        aliases: &["heads-up"],
        usage: headsup::USAGE,
        about: headsup::ABOUT,
        parse: |a| headsup::parse(a.rest().unwrap_or("")).map(Command::Headsup),
    },
    Spec {
        name: "told",
        aliases: &[],
        usage: told::USAGE,
        about: told::ABOUT,
        parse: |a| told::parse(a).map(Command::Told),
    },
    Spec {
        name: "headsups",
        aliases: &["heads-ups"],
        usage: headsup::LIST_USAGE,
        about: headsup::LIST_ABOUT,
        parse: |a| a.finish(headsup::LIST_USAGE).map(|_| Command::Headsups),
    },
    Spec {
        name: "credit",
        aliases: &[],
        usage: credit::USAGE,
        about: credit::ABOUT,
        parse: |a| credit::parse(a).map(Command::Credit),
    },
    Spec {
        name: "context",
        aliases: &[],
        usage: context::USAGE,
        about: context::ABOUT,
        parse: |a| context::parse(a).map(Command::Context),
    },
    Spec {
        name: "meeting",
        aliases: &["meetings"],
        usage: meeting::USAGE,
        about: meeting::ABOUT,
        parse: |a| meeting::parse(a).map(Command::Meeting),
    },
    Spec {
        name: "trade",
        aliases: &["trades"],
        usage: trade::USAGE,
        about: trade::ABOUT,
        parse: |a| trade::parse(a).map(Command::Trade),
    },
    Spec {
        name: "offer",
        aliases: &[],
        usage: offer::USAGE,
        about: offer::ABOUT,
        parse: |a| offer::parse(a).map(Command::Offer),
    },
    Spec {
        name: "offers",
        aliases: &[],
        usage: "`/peer offers`",
        about: "What you noted as cheap for your team to give, with ids.",
        parse: |a| offer::parse_list(a).map(Command::Offer),
    },
    Spec {
        name: "ledger",
        aliases: &[],
        usage: ledger::USAGE,
        about: ledger::ABOUT,
        parse: |a| ledger::parse(a).map(Command::Ledger),
    },
    Spec {
        name: "together",
        aliases: &[],
        usage: together::USAGE,
        about: together::ABOUT,
        parse: |a| together::parse(a).map(Command::Together),
    },
    Spec {
        name: "stuck",
        aliases: &[],
        usage: stuck::USAGE,
        about: stuck::ABOUT,
        parse: |a| stuck::parse(a).map(Command::Stuck),
    },
    Spec {
        name: "escalate",
        aliases: &[],
        usage: escalate::USAGE,
        about: escalate::ABOUT,
        parse: |a| escalate::parse(a).map(Command::Escalate),
    },
    Spec {
        name: "escalation",
        aliases: &[],
        usage: escalate::DOC_USAGE,
        about: escalate::DOC_ABOUT,
        parse: |a| escalate::parse_doc(a).map(Command::Escalate),
    },
    Spec {
        name: "escalations",
        aliases: &[],
        usage: escalate::LIST_USAGE,
        about: escalate::LIST_ABOUT,
        parse: |a| {
            a.finish(escalate::LIST_USAGE)
                .map(|_| Command::Escalate(EscalateCmd::List))
        },
    },
    Spec {
        name: "settings",
        aliases: &[],
        usage: settings::USAGE,
        about: settings::ABOUT,
        parse: |a| settings::parse(a).map(Command::Settings),
    },
    Spec {
        name: "export",
        aliases: &[],
        usage: export::USAGE,
        about: export::ABOUT,
        parse: |a| a.finish(export::USAGE).map(|_| Command::Export),
    },
    Spec {
        name: "forget",
        aliases: &[],
        usage: forget::USAGE,
        about: forget::ABOUT,
        parse: |a| forget::parse(a).map(Command::Forget),
    },
    Spec {
        name: "help",
        aliases: &["?"],
        usage: help::USAGE,
        about: help::ABOUT,
        parse: |a| help::parse(a).map(Command::Help),
    },
];

impl Spec {
    /// The subcommand `word` names (case-insensitive, aliases included).
    pub fn find(word: &str) -> Option<&'static Spec> {
        let w = word.to_ascii_lowercase();
        COMMANDS
            .iter()
            .find(|s| s.name == w || s.aliases.contains(&w.as_str()))
    }
}

/// Every subcommand's usage line, in help order, joined: generated from [`COMMANDS`].
pub fn all_usage() -> &'static str {
    static ALL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        COMMANDS
            .iter()
            .map(|s| s.usage)
            .collect::<Vec<_>>()
            .join(" · ")
    });
    &ALL
}

impl Command {
    /// Parses the text after `/peer`. Empty text is a request for help.
    pub fn parse(text: &str) -> Result<Command, UsageError> {
        let mut args = Args::new(text);
        let Some(sub) = args.next_word() else {
            return Ok(Command::Help(Help { topic: None }));
        };
        match Spec::find(sub) {
            Some(spec) => (spec.parse)(&mut args),
            None => Err(UsageError::new(
                format!("I don't know {}.", args::echo(&format!("/peer {sub}"))),
                all_usage(),
            )),
        }
    }

    /// Whether running it may change the user's data (and so their App Home).
    pub fn changes_data(&self) -> bool {
        if let Command::Escalate(e) = self {
            return e.changes_data();
        }
        !matches!(
            self,
            Command::Help(_)
                | Command::Map
                | Command::MapAll
                | Command::Headsups
                | Command::Ledger(_)
                | Command::Offer(OfferCmd::List)
                | Command::Together(TogetherCmd::List)
                | Command::Export
                | Command::Forget(_)
                | Command::Prep(_)
                | Command::Stuck(_)
                | Command::Review(ReviewCmd::Show(_))
                | Command::Note(NoteCmd::List(_))
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
            Command::MapAll => map::run_all(ctx).await,
            Command::Checkin(c) => c.run(ctx).await,
            Command::Note(c) => c.run(ctx).await,
            Command::Prep(p) => prep::prep(ctx, p).await,
            Command::Offered(c) => c.run(ctx).await,
            Command::Milestone(c) => c.run(ctx).await,
            Command::Review(c) => c.run(ctx).await,
            Command::Cadence(c) => c.run(ctx).await,
            Command::Snooze(c) => c.run(ctx).await,
            Command::Settings(c) => c.run(ctx).await,
            Command::Headsup(c) => c.run(ctx).await,
            Command::Headsups => headsup::list(ctx).await,
            Command::Told(c) => c.run(ctx).await,
            Command::Credit(c) => c.run(ctx).await,
            Command::Context(c) => c.run(ctx).await,
            Command::Meeting(c) => c.run(ctx).await,
            Command::Trade(c) => c.run(ctx).await,
            Command::Offer(c) => c.run(ctx).await,
            Command::Ledger(c) => c.run(ctx).await,
            Command::Stuck(p) => stuck::without_form(ctx, p).await,
            Command::Escalate(c) => c.run(ctx).await,
            Command::Together(c) => c.run(ctx).await,
            Command::Export => export::run(ctx).await,
            Command::Forget(c) => c.run(ctx).await,
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

    /// Fails politely unless Sideways can post in `channel` (it must be a member).
    async fn require_postable(&self, channel: &ChannelId, usage: &'static str) -> Result<()> {
        let ask = self.messenger.can_post(&self.owner.team, channel);
        match tokio::time::timeout(std::time::Duration::from_secs(2), ask).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(UsageError::new(
                format!(
                    "I'm not in {}, so I can't post there. Invite me with `/invite @Sideways`, then try again.",
                    channel.mention()
                ),
                usage,
            )
            .into()),
            Ok(Err(SendError::Rejected(code))) => Err(UsageError::new(
                format!(
                    "I can't see {} (Slack says `{code}`). Invite me there with `/invite @Sideways`, then try again.",
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
                    "{} is not on your map. Add them first with /peer add {}.",
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
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    /// A button to press before anything is done (`/peer forget`).
    pub confirm: Option<Confirm>,
    /// A form for the user to fill next (opened where the edge can, asked in turn otherwise).
    pub form: Option<crate::outbound::Form>,
}

/// A one-time confirmation offered with a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub token: String,
    pub label: String,
}

impl Reply {
    pub fn new(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            confirm: None,
            form: None,
        }
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
        assert_eq!(e.usage, all_usage());
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

    proptest::proptest! {
        /// No text typed after `/peer` makes the parser panic: it is a command or a refusal.
        #[test]
        fn any_text_parses_or_is_refused(s in "\\PC{0,80}") {
            let _ = Command::parse(&s);
        }

        /// Text built from the grammar's own words and Slack's escapes, which reaches deeper
        /// into each subcommand's parser than random text does.
        #[test]
        fn grammar_shaped_text_parses_or_is_refused(
            words in proptest::collection::vec(
                "(checkin|note|notes|delete|prep|offered|done|drop|milestone|coffee|add|remove|snooze|until|on|told|late|headsup|before|cadence|every|together|lookback|keep|stop|for|\
                  weeks?|quarterly|meeting|context|set|clear|settings|help|map|credit|last|next|\
                  friday|nov|20|2026-11-20|2026/02/30|ago|days?|[0-9]{1,6}|<@U[A-Z0-9]{1,8}(\\|[a-zé.]{0,6})?>|\
                  <#C[A-Z0-9]{1,5}>|é|&lt;|10:00|3pm|in|\\PC{0,6})",
                0..8,
            )
        ) {
            let _ = Command::parse(&words.join(" "));
        }
    }
}
