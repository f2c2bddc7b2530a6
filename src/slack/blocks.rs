//! Pure renderers from Sideways values to Block Kit.

use crate::messenger::{Notice, due_line, headsup_line};
use slack_morphism::prelude::*;

fn section(text: String) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!("{}", text)).into()
}

/// Slack refuses a section longer than this.
const SECTION_MAX: usize = 3000;

/// Long text as several sections, split between lines (or, for one huge line, between chars).
fn sections(text: &str) -> Vec<SlackBlock> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if !cur.is_empty() && cur.len() + line.len() + 1 > SECTION_MAX {
            out.push(section(std::mem::take(&mut cur)));
        }
        for ch in line.chars() {
            if cur.len() + ch.len_utf8() > SECTION_MAX {
                out.push(section(std::mem::take(&mut cur)));
            }
            cur.push(ch);
        }
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        out.push(section(cur.trim_end().to_string()));
    }
    out
}

/// The blocks of a scheduled DM. The plain-text fallback is [`Notice::text`].
pub fn notice(n: &Notice) -> Vec<SlackBlock> {
    match n {
        Notice::HeadsupReminder { .. }
        | Notice::HeadsupAfter { .. }
        | Notice::Digest { .. }
        | Notice::MeetingPrep { .. }
        | Notice::ContextStale { .. } => sections(&n.text()),
        Notice::CheckinNudge {
            items, headsups, ..
        } => {
            let mut blocks = Vec::new();
            if !items.is_empty() {
                blocks.push(section("*Due for a check-in*".into()));
                blocks.extend(items.iter().map(|i| section(due_line(i))));
            }
            if !headsups.is_empty() {
                blocks.push(section("*Tell them before the room*".into()));
                blocks.extend(headsups.iter().map(|h| section(headsup_line(h))));
            }
            blocks.push(
                SlackContextBlock::new(
                    vec![SlackContextBlockElement::MarkDown(SlackBlockMarkDownText::new(
                    "`/peer checkin @peer` logs a check-in, `/peer snooze @peer 3 days` holds one, \
                     `/peer told @peer <number>` marks a heads-up. Only you see this."
                        .into(),
                ))],
                )
                .into(),
            );
            blocks
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_split_into_sections_slack_accepts() {
        let text = (0..200)
            .map(|i| format!("• line {i} {}", "x".repeat(40)))
            .collect::<Vec<_>>()
            .join("\n");
        let blocks = sections(&text);
        assert!(blocks.len() >= 3);
        for b in &blocks {
            let json = serde_json::to_value(b).unwrap();
            let t = json["text"]["text"].as_str().unwrap();
            assert!(t.len() <= SECTION_MAX);
        }
        assert_eq!(sections(&"y".repeat(7000)).len(), 3);
    }
}
