//! `/peer told @user [<id>] [late]`: mark a peer as told about a heads-up. Before the room it
//! means they heard it from you first; after the room, `late` records that they did not.
//! Telling counts as contact: it restarts the peer's check-in clock when they are on the map.

use super::args::{Args, echo};
use super::headsup::parse_number;
use super::{Ctx, Reply, fmt_day, fmt_moment};
use crate::domain::{Headsup, UserId};
use crate::error::{Result, UsageError};

pub const USAGE: &str = "`/peer told @user [<heads-up id>] [late] [correct]`";
pub const ABOUT: &str = "Mark a peer as told about a heads-up (with no id: the soonest open one naming them). \
After the room, `/peer told @user <id>` records that they heard it from you first and `… late` that they heard it in the room. \
Telling counts as contact with that peer. The first answer stands: to change it, add `correct` \
(`/peer told @user 3 late correct`), and the reply shows what it was.";

#[derive(Debug, Clone, PartialEq)]
pub struct Told {
    pub peer: UserId,
    pub number: Option<i64>,
    pub late: bool,
    /// The user means to change an answer already recorded.
    pub correct: bool,
}

pub(super) fn parse(args: &mut Args) -> Result<Told, UsageError> {
    let peer = args.mention(USAGE)?;
    let mut number = None;
    let mut late = false;
    let mut correct = false;
    while let Some(w) = args.next_word() {
        if w.eq_ignore_ascii_case("late") && !late {
            late = true;
        } else if w.eq_ignore_ascii_case("correct") && !correct {
            correct = true;
        } else if number.is_none()
            && w.trim_start_matches('#')
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            number = Some(parse_number(Some(w), USAGE)?);
        } else {
            return Err(UsageError::new(
                format!("I did not understand {}.", echo(w)),
                USAGE,
            ));
        }
    }
    Ok(Told {
        peer,
        number,
        late,
        correct,
    })
}

impl Told {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        let h = self.pick(ctx).await?;
        let before_room = ctx.now < h.room_at;
        if self.late && before_room {
            return Err(UsageError::new(
                "`late` is for after the room; before it, just `/peer told`.",
                USAGE,
            )
            .into());
        }
        let heard_first = Some(!self.late);
        let today = ctx.today();
        // The first answer stands: the same answer again changes nothing, a different one
        // needs `correct`.
        let before = h
            .peers
            .iter()
            .find(|p| p.peer == self.peer)
            .and_then(|p| p.heard_first.map(|first| (first, p.told_at)));
        if let Some((first, told_at)) = before {
            let when = told_at
                .map(|t| {
                    let m = fmt_moment(t, ctx.prefs().tz, today);
                    // "on Fri 20 Nov 10:00", but "today 10:00".
                    let on = if m.starts_with(char::is_uppercase) {
                        " on"
                    } else {
                        ""
                    };
                    format!("{on} {m}")
                })
                .unwrap_or_default();
            let was = if first {
                format!(
                    "you told {} about #{} before the room{when}",
                    self.peer.mention(),
                    h.number
                )
            } else {
                format!("{} heard #{} in the room", self.peer.mention(), h.number)
            };
            if heard_first == Some(first) {
                return Ok(Reply::new(format!(
                    "Already noted: {was}. Nothing changed."
                )));
            }
            if !self.correct {
                let fix = if self.late { " late" } else { "" };
                return Err(UsageError::new(
                    format!(
                        "You already noted that {was}. If that was wrong, /peer told {} {}{fix} \
                         correct changes it.",
                        self.peer.mention(),
                        h.number
                    ),
                    USAGE,
                )
                .into());
            }
        }
        let mut contact = ctx.store.peer(ctx.owner, &self.peer).await?;
        if let Some(p) = contact.as_mut()
            && before_room
            && p.last_contact.is_none_or(|d| d < today)
        {
            p.last_contact = Some(today);
            p.snoozed_until = None;
        }
        let contact = contact.filter(|_| before_room);
        let with_nudge = contact.as_ref().map(|p| (p, ctx.nudge_at(p)));
        if !ctx
            .store
            .mark_told(
                ctx.owner,
                h.number,
                &self.peer,
                crate::store::ToldAnswer {
                    heard_first,
                    correct: self.correct,
                },
                with_nudge,
                ctx.now,
            )
            .await?
        {
            return Err(UsageError::new(
                format!(
                    "{} is not named on heads-up #{}.",
                    self.peer.mention(),
                    h.number
                ),
                USAGE,
            )
            .into());
        }
        let mut text = if before_room {
            let left: Vec<String> = h
                .untold()
                .filter(|p| p.peer != self.peer)
                .map(|p| p.peer.mention())
                .collect();
            let rest = if left.is_empty() {
                "Everyone is told.".to_string()
            } else {
                format!("Still untold: {}.", left.join(", "))
            };
            format!(
                "Marked {} told about #{}. {rest}",
                self.peer.mention(),
                h.number
            )
        } else if self.late {
            format!(
                "Noted: {} heard #{} in the room, not from you first.",
                self.peer.mention(),
                h.number
            )
        } else {
            format!(
                "Noted: {} heard #{} from you first.",
                self.peer.mention(),
                h.number
            )
        };
        if let Some((first, _)) = before {
            let was = if first {
                "that you told them before the room"
            } else {
                "that they heard it in the room"
            };
            text = format!("Corrected: it said {was}. {text}");
        }
        if let Some(p) = &contact {
            text.push_str(&format!(
                " That counts as contact: next check-in due {}.",
                fmt_day(p.next_due(), today)
            ));
        }
        Ok(Reply::new(text))
    }

    /// The heads-up meant: the numbered one, or the soonest open one naming the peer.
    async fn pick(&self, ctx: &Ctx<'_>) -> Result<Headsup> {
        if let Some(n) = self.number {
            return ctx.store.headsup(ctx.owner, n).await?.ok_or_else(|| {
                UsageError::new(
                    format!("You have no heads-up #{n}. `/peer headsups` lists them."),
                    USAGE,
                )
                .into()
            });
        }
        let open = ctx.store.open_headsups(ctx.owner).await?;
        let naming: Vec<&Headsup> = open
            .iter()
            .filter(|h| {
                h.peers.iter().any(|p| {
                    p.peer == self.peer && (p.told_at.is_none() || p.heard_first.is_none())
                })
            })
            .filter(|h| {
                h.room_at > ctx.now
                    || h.peers
                        .iter()
                        .any(|p| p.peer == self.peer && p.told_at.is_none())
            })
            .collect();
        match naming.as_slice() {
            [] => Err(UsageError::new(
                format!("No open heads-up names {}.", self.peer.mention()),
                USAGE,
            )
            .into()),
            [one] => Ok((*one).clone()),
            many => {
                let ids: Vec<String> = many
                    .iter()
                    .map(|h| format!("#{} “{}”", h.number, h.what))
                    .collect();
                Err(UsageError::new(
                    format!(
                        "{} is on several heads-ups: {}. Which one? Add its number.",
                        self.peer.mention(),
                        ids.join(", ")
                    ),
                    USAGE,
                )
                .into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn told_takes_an_optional_number_and_late() {
        let t = parse(&mut Args::new("<@U0A> #3 late")).unwrap();
        assert_eq!((t.number, t.late), (Some(3), true));
        let t = parse(&mut Args::new("<@U0A>")).unwrap();
        assert_eq!((t.number, t.late), (None, false));
        let t = parse(&mut Args::new("<@U0A> 3 late correct")).unwrap();
        assert!(t.correct && t.late);
        assert!(parse(&mut Args::new("<@U0A> soon")).is_err());
        assert!(parse(&mut Args::new("<@U0A> 3 4")).is_err());
        assert!(parse(&mut Args::new("3")).is_err());
    }
}
