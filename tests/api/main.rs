//! Integration tests: the real HTTP surface, signed like Slack, against a fake Slack Web API.

mod cli;
mod commands;
mod headsups;
mod helpers;
mod interactive;
mod manifest;
mod meetings;
mod memory;
mod samples;
mod scheduler;
mod security;
mod socket;
