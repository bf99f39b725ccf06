//! How many cases the kit runs and how it draws them.

use equistein::laws::Tolerance;

/// The settings of a law run: the number of cases, the law of the random inputs, the tolerances.
///
/// ```
/// use equistein_testing::Config;
/// let quick = Config::default().with_cases(16).with_scale(1.5).with_particles(5);
/// assert_eq!(quick.cases, 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// The number of random cases (each case draws fresh elements and points).
    pub cases: u32,
    /// Points are uniform in `[−scale, scale]^d`.
    pub scale: f64,
    /// The number of particles of the set-valued cases (kernel pairs, Stein directions).
    pub particles: usize,
    /// The number of probe points that tell the elements of a finite group apart.
    pub probes: usize,
    /// Derivative laws are checked only where the function is smooth on this scale
    /// ([`equistein::laws::is_smooth_at`]): the distance kept from ties.
    pub gap: f64,
    /// The tolerances of the checkers.
    pub tolerance: Tolerance,
    /// A fixed seed for the random cases; `None` draws a fresh one per run, as proptest does.
    pub seed: Option<u64>,
}

impl Default for Config {
    /// 64 cases, `scale = 3`, 8 particles, 3 probes, `gap = 1e-3`, [`Tolerance::F64`], a fresh seed.
    fn default() -> Self {
        Config {
            cases: 64,
            scale: 3.0,
            particles: 8,
            probes: 3,
            gap: 1e-3,
            tolerance: Tolerance::F64,
            seed: None,
        }
    }
}

impl Config {
    /// With `cases` random cases.
    pub fn with_cases(mut self, cases: u32) -> Self {
        self.cases = cases;
        self
    }
    /// With points uniform in `[−scale, scale]^d`.
    pub fn with_scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }
    /// With `n` particles per set-valued case.
    pub fn with_particles(mut self, n: usize) -> Self {
        self.particles = n;
        self
    }
    /// With these tolerances.
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }
    /// Keeping derivative checks `gap` away from ties.
    pub fn with_gap(mut self, gap: f64) -> Self {
        self.gap = gap;
        self
    }
    /// With a fixed seed (reproducible cases).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}
