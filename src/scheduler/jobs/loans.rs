//! Capacity loans on their due day: the owner (lender or borrower) is asked, inside working
//! hours, whether it came back; again a week later while it stays open. One message per loan
//! per day, whatever runs at once (the outbox's key).

use super::super::{BATCH, Pass};
use crate::domain::{Direction, loan_next_look};
use crate::outbound::Notice;
use crate::store::StoreError;
use crate::views::fmt_day;

pub(in crate::scheduler) async fn run(p: &Pass<'_>) -> Result<(), StoreError> {
    let (store, now, dry_run) = (&p.s.store, p.now, p.dry_run);
    for (owner, loan) in store.loans_due(now, BATCH).await? {
        let prefs = store.ensure_profile(&owner, now).await?.prefs();
        if !prefs.is_working(now) {
            if !dry_run {
                store
                    .set_loan_remind(&owner, loan.number, Some(prefs.next_working_instant(now)))
                    .await?;
            }
            continue;
        }
        let today = prefs.local_date(now);
        let Some(back_by) = loan.back_by else {
            continue;
        };
        let notice = Notice::LoanDue {
            number: loan.number,
            peer: loan.peer.clone(),
            lent: loan.direction == Direction::Gave,
            text: loan.text.clone(),
            back_by: fmt_day(back_by, today),
            overdue: back_by < today,
        };
        let key = format!("{}:{today}", loan.number);
        if let Some(job) = p.record(&owner, notice, &key, &[], &[]).await? {
            p.queue(job).await;
        }
        if !dry_run {
            store
                .set_loan_remind(&owner, loan.number, Some(loan_next_look(now, &prefs)))
                .await?;
        }
    }
    Ok(())
}
