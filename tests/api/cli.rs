//! The `sideways` binary as an operator runs it.

use crate::helpers::KEY;
use std::io::Write;
use std::process::{Command, Stdio};

fn sideways(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sideways"));
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "error");
    c
}

#[test]
fn a_missing_setting_fails_at_start_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = sideways(dir.path()).arg("serve").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SIDEWAYS_ENCRYPTION_KEY is not set"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let out = sideways(dir.path())
        .arg("serve")
        .env("SIDEWAYS_ENCRYPTION_KEY", KEY)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLACK_BOT_TOKEN is not set"), "{err}");

    let out = sideways(dir.path())
        .arg("serve")
        .env("SIDEWAYS_ENCRYPTION_KEY", KEY)
        .env("SLACK_BOT_TOKEN", "xoxb-1")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/s.db", dir.path().display()),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLACK_SIGNING_SECRET is not set"), "{err}");

    let out = sideways(dir.path())
        .arg("tick")
        .env("SIDEWAYS_ENCRYPTION_KEY", "short")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SIDEWAYS_ENCRYPTION_KEY is invalid"), "{err}");
}

#[test]
fn settings_are_read_from_a_dot_env_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "SIDEWAYS_ENCRYPTION_KEY={KEY}\nDATABASE_URL=sqlite://{}/env.db\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let out = sideways(dir.path())
        .args(["tick", "--dry-run", "--now", "2026-11-16T09:00:00Z"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("env.db").exists());
}

#[test]
fn the_console_runs_commands_and_shows_the_dms_the_scheduler_would_send() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = sideways(dir.path())
        .args([
            "console",
            "--tz",
            "Europe/London",
            "--now",
            "2026-11-16T10:00:00Z",
        ])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/console.db", dir.path().display()),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"/peer add @ana weekly because her platform gates our launch\n/peer map\n/peer add ana\nadvance 7d\nquit\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Added @ana to your map, weekly"), "{text}");
    assert!(text.contains("@ana · *warm* · weekly"), "{text}");
    assert!(text.contains("`ana` is not a person"), "{text}");
    assert!(
        text.contains("── DM to @you") && text.contains("her platform gates our launch"),
        "{text}"
    );
}

#[test]
fn tick_prints_one_line_per_message_and_a_second_run_sends_nothing() {
    // Uses the console to create data, then `tick --dry-run` against the same database.
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/t.db", dir.path().display());
    let mut child = sideways(dir.path())
        .args(["console", "--now", "2026-11-16T10:00:00Z"])
        .env("DATABASE_URL", &db)
        .env("SIDEWAYS_ENCRYPTION_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"/peer add @ana weekly\n/peer add @raj weekly\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let out = sideways(dir.path())
        .args(["tick", "--dry-run", "--now", "2026-11-23T09:30:00Z"])
        .env("DATABASE_URL", &db)
        .env("SIDEWAYS_ENCRYPTION_KEY", KEY)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("would send DM to TCONSOLE/UYOU: check-in nudge: 2 due"),
        "{text}"
    );
}
