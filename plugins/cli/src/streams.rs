//! Deterministic random streams: every random quantity of a run comes from its own ChaCha8 stream, derived
//! from the seed and a fixed stream number, so that runs are reproducible and adding a sampler does not change
//! the others' numbers.

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// The seed of the large exact sample that gives the true values: fixed, so that the truth does not depend
/// on `--seed`.
pub const TRUTH_SEED: u64 = 0x7472_7574_685f_7631;

/// What a stream is used for; each purpose owns a disjoint range of stream numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The initial particles (of repeat `k`).
    Init(u64),
    /// The exact reference sample of the runs' size (of repeat `k`).
    Reference(u64),
    /// The fresh exact sample run `k`'s MMD is measured against.
    MmdSample(u64),
    /// The sampler's own randomness (noise) of run `k`.
    Sampler(u64),
    /// The law of the start of repeat `k` (robustness).
    StartLaw(u64),
    /// The large exact sample of the truth (with [`TRUTH_SEED`]).
    Truth,
}

impl Purpose {
    fn stream_number(self) -> u64 {
        const SPAN: u64 = 1 << 40;
        match self {
            Purpose::Truth => 0,
            Purpose::Init(k) => SPAN + k,
            Purpose::Reference(k) => 2 * SPAN + k,
            Purpose::MmdSample(k) => 3 * SPAN + k,
            Purpose::Sampler(k) => 4 * SPAN + k,
            Purpose::StartLaw(k) => 5 * SPAN + k,
        }
    }
}

/// The stream for `purpose` under `seed` ([`Purpose::Truth`] ignores the seed).
pub fn stream(seed: u64, purpose: Purpose) -> ChaCha8Rng {
    let seed = if purpose == Purpose::Truth {
        TRUTH_SEED
    } else {
        seed
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose.stream_number());
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::RngCore;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = stream(7, Purpose::Init(0)).next_u64();
        assert_eq!(a, stream(7, Purpose::Init(0)).next_u64());
        assert_ne!(a, stream(7, Purpose::Init(1)).next_u64());
        assert_ne!(a, stream(7, Purpose::Reference(0)).next_u64());
        assert_ne!(a, stream(8, Purpose::Init(0)).next_u64());
        assert_eq!(
            stream(1, Purpose::Truth).next_u64(),
            stream(2, Purpose::Truth).next_u64()
        );
    }
}
