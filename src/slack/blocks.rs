//! Pure renderers from Sideways values to Block Kit.

use crate::messenger::{Notice, due_line};
use slack_morphism::prelude::*;

/// The blocks of a scheduled DM. The plain-text fallback is [`Notice::text`].
pub fn notice(n: &Notice) -> Vec<SlackBlock> {
    match n {
        Notice::CheckinNudge { items, .. } => {
            let mut blocks: Vec<SlackBlock> = vec![
                SlackSectionBlock::new()
                    .with_text(md!("*Due for a check-in*"))
                    .into(),
            ];
            for i in items {
                blocks.push(
                    SlackSectionBlock::new()
                        .with_text(md!("{}", due_line(i)))
                        .into(),
                );
            }
            blocks.push(
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(SlackBlockMarkDownText::new(
                    "Log one with `/peer checkin @peer`, or hold it with `/peer snooze @peer 3 days`. Only you see this."
                        .into(),
                ))])
                .into(),
            );
            blocks
        }
    }
}
