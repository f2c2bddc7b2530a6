//! Heads-ups (SPEC §7): `/peer headsup "<what>" @a @b … before <when>`, `headsup cancel <id>`,
//! `headsup move <id> before <when>`, `/peer headsups`. A heads-up is the owner's alone: nothing
//! about it is posted anywhere or shown to anyone, the named peers included.

use super::args::{Args, bounded_text, echo, id_number, quoted};
use super::{Ctx, Reply, fmt_moment};
use crate::domain::{Headsup, Meeting, Stage, UserId, WhenSpec, parse_when};
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer headsup \"<what>\" @a @b … before <when>` · `/peer headsup cancel <id>` · `/peer headsup move <id> before <when>`";
pub const ABOUT: &str = "Tell them before you tell the room. Register news that will land on peers' teams, who must hear it \
from you first, and when the room hears it (`2026-12-03 10:00`, `tomorrow 9:30`, `mon 10:00`, `in 3 days`, in your zone, \
or a leadership meeting's name: its next occurrence). \
Peers need not be on your map. I remind you 3 days, 1 day and 2 hours before (those still ahead when you register it) for anyone not yet `/peer told`, and afterwards ask who heard it first. `cancel` drops one; `move` changes when the room hears it, and reminders start over. \
Nobody else sees any of it.";
pub const LIST_USAGE: &str = "`/peer headsups`";
pub const LIST_ABOUT: &str =
    "Your open heads-ups, soonest room first, with who is told and who is not.";

const MAX_WHAT: usize = 300;
const MAX_PEERS: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub enum HeadsupCmd {
    Create {
        what: String,
        peers: Vec<UserId>,
        when: Room,
    },
    Cancel {
        number: i64,
    },
    Move {
        number: i64,
        when: Room,
    },
}

/// When the room hears it: a time, or the next occurrence of a leadership meeting by name.
#[derive(Debug, Clone, PartialEq)]
pub enum Room {
    At(WhenSpec),
    Meeting(String),
}

const MAX_MEETING_NAME: usize = 80;

/// A heads-up's number: `3` or `#3`.
pub(super) fn parse_number(word: Option<&str>, usage: &'static str) -> Result<i64, UsageError> {
    id_number(
        word,
        "Which heads-up? Give its number, e.g. `3`.",
        "heads-up number",
        usage,
    )
}

fn parse_before(args: &mut Args) -> Result<Room, UsageError> {
    match args.next_word() {
        Some(w) if w.eq_ignore_ascii_case("before") => {}
        Some(w) => {
            return Err(UsageError::new(
                format!("I expected `before <when>`, not {}.", echo(w)),
                USAGE,
            ));
        }
        None => {
            return Err(UsageError::new(
                "Before when does the room hear it? Add `before <when>`.",
                USAGE,
            ));
        }
    }
    let rest = args
        .rest()
        .ok_or_else(|| UsageError::new("Before when? e.g. `before mon 10:00`.", USAGE))?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    if let Some(when) = parse_when(&words) {
        return Ok(Room::At(when));
    }
    // Not a time: perhaps a leadership meeting's name (checked when it runs).
    let name = words.join(" ");
    if name.chars().count() <= MAX_MEETING_NAME && name.starts_with(|c: char| c.is_alphabetic()) {
        return Ok(Room::Meeting(name));
    }
    Err(not_a_time(rest))
}

fn not_a_time(rest: &str) -> UsageError {
    UsageError::new(
        format!(
            "{} is not a time I can read, nor the name of a leadership meeting: use e.g. `2026-12-03 10:00`, \
             `tomorrow 9:30`, `mon 10:00`, `next friday 2pm`, `Dec 10 at 9:00`, `in 3 days` or a name from `/peer meeting list`.",
            echo(rest)
        ),
        USAGE,
    )
}

/// What the confirmation promises: only the reminders that will come (a room 90 minutes away
/// gets none before it), then the question afterwards.
fn promise(h: &Headsup) -> String {
    let leads: Vec<&str> = h
        .reminders_to_come()
        .into_iter()
        .map(Stage::lead_words)
        .collect();
    let after = "after the room I'll ask who heard it from you first.";
    match leads.as_slice() {
        [] => format!("the room is too close for reminders, so tell them now; {after}"),
        [one] => {
            format!("I'll remind you {one} before for anyone not yet `/peer told`, and {after}")
        }
        [rest @ .., last] => format!(
            "I'll remind you {} and {last} before for anyone not yet `/peer told`, and {after}",
            rest.join(", ")
        ),
    }
}

pub(super) fn parse(text: &str) -> Result<HeadsupCmd, UsageError> {
    let mut args = Args::new(text);
    match args
        .peek_words(1)
        .first()
        .map(|w| w.to_ascii_lowercase())
        .as_deref()
    {
        Some("cancel") => {
            args.skip_words(1);
            let number = parse_number(args.next_word(), USAGE)?;
            args.finish(USAGE)?;
            return Ok(HeadsupCmd::Cancel { number });
        }
        Some("move") => {
            args.skip_words(1);
            let number = parse_number(args.next_word(), USAGE)?;
            let when = parse_before(&mut args)?;
            return Ok(HeadsupCmd::Move { number, when });
        }
        _ => {}
    }
    let (what, rest) = quoted(text).ok_or_else(|| {
        UsageError::new("Put the news in quotes, e.g. `/peer headsup \"we are moving the launch\" @ana before fri 10:00`.", USAGE)
    })?;
    let what = bounded_text(what.trim(), MAX_WHAT, "heads-up", USAGE)?;
    if what.is_empty() {
        return Err(UsageError::new(
            "What is the news? The quotes are empty.",
            USAGE,
        ));
    }
    let mut args = Args::new(rest);
    let mut peers: Vec<UserId> = Vec::new();
    while let Some(w) = args.peek_words(1).first().copied() {
        if w.eq_ignore_ascii_case("before") {
            break;
        }
        let p = args.mention(USAGE)?;
        if !peers.contains(&p) {
            peers.push(p);
        }
    }
    if peers.is_empty() {
        return Err(UsageError::new(
            "Who must hear it from you first? Mention at least one peer.",
            USAGE,
        ));
    }
    if peers.len() > MAX_PEERS {
        return Err(UsageError::new(
            format!(
                "That is more than {MAX_PEERS} peers: that is an announcement, not a heads-up."
            ),
            USAGE,
        ));
    }
    let when = parse_before(&mut args)?;
    Ok(HeadsupCmd::Create { what, peers, when })
}

fn told_list(h: &Headsup) -> String {
    let told: Vec<String> = h
        .peers
        .iter()
        .filter(|p| p.told_at.is_some())
        .map(|p| p.peer.mention())
        .collect();
    let untold: Vec<String> = h.untold().map(|p| p.peer.mention()).collect();
    match (told.is_empty(), untold.is_empty()) {
        (_, true) => format!("everyone told ({})", told.join(", ")),
        (true, false) => format!("untold: {}", untold.join(", ")),
        (false, false) => format!("told: {} · untold: {}", told.join(", "), untold.join(", ")),
    }
}

impl HeadsupCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let prefs = ctx.prefs();
        let today = ctx.today();
        let meetings = match self {
            HeadsupCmd::Create {
                when: Room::Meeting(_),
                ..
            }
            | HeadsupCmd::Move {
                when: Room::Meeting(_),
                ..
            } => ctx.store.meetings(&ctx.owner.team).await?,
            _ => Vec::new(),
        };
        let resolve = |when: &Room| -> Result<chrono::DateTime<chrono::Utc>> {
            let at = match when {
                Room::At(when) => when.resolve(ctx.now, prefs.tz),
                Room::Meeting(name) => {
                    let m = meetings
                        .iter()
                        .find(|m| {
                            m.name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                                || name.eq_ignore_ascii_case(&format!("meeting {}", m.number))
                        })
                        .ok_or_else(|| not_a_time(name))?;
                    let local = ctx.now.with_timezone(&m.tz).naive_local();
                    Meeting::upcoming(&m.schedule, m.tz, m.lead_minutes, local, ctx.now)
                        .map(|u| m.starts_at(u.occurrence))
                        .ok_or_else(|| not_a_time(name))?
                }
            };
            if at <= ctx.now {
                return Err(UsageError::new(
                    format!(
                        "{} has already passed: the room time must be ahead.",
                        fmt_moment(at, prefs.tz, today)
                    ),
                    USAGE,
                )
                .into());
            }
            if at > ctx.now + chrono::TimeDelta::days(366) {
                return Err(UsageError::new(
                    format!(
                        "{} is more than a year away: register the heads-up closer to the room.",
                        fmt_moment(at, prefs.tz, today)
                    ),
                    USAGE,
                )
                .into());
            }
            Ok(at)
        };
        match self {
            HeadsupCmd::Create { what, peers, when } => {
                if peers.contains(&ctx.owner.user) {
                    return Err(UsageError::new(
                        "You are on the list: name the peers who must hear it from you.",
                        USAGE,
                    )
                    .into());
                }
                let room_at = resolve(when)?;
                let draft = draft(what, room_at, ctx.now, peers);
                let number = ctx
                    .store
                    .create_headsup(
                        ctx.owner,
                        what,
                        room_at,
                        peers,
                        draft.next_moment(Stage::None),
                        ctx.now,
                    )
                    .await?;
                let who: Vec<String> = peers.iter().map(UserId::mention).collect();
                Ok(Reply::new(format!(
                    "Heads-up #{number}: “{}”. The room hears it {} ({}). Tell {} first; {} \
                     Only you can see this.",
                    escape_mrkdwn(what),
                    fmt_moment(room_at, prefs.tz, today),
                    prefs.tz.name(),
                    who.join(", "),
                    promise(&draft)
                )))
            }
            HeadsupCmd::Cancel { number } => {
                if ctx.store.cancel_headsup(ctx.owner, *number).await? {
                    Ok(Reply::new(format!(
                        "Heads-up #{number} cancelled. No more reminders about it."
                    )))
                } else {
                    Err(UsageError::new(
                        format!(
                            "You have no open heads-up #{number}. `/peer headsups` lists them."
                        ),
                        USAGE,
                    )
                    .into())
                }
            }
            HeadsupCmd::Move { number, when } => {
                let room_at = resolve(when)?;
                let Some(h) = ctx.store.headsup(ctx.owner, *number).await? else {
                    return Err(UsageError::new(
                        format!("You have no open heads-up #{number}."),
                        USAGE,
                    )
                    .into());
                };
                let peers: Vec<UserId> = h.peers.iter().map(|p| p.peer.clone()).collect();
                let next = draft(&h.what, room_at, ctx.now, &peers).next_moment(Stage::None);
                if !ctx
                    .store
                    .move_headsup(ctx.owner, *number, room_at, next, ctx.now)
                    .await?
                {
                    return Err(UsageError::new(
                        format!("Heads-up #{number} is finished; register a new one."),
                        USAGE,
                    )
                    .into());
                }
                let moved = draft(&h.what, room_at, ctx.now, &peers);
                Ok(Reply::new(format!(
                    "Heads-up #{number} moved: the room hears it {}. {}",
                    fmt_moment(room_at, prefs.tz, today),
                    promise(&moved)
                )))
            }
        }
    }
}

fn draft(
    what: &str,
    room_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    peers: &[UserId],
) -> Headsup {
    Headsup {
        number: 0,
        what: what.to_string(),
        room_at,
        armed_at: now,
        stage: Stage::None,
        peers: peers
            .iter()
            .map(|p| crate::domain::NamedPeer {
                peer: p.clone(),
                told_at: None,
                heard_first: None,
            })
            .collect(),
    }
}

/// `/peer headsups`
pub(super) async fn list(ctx: &Ctx<'_>) -> Result<Reply> {
    let prefs = ctx.prefs();
    let today = ctx.today();
    let all = ctx.store.open_headsups(ctx.owner).await?;
    if all.is_empty() {
        return Ok(Reply::new(
            "No open heads-ups. When news is about to land on peers' teams: \
             `/peer headsup \"<what>\" @peer before <when>`.",
        ));
    }
    let mut text = String::from("*Your heads-ups* (only you can see these)\n");
    for h in &all {
        let when = if h.room_at <= ctx.now {
            "the room has heard it".to_string()
        } else {
            format!("room {}", fmt_moment(h.room_at, prefs.tz, today))
        };
        text.push_str(&format!(
            "#{} · {when} · “{}” · {}\n",
            h.number,
            escape_mrkdwn(&h.what),
            told_list(h)
        ));
    }
    Ok(Reply::new(text.trim_end().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    #[test]
    fn the_full_form_parses_with_straight_or_curly_quotes() {
        let c = parse("\"we slip the launch to March\" <@U0A|ana> <@U0B> <@U0A> before mon 10:00")
            .unwrap();
        let HeadsupCmd::Create { what, peers, when } = c else {
            panic!()
        };
        assert_eq!(what, "we slip the launch to March");
        assert_eq!(peers.len(), 2, "duplicates folded");
        assert!(
            matches!(when, Room::At(WhenSpec::At { time, .. }) if time == NaiveTime::from_hms_opt(10, 0, 0).unwrap())
        );
        assert!(parse("“reorg” <@U0A> before in 3 days").is_ok());
    }

    #[test]
    fn cancel_and_move_parse() {
        assert_eq!(parse("cancel #3"), Ok(HeadsupCmd::Cancel { number: 3 }));
        assert!(matches!(
            parse("move 2 before tomorrow 9:30"),
            Ok(HeadsupCmd::Move { number: 2, .. })
        ));
    }

    #[test]
    fn a_room_that_is_not_a_time_is_read_as_a_meeting_name() {
        assert!(matches!(
            parse("\"reorg\" <@U0A> before Staff sync"),
            Ok(HeadsupCmd::Create { when: Room::Meeting(n), .. }) if n == "Staff sync"
        ));
    }

    #[test]
    fn bad_heads_ups_are_refused_with_reasons() {
        let cases = [
            ("", "quotes"),
            ("reorg <@U0A> before mon 10:00", "quotes"),
            ("\"\" <@U0A> before mon 10:00", "empty"),
            ("\"reorg\" before mon 10:00", "at least one peer"),
            ("\"reorg\" @ana before mon 10:00", "`@ana`"),
            ("\"reorg\" <@U0A>", "Add `before <when>`"),
            (
                "\"reorg\" <@U0A> before 2026-13-45 10:00",
                "not a time I can read",
            ),
            ("\"reorg\" <@U0A> after mon", "`after`"),
            ("\"reorg <@U0A> before mon 10:00", "quotes"),
            ("cancel", "Which heads-up"),
            ("cancel x", "not a heads-up number"),
            ("cancel 3 now", "`now`"),
            ("move 3 before 31/02", "not a time"),
        ];
        for (text, expect) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.problem.contains(expect), "{text}: {}", e.problem);
        }
    }
}
