//! `sideways console`: Sideways without a Slack workspace. Lines typed as `/peer …` run through
//! the very same command handling and store as Slack's; `advance 2d` moves a simulated clock,
//! running the very same scheduler pass at every moment something falls due on the way, and
//! prints the DMs with their times instead of sending them. Only the Slack edge is replaced:
//! `@ana` typed here becomes the mention `<@UANA|ana>` Slack would send.

use crate::clock::Clock;
use crate::domain::{ChannelId, Owner, TeamId, UserId};
use crate::outbound::{MessageRef, Messenger, Notice, SendError};
use crate::scheduler::Scheduler;
use crate::service::{Action, Request, Services};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// The workspace every console user belongs to.
pub const CONSOLE_TEAM: &str = "TCONSOLE";

/// Names typed in the console, so replies can show `@ana` instead of `<@UANA>`.
#[derive(Default, Clone)]
pub struct Names(Arc<Mutex<HashMap<String, String>>>);

/// What may follow a name in the same word without being part of it: `@ana,` is `@ana` and `,`.
const TRAILING: &[char] = &[',', '.', ';', ':', '!', '?', ')'];

/// Letters and digits of any script, and the `.`, `-` and `_` Slack usernames may contain
/// (combining accents too, so a decomposed `José` is one name).
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '\u{300}'..='\u{36f}')
}

/// A Slack-like id for a typed name: `prefix` and the name's ASCII letters and digits upper-cased
/// (`ana` → `UANA`), so ids stay readable. When anything else was dropped (`ana.smith`, `José`)
/// or the name is long, a short hash of the whole name keeps distinct names distinct. Case does
/// not matter: `@Ana` and `@ana` are one person.
fn slack_id(prefix: char, name: &str) -> String {
    let key = name.to_lowercase();
    let ascii: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if ascii.len() == key.len() && ascii.len() <= 31 {
        return format!("{prefix}{ascii}");
    }
    let digest = Sha256::digest(key.as_bytes());
    let hash: String = digest[..3].iter().map(|b| format!("{b:02X}")).collect();
    format!("{prefix}{}{hash}", &ascii[..ascii.len().min(24)])
}

impl Names {
    /// `@ana` → `<@UANA|ana>` (and `#leads` → `<#CLEADS|leads>`), remembering the name, as
    /// Slack's autocompletion would send them: `@ana,` is a mention followed by `,`,
    /// `@ana.smith` and `@José` are one name each. Other words are left alone.
    pub fn escape_mentions(&self, line: &str) -> String {
        line.split(' ')
            .map(|w| self.escape_word(w).unwrap_or_else(|| w.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// One word as a mention (after any opening parentheses), or `None` if it is not one.
    fn escape_word(&self, word: &str) -> Option<String> {
        let rest = word.trim_start_matches('(');
        let lead = &word[..word.len() - rest.len()];
        let (sigil, prefix) = match rest.chars().next()? {
            '@' => ('@', 'U'),
            '#' => ('#', 'C'),
            _ => return None,
        };
        let body = &rest[1..];
        let end = body.find(|c| !is_name_char(c)).unwrap_or(body.len());
        let name = body[..end].trim_end_matches('.');
        let tail = &body[name.len()..];
        if name.is_empty() || !tail.chars().all(|c| TRAILING.contains(&c)) {
            return None;
        }
        let id = slack_id(prefix, name);
        if let Ok(mut m) = self.0.lock() {
            m.entry(id.clone()).or_insert_with(|| name.to_string());
        }
        Some(format!("{lead}<{sigil}{id}|{name}>{tail}"))
    }

    /// `<@UANA>` → `@ana`, and Slack's emoji and entities into plain text.
    pub fn render(&self, mrkdwn: &str) -> String {
        let mut out = mrkdwn.to_string();
        if let Ok(m) = self.0.lock() {
            for (id, name) in m.iter() {
                out = out.replace(&format!("<@{id}>"), &format!("@{name}"));
                out = out.replace(&format!("<#{id}>"), &format!("#{name}"));
            }
        }
        for (code, plain) in [
            (":large_green_circle:", "●"),
            (":large_yellow_circle:", "◐"),
            (":large_blue_circle:", "○"),
            (":warning:", "!"),
            (":rotating_light:", "!!"),
            (":white_check_mark:", "✓"),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&amp;", "&"),
        ] {
            out = out.replace(code, plain);
        }
        out
    }

    fn user_id(&self, name: &str) -> Option<UserId> {
        let escaped = self.escape_mentions(&format!("@{}", name.trim_start_matches('@')));
        UserId::from_mention(&escaped)
    }
}

/// `Mon 2026-11-30 09:00 EST`: an instant as the console user reads it.
fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Prints DMs to the terminal instead of sending them, each headed by when it was sent.
pub struct ConsoleMessenger {
    names: Names,
    clock: Clock,
    tz: Option<Tz>,
    out: Arc<Mutex<Vec<Printed>>>,
}

/// A DM as printed, with whom it went to and its buttons as commands.
struct Printed {
    text: String,
    to: UserId,
    choices: Vec<crate::outbound::Choice>,
}

/// What typing a number does: a reply's confirmation, or a DM's button as its command (run as
/// the user the DM went to).
#[derive(Clone)]
enum Pending {
    /// A confirmation token, pressed as the user it was offered to.
    Confirm(UserId, String),
    Run(UserId, String),
}

#[async_trait]
impl Messenger for ConsoleMessenger {
    async fn send(&self, to: &Owner, notice: &Notice) -> Result<Option<MessageRef>, SendError> {
        let dest = match (notice.channel(), notice.addressee()) {
            (Some(c), _) => format!("post to {}", c.mention()),
            (None, Some(u)) => format!("DM to {}", u.mention()),
            (None, None) => format!("DM to {}", to.user.mention()),
        };
        let text = format!(
            "── {}, {} ──\n{}",
            local(self.clock.now(), self.tz.unwrap_or(Tz::UTC)),
            self.names.render(&dest),
            self.names.render(&notice.text())
        );
        let to = notice.addressee().unwrap_or(&to.user).clone();
        if let Ok(mut o) = self.out.lock() {
            o.push(Printed {
                text,
                to,
                choices: notice.choices(),
            });
        }
        Ok(None)
    }

    /// Writes the file to the system's temporary directory and returns its path.
    async fn upload(
        &self,
        to: &Owner,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Option<String>, SendError> {
        let dir = std::env::temp_dir().join(format!("sideways-{}", to.user.as_str()));
        let path = dir.join(name);
        std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(&path, content))
            .map_err(|e| SendError::Unavailable(e.to_string()))?;
        Ok(Some(path.display().to_string()))
    }

    async fn user_tz(&self, _who: &Owner) -> Result<Option<Tz>, SendError> {
        Ok(self.tz)
    }

    /// Every console user is in every channel.
    async fn channel_members(
        &self,
        _team: &TeamId,
        _channel: &ChannelId,
    ) -> Result<Vec<UserId>, SendError> {
        let names = self.names.0.lock().map(|m| m.clone()).unwrap_or_default();
        Ok(names.keys().filter_map(|id| UserId::parse(id)).collect())
    }
}

/// Log lines stamped with the console's simulated clock, not the wall clock.
pub struct SimulatedTime(pub Clock);

impl FormatTime for SimulatedTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        write!(
            w,
            "{}",
            self.0
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

/// Logs to stderr as `telemetry::init` does (`RUST_LOG` filters), but at the simulated time.
pub fn init_logging(clock: Clock) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sideways=info"))
        .add_directive(
            crate::telemetry::NO_SLACK_URLS
                .parse()
                .expect("a valid directive"),
        );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_timer(SimulatedTime(clock))
        .try_init();
}

/// A console session: who is typing and what time it is.
pub struct Console {
    services: Services,
    scheduler: Scheduler,
    names: Names,
    dms: Arc<Mutex<Vec<Printed>>>,
    team: TeamId,
    user: UserId,
    /// The zone times are shown in (the `--tz` zone, UTC otherwise).
    tz: Tz,
    pub clock: DateTime<Utc>,
    /// The numbered choices last offered (a reply's confirmation, the buttons of the DMs just
    /// printed): typing a number presses one.
    choices: Vec<Pending>,
    /// A form being asked in turn: the next lines typed are its answers.
    asking: Option<Asking>,
}

/// A form's questions asked one line at a time (a modal in Slack).
struct Asking {
    /// Who is answering (a DM's button may act as its recipient).
    user: UserId,
    form: crate::outbound::Form,
    answers: Vec<Option<String>>,
}

const HELP: &str = "Type /peer commands as the current user (`/peer help` lists them; mention people as @name).\n\
  as @name        act as another user\n\
  advance 3d      move the clock (d, h or m), running the scheduler at every moment something\n\
                  falls due: the DMs it sends are printed with their times\n\
  tick            run the scheduler at the current time\n\
  now             show the simulated time\n\
  1, 2, …          press a numbered button: a reply's confirmation (/peer forget), or one of the\n\
                  buttons of the DMs just printed (run as the user the DM went to)\n\
  quit            leave";

/// When a pass leaves something due (a message waiting to be retried, say), how long `advance`
/// waits before the next pass.
const RECHECK: TimeDelta = TimeDelta::minutes(15);

impl Console {
    /// `tz`: the time zone "Slack" reports for every console user (UTC when `None`).
    pub fn new(
        store: crate::store::Store,
        user: &str,
        tz: Option<Tz>,
        clock: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let names = Names::default();
        let dms = Arc::new(Mutex::new(Vec::new()));
        let time = Clock::default();
        time.freeze(clock);
        let messenger = ConsoleMessenger {
            names: names.clone(),
            clock: time.clone(),
            tz,
            out: dms.clone(),
        };
        let messenger: Arc<dyn Messenger> = Arc::new(messenger);
        let scheduler = Scheduler::new(store.clone(), messenger.clone(), time.clone());
        let services = Services::new(store, messenger, time, Some("console-no-token".into()));
        let team =
            TeamId::parse(CONSOLE_TEAM).ok_or_else(|| anyhow::anyhow!("bad console team"))?;
        let user = names
            .user_id(user)
            .ok_or_else(|| anyhow::anyhow!("--user must be a name, like `you` or `ana`"))?;
        Ok(Console {
            services,
            scheduler,
            names,
            dms,
            team,
            user,
            tz: tz.unwrap_or(Tz::UTC),
            clock,
            choices: Vec::new(),
            asking: None,
        })
    }

    /// The simulated clock the commands and the scheduler read (for [`init_logging`]).
    pub fn time(&self) -> Clock {
        self.scheduler.clock.clone()
    }

    /// Handles one typed line and returns what to print (`None` to quit).
    pub async fn line(&mut self, line: &str) -> Option<String> {
        let line = line.trim();
        if self.asking.is_some() {
            return Some(self.answer(line).await);
        }
        let mut words = line.split_whitespace();
        let out = match words.next().unwrap_or("") {
            "" => String::new(),
            "quit" | "exit" => return None,
            "help" => HELP.to_string(),
            "now" => self.describe_clock(),
            n if n.parse::<usize>().is_ok() => {
                let picked = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| self.choices.get(i).cloned());
                match picked {
                    Some(Pending::Confirm(user, token)) => {
                        self.services.clock.freeze(self.clock);
                        let text = self
                            .services
                            .confirm_forget(&self.team, &user, &token)
                            .await;
                        self.names.render(&text)
                    }
                    Some(Pending::Run(user, command)) => {
                        let who = if user == self.user {
                            String::new()
                        } else {
                            self.names.render(&format!("(as {}) ", user.mention()))
                        };
                        let shown = self.names.render(&format!("/peer {command}"));
                        let out = self.command(user, command).await;
                        format!("{who}{shown}\n{out}")
                    }
                    None => "There is nothing to choose with that number.".into(),
                }
            }
            "as" => match words.next().and_then(|n| self.names.user_id(n)) {
                Some(u) => {
                    self.user = u;
                    format!("You are now {}.", self.names.render(&self.user.mention()))
                }
                None => "Usage: as @name".into(),
            },
            "advance" => match words.next().and_then(parse_span) {
                Some(span) => match self.clock.checked_add_signed(span) {
                    Some(end) if end.year() <= 9999 => self.advance_to(end).await,
                    _ => "The clock stops at the year 9999.".into(),
                },
                None => "Usage: advance <N>d | <N>h | <N>m".into(),
            },
            "tick" => {
                let now = self.clock;
                match self.pass(now).await {
                    Ok(dms) if dms.is_empty() => "(no messages due)".into(),
                    Ok(dms) => self.number(dms, true).join("\n\n"),
                    Err(e) => format!("scheduler error: {e}"),
                }
            }
            first if first.starts_with("/peer") => {
                let text = line.strip_prefix("/peer").unwrap_or("");
                let escaped = self.names.escape_mentions(text.trim());
                self.command(self.user.clone(), escaped).await
            }
            _ => "Type `/peer …`, or `help` for the console's own commands.".to_string(),
        };
        Some(out)
    }

    /// Runs `/peer <text>` (mentions already escaped) as `user`; what to print.
    async fn command(&mut self, user: UserId, text: String) -> String {
        self.services.clock.freeze(self.clock);
        let req = Request {
            team: self.team.clone(),
            user: user.clone(),
            action: Action::Command {
                text,
                trigger: None,
            },
        };
        let mut confirmed = false;
        let reply = match self.services.handle(req).await {
            crate::service::Outcome::Reply(text) => text,
            crate::service::Outcome::Confirm { text, token, label } => {
                self.choices = vec![Pending::Confirm(user.clone(), token)];
                confirmed = true;
                format!("{text}\n  1. {label} (type 1)")
            }
            crate::service::Outcome::Ask { form, text } => match form.questions() {
                Some(_) => {
                    self.asking = Some(Asking {
                        user,
                        form,
                        answers: Vec::new(),
                    });
                    format!(
                        "{text}\nAnswer in turn (an empty line skips one, `cancel` stops).\n{}",
                        self.next_question()
                    )
                }
                None => text,
            },
            _ => String::new(),
        };
        // A command may message someone at once; their buttons follow any confirmation.
        let printed = self.take_printed();
        let sent = self.number(printed, !confirmed);
        let reply = self.names.render(&reply);
        if sent.is_empty() {
            reply
        } else {
            format!("{reply}\n\n{}", sent.join("\n\n"))
        }
    }

    /// The question the next line answers: `(1/3) What …?`.
    fn next_question(&self) -> String {
        let Some(a) = &self.asking else {
            return String::new();
        };
        let qs = a.form.questions().unwrap_or_default();
        match qs.get(a.answers.len()) {
            Some((_, q)) => format!("({}/{}) {q}", a.answers.len() + 1, qs.len()),
            None => String::new(),
        }
    }

    /// One typed answer to the form being asked; after the last, submits it as Slack would.
    async fn answer(&mut self, line: &str) -> String {
        if line.eq_ignore_ascii_case("cancel") {
            self.asking = None;
            return "Cancelled: nothing was kept.".into();
        }
        let Some(a) = self.asking.as_mut() else {
            return String::new();
        };
        // A form's text field is plain text: mentions are not escaped there.
        a.answers
            .push(Some(line.to_string()).filter(|l| !l.is_empty()));
        let qs = a.form.questions().unwrap_or_default();
        if a.answers.len() < qs.len() {
            return self.next_question();
        }
        let Some(a) = self.asking.take() else {
            return String::new();
        };
        let by_id: HashMap<&str, String> = qs
            .iter()
            .zip(a.answers)
            .filter_map(|((id, _), answer)| Some((*id, answer?)))
            .collect();
        let Some(answers) =
            crate::service::Answers::from_fields(&a.form, |id| by_id.get(id).cloned())
        else {
            return String::new();
        };
        self.services.clock.freeze(self.clock);
        let req = Request {
            team: self.team.clone(),
            user: a.user.clone(),
            action: Action::Submit {
                view_id: format!("console:{}", crate::crypto::Cipher::random_token()),
                peer: a.form.peer().clone(),
                from: None,
                answers,
            },
        };
        let text = match self.services.handle(req).await {
            crate::service::Outcome::FormSaved { text, .. } => text,
            crate::service::Outcome::FormErrors(problems) => {
                let said: Vec<String> = problems.into_iter().map(|(_, p)| p).collect();
                format!("{} Nothing was kept.", said.join(" "))
            }
            _ => String::new(),
        };
        self.names.render(&text)
    }

    fn describe_clock(&self) -> String {
        format!("It is now {}.", local(self.clock, self.tz))
    }

    /// Moves the clock to `end`, running a scheduler pass at every moment something falls due
    /// on the way, in order (as `serve`'s pass every 30 seconds would), and shows the DMs with
    /// the times they were sent.
    async fn advance_to(&mut self, end: DateTime<Utc>) -> String {
        let mut dms = Vec::new();
        let mut from = self.clock;
        let result = loop {
            let at = match self.next_due(from, end).await {
                Ok(Some(at)) => at,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            match self.pass(at).await {
                Ok(sent) => dms.extend(sent),
                Err(e) => break Err(e),
            }
            // Whatever was due at `at` has moved on, unless it waits for something (a retry):
            // then look again a little later rather than at every minute.
            from = match self.scheduler.anything_due(at).await {
                Ok(true) => at + RECHECK,
                Ok(false) => at,
                Err(e) => break Err(e),
            };
            if from > end {
                break Ok(());
            }
        };
        self.clock = end;
        self.scheduler.clock.freeze(end);
        let mut out = vec![self.describe_clock()];
        if let Err(e) = result {
            out.push(format!("scheduler error: {e}"));
        }
        if dms.is_empty() {
            out.push("(no messages due)".into());
        } else {
            let dms = self.number(dms, true);
            out.push(dms.join("\n\n"));
        }
        out.join("\n")
    }

    /// The first moment in `from..=end`, on a one-minute grid from `from`, at which a pass has
    /// anything to do (a binary search: what is due at one moment stays due later).
    async fn next_due(
        &self,
        from: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, crate::store::StoreError> {
        let due = |t| self.scheduler.anything_due(t);
        if due(from).await? {
            return Ok(Some(from));
        }
        if end <= from || !due(end).await? {
            return Ok(None);
        }
        let at = |k: i64| (from + TimeDelta::minutes(k)).min(end);
        let (mut lo, mut hi) = (0, ((end - from).num_seconds() + 59) / 60);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if due(at(mid)).await? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Some(at(hi)))
    }

    /// One scheduler pass at `at` with the clock frozen there; the DMs it sent.
    async fn pass(&mut self, at: DateTime<Utc>) -> Result<Vec<Printed>, crate::store::StoreError> {
        self.scheduler.clock.freeze(at);
        self.scheduler.tick(at, false).await?;
        Ok(self.take_printed())
    }

    /// The DMs printed since the last look.
    fn take_printed(&self) -> Vec<Printed> {
        self.dms
            .lock()
            .map(|mut d| d.drain(..).collect())
            .unwrap_or_default()
    }

    /// `printed` as text, their buttons numbered in one run: replacing earlier choices when
    /// `fresh`, after them otherwise.
    fn number(&mut self, printed: Vec<Printed>, fresh: bool) -> Vec<String> {
        if fresh && printed.iter().any(|p| !p.choices.is_empty()) {
            self.choices.clear();
        }
        let mut out = Vec::with_capacity(printed.len());
        for p in printed {
            let mut text = p.text;
            for c in p.choices {
                self.choices
                    .push(Pending::Run(p.to.clone(), c.command.clone()));
                text.push_str(&format!(
                    "\n  {}. {}",
                    self.choices.len(),
                    self.names.render(&c.label)
                ));
            }
            out.push(text);
        }
        out
    }

    /// Reads lines from `input` until EOF or `quit`, printing replies.
    pub async fn run<R: AsyncBufRead + Unpin>(mut self, input: R) -> anyhow::Result<()> {
        println!(
            "Sideways console. {} `help` for help.",
            self.describe_clock()
        );
        let mut lines = input.lines();
        loop {
            print!("{}> ", self.names.render(&self.user.mention()));
            std::io::stdout().flush()?;
            let Some(l) = lines.next_line().await? else {
                break;
            };
            match self.line(&l).await {
                Some(out) if !out.is_empty() => println!("{out}"),
                Some(_) => {}
                None => break,
            }
        }
        println!();
        Ok(())
    }
}

/// `3d`, `12h`, `90m`: from one minute up to ten years.
fn parse_span(s: &str) -> Option<TimeDelta> {
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()]
        .parse()
        .ok()
        .filter(|n| (1..=3650).contains(n))?;
    match unit {
        'd' => Some(TimeDelta::days(n)),
        'h' => Some(TimeDelta::hours(n)),
        'm' => Some(TimeDelta::minutes(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn typed_mentions_become_slack_mentions_and_back() {
        let n = Names::default();
        assert_eq!(
            n.escape_mentions("add @ana weekly"),
            "add <@UANA|ana> weekly"
        );
        assert_eq!(n.render("Added <@UANA> :warning:"), "Added @ana !");
        assert_eq!(n.escape_mentions("email a@b"), "email a@b");
    }

    /// As Slack's autocompletion sends them: punctuation after a name is not part of it, `.`,
    /// `-` and `_` inside one are, and any script's letters are letters.
    #[test]
    fn mentions_read_names_as_slack_does() {
        let n = Names::default();
        assert_eq!(
            n.escape_mentions("@ana, @raj: (@kim) hi!"),
            "<@UANA|ana>, <@URAJ|raj>: (<@UKIM|kim>) hi!"
        );
        let dotted = n.escape_mentions("@ana.smith.");
        let id = dotted
            .strip_prefix("<@")
            .and_then(|r| r.strip_suffix("|ana.smith>."))
            .unwrap_or_else(|| panic!("{dotted}"));
        assert!(UserId::parse(id).is_some(), "{id}");
        assert_ne!(id, "UANASMITH", "kept apart from @anasmith");
        assert_eq!(n.render(&format!("hi <@{id}>")), "hi @ana.smith");

        let jose = n.escape_mentions("@José");
        let id = UserId::from_mention(&jose).unwrap_or_else(|| panic!("{jose}"));
        assert!(id.as_str().starts_with("UJOS"), "{id}");
        assert_eq!(n.render(&id.mention()), "@José");
        // The same name in another case is the same person; another name is not.
        assert_eq!(
            UserId::from_mention(&n.escape_mentions("@JOSÉ")),
            Some(id.clone())
        );
        assert_ne!(UserId::from_mention(&n.escape_mentions("@Josè")), Some(id));
        assert_eq!(n.escape_mentions("@ana's"), "@ana's");
        assert_eq!(n.escape_mentions("@... @"), "@... @");
        assert_eq!(
            n.escape_mentions("#leads."),
            "<#CLEADS|leads>.",
            "channels too"
        );
        // A long name still makes a valid id.
        let long = n.escape_mentions(&format!("@{}", "a".repeat(40)));
        assert!(UserId::from_mention(&long).is_some(), "{long}");
    }

    #[test]
    fn spans_parse() {
        assert_eq!(parse_span("3d"), Some(TimeDelta::days(3)));
        assert_eq!(parse_span("90m"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_span("0d"), None);
        assert_eq!(parse_span("d"), None);
        assert_eq!(parse_span(""), None);
        assert_eq!(parse_span("é"), None);
        assert_eq!(parse_span("3é"), None);
    }

    #[test]
    fn log_lines_carry_the_simulated_time() {
        let clock = Clock::default();
        clock.freeze(utc("2026-12-03T11:56:00Z"));
        let mut text = String::new();
        SimulatedTime(clock)
            .format_time(&mut Writer::new(&mut text))
            .unwrap();
        assert_eq!(text, "2026-12-03T11:56:00Z");
    }

    proptest! {
        /// No typed text makes the console's parsers panic; mentions always carry valid ids.
        #[test]
        fn parsers_never_panic(s in any::<String>(), t in "[@#(]?[\\PC.,;:!?)é]{0,12}") {
            let _ = parse_span(&s);
            let _ = parse_span(&t);
            let n = Names::default();
            for text in [&s, &t] {
                let escaped = n.escape_mentions(text);
                let _ = n.render(&escaped);
                let _ = n.render(text);
                let _ = n.user_id(text);
            }
            if let Some(id) = n.user_id(&t) {
                prop_assert!(UserId::parse(id.as_str()).is_some());
            }
        }
    }

    /// Arbitrary lines, and the console's own commands with arbitrary arguments, through one
    /// console: none panics.
    #[tokio::test]
    async fn no_typed_line_panics() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let (_dir, store) = crate::store::test_store().await;
        let mut console =
            Console::new(store, "you", Some(Tz::UTC), utc("2026-11-23T10:00:00Z")).unwrap();
        let lines = proptest::collection::vec(
            prop_oneof![
                any::<String>(),
                "(advance|as|tick|now|help|/peer|/peer add|/peer checkin) ?[\\PC@é]{0,10}",
                "advance [0-9]{1,4}[dhmé]",
            ],
            200,
        );
        let mut runner = TestRunner::deterministic();
        let lines = lines.new_tree(&mut runner).unwrap().current();
        for line in lines {
            if let Some(out) = console.line(&line).await {
                assert!(!out.contains("scheduler error"), "{line:?}: {out}");
            }
        }
    }

    /// `advance` runs a pass at each moment something fell due, in order, and shows each DM
    /// with its time in the user's zone.
    #[tokio::test]
    async fn advance_shows_each_dm_when_it_was_due() {
        let (_dir, store) = crate::store::test_store().await;
        let ny: Tz = "America/New_York".parse().unwrap();
        let mut c = Console::new(store, "you", Some(ny), utc("2026-11-23T15:00:00Z")).unwrap();
        assert_eq!(
            c.line("now").await.unwrap(),
            "It is now Mon 2026-11-23 10:00 EST."
        );
        c.line("/peer add @ana weekly").await;
        c.line("/peer add @raj weekly").await;
        let out = c.line("advance 30d").await.unwrap();
        assert!(
            out.starts_with("It is now Wed 2026-12-23 10:00 EST.\n"),
            "{out}"
        );
        let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("── ")).collect();
        assert!(headers.len() >= 3, "{out}");
        assert_eq!(
            headers[0], "── Mon 2026-11-30 09:00 EST, DM to @you ──",
            "{out}"
        );
        let mut sorted = headers.clone();
        sorted.sort_by_key(|h| h.get(11..27).unwrap_or_default().to_string());
        assert_eq!(headers, sorted, "in order");
        assert_eq!(
            c.line("advance 1m").await.unwrap().lines().last(),
            Some("(no messages due)")
        );
    }

    /// A form is asked one question at a time; its answers are kept as Slack's form would keep
    /// them, and `cancel` keeps nothing.
    #[tokio::test]
    async fn the_stuck_form_is_asked_in_turn() {
        let (_dir, store) = crate::store::test_store().await;
        let mut c = Console::new(store, "you", None, utc("2026-11-23T15:00:00Z")).unwrap();
        c.line("/peer add @ana weekly").await;
        let first = c.line("/peer stuck @ana").await.unwrap();
        assert!(
            first.contains("(1/3) What do I know that they don't?"),
            "{first}"
        );
        assert!(c.line("cancel").await.unwrap().contains("nothing was kept"));
        c.line("/peer stuck @ana").await;
        let second = c.line("their Q1 date moved").await.unwrap();
        assert!(second.starts_with("(2/3)"), "{second}");
        c.line("").await;
        let done = c.line("@raj leaving").await.unwrap();
        assert!(
            done.contains("Next move") && done.contains("@ana"),
            "{done}"
        );
        let notes = c.line("/peer notes @ana").await.unwrap();
        assert!(
            notes.contains("their Q1 date moved") && notes.contains("@raj leaving"),
            "{notes}"
        );
        assert!(
            c.line("now").await.unwrap().starts_with("It is now"),
            "back to commands"
        );
    }

    /// A joint escalation end to end in the console: the invitation printed at once, each side
    /// asked in turn, and the document sent once both approved, at the next pass.
    #[tokio::test]
    async fn an_escalation_works_in_the_console() {
        let (_dir, store) = crate::store::test_store().await;
        let mut c = Console::new(store, "you", None, utc("2026-11-23T15:00:00Z")).unwrap();
        let started = c
            .line("/peer escalate @ana the Q1 freeze to @cto")
            .await
            .unwrap();
        assert!(
            started.contains("Started joint escalation #1")
                && started.contains("(1/4) What is your side trying to achieve?"),
            "{started}"
        );
        c.line("ship in Q1").await;
        c.line("").await;
        c.line("").await;
        let saved = c.line("decide by Friday").await.unwrap();
        assert!(saved.contains("version 2"), "{saved}");
        let invited = c.line("advance 1m").await.unwrap();
        assert!(
            invited.contains("DM to @ana") && invited.contains("Q1 freeze"),
            "{invited}"
        );
        c.line("as @ana").await;
        c.line("/peer escalation 1 edit").await;
        for a in ["stability", "", "", ""] {
            c.line(a).await;
        }
        let doc = c.line("/peer escalation 1").await.unwrap();
        assert!(
            doc.contains("ship in Q1")
                && doc.contains("stability")
                && doc.contains("decide by Friday"),
            "the ask skipped keeps what was there: {doc}"
        );
        c.line("/peer escalation 1 approve").await;
        c.line("as @you").await;
        let r = c.line("/peer escalation 1 approve").await.unwrap();
        assert!(r.contains("both approved"), "{r}");
        let out = c.line("advance 1m").await.unwrap();
        assert!(
            out.contains("DM to @cto") && out.contains("stability"),
            "{out}"
        );
        assert!(!c.line("advance 1d").await.unwrap().contains("@cto"));
    }

    /// Working on something together: at its end each person's DM is printed (the owner's names
    /// the typed look-back), and the typed look-back keeps notes and closes it.
    #[tokio::test]
    async fn together_and_its_look_back_work_in_the_console() {
        let (_dir, store) = crate::store::test_store().await;
        let mut c = Console::new(store, "you", None, utc("2026-11-23T10:00:00Z")).unwrap();
        c.line("/peer add @ana weekly").await;
        let r = c
            .line("/peer together @ana the on-call handover for 1 week")
            .await
            .unwrap();
        assert!(r.contains("Together #1 with @ana"), "{r}");
        assert!(
            c.line("/peer together")
                .await
                .unwrap()
                .contains("#1 with @ana")
        );
        let out = c.line("advance 8d").await.unwrap();
        assert!(
            out.contains("── Mon 2026-11-30 09:00 UTC, DM to @you ──")
                && out.contains("/peer together lookback 1 keep"),
            "{out}"
        );
        assert!(
            out.contains("DM to @ana ──\n@you has marked “the on-call handover”"),
            "{out}"
        );
        let r = c
            .line("/peer together lookback 1 stop pairing worked / start earlier")
            .await
            .unwrap();
        assert!(r.contains("Closed together #1 with @ana"), "{r}");
        let notes = c.line("/peer notes @ana").await.unwrap();
        assert!(notes.contains("what worked: pairing worked"), "{notes}");
        assert!(
            c.line("/peer together")
                .await
                .unwrap()
                .contains("Nothing open")
        );
    }

    /// A DM's buttons are numbered choices: typing the number runs the same command as the
    /// user the DM went to.
    #[tokio::test]
    async fn a_dms_buttons_are_numbered_choices() {
        let (_dir, store) = crate::store::test_store().await;
        let mut c = Console::new(store, "you", None, utc("2026-11-23T10:00:00Z")).unwrap();
        c.line("/peer add @ana weekly").await;
        let nudge = c.line("advance 8d").await.unwrap();
        assert!(
            nudge.contains("  1. We talked with @ana today")
                && nudge.contains("  2. Snooze @ana 3 days"),
            "{nudge}"
        );
        let done = c.line("1").await.unwrap();
        assert!(
            done.starts_with("/peer checkin @ana\n") && done.contains("@ana"),
            "{done}"
        );
        assert!(c.line("9").await.unwrap().contains("nothing to choose"));
        // The invitation went to @ana: its choice acts as her, and the form is asked of her.
        c.line("/peer escalate @ana the freeze to @cto").await;
        c.line("cancel").await;
        let invite = c.line("advance 1m").await.unwrap();
        assert!(invite.contains("2. Fill in my side of #1"), "{invite}");
        let asked = c.line("2").await.unwrap();
        assert!(
            asked.starts_with("(as @ana) /peer escalation 1 edit") && asked.contains("(1/4)"),
            "{asked}"
        );
        c.line("stability").await;
        c.line("").await;
        c.line("").await;
        c.line("").await;
        let doc = c.line("/peer escalation 1").await.unwrap();
        assert!(
            doc.contains("@ana's side*\n• Trying to achieve: stability"),
            "{doc}"
        );
    }

    /// Forget asks with a numbered choice; `1` confirms it once, and export writes a file.
    #[tokio::test]
    async fn forget_and_export_work_in_the_console() {
        let (_dir, store) = crate::store::test_store().await;
        let mut c = Console::new(store, "you", None, utc("2026-11-23T15:00:00Z")).unwrap();
        c.line("/peer add @ana weekly because CONSOLEREASON").await;
        let export = c.line("/peer export").await.unwrap();
        let path = export
            .split('`')
            .nth(1)
            .unwrap_or_else(|| panic!("{export}"));
        let file = std::fs::read_to_string(path).unwrap();
        assert!(file.contains("CONSOLEREASON"), "{file}");
        let ask = c.line("/peer forget @ana").await.unwrap();
        assert!(ask.contains("1. Yes, delete it"), "{ask}");
        // The confirmation is pressed as the user it was offered to (in Slack only they see
        // it), whoever the console is acting as now.
        c.line("as @bob").await;
        let done = c.line("1").await.unwrap();
        assert!(done.contains("map entries: 1"), "{done}");
        assert!(c.line("1").await.unwrap().contains("already used"));
        assert!(c.line("/peer map").await.unwrap().contains("empty"));
    }
}
