//! Experiment configurations: one serde struct per experiment, presets, and the resolution
//! preset defaults → `--config` file → `--set key=value` → typed, validated configuration.
//!
//! [`resolve`] is the one entry point; it performs no I/O (the caller reads the file), never panics on any
//! input, and reports the first problem as one line naming the file, key or value.

pub mod common;
pub mod dw4;
pub mod ebm;
pub mod fashion_mnist;
pub mod merge;
pub mod qm9;
pub mod robustness;
pub mod sample_efficiency;
pub mod toy;

pub use common::{Evaluation, GaussianTarget, OneOrMany, RadialTarget, SamplerKind};
pub use dw4::{Dw4Config, Dw4Data, Dw4Evaluation, Dw4Invariant, Dw4Training};
pub use ebm::{Combination, EbmConfig, EbmEvaluation};
pub use fashion_mnist::{ComputeDevice, FashionEvaluation, FashionMnistConfig, FreshStart};
pub use qm9::{Qm9Config, Qm9Evaluation, Qm9Head, Qm9Training};
pub use robustness::{RandomStart, RobustnessConfig, RobustnessTarget};
pub use sample_efficiency::SampleEfficiencyConfig;
pub use toy::{C4GaussiansConfig, NormalInit, RadialToyConfig, UniformInit};

use core::fmt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use toml::Table;

/// A configuration problem, as one line of text (no trailing newline, no line breaks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The message.
    pub message: String,
}

impl ConfigError {
    /// An error with this message; line breaks are folded into spaces so that it prints as one line.
    pub fn new(message: String) -> Self {
        let one_line: Vec<&str> = message.split_whitespace().collect();
        ConfigError {
            message: one_line.join(" "),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The built-in parameter sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Seconds per experiment (continuous integration).
    Quick,
    /// Minutes at most on a laptop CPU; already shows the qualitative result.
    Default,
    /// The paper's hyperparameters (ESVGD.md §3).
    Paper,
}

impl Preset {
    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Default => "default",
            Preset::Paper => "paper",
        }
    }
}

/// The experiments `equistein run` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExperimentName {
    /// SVGD against E-SVGD on the C_N-symmetric Gaussian mixture.
    C4Gaussians,
    /// SVGD against E-SVGD on concentric circles.
    Circles,
    /// SVGD against E-SVGD on concentric spheres.
    Spheres,
    /// Mean log π per step: E-SVGD with few particles against SVGD with many.
    SampleEfficiency,
    /// Final mean log π over random starts.
    Robustness,
    /// Joint energy model on two classes of C4 Gaussians, three model/sampler combinations.
    JemC4,
    /// Scalar EBM on concentric circles, three model/sampler combinations.
    EbmCircles,
    /// DW-4: scalar EBM on the paper's five meta-stable states, three combinations.
    Dw4,
    /// DW-4 on the equivariant-flow-matching Boltzmann splits, three combinations.
    Dw4Boltzmann,
    /// DW-4 on Köhler's one-state data (appendix E.1), E-SVGD sampled with a large and a tiny bandwidth.
    Dw4Kohler,
    /// JEMs on upright FashionMNIST, tested on rotated images (appendix E.3), three combinations.
    FashionMnist,
    /// C5H8O molecules: an EGNN energy trained on QM9's 35 training isomers, sampled by SVGD / E-SVGD.
    Qm9,
}

impl ExperimentName {
    /// Every experiment, in listing order.
    pub const ALL: [ExperimentName; 12] = [
        ExperimentName::C4Gaussians,
        ExperimentName::Circles,
        ExperimentName::Spheres,
        ExperimentName::SampleEfficiency,
        ExperimentName::Robustness,
        ExperimentName::JemC4,
        ExperimentName::EbmCircles,
        ExperimentName::Dw4,
        ExperimentName::Dw4Boltzmann,
        ExperimentName::Dw4Kohler,
        ExperimentName::FashionMnist,
        ExperimentName::Qm9,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            ExperimentName::C4Gaussians => "c4-gaussians",
            ExperimentName::Circles => "circles",
            ExperimentName::Spheres => "spheres",
            ExperimentName::SampleEfficiency => "sample-efficiency",
            ExperimentName::Robustness => "robustness",
            ExperimentName::JemC4 => "jem-c4",
            ExperimentName::EbmCircles => "ebm-circles",
            ExperimentName::Dw4 => "dw4",
            ExperimentName::Dw4Boltzmann => "dw4-boltzmann",
            ExperimentName::Dw4Kohler => "dw4-kohler",
            ExperimentName::FashionMnist => "fashion-mnist",
            ExperimentName::Qm9 => "qm9",
        }
    }

    /// A one-line description for `equistein list`.
    pub fn description(self) -> &'static str {
        match self {
            ExperimentName::C4Gaussians => {
                "SVGD vs E-SVGD (scalar, code form, matrix-valued) on a C_N-symmetric mixture of Gaussians"
            }
            ExperimentName::Circles => {
                "SVGD vs E-SVGD (norm-map kernel, both update forms) on concentric circles; no esvgd-matrix (SO(2) is not finite)"
            }
            ExperimentName::Spheres => {
                "SVGD vs E-SVGD (norm-map kernel) on concentric spheres in 3-D or any dimension; no esvgd-matrix"
            }
            ExperimentName::SampleEfficiency => {
                "mean log π per step: E-SVGD with 20 particles vs SVGD with 20×{1,2,4,8,16,32} on circles"
            }
            ExperimentName::Robustness => {
                "final mean log π over 25 random Gaussian starts, SVGD vs E-SVGD, as box plots"
            }
            ExperimentName::JemC4 => {
                "JEM on two classes of C4 Gaussians: ebm+svgd, eebm+svgd, eebm+esvgd (CD with persistent SVGD chains)"
            }
            ExperimentName::EbmCircles => {
                "scalar EBM on concentric circles: ebm+svgd, eebm+svgd, eebm+esvgd (CD with persistent SVGD chains)"
            }
            ExperimentName::Dw4 => {
                "DW-4 on the paper's five meta-stable states: ebm+svgd, eebm+svgd, eebm+esvgd; samples quenched and classified"
            }
            ExperimentName::Dw4Boltzmann => {
                "DW-4 on the EFM Boltzmann train split, judged against its test split: the three combinations"
            }
            ExperimentName::Dw4Kohler => {
                "DW-4 on Köhler's one-state data: eebm+esvgd sampled with h = 2 and h = 1e-4 (appendix E.1)"
            }
            ExperimentName::FashionMnist => {
                "JEMs on upright FashionMNIST (plain / C4-steerable CNN, SVGD / E-SVGD in image space), tested on rotated images"
            }
            ExperimentName::Qm9 => {
                "C5H8O generation: EGNN energy on QM9's 35 training isomers, eebm+svgd and eebm+esvgd; bonds estimated, isomers scored"
            }
        }
    }

    /// The experiment of a command-line name.
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        Self::ALL
            .into_iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|e| e.name()).collect();
                ConfigError::new(format!(
                    "unknown experiment `{}` (known: {})",
                    name.escape_debug(),
                    names.join(", ")
                ))
            })
    }
}

/// A resolved, validated configuration of one experiment.
#[derive(Clone, Debug, PartialEq)]
pub enum ExperimentConfig {
    /// `c4-gaussians`.
    C4Gaussians(C4GaussiansConfig),
    /// `circles`.
    Circles(RadialToyConfig),
    /// `spheres`.
    Spheres(RadialToyConfig),
    /// `sample-efficiency`.
    SampleEfficiency(SampleEfficiencyConfig),
    /// `robustness`.
    Robustness(RobustnessConfig),
    /// `jem-c4`.
    JemC4(EbmConfig),
    /// `ebm-circles`.
    EbmCircles(EbmConfig),
    /// `dw4`.
    Dw4(Dw4Config),
    /// `dw4-boltzmann`.
    Dw4Boltzmann(Dw4Config),
    /// `dw4-kohler`.
    Dw4Kohler(Dw4Config),
    /// `fashion-mnist`.
    FashionMnist(FashionMnistConfig),
    /// `qm9`.
    Qm9(Qm9Config),
}

impl ExperimentConfig {
    /// The preset's configuration of an experiment.
    pub fn preset(exp: ExperimentName, preset: Preset) -> Self {
        match exp {
            ExperimentName::C4Gaussians => Self::C4Gaussians(C4GaussiansConfig::preset(preset)),
            ExperimentName::Circles => Self::Circles(RadialToyConfig::circles(preset)),
            ExperimentName::Spheres => Self::Spheres(RadialToyConfig::spheres(preset)),
            ExperimentName::SampleEfficiency => {
                Self::SampleEfficiency(SampleEfficiencyConfig::preset(preset))
            }
            ExperimentName::Robustness => Self::Robustness(RobustnessConfig::preset(preset)),
            ExperimentName::JemC4 => Self::JemC4(EbmConfig::jem_c4(preset)),
            ExperimentName::EbmCircles => Self::EbmCircles(EbmConfig::ebm_circles(preset)),
            ExperimentName::Dw4 => Self::Dw4(Dw4Config::dw4(preset)),
            ExperimentName::Dw4Boltzmann => Self::Dw4Boltzmann(Dw4Config::dw4_boltzmann(preset)),
            ExperimentName::Dw4Kohler => Self::Dw4Kohler(Dw4Config::dw4_kohler(preset)),
            ExperimentName::FashionMnist => Self::FashionMnist(FashionMnistConfig::preset(preset)),
            ExperimentName::Qm9 => Self::Qm9(Qm9Config::preset(preset)),
        }
    }

    /// The experiment this configures.
    pub fn experiment(&self) -> ExperimentName {
        match self {
            Self::C4Gaussians(_) => ExperimentName::C4Gaussians,
            Self::Circles(_) => ExperimentName::Circles,
            Self::Spheres(_) => ExperimentName::Spheres,
            Self::SampleEfficiency(_) => ExperimentName::SampleEfficiency,
            Self::Robustness(_) => ExperimentName::Robustness,
            Self::JemC4(_) => ExperimentName::JemC4,
            Self::EbmCircles(_) => ExperimentName::EbmCircles,
            Self::Dw4(_) => ExperimentName::Dw4,
            Self::Dw4Boltzmann(_) => ExperimentName::Dw4Boltzmann,
            Self::Dw4Kohler(_) => ExperimentName::Dw4Kohler,
            Self::FashionMnist(_) => ExperimentName::FashionMnist,
            Self::Qm9(_) => ExperimentName::Qm9,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Self::C4Gaussians(c) => c.validate(),
            Self::Circles(c) | Self::Spheres(c) => c.validate(),
            Self::SampleEfficiency(c) => c.validate(),
            Self::Robustness(c) => c.validate(),
            Self::JemC4(c) | Self::EbmCircles(c) => c.validate(),
            Self::Dw4(c) | Self::Dw4Boltzmann(c) | Self::Dw4Kohler(c) => c.validate(),
            Self::FashionMnist(c) => c.validate(),
            Self::Qm9(c) => c.validate(),
        }
    }

    /// The configuration as a TOML table (every field).
    pub fn to_table(&self) -> Table {
        let r = match self {
            Self::C4Gaussians(c) => to_table(c),
            Self::Circles(c) | Self::Spheres(c) => to_table(c),
            Self::SampleEfficiency(c) => to_table(c),
            Self::Robustness(c) => to_table(c),
            Self::JemC4(c) | Self::EbmCircles(c) => to_table(c),
            Self::Dw4(c) | Self::Dw4Boltzmann(c) | Self::Dw4Kohler(c) => to_table(c),
            Self::FashionMnist(c) => to_table(c),
            Self::Qm9(c) => to_table(c),
        };
        // Every field is a number, string, list or table of those: serialization cannot fail.
        r.unwrap_or_default()
    }

    /// The configuration as a TOML document.
    pub fn to_toml(&self) -> String {
        let r = match self {
            Self::C4Gaussians(c) => toml::to_string_pretty(c),
            Self::Circles(c) | Self::Spheres(c) => toml::to_string_pretty(c),
            Self::SampleEfficiency(c) => toml::to_string_pretty(c),
            Self::Robustness(c) => toml::to_string_pretty(c),
            Self::JemC4(c) | Self::EbmCircles(c) => toml::to_string_pretty(c),
            Self::Dw4(c) | Self::Dw4Boltzmann(c) | Self::Dw4Kohler(c) => toml::to_string_pretty(c),
            Self::FashionMnist(c) => toml::to_string_pretty(c),
            Self::Qm9(c) => toml::to_string_pretty(c),
        };
        r.unwrap_or_default()
    }

    fn from_table(exp: ExperimentName, table: &Table) -> Result<Self, ConfigError> {
        Ok(match exp {
            ExperimentName::C4Gaussians => Self::C4Gaussians(from_table(table)?),
            ExperimentName::Circles => Self::Circles(from_table(table)?),
            ExperimentName::Spheres => Self::Spheres(from_table(table)?),
            ExperimentName::SampleEfficiency => Self::SampleEfficiency(from_table(table)?),
            ExperimentName::Robustness => Self::Robustness(from_table(table)?),
            ExperimentName::JemC4 => Self::JemC4(from_table(table)?),
            ExperimentName::EbmCircles => Self::EbmCircles(from_table(table)?),
            ExperimentName::Dw4 => Self::Dw4(from_table(table)?),
            ExperimentName::Dw4Boltzmann => Self::Dw4Boltzmann(from_table(table)?),
            ExperimentName::Dw4Kohler => Self::Dw4Kohler(from_table(table)?),
            ExperimentName::FashionMnist => Self::FashionMnist(from_table(table)?),
            ExperimentName::Qm9 => Self::Qm9(from_table(table)?),
        })
    }
}

fn to_table<C: Serialize>(c: &C) -> Result<Table, toml::ser::Error> {
    toml::Table::try_from(c)
}

/// Deserializes through the text form so that a type error can be traced to its key.
fn from_table<C: DeserializeOwned>(table: &Table) -> Result<C, ConfigError> {
    let text = toml::to_string(table)
        .map_err(|e| ConfigError::new(format!("configuration cannot be written as TOML: {e}")))?;
    toml::from_str(&text).map_err(|e| {
        let key = e.span().and_then(|s| merge::key_at(&text, s.start));
        match key {
            Some(k) => ConfigError::new(format!("invalid value for `{k}`: {}", e.message())),
            None => ConfigError::new(format!("invalid configuration: {}", e.message())),
        }
    })
}

/// The user's inputs to a configuration, besides the experiment and preset.
#[derive(Clone, Debug, Default)]
pub struct Overrides<'a> {
    /// A configuration file: its name (for messages) and contents.
    pub file: Option<(&'a str, &'a str)>,
    /// `key=value` assignments, applied in order after the file.
    pub sets: &'a [String],
}

/// Resolves an experiment's configuration: the preset's defaults, then the file's table merged over them, then
/// each `--set`, then deserialization (unknown keys rejected) and validation.
pub fn resolve(
    exp: ExperimentName,
    preset: Preset,
    overrides: &Overrides<'_>,
) -> Result<ExperimentConfig, ConfigError> {
    let defaults = ExperimentConfig::preset(exp, preset).to_table();
    let mut table = defaults.clone();
    if let Some((name, text)) = overrides.file {
        let user = parse_file(name, text)?;
        let origin = format!("config file `{name}`");
        merge::check_known(&user, &defaults, "", &origin)?;
        merge::merge(&mut table, user);
    }
    for s in overrides.sets {
        let a = merge::parse_assignment(s)?;
        merge::apply(&mut table, &defaults, &a)?;
    }
    let config = ExperimentConfig::from_table(exp, &table)?;
    config.validate()?;
    Ok(config)
}

/// Parses a configuration file's text as a TOML table, with a one-line error naming the file and line.
pub fn parse_file(name: &str, text: &str) -> Result<Table, ConfigError> {
    text.parse::<Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => ConfigError::new(format!(
                "config file `{name}` is not valid TOML (line {l}): {}",
                e.message()
            )),
            None => ConfigError::new(format!(
                "config file `{name}` is not valid TOML: {}",
                e.message()
            )),
        }
    })
}

/// Feeds `text` as a configuration file through the resolution of every experiment (the fuzz target and the
/// robustness test use this): returns each experiment's outcome. Never panics.
pub fn parse_for_all(text: &str) -> Vec<Result<ExperimentConfig, ConfigError>> {
    ExperimentName::ALL
        .iter()
        .map(|&exp| {
            resolve(
                exp,
                Preset::Default,
                &Overrides {
                    file: Some(("input", text)),
                    sets: &[],
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(s: &[&str]) -> Vec<String> {
        s.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn every_preset_is_valid_and_round_trips() {
        for exp in ExperimentName::ALL {
            for preset in [Preset::Quick, Preset::Default, Preset::Paper] {
                let c = ExperimentConfig::preset(exp, preset);
                c.validate().unwrap();
                let text = c.to_toml();
                let back = resolve(
                    exp,
                    Preset::Quick,
                    &Overrides {
                        file: Some(("x", &text)),
                        sets: &[],
                    },
                )
                .unwrap();
                assert_eq!(back, c, "{}", exp.name());
            }
        }
    }

    #[test]
    fn sets_change_the_right_fields() {
        let s = sets(&[
            "target.n_components=6",
            "particles=80",
            "bandwidth=0.3",
            "steps=100",
        ]);
        let c = resolve(
            ExperimentName::C4Gaussians,
            Preset::Paper,
            &Overrides {
                file: None,
                sets: &s,
            },
        )
        .unwrap();
        let ExperimentConfig::C4Gaussians(c) = c else {
            panic!()
        };
        assert_eq!(c.target.n_components, 6);
        assert_eq!(c.particles, 80);
        assert_eq!(c.bandwidth, 0.3);
        assert_eq!(c.steps, 100);
        let s = sets(&[
            "target.radii=[3,6,9]",
            "target.dim=4",
            "samplers=[\"svgd\"]",
        ]);
        let ExperimentConfig::Spheres(c) = resolve(
            ExperimentName::Spheres,
            Preset::Quick,
            &Overrides {
                file: None,
                sets: &s,
            },
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(c.target.radii, vec![3.0, 6.0, 9.0]);
        assert_eq!(c.target.dim, 4);
        assert_eq!(c.samplers, vec![SamplerKind::Svgd]);
    }

    #[test]
    fn errors_name_the_key_or_value() {
        let bad = |exp, s: &[&str]| {
            resolve(
                exp,
                Preset::Default,
                &Overrides {
                    file: None,
                    sets: &sets(s),
                },
            )
            .unwrap_err()
            .message
        };
        let m = bad(ExperimentName::Circles, &["bandwidth=-1"]);
        assert!(m.contains("`bandwidth`") && m.contains("-1"), "{m}");
        let m = bad(ExperimentName::Circles, &["particles=abc"]);
        assert!(m.contains("`particles`") && m.contains("abc"), "{m}");
        let m = bad(ExperimentName::Circles, &["nope=1"]);
        assert!(m.contains("unknown key `nope`"), "{m}");
        let m = bad(ExperimentName::Circles, &["samplers=[\"esvgd-matrix\"]"]);
        assert!(m.contains("finite group"), "{m}");
        let m = bad(ExperimentName::Circles, &["target.sigma=[0.5, 0.5, 0.5]"]);
        assert!(m.contains("target.sigma"), "{m}");
        let m = bad(ExperimentName::C4Gaussians, &["target.n_components=0"]);
        assert!(m.contains("target.n_components"), "{m}");
        let m = bad(ExperimentName::Robustness, &["target=spheres"]);
        assert!(m.contains("`target`"), "{m}");
        let m = bad(ExperimentName::Circles, &["particles=1"]);
        assert!(m.contains("`particles`"), "{m}");
        let m = bad(ExperimentName::Circles, &["step_size=nan"]);
        assert!(m.contains("`step_size`"), "{m}");
        let e = resolve(
            ExperimentName::Circles,
            Preset::Default,
            &Overrides {
                file: Some(("f.toml", "steps = [\n")),
                sets: &[],
            },
        )
        .unwrap_err();
        assert!(
            e.message.contains("`f.toml`") && e.message.contains("line"),
            "{e}"
        );
        assert!(!e.message.contains('\n'));
    }

    #[test]
    fn malformed_inputs_never_panic() {
        // A deterministic generator of random and mutated inputs (the fuzz target explores further).
        let seeds = [
            "particles = 3\n[target]\nradii = [1, 2]\n",
            "[init]\nlow = 1\nhigh = 0\n",
            "samplers = [\"svgd\", \"svgd\"]",
            "target = { n_components = 18446744073709551615 }",
            "steps = -1",
            "bandwidth = inf",
            "[evaluation]\ntruth_samples = 1e9",
            "svgd_multipliers = [1, 0]\nparticles = 9223372036854775807",
            "[circles]\nsigma = []\nweights = [1, -1]",
            "repeats = 0\n[init]\nsigma_low = 5\nsigma_high = 1",
        ];
        let alphabet: Vec<char> = "[]{}=\"'.,-_ 0123456789abcdefghijklmnopqrstuvwxyz\n\té∞#"
            .chars()
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut inputs: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
        for i in 0..400 {
            let mut s: Vec<char> = if i % 2 == 0 {
                seeds[(next() % seeds.len() as u64) as usize]
                    .chars()
                    .collect()
            } else {
                Vec::new()
            };
            for _ in 0..(next() % 40) {
                let c = alphabet[(next() % alphabet.len() as u64) as usize];
                if s.is_empty() || next() % 2 == 0 {
                    s.push(c);
                } else {
                    let at = (next() % s.len() as u64) as usize;
                    s[at] = c;
                }
            }
            inputs.push(s.into_iter().collect());
        }
        for input in &inputs {
            for r in parse_for_all(input) {
                if let Err(e) = r {
                    assert!(!e.message.contains('\n'), "{input:?}: {e}");
                }
            }
        }
    }
}
