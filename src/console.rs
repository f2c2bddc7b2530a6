//! `sideways console`: Sideways without a Slack workspace. Lines typed as `/peer …` run through
//! the very same command handling and store as Slack's; `advance 2d` moves a simulated clock and
//! runs the very same scheduler pass, whose DMs are printed here instead of sent. Only the Slack
//! edge is replaced: `@ana` typed here becomes the mention `<@UANA|ana>` Slack would send.

use crate::clock::Clock;
use crate::domain::{ChannelId, Owner, TeamId, UserId};
use crate::outbound::{MessageRef, Messenger, Notice, SendError};
use crate::scheduler::Scheduler;
use crate::service::{Action, Request, Services};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The workspace every console user belongs to.
pub const CONSOLE_TEAM: &str = "TCONSOLE";

/// Names typed in the console, so replies can show `@ana` instead of `<@UANA>`.
#[derive(Default, Clone)]
pub struct Names(Arc<Mutex<HashMap<String, String>>>);

impl Names {
    /// `@ana` → `<@UANA|ana>`, remembering the name. Other words are left alone.
    pub fn escape_mentions(&self, line: &str) -> String {
        line.split(' ')
            .map(|w| match w.strip_prefix('@') {
                Some(name)
                    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    let id = format!("U{}", name.to_ascii_uppercase());
                    if let Ok(mut m) = self.0.lock() {
                        m.insert(id.clone(), name.to_ascii_lowercase());
                    }
                    format!("<@{id}|{name}>")
                }
                _ => match w.strip_prefix('#') {
                    Some(name)
                        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) =>
                    {
                        let id = format!("C{}", name.to_ascii_uppercase());
                        if let Ok(mut m) = self.0.lock() {
                            m.insert(id.clone(), name.to_ascii_lowercase());
                        }
                        format!("<#{id}|{name}>")
                    }
                    _ => w.to_string(),
                },
            })
            .collect::<Vec<_>>()
            .join(" ")
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

/// Prints DMs to the terminal instead of sending them.
pub struct ConsoleMessenger {
    names: Names,
    tz: Option<Tz>,
    out: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Messenger for ConsoleMessenger {
    async fn send(&self, to: &Owner, notice: &Notice) -> Result<Option<MessageRef>, SendError> {
        let dest = match notice.channel() {
            Some(c) => format!("post to {}", c.mention()),
            None => format!("DM to {}", to.user.mention()),
        };
        let text = format!(
            "── {} ──\n{}\n",
            self.names.render(&dest),
            self.names.render(&notice.text())
        );
        if let Ok(mut o) = self.out.lock() {
            o.push(text);
        }
        Ok(None)
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

/// A console session: who is typing and what time it is.
pub struct Console {
    services: Services,
    scheduler: Scheduler,
    names: Names,
    dms: Arc<Mutex<Vec<String>>>,
    team: TeamId,
    user: UserId,
    pub clock: DateTime<Utc>,
}

const HELP: &str = "Type /peer commands as the current user (`/peer help` lists them; mention people as @name).\n\
  as @name        act as another user\n\
  advance 3d      move the clock (d, h or m) and run the scheduler: DMs it sends are printed\n\
  tick            run the scheduler at the current time\n\
  now             show the simulated time\n\
  quit            leave";

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
        let messenger = ConsoleMessenger {
            names: names.clone(),
            tz,
            out: dms.clone(),
        };
        let messenger: Arc<dyn Messenger> = Arc::new(messenger);
        let time = Clock::default();
        time.freeze(clock);
        let scheduler = Scheduler::new(store.clone(), messenger.clone(), time.clone());
        let services = Services::new(store, messenger, time, Some("console-no-token".into()));
        let team =
            TeamId::parse(CONSOLE_TEAM).ok_or_else(|| anyhow::anyhow!("bad console team"))?;
        let user = names.user_id(user).ok_or_else(|| {
            anyhow::anyhow!("--user must be letters and digits, like `you` or `ana`")
        })?;
        Ok(Console {
            services,
            scheduler,
            names,
            dms,
            team,
            user,
            clock,
        })
    }

    /// Handles one typed line and returns what to print (`None` to quit).
    pub async fn line(&mut self, line: &str) -> Option<String> {
        let line = line.trim();
        let mut words = line.split_whitespace();
        let out = match words.next().unwrap_or("") {
            "" => String::new(),
            "quit" | "exit" => return None,
            "help" => HELP.to_string(),
            "now" => self.describe_clock(),
            "as" => match words.next().and_then(|n| self.names.user_id(n)) {
                Some(u) => {
                    self.user = u;
                    format!("You are now {}.", self.names.render(&self.user.mention()))
                }
                None => "Usage: as @name".into(),
            },
            "advance" => match words.next().and_then(parse_span) {
                Some(span) => {
                    self.clock += span;
                    format!("{}\n{}", self.describe_clock(), self.tick().await)
                }
                None => "Usage: advance <N>d | <N>h | <N>m".into(),
            },
            "tick" => self.tick().await,
            first if first == "/peer" || first.starts_with("/peer") => {
                let text = line.strip_prefix("/peer").unwrap_or("");
                let escaped = self.names.escape_mentions(text.trim());
                self.services.clock.freeze(self.clock);
                let req = Request {
                    team: self.team.clone(),
                    user: self.user.clone(),
                    action: Action::Command {
                        text: escaped,
                        trigger: None,
                    },
                };
                let reply = match self.services.handle(req).await {
                    crate::service::Outcome::Reply(text) => text,
                    _ => String::new(),
                };
                self.names.render(&reply)
            }
            _ => "Type `/peer …`, or `help` for the console's own commands.".to_string(),
        };
        Some(out)
    }

    fn describe_clock(&self) -> String {
        format!("It is now {}.", self.clock.format("%a %Y-%m-%d %H:%M UTC"))
    }

    async fn tick(&mut self) -> String {
        self.scheduler.clock.freeze(self.clock);
        match self.scheduler.tick(self.clock, false).await {
            Ok(_) => {
                let dms: Vec<String> = self
                    .dms
                    .lock()
                    .map(|mut d| d.drain(..).collect())
                    .unwrap_or_default();
                if dms.is_empty() {
                    "(no messages due)".into()
                } else {
                    dms.join("\n")
                }
            }
            Err(e) => format!("scheduler error: {e}"),
        }
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

fn parse_span(s: &str) -> Option<TimeDelta> {
    let (n, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: i64 = n.parse().ok().filter(|n| (1..=3650).contains(n))?;
    match unit {
        "d" => Some(TimeDelta::days(n)),
        "h" => Some(TimeDelta::hours(n)),
        "m" => Some(TimeDelta::minutes(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn spans_parse() {
        assert_eq!(parse_span("3d"), Some(TimeDelta::days(3)));
        assert_eq!(parse_span("90m"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_span("0d"), None);
        assert_eq!(parse_span("d"), None);
        assert_eq!(parse_span(""), None);
    }
}
