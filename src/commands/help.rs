//! `/peer help [topic]`: the command list, or one subcommand explained.

use super::args::{Args, echo};
use super::{COMMANDS, Reply, Spec};
use crate::error::UsageError;
use std::sync::LazyLock;

pub const ABOUT: &str = "The command list, or one command explained.";

/// `/peer help [add|remove|…]`, listing every command of [`COMMANDS`].
pub static USAGE_LINE: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = COMMANDS
        .iter()
        .map(|s| s.name)
        .filter(|n| *n != "help")
        .collect();
    format!("`/peer help [{}]`", names.join("|"))
});
pub const USAGE: &str = "`/peer help [<command>]`";

/// The README's command table, generated from [`COMMANDS`] like `/peer help` (a test keeps
/// the README's copy identical).
#[cfg(test)]
fn markdown_table() -> String {
    let mut out = String::from("| command | what it does |\n|---|---|\n");
    for s in COMMANDS {
        out.push_str(&format!(
            "| {} | {} |\n",
            s.usage.replace('|', "\\|"),
            s.about.replace('|', "\\|")
        ));
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct Help {
    pub topic: Option<&'static str>,
}

pub(super) fn parse(args: &mut Args) -> Result<Help, UsageError> {
    let topic = match args.next_word() {
        None => None,
        Some(w) => {
            let w = w.trim_start_matches('/');
            match Spec::find(w) {
                Some(spec) => Some(spec.name),
                None => {
                    return Err(UsageError::new(
                        format!("There is no help on {}.", echo(w)),
                        &USAGE_LINE,
                    ));
                }
            }
        }
    };
    args.finish(&USAGE_LINE)?;
    Ok(Help { topic })
}

impl Help {
    pub fn run(&self) -> Reply {
        match self.topic.and_then(Spec::find) {
            Some(spec) => Reply::new(format!("{}\n{}", spec.usage, spec.about)),
            None => {
                let mut text = String::from(
                    "*Sideways* keeps the relationships your year depends on warm, before you need them.\n",
                );
                for Spec { usage, about, .. } in COMMANDS.iter().filter(|s| s.name != "help") {
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
    use crate::commands::{Command, all_usage};

    #[test]
    fn every_command_has_help_and_the_overview_lists_them_all() {
        let all = Help { topic: None }.run().text;
        for spec in COMMANDS.iter().filter(|s| s.name != "help") {
            assert!(all.contains(spec.usage), "{} missing from help", spec.name);
            assert!(all_usage().contains(spec.usage), "{} missing", spec.name);
            assert!(USAGE_LINE.contains(spec.name), "{} missing", spec.name);
            let mut a = Args::new(spec.name);
            assert_eq!(parse(&mut a).unwrap().topic, Some(spec.name));
            for alias in spec.aliases {
                let mut a = Args::new(alias);
                assert_eq!(parse(&mut a).unwrap().topic, Some(spec.name));
            }
            // Every command the help names is one the parser knows.
            assert!(
                !matches!(Command::parse(spec.name), Err(e) if e.usage == all_usage()),
                "{} unknown to the parser",
                spec.name
            );
        }
    }

    #[test]
    fn unknown_topics_and_trailing_words_are_refused() {
        assert!(parse(&mut Args::new("teleport")).is_err());
        assert!(parse(&mut Args::new("add now")).is_err());
    }

    /// The README's command table is the generated one: the README and `/peer help` cannot
    /// drift apart, and every command the parser accepts is in both.
    #[test]
    fn the_readme_command_table_is_generated_from_the_one_table() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's command table differs; replace it with:\n{table}"
        );
    }
}
