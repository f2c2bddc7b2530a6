//! Integration tests: the real HTTP surface, signed like Slack, against a fake Slack Web API.

mod cli;
mod commands;
mod crash;
mod escalations;
mod headsups;
mod helpers;
mod interactive;
mod leaving;
mod manifest;
mod meetings;
mod memory;
mod oauth;
mod operations;
mod review;
mod samples;
mod scheduler;
mod security;
mod socket;
mod stuck;
mod together;
mod trades;
