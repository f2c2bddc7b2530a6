//! Process-wide set-up: logging and the TLS crypto provider.

/// slack-morphism logs request URLs at debug, and OAuth's `oauth.v2.access` carries codes and
/// refresh tokens in its URL: its logs stop at info whatever `RUST_LOG` asks for.
pub const NO_SLACK_URLS: &str = "slack_morphism=info";

/// Logs to stderr; `RUST_LOG` filters (default: info for Sideways, warn for the rest).
/// `SIDEWAYS_LOG_FORMAT=json` writes one JSON object per line (for log shippers).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sideways=info"))
        .add_directive(NO_SLACK_URLS.parse().expect("a valid directive"));
    let json = std::env::var("SIDEWAYS_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

/// rustls needs one process-wide crypto provider; ring is the only one compiled in. Call before
/// building any TLS client (a second call is harmless).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
