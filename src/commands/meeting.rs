//! `/peer meeting add | list | remove | preview`: the leadership meetings whose channels get a
//! digest before each occurrence. Meetings belong to the workspace (their digests are public
//! to their channel); the schedule is read in the time zone of whoever adds it.

use super::args::{Args, bounded_text, echo, id_number, quoted};
use super::{Ctx, Reply};
use crate::domain::{ChannelId, DEFAULT_LEAD_MINUTES, MAX_LEAD_MINUTES, Meeting, Schedule, UserId};
use crate::error::{Result, UsageError};
use crate::outbound::{digest_text, escape_mrkdwn};
use crate::store::NewMeeting;
use crate::views::{occurrence_time, room_label};
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};

pub const USAGE: &str = "`/peer meeting add #channel \"<schedule>\" [lead <minutes>] [<name>]` · \
`/peer meeting list` · `/peer meeting remove <id>` · `/peer meeting preview <id>`";
pub const ABOUT: &str = "A recurring leadership meeting. Before each one (60 minutes by default), its \
channel gets a digest: credits given since the last one and the published constraints of its members; \
each member who uses Sideways also gets a private prep DM. The schedule is crontab's five fields \
(`30 9 * * 1`: minute, hour, day of month, month, day of week with 0 or 7 = Sunday) or plain words \
(`mondays 9:30`, `weekdays 9:00`, `every other thursday 14:00`), read in your time zone. `list` shows \
the workspace's meetings, `remove` drops one (its channel's members or whoever added it may), and `preview` \
shows you privately what the next digest would say.";

const MAX_NAME: usize = 80;

#[derive(Debug, Clone, PartialEq)]
pub enum MeetingCmd {
    Add {
        channel: ChannelId,
        schedule: String,
        lead_minutes: i64,
        name: Option<String>,
    },
    List,
    Remove(i64),
    Preview(i64),
}

fn meeting_number(word: Option<&str>) -> Result<i64, UsageError> {
    id_number(
        word,
        "Which meeting? Give its id from `/peer meeting list`.",
        "meeting id",
        USAGE,
    )
}

pub(super) fn parse(args: &mut Args) -> Result<MeetingCmd, UsageError> {
    let sub = args.next_word().map(|w| w.to_ascii_lowercase());
    match sub.as_deref() {
        Some("list") | Some("ls") => {
            args.finish(USAGE)?;
            Ok(MeetingCmd::List)
        }
        Some("remove") | Some("rm") => {
            let n = meeting_number(args.next_word())?;
            args.finish(USAGE)?;
            Ok(MeetingCmd::Remove(n))
        }
        Some("preview") => {
            let n = meeting_number(args.next_word())?;
            args.finish(USAGE)?;
            Ok(MeetingCmd::Preview(n))
        }
        Some("add") => parse_add(args.rest().unwrap_or("")),
        Some(other) => Err(UsageError::new(
            format!(
                "{} is not something I know.",
                echo(&format!("/peer meeting {other}"))
            ),
            USAGE,
        )),
        None => Err(UsageError::new("Add, list, remove or preview?", USAGE)),
    }
}

fn parse_add(text: &str) -> Result<MeetingCmd, UsageError> {
    let mut args = Args::new(text);
    let channel = match args.next_word() {
        None => {
            return Err(UsageError::new(
                "Which channel? Type `#` and pick it.",
                USAGE,
            ));
        }
        Some(w) => ChannelId::from_reference(w).ok_or_else(|| {
            UsageError::new(
                format!(
                    "{} is not a channel I can recognise: type `#` and pick it from Slack's list.",
                    echo(w)
                ),
                USAGE,
            )
        })?,
    };
    let rest = args.rest().unwrap_or("");
    let (schedule, rest) = quoted(rest).ok_or_else(|| {
        UsageError::new(
            "Put the schedule in quotes, e.g. `/peer meeting add #leads \"mondays 9:30\" Staff` \
             or `\"30 9 * * 1\"`.",
            USAGE,
        )
    })?;
    let mut args = Args::new(rest);
    let mut lead_minutes = DEFAULT_LEAD_MINUTES;
    if args
        .peek_words(1)
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("lead"))
    {
        args.skip_words(1);
        let w = args.next_word().unwrap_or("");
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        lead_minutes = digits
            .parse::<i64>()
            .ok()
            .filter(|m| (0..=MAX_LEAD_MINUTES).contains(m))
            .ok_or_else(|| {
                UsageError::new(
                    format!(
                        "{}: give the minutes before the meeting, 0 to {MAX_LEAD_MINUTES}.",
                        echo(&format!("lead {w}"))
                    ),
                    USAGE,
                )
            })?;
        if args.peek_words(1).first().is_some_and(|w| {
            ["min", "mins", "minute", "minutes"].contains(&w.to_ascii_lowercase().as_str())
        }) {
            args.skip_words(1);
        }
    }
    let name = match args.rest() {
        Some(n) => Some(bounded_text(n, MAX_NAME, "meeting name", USAGE)?),
        None => None,
    };
    Ok(MeetingCmd::Add {
        channel,
        schedule: schedule.to_string(),
        lead_minutes,
        name,
    })
}

impl MeetingCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            MeetingCmd::Add {
                channel,
                schedule,
                lead_minutes,
                name,
            } => add(ctx, channel, schedule, *lead_minutes, name.as_deref()).await,
            MeetingCmd::List => list(ctx).await,
            MeetingCmd::Remove(n) => remove(ctx, *n).await,
            MeetingCmd::Preview(n) => preview(ctx, *n).await,
        }
    }
}

async fn add(
    ctx: &Ctx<'_>,
    channel: &ChannelId,
    text: &str,
    lead_minutes: i64,
    name: Option<&str>,
) -> Result<Reply> {
    let tz = ctx.prefs().tz;
    let local = ctx.now.with_timezone(&tz).naive_local();
    let from: NaiveDateTime = local
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(local);
    let schedule = Schedule::parse(text, from).map_err(|e| UsageError::new(e, USAGE))?;
    let members = ctx.channel_members(channel, USAGE).await?;
    if !members.contains(&ctx.owner.user) {
        return Err(UsageError::new(
            format!(
                "You are not in {}: add meetings for channels you are in.",
                channel.mention()
            ),
            USAGE,
        )
        .into());
    }
    let next = Meeting::upcoming(&schedule, tz, lead_minutes, from, ctx.now)
        .ok_or_else(|| UsageError::new("That schedule never comes round.", USAGE))?;
    let number = ctx
        .store
        .create_meeting(
            ctx.owner,
            &NewMeeting {
                channel,
                name,
                schedule: &schedule,
                anchor: from,
                tz,
                lead_minutes,
                next,
            },
            ctx.now,
        )
        .await?;
    let shown: Vec<String> = schedule
        .upcoming(from, 3)
        .iter()
        .map(|t| {
            let year = if t.year() == from.year() { "" } else { " %Y" };
            t.format(&format!("%a %-d %b{year} %H:%M")).to_string()
        })
        .collect();
    let zone_note = if ctx.profile.tz.is_none() {
        " I don't know your time zone yet, so that is UTC: set yours with `/peer settings tz <Area/City>` \
         before adding meetings."
    } else {
        ""
    };
    let label = match name {
        Some(n) => format!("meeting {number} “{}”", escape_mrkdwn(n)),
        None => format!("meeting {number}"),
    };
    Ok(Reply::new(format!(
        "Added {label} for {}: `{}` in {}. The next three: {}. \
         Its digest goes to {} {lead_minutes} minutes before each, and members who use Sideways get a \
         private prep DM.{zone_note} Sideways must be in the channel to post: `/invite @Sideways` there.",
        channel.mention(),
        schedule.text(),
        tz.name(),
        shown.join(", "),
        channel.mention(),
    )))
}

fn describe(m: &Meeting, now: DateTime<Utc>) -> String {
    let name = m
        .name
        .as_deref()
        .map(|n| format!(" “{}”", escape_mrkdwn(n)))
        .unwrap_or_default();
    format!(
        "*{}*{name} in {}: `{}` ({}), digest {} min before; next {}",
        m.number,
        m.channel.mention(),
        m.schedule.text(),
        m.tz.name(),
        m.lead_minutes,
        occurrence_time(m, m.next.occurrence, now),
    )
}

async fn list(ctx: &Ctx<'_>) -> Result<Reply> {
    let meetings = ctx.store.meetings(&ctx.owner.team).await?;
    if meetings.is_empty() {
        return Ok(Reply::new(
            "No leadership meetings yet. Add one with `/peer meeting add #channel \"mondays 9:30\" Staff sync`.",
        ));
    }
    let lines: Vec<String> = meetings
        .iter()
        .map(|m| format!("• {}", describe(m, ctx.now)))
        .collect();
    Ok(Reply::new(format!(
        "Leadership meetings in this workspace:\n{}\n`/peer meeting preview <id>` shows what the next digest would say.",
        lines.join("\n")
    )))
}

/// The meeting, if the asking user may manage it: whoever added it, or a member of its channel.
async fn manageable(ctx: &Ctx<'_>, number: i64) -> Result<(Meeting, Vec<UserId>)> {
    let Some(m) = ctx.store.meeting(&ctx.owner.team, number).await? else {
        return Err(UsageError::new(
            format!("There is no meeting {number}; `/peer meeting list` shows them."),
            USAGE,
        )
        .into());
    };
    let members = ctx.channel_members(&m.channel, USAGE).await?;
    if m.added_by != ctx.owner.user && !members.contains(&ctx.owner.user) {
        return Err(UsageError::new(
            format!(
                "Meeting {number} belongs to {}: only its members (and {}, who added it) can change or preview it.",
                m.channel.mention(),
                m.added_by.mention()
            ),
            USAGE,
        )
        .into());
    }
    Ok((m, members))
}

async fn remove(ctx: &Ctx<'_>, number: i64) -> Result<Reply> {
    let (m, _) = manageable(ctx, number).await?;
    ctx.store.remove_meeting(&ctx.owner.team, number).await?;
    Ok(Reply::new(format!(
        "Removed {}: no more digests to {}. Credits already given stay with their authors.",
        m.label(),
        m.channel.mention()
    )))
}

async fn preview(ctx: &Ctx<'_>, number: i64) -> Result<Reply> {
    let (m, members) = manageable(ctx, number).await?;
    let body = ctx.store.digest_for(&m, &members, ctx.now).await?;
    let room = room_label(&m, m.next.occurrence, ctx.now);
    Ok(Reply::new(format!(
        "Only you can see this preview. If the digest went out now, {} would read:\n\n{}\n\n\
         It will go out {}.",
        m.channel.mention(),
        digest_text(&m.label(), &room, &body, ctx.now),
        super::fmt_moment(m.next.digest_at, ctx.prefs().tz, ctx.today()),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    fn parse(text: &str) -> Result<MeetingCmd, UsageError> {
        match Command::parse(text)? {
            Command::Meeting(m) => Ok(m),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn add_reads_channel_quoted_schedule_lead_and_name() {
        assert_eq!(
            parse("meeting add <#C0LEADS|leads> \"30 9 * * 1\" lead 30 Staff sync").unwrap(),
            MeetingCmd::Add {
                channel: ChannelId::parse("C0LEADS").unwrap(),
                schedule: "30 9 * * 1".into(),
                lead_minutes: 30,
                name: Some("Staff sync".into()),
            }
        );
        assert_eq!(
            parse("meeting add <#G0PRIV> “every other thursday 14:00”").unwrap(),
            MeetingCmd::Add {
                channel: ChannelId::parse("G0PRIV").unwrap(),
                schedule: "every other thursday 14:00".into(),
                lead_minutes: 60,
                name: None,
            }
        );
        assert_eq!(parse("meeting list").unwrap(), MeetingCmd::List);
        assert_eq!(parse("meeting remove 2").unwrap(), MeetingCmd::Remove(2));
        assert_eq!(parse("meeting preview #3").unwrap(), MeetingCmd::Preview(3));
    }

    #[test]
    fn malformed_meeting_commands_say_what_is_wrong() {
        for (text, needle) in [
            ("meeting", "Add, list"),
            ("meeting add", "Which channel"),
            ("meeting add #leads \"mondays 9:30\"", "not a channel"),
            ("meeting add <#C0LEADS> mondays 9:30", "quotes"),
            (
                "meeting add <#C0LEADS> \"mondays 9:30\" lead soon",
                "lead soon",
            ),
            (
                "meeting add <#C0LEADS> \"mondays 9:30\" lead 5000",
                "0 to 1440",
            ),
            ("meeting remove", "Which meeting"),
            ("meeting remove x", "not a meeting id"),
            ("meeting preview 1 2", "`2`"),
            ("meeting frob", "`/peer meeting frob`"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.problem.contains(needle), "{text}: {}", e.problem);
        }
    }
}
