//! The `sideways` binary as an operator runs it.

use crate::helpers::KEY;
use std::io::Write;
use std::process::{Command, Stdio};

/// A fresh database for a child process: SQLite, or Postgres when the tests run there.
fn scratch_db() -> sideways::store::scratch::ScratchDb {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(sideways::store::scratch::ScratchDb::new())
}

/// Runs `sideways console <args>` over a fresh database, typing `input`; its stdout.
fn console(dir: &std::path::Path, args: &[&str], input: &str) -> String {
    console_logs(dir, args, input).0
}

/// [`console`], with what it logged at `warn` and above.
fn console_logs(dir: &std::path::Path, args: &[&str], input: &str) -> (String, String) {
    let db = scratch_db();
    let mut child = sideways(dir)
        .env("RUST_LOG", "warn")
        .arg("console")
        .args(args)
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
    let text = console(
        dir.path(),
        &["--tz", "Europe/London", "--now", "2026-11-16T10:00:00Z"],
        "/peer add @ana weekly because her platform gates our launch\n/peer map\n/peer add ana\nadvance 7d\nquit\n",
    );
    assert!(text.contains("Added @ana to your map, weekly"), "{text}");
    assert!(text.contains("@ana · *warm* · weekly"), "{text}");
    assert!(text.contains("`ana` is not a person"), "{text}");
    assert!(
        text.contains("── Mon 2026-11-23 09:00 GMT, DM to @you ──")
            && text.contains("her platform gates our launch"),
        "{text}"
    );
}

#[test]
fn the_console_keeps_notes_offers_and_milestones_and_preps() {
    let dir = tempfile::tempdir().unwrap();
    let text = console(
        dir.path(),
        &["--tz", "Europe/London", "--now", "2026-11-16T10:00:00Z"],
        "/peer add @ana weekly because her platform gates our launch\n\
         /peer note @ana kids are Ada and Linus\n\
         /peer offered @ana review her RFC\n\
         /peer milestone @ana 2026-12-20 their platform cut-over\n\
         /peer milestone @ana someday oops\n\
         advance 9d\n\
         /peer prep @ana\n\
         /peer offered @ana done 1\n\
         /peer notes @ana\n\
         quit\n",
    );
    for want in [
        "Noted (#1) about @ana",
        "Offer #1 to @ana noted",
        "Milestone for @ana: their platform cut-over",
        "`someday` is not a date I can read",
        "Milestone in 25 days",
        "Prep for @ana",
        "kids are Ada and Linus",
        "#1 “review her RFC”",
        "Offer #1 to @ana done",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

/// `advance` runs the scheduler at every moment something fell due on the way, so no digest
/// is missed and each shows when it went out.
#[test]
fn advancing_the_console_sends_each_digest_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let (text, logs) = console_logs(
        dir.path(),
        &["--tz", "Europe/London", "--now", "2026-11-23T10:00:00Z"],
        "/peer meeting add #leads \"weekdays 9:30\" Standup\n/peer context set hiring freeze\nadvance 2d\n",
    );
    for day in ["Tue 2026-11-24", "Wed 2026-11-25"] {
        assert!(
            text.contains(&format!("── {day} 08:30 GMT, post to #leads ──")),
            "{text}"
        );
    }
    assert!(!logs.contains("missed a digest"), "{logs}");
}

/// Zone names are case-insensitive, and the console shows its clock in the user's zone.
#[test]
fn the_console_takes_a_zone_in_any_case_and_shows_its_clock_there() {
    let dir = tempfile::tempdir().unwrap();
    let text = console(
        dir.path(),
        &["--tz", "america/new_york", "--now", "2026-12-03T11:56:00Z"],
        "now\n",
    );
    assert!(
        text.contains("It is now Thu 2026-12-03 06:56 EST."),
        "{text}"
    );
    let text = console(dir.path(), &["--now", "2026-12-03T11:56:00Z"], "now\n");
    assert!(
        text.contains("It is now Thu 2026-12-03 11:56 UTC."),
        "{text}"
    );
}

/// No typed line makes the console panic (exit 101).
#[test]
fn the_console_survives_odd_input() {
    let dir = tempfile::tempdir().unwrap();
    let text = console(
        dir.path(),
        &["--now", "2026-12-03T11:56:00Z"],
        "advance é\nadvance 3é\nas @\nas @José\n/peer add @ana.smith, weekly\n/peer map\n",
    );
    assert!(text.contains("Usage: advance"), "{text}");
    assert!(text.contains("You are now @José."), "{text}");
}

/// The README's console example, run as shown: the lines after a prompt (`@you> `) are typed,
/// everything else is what the console prints (the prompt and the typed line share a line in
/// a terminal, so they do in the README).
#[test]
fn the_readme_console_example_runs_as_shown() {
    let readme = include_str!("../../README.md");
    let block = readme
        .split("```")
        .skip(1)
        .step_by(2)
        .find(|b| {
            b.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("$ ") && l.contains(" -- console"))
        })
        .expect("a console example in README.md");
    let mut lines = block.lines().skip(1);
    let command = lines.next().unwrap();
    let args: Vec<&str> = command
        .split_once(" -- console")
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    assert!(
        args.contains(&"--now") && args.contains(&"--tz"),
        "the example pins the clock and the zone: {command}"
    );
    let prompt = |l: &str| {
        l.split_once("> ")
            .filter(|(p, _)| p.starts_with('@') && !p.contains(' '))
            .map(|(p, input)| (p.to_string(), input.to_string()))
    };
    let (mut input, mut expected) = (String::new(), String::new());
    for l in lines {
        match prompt(l) {
            Some((p, typed)) => {
                input.push_str(&typed);
                input.push('\n');
                expected.push_str(&p);
                expected.push_str("> ");
            }
            None => {
                expected.push_str(l);
                expected.push('\n');
            }
        }
    }
    assert!(input.contains("advance"), "the example shows advance");
    let dir = tempfile::tempdir().unwrap();
    let actual = console(dir.path(), &args, &input);
    let normalise = |t: &str| {
        let mut ls: Vec<String> = t.lines().map(|l| l.trim_end().to_string()).collect();
        // The prompt left waiting when the input ended.
        while ls
            .last()
            .is_some_and(|l| l.is_empty() || prompt(&format!("{l} ")).is_some())
        {
            ls.pop();
        }
        ls
    };
    assert_eq!(
        normalise(&actual),
        normalise(&expected),
        "README.md's console example differs from what the console prints:\n{actual}"
    );
    assert!(
        expected
            .lines()
            .any(|l| l.starts_with("── ") && l.contains(", DM to @")),
        "the example shows a DM with its time"
    );
}

#[test]
fn tick_prints_one_line_per_message_and_a_second_run_sends_nothing() {
    // Uses the console to create data, then `tick --dry-run` against the same database.
    let dir = tempfile::tempdir().unwrap();
    let scratch = scratch_db();
    let db = scratch.url.clone();
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
