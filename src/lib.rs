//! Sideways: a Slack bot that keeps an engineering leader's peer relationships warm.
//!
//! Layout, inside out (each layer knows only those below it; README "Architecture"):
//! - [`domain`]: pure rules (cadence, due dates, warmth, delivery windows); no I/O, no clock.
//! - [`store`]: every SQL statement; speaks domain types.
//! - [`views`]: pure presentation: data in, view models and lines of text out.
//! - [`outbound`]: the [`outbound::Messenger`] port and the notices kept in the outbox.
//! - [`commands`]: `/peer …` text parsed once into a typed [`commands::Command`] and run.
//! - [`service`]: one typed [`service::Action`] in, one [`service::Outcome`] out.
//! - [`scheduler`]: the clock-driven passes that find what is due and deliver it.
//! - [`slack`], [`console`]: the edges; [`server`]: the composition root.
//! - [`bench`]: `sideways bench`, a black-box benchmark that drives the binary itself.
//! - [`clock`], [`config`], [`crypto`], [`error`], [`telemetry`]: time, settings, encryption
//!   at rest, the one error type, logging.

pub mod bench;
pub mod clock;
pub mod commands;
pub mod config;
pub mod console;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod metrics;
pub mod outbound;
pub mod scheduler;
pub mod server;
pub mod service;
pub mod slack;
pub mod store;
pub mod telemetry;
pub mod views;
