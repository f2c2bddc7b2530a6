//! `/peer help [topic]`: the command list, or one subcommand explained.

use super::args::{Args, free_text};
use super::{
    Reply, add, cadence, checkin, context, credit, headsup, map, meeting, remove, settings, snooze,
    told,
};
use crate::error::UsageError;

pub const USAGE: &str =
    "`/peer help [add|remove|map|checkin|cadence|snooze|headsup|told|headsups|settings]`";

#[derive(Debug, Clone, PartialEq)]
pub struct Help {
    pub topic: Option<&'static str>,
}

/// (name, usage, what it does)
const TOPICS: &[(&str, &str, &str)] = &[
    ("add", add::USAGE, add::ABOUT),
    ("remove", remove::USAGE, remove::ABOUT),
    ("map", map::USAGE, map::ABOUT),
    ("checkin", checkin::USAGE, checkin::ABOUT),
    ("cadence", cadence::USAGE, cadence::ABOUT),
    ("snooze", snooze::USAGE, snooze::ABOUT),
    ("headsup", headsup::USAGE, headsup::ABOUT),
    ("told", told::USAGE, told::ABOUT),
    ("headsups", headsup::LIST_USAGE, headsup::LIST_ABOUT),
    ("credit", credit::USAGE, credit::ABOUT),
    ("context", context::USAGE, context::ABOUT),
    ("meeting", meeting::USAGE, meeting::ABOUT),
    ("settings", settings::USAGE, settings::ABOUT),
];

pub(super) fn parse(args: &mut Args) -> Result<Help, UsageError> {
    let topic = match args.next_word() {
        None => None,
        Some(w) => {
            let w = w.to_ascii_lowercase();
            let w = w.trim_start_matches('/');
            let found = TOPICS
                .iter()
                .find(|(name, ..)| *name == w || (w == "check-in" && *name == "checkin"));
            match found {
                Some((name, ..)) => Some(*name),
                None => {
                    return Err(UsageError::new(
                        format!("There is no help on `{}`.", free_text(w)),
                        USAGE,
                    ));
                }
            }
        }
    };
    args.finish(USAGE)?;
    Ok(Help { topic })
}

impl Help {
    pub fn run(&self) -> Reply {
        match self
            .topic
            .and_then(|t| TOPICS.iter().find(|(name, ..)| *name == t))
        {
            Some((_, usage, about)) => Reply::new(format!("{usage}\n{about}")),
            None => {
                let mut text = String::from(
                    "*Sideways* keeps the relationships your year depends on warm, before you need them.\n",
                );
                for (_, usage, about) in TOPICS {
                    let first = about.split_once(". ").map(|(a, _)| a).unwrap_or(about);
                    text.push_str(&format!("• {usage}: {}\n", first.trim_end_matches('.')));
                }
                text.push_str("`/peer help <command>` explains one. Everything you keep here is visible to you alone.");
                Reply::new(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::ALL_USAGE;

    #[test]
    fn every_topic_has_help_and_the_overview_lists_them_all() {
        let all = Help { topic: None }.run().text;
        for (name, usage, _) in TOPICS {
            assert!(all.contains(usage), "{name} missing from help");
            assert!(
                ALL_USAGE.contains(&usage[..usage.find(' ').unwrap_or(usage.len())]),
                "{name} missing from ALL_USAGE"
            );
            let mut a = Args::new(name);
            assert_eq!(parse(&mut a).unwrap().topic, Some(*name));
        }
    }

    #[test]
    fn unknown_topics_and_trailing_words_are_refused() {
        assert!(parse(&mut Args::new("teleport")).is_err());
        assert!(parse(&mut Args::new("add now")).is_err());
    }
}
