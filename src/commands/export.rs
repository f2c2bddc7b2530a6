//! `/peer export`: everything you keep, decrypted, as a JSON file sent to you.

use super::{Ctx, Reply};
use crate::error::{AppError, Result};
use crate::outbound::SendError;
use serde_json::json;

pub const USAGE: &str = "`/peer export`";
pub const ABOUT: &str = "Everything Sideways keeps for you, decrypted, as a JSON file in a DM: \
your settings, peers and reasons, check-ins with their notes, answers and offers, heads-ups and \
who was told, credits you gave, your ledger and loans, your snoozes, your work together, the joint \
escalations you started and your side of the others, your published context, the messages sent to \
you and pending \
forget confirmations. Nothing of anyone else's.";

pub async fn run(ctx: &Ctx<'_>) -> Result<Reply> {
    let tables = ctx.store.export(ctx.owner).await?;
    let doc = json!({
        "format": "sideways-export/1",
        "team_id": ctx.owner.team.as_str(),
        "user_id": ctx.owner.user.as_str(),
        "exported_at": ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "tables": tables,
    });
    let bytes = serde_json::to_vec_pretty(&doc)
        .map_err(|e| AppError::Unavailable(format!("export: {e}")))?;
    let name = format!("sideways-export-{}.json", ctx.today());
    match ctx.messenger.upload(ctx.owner, &name, bytes).await {
        Ok(Some(path)) => Ok(Reply::new(format!("Your export is written to `{path}`."))),
        Ok(None) => Ok(Reply::new(format!(
            "I've sent you `{name}` in a DM: everything Sideways keeps for you, decrypted. Keep it safe."
        ))),
        Err(SendError::Rejected(code)) => Err(AppError::Unavailable(format!(
            "Slack refused the file (`{code}`)"
        ))),
        Err(e) => Err(AppError::Unavailable(e.to_string())),
    }
}
