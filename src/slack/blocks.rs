//! Pure renderers from Sideways values to Block Kit.

use crate::messenger::{Notice, due_line, headsup_line};
use slack_morphism::prelude::*;

fn section(text: String) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!("{}", text)).into()
}

/// The blocks of a scheduled DM. The plain-text fallback is [`Notice::text`].
pub fn notice(n: &Notice) -> Vec<SlackBlock> {
    match n {
        Notice::HeadsupReminder { .. } | Notice::HeadsupAfter { .. } => vec![section(n.text())],
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
