//! `sideways bench`: black-box benchmarks of the real binary.
//!
//! This module exists so performance can be measured while the crate's insides are being
//! rewritten: it never calls Sideways' own Rust APIs. It only starts `sideways serve` and
//! `sideways tick` (this very executable) as child processes, talks to them over HTTP, points
//! their Slack Web API at an in-process fake ([`fakeslack`]), and reads or seeds the SQLite file
//! directly with SQL written against `migrations/*.sql`. Each run prints one JSON line on stdout.
//!
//! Workloads: [`load`] (`checkin`: signed slash commands under load) and [`scheduler`] (`tick`:
//! one scheduler pass over a large seeded database; `ratelimit`: delivery against Slack's rate
//! limits). Everything stays on 127.0.0.1, every loop is bounded in time and count, and child
//! processes are killed when the bench exits or fails.

pub mod fakeslack;
pub mod load;
pub mod scheduler;

use anyhow::{Context, bail};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Run one benchmark workload against this binary and print one JSON line.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub workload: Workload,
}

#[derive(Debug, clap::Subcommand)]
pub enum Workload {
    /// Signed `/peer checkin` requests over keep-alive connections against `sideways serve`.
    Checkin(load::CheckinArgs),
    /// One `sideways tick` over a bulk-seeded database; times the DMs it sends.
    Tick(scheduler::TickArgs),
    /// `sideways serve` delivering nudges to a fake Slack that enforces Slack's rate limits.
    Ratelimit(scheduler::RatelimitArgs),
}

/// Entry point of `sideways bench`.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let line = match args.workload {
        Workload::Checkin(a) => load::run(a).await?,
        Workload::Tick(a) => scheduler::run_tick(a).await?,
        Workload::Ratelimit(a) => scheduler::run_ratelimit(a).await?,
    };
    println!("{line}");
    Ok(())
}

/// Signing secret shared by the bench and the servers it starts.
pub(crate) const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
/// A fixed, public encryption key: bench data is throwaway.
pub(crate) const KEY: &str = "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=";
pub(crate) const TOKEN: &str = "xoxb-bench";
pub(crate) const TEAM: &str = "T0PEERBNCH";
/// Slack user ids: users are `U02xxxxxx`, peers `U01xxxxxx` (as the shared loadgen names them).
pub(crate) fn user_id(u: u64) -> String {
    format!("U{:08X}", 0x0200_0000 + u)
}
pub(crate) fn peer_id(p: u64) -> String {
    format!("U{:08X}", 0x0100_0000 + p)
}
pub(crate) const USER_BASE: i64 = 0x0200_0000;
pub(crate) const PEER_BASE: i64 = 0x0100_0000;

/// A scratch directory removed when dropped.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub fn new(label: &str) -> anyhow::Result<Scratch> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "sideways-bench-{label}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        Ok(Scratch(dir))
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn db(&self) -> PathBuf {
        self.0.join("sideways.db")
    }
    /// `DATABASE_URL` of [`Scratch::db`].
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.db().display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary under test: this very executable.
pub(crate) fn binary() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("cannot find the sideways executable")
}

/// The environment every child gets (overriding anything inherited or read from `.env`).
pub(crate) fn child_env(
    cmd: &mut std::process::Command,
    db: &str,
    api_url: &str,
    listen: Option<SocketAddr>,
    rust_log: &str,
) {
    cmd.env("DATABASE_URL", db)
        .env("SLACK_API_URL", api_url)
        .env("SLACK_BOT_TOKEN", TOKEN)
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SIDEWAYS_ENCRYPTION_KEY", KEY)
        .env("RUST_LOG", rust_log)
        .env("NO_COLOR", "1")
        .env_remove("SLACK_APP_TOKEN")
        .stdin(Stdio::null());
    if let Some(a) = listen {
        cmd.env("SIDEWAYS_LISTEN", a.to_string());
    }
}

/// Pins the child to one CPU before it execs (so all its threads start there).
pub(crate) fn pin_child(cmd: &mut std::process::Command, cpu: Option<usize>) {
    let Some(cpu) = cpu else { return };
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls are allowed; CPU_ZERO/CPU_SET
    // touch a stack value and sched_setaffinity is a plain system call.
    unsafe {
        cmd.pre_exec(move || {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_ZERO(&mut set);
            libc::CPU_SET(cpu, &mut set);
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Pins the calling thread to one CPU; false if that is not possible.
pub(crate) fn pin_this_thread(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is valid; the call only reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// A CPU index that exists on this machine, or `None` (and a note on stderr).
pub(crate) fn usable_cpu(cpu: Option<usize>) -> Option<usize> {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    match cpu {
        Some(c) if c < n => Some(c),
        Some(c) => {
            eprintln!("bench: CPU {c} does not exist ({n} CPUs); not pinning");
            None
        }
        None => None,
    }
}

/// A free loopback port (bound and released; another process could take it, but not likely).
pub(crate) fn free_addr() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

/// A running `sideways serve`: killed when dropped, stopped gently with [`Served::stop`].
pub(crate) struct Served {
    pub child: tokio::process::Child,
    pub pid: u32,
    pub addr: SocketAddr,
    pub started: Instant,
}

pub(crate) struct ServeOpts<'a> {
    /// `DATABASE_URL`.
    pub db: &'a str,
    pub api_url: &'a str,
    pub cpu: Option<usize>,
    pub rust_log: &'a str,
    /// Where the server's stderr goes.
    pub stderr: Stdio,
}

impl Served {
    pub async fn start(o: ServeOpts<'_>) -> anyhow::Result<Served> {
        let addr = free_addr()?;
        let mut cmd = std::process::Command::new(binary()?);
        cmd.arg("serve");
        child_env(&mut cmd, o.db, o.api_url, Some(addr), o.rust_log);
        pin_child(&mut cmd, o.cpu);
        cmd.stdout(Stdio::null()).stderr(o.stderr);
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.kill_on_drop(true);
        let started = Instant::now();
        let child = cmd.spawn().context("cannot start sideways serve")?;
        let pid = child.id().context("serve exited at once")?;
        let mut s = Served {
            child,
            pid,
            addr,
            started,
        };
        s.wait_ready(Duration::from_secs(30)).await?;
        Ok(s)
    }

    /// Waits (bounded) until GET /healthz answers.
    async fn wait_ready(&mut self, limit: Duration) -> anyhow::Result<()> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait()? {
                bail!("sideways serve exited during start-up ({status})");
            }
            if let Ok(Ok(mut s)) = tokio::time::timeout(
                Duration::from_millis(500),
                tokio::net::TcpStream::connect(self.addr),
            )
            .await
            {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let req = format!(
                    "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    self.addr
                );
                let mut buf = Vec::new();
                let ok = tokio::time::timeout(Duration::from_secs(2), async {
                    s.write_all(req.as_bytes()).await?;
                    s.read_to_end(&mut buf).await
                })
                .await;
                if matches!(ok, Ok(Ok(_))) && buf.starts_with(b"HTTP/1.1 200") {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("sideways serve did not answer /healthz within {limit:?}")
    }

    /// VmHWM (peak resident set) of the server, in MB.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        vm_hwm_mb(self.pid)
    }

    /// SIGTERM, then SIGKILL after 10 s.
    pub async fn stop(mut self) {
        if let Ok(pid) = i32::try_from(self.pid) {
            // SAFETY: signalling our own child by its pid.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

pub(crate) fn vm_hwm_mb(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(round2(kb / 1024.0))
}

/// Runs `sideways tick --dry-run` on `db` once: creates and migrates the database.
pub(crate) async fn migrate(db: &str) -> anyhow::Result<f64> {
    let mut cmd = std::process::Command::new(binary()?);
    cmd.args(["tick", "--dry-run"]);
    child_env(&mut cmd, db, "http://127.0.0.1:9/api", None, "warn");
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    let t0 = Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .context("migration run timed out")??;
    if !out.status.success() {
        bail!(
            "sideways tick --dry-run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(secs(t0.elapsed()))
}

/// Slack's request signature: `v0=hex(HMAC-SHA256(secret, "v0:{ts}:{body}"))`.
pub(crate) fn sign(ts: &str, body: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    m.update(b"v0:");
    m.update(ts.as_bytes());
    m.update(b":");
    m.update(body.as_bytes());
    format!("v0={}", hex::encode(m.finalize().into_bytes()))
}

/// A slash-command body with the fields Slack sends.
pub(crate) fn command_body(user: &str, text: &str, n: u64) -> String {
    let trigger = format!("{}.738474920.{:032x}", 1_000_000_000 + n, n);
    let fields: [(&str, &str); 12] = [
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", TEAM),
        ("team_domain", "peer-bench"),
        ("channel_id", "C0PEERBNCH"),
        ("channel_name", "leadership"),
        ("user_id", user),
        ("user_name", "steve"),
        ("command", "/peer"),
        ("text", text),
        ("api_app_id", "A0PEERBNCH"),
        (
            "response_url",
            "https://hooks.slack.com/commands/T0PEERBNCH/1234567890/ZyXwVuTsRqPoNmLk",
        ),
        ("trigger_id", &trigger),
    ];
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

pub(crate) fn unix_now() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

/// The q-th quantile (nearest rank) of sorted microseconds, in ms.
pub(crate) fn quantile_ms(sorted_us: &[u32], q: f64) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let idx = ((q * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len()) - 1;
    Some(round2(f64::from(sorted_us[idx]) / 1000.0))
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(crate) fn secs(d: Duration) -> f64 {
    round3(d.as_secs_f64())
}
