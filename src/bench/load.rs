//! `sideways bench checkin`: how fast `sideways serve` answers signed `/peer checkin` commands.
//!
//! It exists to measure the request path end to end, as Slack drives it, without touching the
//! crate's insides: a fresh `serve` (pinned to one CPU) on a fresh database, maps seeded through
//! signed `/peer add` requests, then a closed loop of signed check-ins over keep-alive HTTP/1.1
//! connections (one request in flight each), on a load thread pinned to another CPU. Optionally
//! a second, short run with sqlx's statement log on counts SQL statements per request from the
//! server's stderr.

use super::fakeslack::FakeSlack;
use super::{Scratch, ServeOpts, Served};
use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct CheckinArgs {
    /// Users sending commands.
    #[arg(long, default_value_t = 50)]
    pub users: u64,
    /// Peers on each user's map (seeded with `/peer add` first).
    #[arg(long, default_value_t = 5)]
    pub peers: u64,
    /// Keep-alive connections, one request in flight on each.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// How long to send check-ins.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// CPU the server is pinned to.
    #[arg(long, default_value_t = 1)]
    pub cpu: usize,
    /// CPU the load generator is pinned to.
    #[arg(long, default_value_t = 0)]
    pub load_cpu: usize,
    /// Upper bound on check-ins sent.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_requests: u64,
    /// Skip the second run that counts SQL statements per request from sqlx's log.
    #[arg(long)]
    pub no_statements: bool,
    /// Run on a fresh database on this Postgres server (created, then dropped) instead of a
    /// SQLite file: `postgres://postgres@127.0.0.1:5432/test`.
    #[arg(long)]
    pub postgres: Option<String>,
    /// `serve` processes sharing the database (all pinned to `--cpu`); the load generator's
    /// connections are spread over them in turn, as a round-robin load balancer would.
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,
}

/// What a worker measured.
#[derive(Default)]
struct Stats {
    lat_us: Vec<u32>,
    ok: u64,
    sent: u64,
    errors: BTreeMap<String, u64>,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.lat_us.extend(o.lat_us);
        self.ok += o.ok;
        self.sent += o.sent;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_insert(0) += v;
        }
    }
    fn error(&mut self, e: impl Into<String>) {
        *self.errors.entry(e.into()).or_insert(0) += 1;
    }
    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Which request number `n` is: the command text and what an OK reply must contain.
#[derive(Clone, Copy)]
enum Kind {
    /// `/peer add` of each (user, peer) pair once.
    Seed,
    /// `/peer checkin` spread over every user's peers.
    Checkin,
}

#[derive(Clone, Copy)]
struct Plan {
    kind: Kind,
    users: u64,
    peers: u64,
}

impl Plan {
    fn build(&self, n: u64) -> (String, String) {
        let u = n % self.users;
        let p = u * self.peers + (n / self.users) % self.peers;
        let peer = super::peer_id(p);
        let user = super::user_id(u);
        match self.kind {
            Kind::Seed => (
                super::command_body(
                    &user,
                    &format!(
                        "add <@{peer}|peer{p}> weekly because their platform work gates our launch"
                    ),
                    n,
                ),
                format!("<@{peer}>"),
            ),
            Kind::Checkin => (
                super::command_body(
                    &user,
                    &format!(
                        "checkin <@{peer}|peer{p}> had coffee, her top constraint is hiring (#{n})"
                    ),
                    n,
                ),
                // The server words it "Logged a check-in with <@U…>".
                format!("check-in with <@{peer}>"),
            ),
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).ok();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One connection sending requests `next..limit` (shared counter) until `deadline`.
async fn worker(
    addr: SocketAddr,
    plan: Plan,
    next: Arc<AtomicU64>,
    limit: u64,
    deadline: Instant,
) -> Stats {
    let timeout = Duration::from_secs(10);
    let mut st = Stats::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    while Instant::now() < deadline {
        let healthy = match &mut sender {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        if !healthy {
            match tokio::time::timeout(timeout, connect(addr)).await {
                Ok(Ok(s)) => sender = Some(s),
                Ok(Err(e)) => {
                    st.error(e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(_) => {
                    st.error("connect timeout");
                    continue;
                }
            }
        }
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= limit {
            break;
        }
        let (body, expect) = plan.build(n);
        let ts = super::unix_now();
        let sig = super::sign(&ts, &body);
        let Ok(req) = Request::post("/slack/commands")
            .header("host", addr.to_string())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("user-agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", sig)
            .body(Full::new(Bytes::from(body)))
        else {
            st.error("bad request");
            continue;
        };
        let Some(s) = sender.as_mut() else { continue };
        st.sent += 1;
        let t0 = Instant::now();
        let res = tokio::time::timeout(timeout, async {
            let resp = s
                .send_request(req)
                .await
                .map_err(|e| format!("send: {e}"))?;
            let status = resp.status();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("read body: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        })
        .await;
        let lat = t0.elapsed();
        match res {
            Ok(Ok((status, body))) => {
                if status != 200 {
                    st.error(format!("status {}", status.as_u16()));
                } else if !body.windows(expect.len()).any(|w| w == expect.as_bytes()) {
                    if !st.errors.contains_key("unexpected body") {
                        eprintln!("bench: unexpected body: {}", String::from_utf8_lossy(&body));
                    }
                    st.error("unexpected body");
                } else {
                    st.ok += 1;
                    st.lat_us
                        .push(u32::try_from(lat.as_micros()).unwrap_or(u32::MAX));
                }
            }
            Ok(Err(e)) => {
                st.error(e);
                sender = None;
            }
            Err(_) => {
                st.error("request timeout");
                sender = None;
            }
        }
    }
    st
}

/// Runs `conns` workers for at most `seconds` and `max` requests on a thread of its own
/// (pinned to `cpu` when possible), so the load competes with the server as little as possible.
async fn drive(
    addrs: &[SocketAddr],
    plan: Plan,
    conns: usize,
    seconds: f64,
    max: u64,
    cpu: Option<usize>,
) -> anyhow::Result<(Stats, Duration)> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let addrs = addrs.to_vec();
    std::thread::Builder::new()
        .name("bench-load".into())
        .spawn(move || {
            if let Some(c) = cpu
                && !super::pin_this_thread(c)
            {
                eprintln!("bench: could not pin the load thread to CPU {c}");
            }
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(anyhow::anyhow!("load runtime: {e}")));
                    return;
                }
            };
            let out = rt.block_on(async move {
                let next = Arc::new(AtomicU64::new(0));
                let t0 = Instant::now();
                let deadline = t0 + Duration::from_secs_f64(seconds);
                let handles: Vec<_> = (0..conns)
                    .map(|i| {
                        let addr = addrs[i % addrs.len()];
                        tokio::spawn(worker(addr, plan, next.clone(), max, deadline))
                    })
                    .collect();
                let mut all = Stats::default();
                for h in handles {
                    if let Ok(s) = h.await {
                        all.merge(s);
                    }
                }
                (all, t0.elapsed())
            });
            let _ = tx.send(Ok(out));
        })?;
    rx.await.context("load thread died")?
}

pub async fn run(a: CheckinArgs) -> anyhow::Result<serde_json::Value> {
    if a.users == 0 || a.peers == 0 || a.connections == 0 || a.connections > 1024 {
        bail!("--users and --peers must be positive, --connections 1..=1024");
    }
    if !(a.seconds > 0.0 && a.seconds <= 600.0) {
        bail!("--seconds must be in (0, 600]");
    }
    if a.replicas == 0 || a.replicas > 8 {
        bail!("--replicas 1..=8");
    }
    if a.replicas > 1 && a.postgres.is_none() {
        bail!("several replicas share a Postgres database: add --postgres <url>");
    }
    let scratch = Scratch::new("checkin")?;
    let pg = match &a.postgres {
        Some(url) => Some(crate::store::scratch::ScratchDb::create_on(url).await?),
        None => None,
    };
    let slack = FakeSlack::start(None).await?;
    let log = std::fs::File::create(scratch.path().join("serve.log"))?;
    let server_cpu = super::usable_cpu(Some(a.cpu));
    let load_cpu = super::usable_cpu(Some(a.load_cpu));
    let db = pg
        .as_ref()
        .map_or_else(|| scratch.db_url(), |p| p.url.clone());
    let mut servers = Vec::new();
    for _ in 0..a.replicas {
        servers.push(
            Served::start(ServeOpts {
                db: &db,
                api_url: &slack.url,
                cpu: server_cpu,
                rust_log: "warn",
                stderr: Stdio::from(log.try_clone()?),
            })
            .await?,
        );
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let seed = Plan {
        kind: Kind::Seed,
        users: a.users,
        peers: a.peers,
    };
    let pairs = a.users * a.peers;
    let (seeded, _) = drive(&addrs, seed, 8, 120.0, pairs, load_cpu).await?;
    if seeded.ok != pairs {
        eprintln!(
            "bench: seeding added {} of {pairs} peers: {:?}",
            seeded.ok, seeded.errors
        );
    }
    let plan = Plan {
        kind: Kind::Checkin,
        users: a.users,
        peers: a.peers,
    };
    let (mut st, took) = drive(
        &addrs,
        plan,
        a.connections,
        a.seconds,
        a.max_requests,
        load_cpu,
    )
    .await?;
    let peak = servers
        .iter()
        .filter_map(|s| s.peak_rss_mb())
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    for s in servers {
        s.stop().await;
    }
    let rows: Option<i64> = count_rows(&db, "select count(*) from checkin").await.ok();
    st.lat_us.sort_unstable();
    let statements = if a.no_statements || a.postgres.is_some() {
        None
    } else {
        match statements_per_request(&a, &slack, server_cpu, load_cpu).await {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("bench: statement count failed: {e:#}");
                None
            }
        }
    };
    let secs = took.as_secs_f64();
    Ok(json!({
        "workload": "checkin",
        "backend": if a.postgres.is_some() { "postgres" } else { "sqlite" },
        "replicas": a.replicas,
        "users": a.users,
        "peers": a.peers,
        "connections": a.connections,
        "seconds": super::round2(secs),
        "rps": super::round2(st.ok as f64 / secs),
        "p50_ms": super::quantile_ms(&st.lat_us, 0.50),
        "p90_ms": super::quantile_ms(&st.lat_us, 0.90),
        "p99_ms": super::quantile_ms(&st.lat_us, 0.99),
        "max_ms": st.lat_us.last().map(|m| super::round2(f64::from(*m) / 1000.0)),
        "requests": st.sent,
        "ok": st.ok,
        "errors": st.error_count(),
        "error_kinds": st.errors,
        "seeded": seeded.ok,
        "checkin_rows": rows,
        "peak_rss_mb": peak,
        "statements_per_add": statements.map(|s| s.0),
        "statements_per_checkin": statements.map(|s| s.1),
        "server_cpu": server_cpu,
        "load_cpu": load_cpu,
    }))
}

/// One number from the database at `db` (a `DATABASE_URL`), on its own connection.
pub(crate) async fn count_rows(db: &str, sql: &'static str) -> anyhow::Result<i64> {
    use sqlx::Connection;
    if db.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(db).await?;
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut c).await?;
        c.close().await?;
        return Ok(n);
    }
    let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(db)?;
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut c).await?;
    c.close().await?;
    Ok(n)
}

/// A second, short server with its statement logs on (sqlx's `sqlx::query` and, for the
/// check-in's two statements on SQLite, `sideways::sql`, both at debug): the statements
/// logged while seeding and while sending a fixed number of check-ins one at a time, per
/// request. Background work a request causes (App Home refresh) is counted; the count waits
/// until the log has been quiet for half a second.
async fn statements_per_request(
    a: &CheckinArgs,
    slack: &FakeSlack,
    cpu: Option<usize>,
    load_cpu: Option<usize>,
) -> anyhow::Result<(f64, f64)> {
    use tokio::io::AsyncBufReadExt;
    let scratch = Scratch::new("statements")?;
    let db = scratch.db_url();
    let mut server = Served::start(ServeOpts {
        db: &db,
        api_url: &slack.url,
        cpu,
        rust_log: "warn,sqlx::query=debug,sideways::sql=debug",
        stderr: Stdio::piped(),
    })
    .await?;
    let stderr = server.child.stderr.take().context("no stderr")?;
    let lines = Arc::new(AtomicU64::new(0));
    let counter = lines.clone();
    let reader = tokio::spawn(async move {
        let mut r = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(l)) = r.next_line().await {
            if l.contains("sqlx::query") || l.contains("sideways::sql") {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let settle = |c: Arc<AtomicU64>| async move {
        let mut last = c.load(Ordering::Relaxed);
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = c.load(Ordering::Relaxed);
            if now == last {
                break;
            }
            last = now;
        }
        last
    };
    let users = a.users.min(20);
    let peers = a.peers;
    let before = settle(lines.clone()).await;
    let seed = Plan {
        kind: Kind::Seed,
        users,
        peers,
    };
    let (s1, _) = drive(&[server.addr], seed, 1, 60.0, users * peers, load_cpu).await?;
    let seeded = settle(lines.clone()).await;
    let n = 200;
    let plan = Plan {
        kind: Kind::Checkin,
        users,
        peers,
    };
    let (s2, _) = drive(&[server.addr], plan, 1, 60.0, n, load_cpu).await?;
    let done = settle(lines.clone()).await;
    server.stop().await;
    reader.abort();
    if s1.ok == 0 || s2.ok == 0 {
        bail!("no successful requests in the statement-count run");
    }
    if done == before {
        bail!("no statements logged (are sqlx::query and sideways::sql logging at debug?)");
    }
    Ok((
        super::round2((seeded - before) as f64 / s1.ok as f64),
        super::round2((done - seeded) as f64 / s2.ok as f64),
    ))
}
