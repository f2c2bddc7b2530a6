//! Sideways: a Slack bot that keeps an engineering leader's peer relationships warm.
//!
//! Layout, inside out:
//! - [`domain`]: pure rules (cadence, due dates, warmth, delivery windows); no I/O, no clock.
//! - [`store`]: every SQL statement; returns domain values.
//! - [`commands`]: `/peer …` text parsed into a typed [`commands::Command`] and run.
//! - [`scheduler`]: one idempotent pass (`tick`) that finds what is due and delivers it.
//! - [`messenger`]: the one interface every outbound message goes through.
//! - [`slack`]: the edge: signature checks, payload parsing, the Web API client, Block Kit.
//! - [`console`]: the same commands and scheduler with the terminal in place of Slack.
//! - [`app`], [`config`], [`crypto`], [`error`]: wiring, settings, encryption at rest, errors.

pub mod app;
pub mod bench;
pub mod commands;
pub mod config;
pub mod console;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod messenger;
pub mod scheduler;
pub mod slack;
pub mod store;
pub mod telemetry;
