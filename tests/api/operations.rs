//! What the operator sees: `GET /metrics`, `GET /healthz` when the database goes away,
//! `sideways migrate` and JSON logs.

use crate::helpers::*;

const ME: &str = "U0ME";

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_kind_and_outcome_and_report_the_outbox() {
    let app = spawn_app().await;
    app.state.clock.freeze(utc("2026-11-23T10:00:00Z"));
    app.say(ME, "add <@U0ANA|ana> weekly").await;
    // A forged request is rejected and counted as such.
    let forged = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &TestApp::slash_body(ME, "map"),
            None,
        )
        .await;
    assert_eq!(forged.status(), 401);
    app.tick("2026-11-30T10:00:00Z").await;
    let (status, text) = get(&app, "/metrics").await;
    assert_eq!(status, 200);
    for want in [
        "sideways_requests_total{kind=\"command\",outcome=\"ok\"} 1",
        "sideways_requests_total{kind=\"command\",outcome=\"rejected\"} 1",
        "sideways_request_duration_seconds_count{kind=\"command\"} 2",
        "sideways_messages_sent_total 1",
        "sideways_messages_failed_total 0",
        "sideways_slack_rate_limited_total 0",
        "sideways_outbox_depth 0",
        "# EOF",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(!text.contains(BOT_TOKEN) && !text.contains(SECRET));
}

#[tokio::test]
async fn healthz_says_unhealthy_when_the_database_is_gone() {
    let app = spawn_app().await;
    assert_eq!(get(&app, "/healthz").await, (200, "ok".to_string()));
    app.state.store.close().await;
    let (status, text) = get(&app, "/healthz").await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("database"), "{text}");
}

#[tokio::test]
async fn migrate_applies_the_migrations_alone_and_twice_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let db = sideways::store::scratch::ScratchDb::new().await;
    let url = db.url.clone();
    let folder = if db.file.is_some() {
        "sqlite"
    } else {
        "postgres"
    };
    for _ in 0..2 {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sideways"))
            .current_dir(dir.path())
            .env_clear()
            .env("DATABASE_URL", &url)
            .arg("migrate")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files = std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(folder),
        )
        .unwrap()
        .count();
        assert!(
            stdout.contains(&format!("migrations applied: {files} in all")),
            "{stdout}"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sideways"))
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "mysql://u:hunter2@db/x")
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("not supported"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "no credentials: {stderr}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sideways"))
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "postgres://u:hunter2@127.0.0.1:1/x")
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("unreachable"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "no credentials: {stderr}");
}

#[test]
fn logs_are_json_lines_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sideways"))
        .current_dir(dir.path())
        .env_clear()
        .env("SIDEWAYS_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/t.db", dir.path().display()),
        )
        .env("SIDEWAYS_ENCRYPTION_KEY", KEY)
        .args(["tick", "--dry-run", "--now", "2026-11-23T10:00:00Z"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "the pass logs at debug");
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{l}");
    }
}

/// The deploy example stays true to the binary: three replicas of `serve` on Postgres after a
/// one-off `migrate`, behind a load balancer that forwards to them, and every variable it sets
/// is one `sideways --help` documents.
#[test]
fn the_deploy_example_runs_three_replicas_on_postgres_after_migrating() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let text = std::fs::read_to_string(root.join("compose.yml")).unwrap();
    let mut compose: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    compose.apply_merge().unwrap();
    let services = &compose["services"];
    let serve = &services["sideways"];
    assert_eq!(serve["deploy"]["replicas"].as_i64(), Some(3));
    assert_eq!(serve["command"][0].as_str(), Some("serve"));
    assert_eq!(services["migrate"]["command"][0].as_str(), Some("migrate"));
    assert_eq!(
        serve["depends_on"]["migrate"]["condition"].as_str(),
        Some("service_completed_successfully")
    );
    let env = serve["environment"].as_mapping().expect("environment");
    let url = env
        .get("DATABASE_URL")
        .and_then(|v| v.as_str())
        .expect("DATABASE_URL");
    assert!(url.starts_with("postgres://"), "{url}");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_sideways"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let example = std::fs::read_to_string(root.join("env.example")).unwrap();
    let names = env
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .chain(example.lines().filter_map(|l| {
            let l = l.trim_start_matches("# ");
            l.split_once('=').map(|(k, _)| k.to_string())
        }))
        .filter(|k| k.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    for name in names {
        assert!(
            help.contains(&name) || name == "RUST_LOG",
            "{name} is not a documented setting"
        );
    }
    let nginx = std::fs::read_to_string(root.join("nginx.conf")).unwrap();
    assert!(nginx.contains("server sideways:3000"), "{nginx}");
}
