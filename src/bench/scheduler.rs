//! `sideways bench tick` and `sideways bench ratelimit`: the scheduler at scale, black-box.
//!
//! They exist to measure how long one scheduler pass takes over a large workspace, and whether
//! `serve` delivers a 09:00 burst of nudges against Slack's real rate limits, without using the
//! crate's own APIs. The database is created by running the binary once (which migrates it),
//! then bulk-seeded with SQL written against `migrations/*.sql` in one transaction; the binary
//! then runs against a fake Slack ([`super::fakeslack`]) that timestamps every message.
//!
//! What makes an owner get a check-in nudge (read from the migrations and the scheduler's
//! rules): a `peer` row whose `nudge_at` (RFC 3339 text, whole seconds, `+00:00`) is at or before
//! the pass's time, whose due date (`last_contact_on`, or else `added_on`, plus the cadence) is
//! on or before the owner's local date, and an owner whose `user_profile` puts that time inside
//! working hours (`work_start`..`work_end` local hours on a `work_days` bit, bit 0 = Monday). The
//! token comes from an `installation` row with `source = 'env'`, which the binary re-seals
//! with `SLACK_BOT_TOKEN` at start.

use super::fakeslack::{FakeSlack, Limits};
use super::{Scratch, ServeOpts, Served};
use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Days, NaiveDate, SecondsFormat, Timelike, Utc};
use serde_json::json;
use sqlx::{ConnectOptions, Connection};
use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct TickArgs {
    /// Users (owners) in the workspace.
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// Peers on each user's map.
    #[arg(long, default_value_t = 5)]
    pub peers: u64,
    /// Percentage of users (0..=100) whose peers are all due at `--now`.
    #[arg(long, default_value_t = 10)]
    pub due_percent: u64,
    /// The pass's time: must be inside 09:00–17:00 Monday–Friday in Europe/London (every
    /// seeded user's working hours).
    #[arg(long, default_value = "2026-11-23T10:00:00Z")]
    pub now: DateTime<Utc>,
    /// Skip the `tick --dry-run` line count check.
    #[arg(long)]
    pub no_dry_run: bool,
    /// Run on a fresh database on this Postgres server (created, then dropped) instead of a
    /// SQLite file: `postgres://postgres@127.0.0.1:5432/test`.
    #[arg(long)]
    pub postgres: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RatelimitArgs {
    /// Users, each with one due peer, in one workspace: one DM each.
    #[arg(long, default_value_t = 1000)]
    pub nudges: u64,
    /// Give up waiting for every DM after this many seconds.
    #[arg(long, default_value_t = 240.0)]
    pub timeout: f64,
    /// CPU the server is pinned to (none by default).
    #[arg(long)]
    pub cpu: Option<usize>,
}

/// Seeding: `users` owners with `peers` peers each; owner `i` is due when `i % 100 < due_percent`.
struct Seed<'a> {
    users: u64,
    peers: u64,
    due_percent: u64,
    now: DateTime<Utc>,
    tz: &'a str,
    today: NaiveDate,
    work_start: i64,
    work_end: i64,
    work_days: i64,
}

impl Seed<'_> {
    fn due_users(&self) -> u64 {
        (0..self.users)
            .filter(|i| i % 100 < self.due_percent)
            .count() as u64
    }
}

/// The text form the store writes instants in ("2026-11-23T09:00:00+00:00"), so text order is
/// time order against what the binary binds.
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Bulk insert in one transaction, with recursive CTEs (no round trip per row).
async fn seed(db: &str, s: &Seed<'_>) -> anyhow::Result<f64> {
    if db.starts_with("postgres") {
        return seed_postgres(db, s).await;
    }
    let t0 = Instant::now();
    let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(db)?
        .busy_timeout(Duration::from_secs(10))
        // The bulk insert takes seconds by design; no "slow statement" warnings.
        .disable_statement_logging();
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
    let now = instant(s.now);
    let mut tx = c.begin().await?;
    sqlx::query(
        "insert into installation (team_id, bot_token_enc, source, installed_at) \
         values (?, x'00', 'env', ?)",
    )
    .bind(super::TEAM)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into user_profile (team_id, user_id, tz, tz_source, tz_checked_at, work_start, \
         work_end, work_days, created_at) \
         with recursive u(i) as (select 0 union all select i + 1 from u where i + 1 < ?) \
         select ?, printf('U%08X', ? + i), ?, 'slack', ?, ?, ?, ?, ? from u",
    )
    .bind(s.users as i64)
    .bind(super::TEAM)
    .bind(super::USER_BASE)
    .bind(s.tz)
    .bind(&now)
    .bind(s.work_start)
    .bind(s.work_end)
    .bind(s.work_days)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    // Due owners: added two weeks ago, never contacted, weekly (due a week ago), nudge_at an
    // hour before now. Others: added today (due in a week), nudge_at next week.
    let due_added = date(s.today - Days::new(14));
    let due_nudge = instant(s.now - chrono::TimeDelta::hours(1));
    let later_added = date(s.today);
    let later_nudge = instant(s.now + chrono::TimeDelta::days(7));
    sqlx::query(
        "insert into peer (team_id, owner_id, peer_id, reason_enc, cadence, added_on, \
         last_contact_on, snoozed_until, nudge_at, created_at) \
         with recursive k(i) as (select 0 union all select i + 1 from k where i + 1 < ?) \
         select ?, printf('U%08X', ? + i / ?), printf('U%08X', ? + i), null, 'weekly', \
         case when (i / ?) % 100 < ? then ? else ? end, null, null, \
         case when (i / ?) % 100 < ? then ? else ? end, ? from k",
    )
    .bind((s.users * s.peers) as i64)
    .bind(super::TEAM)
    .bind(super::USER_BASE)
    .bind(s.peers as i64)
    .bind(super::PEER_BASE)
    .bind(s.peers as i64)
    .bind(s.due_percent as i64)
    .bind(&due_added)
    .bind(&later_added)
    .bind(s.peers as i64)
    .bind(s.due_percent as i64)
    .bind(&due_nudge)
    .bind(&later_nudge)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    c.close().await?;
    Ok(super::secs(t0.elapsed()))
}

/// [`seed`] on Postgres: the same rows from `generate_series`, then `analyze` so the planner
/// knows the table's size (as autovacuum soon would on a real database).
async fn seed_postgres(db: &str, s: &Seed<'_>) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let mut c = sqlx::PgConnection::connect(db).await?;
    let now = instant(s.now);
    let mut tx = c.begin().await?;
    sqlx::query(
        "insert into installation (team_id, bot_token_enc, source, installed_at) \
         values ($1, '\\x00'::bytea, 'env', $2::timestamptz)",
    )
    .bind(super::TEAM)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into user_profile (team_id, user_id, tz, tz_source, tz_checked_at, work_start, \
         work_end, work_days, created_at) \
         select $1, 'U' || lpad(upper(to_hex($2 + i)), 8, '0'), $3, 'slack', $4::timestamptz, \
         $5, $6, $7, $4::timestamptz from generate_series(0::bigint, $8 - 1) i",
    )
    .bind(super::TEAM)
    .bind(super::USER_BASE)
    .bind(s.tz)
    .bind(&now)
    .bind(s.work_start)
    .bind(s.work_end)
    .bind(s.work_days)
    .bind(s.users as i64)
    .execute(&mut *tx)
    .await?;
    let due_added = date(s.today - Days::new(14));
    let due_nudge = instant(s.now - chrono::TimeDelta::hours(1));
    let later_added = date(s.today);
    let later_nudge = instant(s.now + chrono::TimeDelta::days(7));
    sqlx::query(
        "insert into peer (team_id, owner_id, peer_id, reason_enc, cadence, added_on, \
         last_contact_on, snoozed_until, nudge_at, created_at) \
         select $1, 'U' || lpad(upper(to_hex($2 + i / $3)), 8, '0'), \
         'U' || lpad(upper(to_hex($4 + i)), 8, '0'), null, 'weekly', \
         case when (i / $3) % 100 < $5 then $6::date else $7::date end, null, null, \
         case when (i / $3) % 100 < $5 then $8::timestamptz else $9::timestamptz end, \
         $10::timestamptz from generate_series(0::bigint, $11 - 1) i",
    )
    .bind(super::TEAM)
    .bind(super::USER_BASE)
    .bind(s.peers as i64)
    .bind(super::PEER_BASE)
    .bind(s.due_percent as i64)
    .bind(&due_added)
    .bind(&later_added)
    .bind(&due_nudge)
    .bind(&later_nudge)
    .bind(&now)
    .bind((s.users * s.peers) as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("analyze").execute(&mut c).await?;
    c.close().await?;
    Ok(super::secs(t0.elapsed()))
}

/// Peak RSS (KB) and exit status of a child, reaped with wait4.
fn wait4(pid: i32) -> anyhow::Result<(i32, i64)> {
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid output storage; pid is our own unreaped child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    if r != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    Ok((status, ru.ru_maxrss))
}

/// Kills (SIGKILL) and reaps a child unless it was reaped already.
struct Reaper {
    pid: i32,
    reaped: bool,
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: our own child, not yet reaped, so the pid cannot have been reused.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// Output of one `sideways tick` child.
struct TickRun {
    started: Instant,
    total: Duration,
    lines: u64,
    status: i32,
    maxrss_kb: i64,
    stderr_tail: String,
}

/// Runs `sideways tick --now <now> [--dry-run]`, counting stdout lines containing `marker`.
async fn tick_child(
    db: &str,
    api_url: &str,
    now: DateTime<Utc>,
    dry_run: bool,
    marker: &'static str,
    limit: Duration,
) -> anyhow::Result<TickRun> {
    let mut cmd = std::process::Command::new(super::binary()?);
    cmd.arg("tick").arg("--now").arg(instant(now));
    if dry_run {
        cmd.arg("--dry-run");
    }
    super::child_env(&mut cmd, db, api_url, None, "warn");
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let shared_pid = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
    let pid_slot = shared_pid.clone();
    let t = tokio::task::spawn_blocking(move || -> anyhow::Result<TickRun> {
        let started = Instant::now();
        let mut child = cmd.spawn().context("cannot start sideways tick")?;
        let pid = i32::try_from(child.id())?;
        pid_slot.store(pid, std::sync::atomic::Ordering::SeqCst);
        let mut reaper = Reaper { pid, reaped: false };
        let out = child.stdout.take().context("no stdout")?;
        let err = child.stderr.take().context("no stderr")?;
        let errs = std::thread::spawn(move || {
            let mut tail = std::collections::VecDeque::new();
            for l in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                tail.push_back(l);
                if tail.len() > 5 {
                    tail.pop_front();
                }
            }
            tail.into_iter().collect::<Vec<_>>().join("\n")
        });
        let mut lines = 0;
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if l.contains(marker) {
                lines += 1;
            }
        }
        let (status, maxrss_kb) = wait4(pid)?;
        reaper.reaped = true;
        let total = started.elapsed();
        Ok(TickRun {
            started,
            total,
            lines,
            status,
            maxrss_kb,
            stderr_tail: errs.join().unwrap_or_default(),
        })
    });
    let mut t = t;
    match tokio::time::timeout(limit, &mut t).await {
        Ok(r) => r?,
        Err(_) => {
            // Kill the child; the blocking thread then sees its pipes close and reaps it.
            let pid = shared_pid.load(std::sync::atomic::Ordering::SeqCst);
            if pid > 0 {
                // SAFETY: our own child, reaped only by the thread we wait for below.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
            bail!("sideways tick did not finish within {limit:?}")
        }
    }
}

pub async fn run_tick(a: TickArgs) -> anyhow::Result<serde_json::Value> {
    if a.due_percent > 100 || a.users == 0 || a.peers == 0 || a.users * a.peers > 50_000_000 {
        bail!("--due-percent must be 0..=100; users x peers at most 5e7");
    }
    let tz = chrono_tz::Europe::London;
    let local = a.now.with_timezone(&tz);
    let working = local.weekday().num_days_from_monday() < 5 && (9..17).contains(&local.hour());
    if !working {
        bail!("--now must be inside 09:00–17:00 Monday–Friday, Europe/London (got {local})");
    }
    let scratch = Scratch::new("tick")?;
    let pg = match &a.postgres {
        Some(url) => Some(crate::store::scratch::ScratchDb::create_on(url).await?),
        None => None,
    };
    let db = pg
        .as_ref()
        .map_or_else(|| scratch.db_url(), |p| p.url.clone());
    let migrate_s = super::migrate(&db).await?;
    let s = Seed {
        users: a.users,
        peers: a.peers,
        due_percent: a.due_percent,
        now: a.now,
        tz: "Europe/London",
        today: local.date_naive(),
        work_start: 9,
        work_end: 17,
        work_days: 31,
    };
    let due = s.due_users();
    let seed_s = seed(&db, &s).await?;
    let slack = FakeSlack::start(None).await?;
    let limit = Duration::from_secs(1800);
    let dry = if a.no_dry_run {
        None
    } else {
        let r = tick_child(&db, &slack.url, a.now, true, "would send", limit).await?;
        if r.status != 0 {
            bail!("tick --dry-run failed: {}", r.stderr_tail);
        }
        Some(r)
    };
    let r = tick_child(&db, &slack.url, a.now, false, " sent ", limit).await?;
    if r.status != 0 {
        eprintln!(
            "bench: tick exited with status {}: {}",
            r.status, r.stderr_tail
        );
    }
    let posts = slack.posts();
    let rel = |t: Instant| super::secs(t.saturating_duration_since(r.started));
    let first = posts.iter().map(|p| p.at).min().map(rel);
    let last = posts.iter().map(|p| p.at).max().map(rel);
    let sent_rows = super::load::count_rows(
        &db,
        "select count(*) from delivery where status = 'sent' and kind = 'checkin_nudge'",
    )
    .await
    .ok();
    let all_sent = super::load::count_rows(&db, "select count(*) from delivery")
        .await
        .ok();
    Ok(json!({
        "workload": "tick",
        "backend": if a.postgres.is_some() { "postgres" } else { "sqlite" },
        "users": a.users,
        "peers": a.peers,
        "due_percent": a.due_percent,
        "due": due,
        "now": instant(a.now),
        // The pass records every message before sending any, so planning ends at the first DM.
        "plan_s": first,
        "first_dm_s": first,
        "last_dm_s": last,
        "total_s": super::secs(r.total),
        "dms": posts.len(),
        "distinct_dms": slack.distinct_channels(),
        "printed_sent": r.lines,
        "deliveries": all_sent,
        "checkin_nudges_sent": sent_rows,
        "exit_status": r.status,
        "peak_rss_mb": super::round2(r.maxrss_kb as f64 / 1024.0),
        "dry_run_lines": dry.as_ref().map(|d| d.lines),
        "dry_run_matches_due": dry.as_ref().map(|d| d.lines == due),
        "dry_run_s": dry.as_ref().map(|d| super::secs(d.total)),
        "dry_run_peak_rss_mb": dry.as_ref().map(|d| super::round2(d.maxrss_kb as f64 / 1024.0)),
        "migrate_s": migrate_s,
        "seed_s": seed_s,
    }))
}

pub async fn run_ratelimit(a: RatelimitArgs) -> anyhow::Result<serde_json::Value> {
    if a.nudges == 0 || a.nudges > 1_000_000 || !(a.timeout > 0.0 && a.timeout <= 3600.0) {
        bail!("--nudges must be 1..=1e6 and --timeout in (0, 3600]");
    }
    let scratch = Scratch::new("ratelimit")?;
    let db = scratch.db_url();
    super::migrate(&db).await?;
    let now = Utc::now();
    // Always working: every hour of every day, in UTC.
    let s = Seed {
        users: a.nudges,
        peers: 1,
        due_percent: 100,
        now,
        tz: "UTC",
        today: now.date_naive(),
        work_start: 0,
        work_end: 24,
        work_days: 127,
    };
    seed(&db, &s).await?;
    let slack = FakeSlack::start(Some(Limits::SLACK)).await?;
    let log = std::fs::File::create(scratch.path().join("serve.log"))?;
    let server = Served::start(ServeOpts {
        db: &db,
        api_url: &slack.url,
        cpu: super::usable_cpu(a.cpu),
        rust_log: "warn",
        stderr: Stdio::from(log),
    })
    .await?;
    let started = server.started;
    let deadline = started + Duration::from_secs_f64(a.timeout);
    let mut all_at = None;
    while Instant::now() < deadline {
        if slack.distinct_channels() as u64 >= a.nudges {
            all_at = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A short grace period shows late duplicates, if any.
    if all_at.is_some() {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let peak = server.peak_rss_mb();
    server.stop().await;
    let posts = slack.posts();
    let distinct = slack.distinct_channels();
    let first = posts
        .iter()
        .map(|p| p.at)
        .min()
        .map(|t| super::secs(t.saturating_duration_since(started)));
    let tail = std::fs::read_to_string(scratch.path().join("serve.log")).unwrap_or_default();
    let rate_warnings = tail.matches("rate limit").count();
    Ok(json!({
        "workload": "ratelimit",
        "nudges": a.nudges,
        "delivered": distinct,
        "duplicates": posts.len() - distinct,
        "seconds_to_all": all_at.map(super::secs),
        "seconds_to_first": first,
        "429s": slack.too_many(),
        "posts_accepted": posts.len(),
        "server_rate_limit_warnings": rate_warnings,
        "gave_up_after_s": if all_at.is_none() { Some(a.timeout) } else { None },
        "peak_rss_mb": peak,
        "other_calls": slack.other_calls(),
    }))
}
