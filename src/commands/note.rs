//! `/peer note @user <text>` · `/peer note @user delete <id>` · `/peer notes @user`: private
//! notes about a peer as a person (SPEC §4). Sealed at rest; only their author sees them.

use super::args::{Args, bounded_text, id_number};
use super::{Ctx, Reply, fmt_day};
use crate::domain::UserId;
use crate::error::{Result, UsageError};
use crate::outbound::escape_mrkdwn;

pub const USAGE: &str = "`/peer note @user <text>` · `/peer note @user delete <id>`";
pub const ABOUT: &str = "Keep a private note about a peer as a person: kids' names, hobbies, what \
they care about. Encrypted, shown only to you (in `/peer notes` and `/peer prep`). `delete` removes \
one by the id `/peer notes` shows.";
pub const LIST_USAGE: &str = "`/peer notes @user`";
pub const LIST_ABOUT: &str =
    "Your notes about a peer, newest first, each with its date and id. Only you can see them.";

const MAX_TEXT: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum NoteCmd {
    Add(UserId, String),
    Delete(UserId, i64),
    List(UserId),
}

pub(super) fn parse(args: &mut Args) -> Result<NoteCmd, UsageError> {
    let peer = args.mention(USAGE)?;
    let first = args.peek_words(1).first().map(|w| w.to_ascii_lowercase());
    if matches!(first.as_deref(), Some("delete" | "del" | "rm")) {
        args.skip_words(1);
        let id = id_number(
            args.next_word(),
            "Which note? Give its id from `/peer notes`, e.g. `delete 3`.",
            "note id",
            USAGE,
        )?;
        args.finish(USAGE)?;
        return Ok(NoteCmd::Delete(peer, id));
    }
    match args.rest() {
        Some(t) => Ok(NoteCmd::Add(
            peer,
            bounded_text(t, MAX_TEXT, "note", USAGE)?,
        )),
        None => Err(UsageError::new(
            "What do you want to remember? e.g. `/peer note @ana her kids are Ada and Linus`.",
            USAGE,
        )),
    }
}

pub(super) fn parse_list(args: &mut Args) -> Result<NoteCmd, UsageError> {
    let peer = args.mention(LIST_USAGE)?;
    args.finish(LIST_USAGE)?;
    Ok(NoteCmd::List(peer))
}

impl NoteCmd {
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<Reply> {
        match self {
            NoteCmd::Add(peer, text) => {
                ctx.require_peer(peer, USAGE).await?;
                let id = ctx.store.add_note(ctx.owner, peer, text, ctx.now).await?;
                Ok(Reply::new(format!(
                    "Noted (#{id}) about {}. Only you can see it: /peer notes {} lists them, /peer prep {} brings it back before you talk.",
                    peer.mention(),
                    peer.mention(),
                    peer.mention()
                )))
            }
            NoteCmd::Delete(peer, id) => {
                ctx.require_peer(peer, USAGE).await?;
                if ctx.store.delete_note(ctx.owner, peer, *id).await? {
                    Ok(Reply::new(format!(
                        "Deleted note #{id} about {}.",
                        peer.mention()
                    )))
                } else {
                    Err(UsageError::new(
                        format!(
                            "You have no note #{id} about {}. /peer notes {} shows their ids. Nothing was deleted.",
                            peer.mention(),
                            peer.mention()
                        ),
                        USAGE,
                    )
                    .into())
                }
            }
            NoteCmd::List(peer) => {
                ctx.require_peer(peer, LIST_USAGE).await?;
                let notes = ctx.store.notes(ctx.owner, peer).await?;
                if notes.is_empty() {
                    return Ok(Reply::new(format!(
                        "No notes about {} yet. /peer note {} <text> keeps one.",
                        peer.mention(),
                        peer.mention()
                    )));
                }
                let today = ctx.today();
                let mut out = format!(
                    "*Your notes about {}* (only you can see these)\n",
                    peer.mention()
                );
                for n in &notes {
                    let day = fmt_day(ctx.prefs().local_date(n.at), today);
                    out.push_str(&format!("• #{} {day}: {}\n", n.id, escape_mrkdwn(&n.text)));
                }
                out.push_str(&format!(
                    "/peer note {} delete <id> removes one.",
                    peer.mention()
                ));
                Ok(Reply::new(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    #[test]
    fn notes_parse_and_bad_ids_are_refused() {
        let ana = UserId::parse("U0ANA").unwrap();
        assert_eq!(
            Command::parse("note <@U0ANA|ana> kids Ada &amp; Linus").unwrap(),
            Command::Note(NoteCmd::Add(ana.clone(), "kids Ada & Linus".into()))
        );
        assert_eq!(
            Command::parse("note <@U0ANA> delete #3").unwrap(),
            Command::Note(NoteCmd::Delete(ana.clone(), 3))
        );
        assert_eq!(
            Command::parse("notes <@U0ANA>").unwrap(),
            Command::Note(NoteCmd::List(ana))
        );
        for bad in [
            "note",
            "note <@U0ANA>",
            "note <@U0ANA> delete",
            "note <@U0ANA> delete abc",
            "note <@U0ANA> delete 0",
            "note <@U0ANA> delete 3 4",
            "notes",
            "notes <@U0ANA> more",
        ] {
            assert!(Command::parse(bad).is_err(), "{bad}");
        }
    }
}
