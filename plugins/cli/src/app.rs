//! The command's behaviour: `list`, `config`, `run`, `bonds`, with exit codes 0 (success), 1 (the run failed) and
//! 2 (bad input: unknown experiment, unknown key, bad value, unreadable or malformed configuration file).
//! Every error is one line on stderr, `error: …`; bad input writes nothing.

use crate::cli::{Cli, Command};
use crate::config::{resolve, ConfigError, ExperimentConfig, ExperimentName, Overrides, Preset};
use crate::experiments::{self, RunContext};
use crate::output::StagedOutput;
use crate::progress::Progress;
use clap::Parser;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Exit code of a bad input.
pub const EXIT_USAGE: i32 = 2;
/// Exit code of a run that failed after its input was accepted.
pub const EXIT_FAILURE: i32 = 1;

/// Runs the command with these arguments (the first is the program name) and returns the exit code.
pub fn main_with<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return 0;
            }
            // clap's message spans several lines: keep the part before the usage, as one line.
            let text = e.render().to_string();
            let parts: Vec<&str> = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .filter(|l| !l.is_empty())
                .collect();
            let joined = parts.join(" ");
            let line = if joined.is_empty() {
                "error: invalid arguments".to_owned()
            } else if joined.starts_with("error:") {
                joined
            } else {
                format!("error: {joined}")
            };
            eprintln!("{line} (see `equistein --help`)");
            return EXIT_USAGE;
        }
    };
    match cli.command {
        Command::List => {
            let width = ExperimentName::ALL
                .iter()
                .map(|e| e.name().len())
                .max()
                .unwrap_or(0);
            for e in ExperimentName::ALL {
                println!("{:width$}  {}", e.name(), e.description());
            }
            0
        }
        Command::Config {
            experiment,
            preset,
            config,
            sets,
        } => match load(&experiment, preset, config.as_deref(), &sets) {
            Ok((_, c)) => {
                print!("{}", c.to_toml());
                0
            }
            Err(e) => usage(&e),
        },
        Command::Bonds { file, estimator } => bonds(&file, &estimator),
        Command::Run {
            experiment,
            config,
            preset,
            seed,
            out,
            sets,
            resume,
        } => {
            let (exp, c) = match load(&experiment, preset, config.as_deref(), &sets) {
                Ok(v) => v,
                Err(e) => return usage(&e),
            };
            let progress = Progress::from_environment();
            match run_with(exp, &c, preset, seed, &out, &progress, resume) {
                Ok(dir) => {
                    progress.message(&format!("wrote {}", dir.display()));
                    0
                }
                Err(e) => {
                    eprintln!("error: {}", one_line(&e));
                    EXIT_FAILURE
                }
            }
        }
    }
}

fn usage(e: &ConfigError) -> i32 {
    eprintln!("error: {e}");
    EXIT_USAGE
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Resolves the experiment name and its configuration (reading the file, if any).
pub fn load(
    experiment: &str,
    preset: Preset,
    file: Option<&Path>,
    sets: &[String],
) -> Result<(ExperimentName, ExperimentConfig), ConfigError> {
    let exp = ExperimentName::parse(experiment)?;
    let text = match file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(format!("cannot read config file `{}`: {e}", path.display()))
        })?),
        None => None,
    };
    let name = file.map(|p| p.display().to_string()).unwrap_or_default();
    let overrides = Overrides {
        file: text.as_deref().map(|t| (name.as_str(), t)),
        sets,
    };
    Ok((exp, resolve(exp, preset, &overrides)?))
}

/// Runs an accepted configuration and moves the finished result folder into place.
pub fn run(
    exp: ExperimentName,
    config: &ExperimentConfig,
    preset: Preset,
    seed: u64,
    out: &Path,
    progress: &Progress,
) -> Result<PathBuf, String> {
    run_with(exp, config, preset, seed, out, progress, false)
}

/// [`run`], optionally resuming a killed training from its checkpoints.
pub fn run_with(
    exp: ExperimentName,
    config: &ExperimentConfig,
    preset: Preset,
    seed: u64,
    out: &Path,
    progress: &Progress,
    resume: bool,
) -> Result<PathBuf, String> {
    let staged = StagedOutput::create(out, exp.name()).map_err(|e| {
        format!(
            "cannot create the output folder in `{}`: {e}",
            out.display()
        )
    })?;
    staged
        .write("config.toml", config.to_toml().as_bytes())
        .map_err(|e| format!("cannot write config.toml: {e}"))?;
    let ctx = RunContext {
        seed,
        preset,
        progress,
        checkpoints: Some(experiments::ebm_training::Checkpoints {
            dir: out.join(format!(".{}.checkpoints", exp.name())),
            resume,
            stop_after: None,
        }),
    };
    experiments::run(config, &ctx, &staged).map_err(|e| e.to_string())?;
    staged.commit().map_err(|e| {
        format!(
            "cannot move the result into `{}`: {e}",
            out.join(exp.name()).display()
        )
    })
}

/// `equistein bonds FILE [--estimator NAME]`: one line per molecule and the summary on stdout; a bad estimator
/// name or an unreadable or malformed file is one line on stderr and exit code 2.
fn bonds(file: &Path, estimator: &str) -> i32 {
    let estimator: equistein_molecules::Estimator = match estimator.parse() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: --estimator: {e}");
            return EXIT_USAGE;
        }
    };
    match equistein_molecules::bonds_report(file, estimator) {
        Ok(report) => {
            println!("{report}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}
