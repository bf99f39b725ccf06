//! Runs a law checker over the cases of a strategy, and what a failed run reports.

use crate::Config;
use equistein::laws::{LawError, LawResult};
use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config as ProptestConfig, RngSeed, TestCaseError, TestError, TestRunner,
};
use std::cell::RefCell;
use std::fmt;

/// Why a law run failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Failure {
    /// A law is broken (or the code under test failed): the checker's report for the simplest failing case
    /// proptest found, and that case.
    Law {
        /// The checker's report.
        report: LawError,
        /// The failing case (`Debug` of the generated inputs).
        case: String,
    },
    /// proptest gave up, usually because too many points were rejected as near a tie.
    Aborted {
        /// proptest's reason.
        reason: String,
    },
}

impl Failure {
    /// The checker's report, when a law is broken.
    pub fn report(&self) -> Option<&LawError> {
        match self {
            Failure::Law { report, .. } => Some(report),
            Failure::Aborted { .. } => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Law { report, case } => write!(f, "{report}\nminimal failing case: {case}"),
            Failure::Aborted { reason } => write!(f, "the law run was aborted: {reason}"),
        }
    }
}

impl std::error::Error for Failure {}

/// Panics with the failure's report (what the macros do): for use in `#[test]` functions.
#[track_caller]
pub fn assert_laws(result: Result<(), Failure>) {
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// Runs `check` over `config.cases` cases of `strategy`, shrinking a failing case to a simple one.
pub(crate) fn run<S: Strategy>(
    config: &Config,
    strategy: S,
    check: impl Fn(&S::Value) -> LawResult,
) -> Result<(), Failure> {
    let proptest = ProptestConfig {
        cases: config.cases,
        failure_persistence: None,
        rng_seed: config.seed.map_or(RngSeed::Random, RngSeed::Fixed),
        max_global_rejects: 4096.max(config.cases.saturating_mul(64)),
        ..ProptestConfig::default()
    };
    let last = RefCell::new(None);
    let mut runner = TestRunner::new(proptest);
    let result = runner.run(&strategy, |value| match check(&value) {
        Ok(()) => Ok(()),
        Err(report) => {
            let message = report.to_string();
            *last.borrow_mut() = Some(report);
            Err(TestCaseError::fail(message))
        }
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(message, value)) => {
            // The report of the minimal case itself; the last failure seen if the check is not repeatable.
            let report = match check(&value) {
                Err(report) => Some(report),
                Ok(()) => last.into_inner(),
            };
            match report {
                Some(report) => Err(Failure::Law {
                    report,
                    case: format!("{value:?}"),
                }),
                None => Err(Failure::Aborted {
                    reason: message.to_string(),
                }),
            }
        }
        Err(TestError::Abort(reason)) => Err(Failure::Aborted {
            reason: reason.to_string(),
        }),
    }
}
