//! The `sideways` binary: reads the settings, then serves, ticks or opens the console.

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use sideways::config::Config;
use tokio_util::sync::CancellationToken;

/// A Slack bot that keeps an engineering leader's peer relationships warm before they need them.
///
/// Settings come from the environment (a .env file in the working directory is read too).
#[derive(Parser)]
#[command(
    name = "sideways",
    version,
    after_help = "Also read from the environment:\n  \
    SIDEWAYS_LOG_FORMAT=json      one JSON object per log line\n  \
    SIDEWAYS_PG_CONNECTIONS=<n>   connections each process opens to Postgres [default: 8]\n  \
    RUST_LOG=<filter>             what is logged [default: warn,sideways=info]"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve Slack over HTTP (POST /slack/commands, /slack/interactions, /slack/events; GET /healthz)
    /// with the scheduler running in the same process.
    Serve,
    /// Serve Slack over Socket Mode (SLACK_APP_TOKEN; no public URL needed) with the scheduler
    /// running in the same process.
    Socket,
    /// Run one scheduler pass, printing one line per message sent (or that would be sent).
    Tick {
        /// The moment to run the pass for (RFC 3339), instead of now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
        /// Show what would be sent; send and record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Try every command locally, no Slack workspace needed; DMs print in the terminal.
    Console {
        /// Who you are in the console.
        #[arg(long, default_value = "you")]
        user: String,
        /// The time zone "Slack" reports for console users (`Europe/London`; any case).
        #[arg(long, value_parser = parse_tz)]
        tz: Option<chrono_tz::Tz>,
        /// Start the simulated clock here (RFC 3339) instead of now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// Apply the database migrations and exit (for deploys that migrate before rolling replicas;
    /// `serve` also migrates at start).
    Migrate,
    /// Black-box benchmarks of this binary (checkin, tick, ratelimit); one JSON line per run.
    Bench(sideways::bench::BenchArgs),
}

/// Zone names are case-insensitive: `america/new_york` is `America/New_York`.
fn parse_tz(s: &str) -> Result<chrono_tz::Tz, String> {
    chrono_tz::Tz::from_str_insensitive(s)
        .map_err(|_| format!("`{s}` is not a time zone; use an IANA name like Europe/London"))
}

/// On one core (a container's CPU limit, or `taskset`) the runtime is tokio's current-thread
/// one: a work-stealing pool of one worker has no one to steal from and only pays for being
/// ready to (measured: about 4% more check-ins a second, README "Performance").
fn main() {
    let one_core = std::thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    let rt = if one_core {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    }
    .expect("runtime");
    rt.block_on(main_async())
}

async fn main_async() {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    // The console logs at its simulated time (it sets up logging itself).
    if !matches!(cli.cmd, Cmd::Console { .. }) {
        sideways::telemetry::init();
    }
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    use sideways::server::{App, Scheduling, Server, cancel_on_signal};
    sideways::telemetry::install_crypto_provider();
    let config = cli.config;
    match cli.cmd {
        Cmd::Serve => {
            let app = App::production(&config, "serve", true).await?;
            let server = Server::bind(&config, app).await?;
            tracing::info!(addr = %server.addr, "serving Slack");
            let shutdown = CancellationToken::new();
            cancel_on_signal(shutdown.clone());
            server.run(shutdown, Scheduling::InProcess).await
        }
        Cmd::Socket => {
            let app_token = Config::require(
                &config.app_token,
                "SLACK_APP_TOKEN",
                "socket",
                "Basic Information → App-Level Tokens, with connections:write, xapp-…",
            )?;
            let app = App::production(&config, "socket", true).await?;
            let shutdown = CancellationToken::new();
            cancel_on_signal(shutdown.clone());
            tracing::info!("serving Slack over Socket Mode");
            app.run_socket(&config, app_token.expose(), shutdown).await
        }
        Cmd::Tick { now, dry_run } => {
            let app = App::production(&config, "tick", !dry_run).await?;
            let now = now.unwrap_or_else(|| app.scheduler.clock.now());
            let print = |line: String| println!("{line}");
            sideways::scheduler::tick_into(&app.scheduler, now, dry_run, &print).await?;
            Ok(())
        }
        Cmd::Console { user, tz, now } => {
            let store =
                sideways::store::Store::connect(&config.database_url, config.cipher("console")?)
                    .await?;
            let now = now.unwrap_or_else(|| sideways::clock::Clock::default().now());
            let console = sideways::console::Console::new(store, &user, tz, now)?;
            sideways::console::init_logging(console.time());
            console
                .run(tokio::io::BufReader::new(tokio::io::stdin()))
                .await
        }
        Cmd::Migrate => {
            let applied = sideways::store::Store::migrate(&config.database_url).await?;
            match applied.last() {
                Some(v) => println!(
                    "migrations applied: {} in all, the latest {v}",
                    applied.len()
                ),
                None => println!("no migrations applied"),
            }
            Ok(())
        }
        Cmd::Bench(args) => sideways::bench::run(args).await,
    }
}
