//! The `equistein` command as a library: configuration, experiments, metrics, pictures and atomic output.
//!
//! The binary (`src/main.rs`) only parses arguments and calls [`app::main_with`]. Each experiment's core
//! (configuration → samplers → metrics) is a library function in [`experiments`], separate from the file
//! writing, so that tests call it directly.

pub mod app;
pub mod cli;
pub mod config;
pub mod experiments;
pub mod metrics;
pub mod output;
pub mod plot;
pub mod progress;
pub mod streams;
