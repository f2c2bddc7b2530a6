//! Process-wide set-up: logging and the TLS crypto provider.

/// Logs to stderr; `RUST_LOG` filters (default: info for Sideways, warn for the rest).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sideways=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// rustls needs one process-wide crypto provider; ring is the only one compiled in. Call before
/// building any TLS client (a second call is harmless).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
