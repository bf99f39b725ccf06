//! Progress of sampler runs on stderr: one indicatif bar per run on a terminal; one line per finished run
//! when stderr is not a terminal or under `CI=true`; nothing at all in tests.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar per run (interactive terminals).
    Bars,
    /// One line per finished run.
    Lines,
    /// Nothing.
    Silent,
}

/// The progress display of one command.
#[derive(Debug)]
pub struct Progress {
    mode: Mode,
    multi: MultiProgress,
}

impl Progress {
    /// Bars on an interactive stderr, lines otherwise or when the environment says `CI=true`.
    pub fn from_environment() -> Self {
        let ci = std::env::var("CI")
            .map(|v| v == "true" || v == "1")
            .unwrap_or(false);
        let mode = if std::io::stderr().is_terminal() && !ci {
            Mode::Bars
        } else {
            Mode::Lines
        };
        Self::new(mode)
    }

    /// A display in the given mode.
    pub fn new(mode: Mode) -> Self {
        let multi = MultiProgress::with_draw_target(if mode == Mode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Progress { mode, multi }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Starts the display of one run of `steps` steps.
    pub fn start(&self, name: &str, steps: u64) -> RunProgress {
        let bar = (self.mode == Mode::Bars).then(|| {
            let bar = self.multi.add(ProgressBar::new(steps));
            let style = ProgressStyle::with_template(
                "{prefix:>24} [{bar:30}] {pos}/{len} steps, {elapsed} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(name.to_owned());
            bar
        });
        RunProgress {
            bar,
            name: name.to_owned(),
            mode: self.mode,
            start: Instant::now(),
        }
    }

    /// Prints a message line (above the bars, if any); nothing when silent.
    pub fn message(&self, line: &str) {
        match self.mode {
            Mode::Bars => {
                let _ = self.multi.println(line);
            }
            Mode::Lines => eprintln!("{line}"),
            Mode::Silent => {}
        }
    }
}

/// The display of one run.
#[derive(Debug)]
pub struct RunProgress {
    bar: Option<ProgressBar>,
    name: String,
    mode: Mode,
    start: Instant,
}

impl RunProgress {
    /// Records that `done` steps are complete.
    pub fn set(&self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }

    /// Ends the run's display with a summary (`"5000 steps in 3.2 s"`).
    pub fn finish(&self, summary: &str) {
        match (&self.bar, self.mode) {
            (Some(b), _) => b.finish_with_message(summary.to_owned()),
            (None, Mode::Lines) => eprintln!(
                "{}: {summary} ({:.1} s)",
                self.name,
                self.start.elapsed().as_secs_f64()
            ),
            _ => {}
        }
    }
}
