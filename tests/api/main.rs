//! Integration tests: the real HTTP surface, signed like Slack, against a fake Slack Web API.

mod cli;
mod commands;
mod crash;
mod headsups;
mod helpers;
mod interactive;
mod leaving;
mod manifest;
mod meetings;
mod memory;
mod samples;
mod scheduler;
mod security;
mod socket;
mod together;
mod trades;
