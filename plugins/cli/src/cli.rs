//! The command line (clap).

use crate::config::Preset;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Equivariant Stein variational gradient descent: the paper's experiments from one command.
#[derive(Debug, Parser)]
#[command(name = "equistein", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lists the experiments with a one-line description each.
    List,
    /// Prints an experiment's full resolved configuration as TOML.
    Config {
        /// The experiment (see `equistein list`).
        experiment: String,
        /// The preset whose values are printed.
        #[arg(long, value_enum, default_value = "default")]
        preset: Preset,
        /// A TOML file with values that replace the preset's (a partial table).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Replaces one value: a dotted key and a TOML value (`target.radii=[3,6,9]`); repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Runs an experiment and writes `OUT/EXPERIMENT/{metrics.json, config.toml, *.png}`.
    Run {
        /// The experiment (see `equistein list`).
        experiment: String,
        /// A TOML file with values that replace the preset's (a partial table).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The preset the configuration starts from.
        #[arg(long, value_enum, default_value = "default")]
        preset: Preset,
        /// The seed of every random stream of the run.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// The output folder; the run writes into `OUT/EXPERIMENT`.
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        /// Replaces one value: a dotted key and a TOML value (`--set particles=80`); repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Continues a killed training (`jem-c4`, `ebm-circles`) from its last checkpoint in
        /// `OUT/.EXPERIMENT.checkpoints`, if it was written with the same configuration and seed.
        #[arg(long)]
        resume: bool,
    },
    /// Estimates the bonds of every molecule of a multi-record XYZ file (plain or gzip): per molecule its
    /// validity and its graph as SMILES, and whether it matches the header's `smiles=` where there is one;
    /// then a summary line with the counts.
    Bonds {
        /// The XYZ file (`.xyz` or `.xyz.gz`).
        file: PathBuf,
        /// `ours` (valences spent exactly, bond orders fitting the lengths), `paper` (the appendix's rule) or
        /// `paper-released` (the authors' code, whose 1.1 margin never fires).
        #[arg(long, default_value = "ours")]
        estimator: String,
    },
}
