//! The state of the ChaCha8 RNG as bytes, so that a resumed run draws the same numbers.

use equistein::{Error, Result};
use rand_chacha::ChaCha8Rng;

/// Bytes of [`rng_state`]: seed (32), stream (8), word position (16).
pub const RNG_STATE_BYTES: usize = 56;

/// The state of a ChaCha8 RNG: seed (32 bytes), stream (8), word position (16), little-endian.
pub fn rng_state(rng: &ChaCha8Rng) -> Vec<u8> {
    let mut v = rng.get_seed().to_vec();
    v.extend_from_slice(&rng.get_stream().to_le_bytes());
    v.extend_from_slice(&rng.get_word_pos().to_le_bytes());
    v
}

/// The RNG from [`rng_state`]'s bytes.
pub fn rng_from_state(bytes: &[u8]) -> Result<ChaCha8Rng> {
    use rand_core::SeedableRng;
    if bytes.len() != RNG_STATE_BYTES {
        return Err(Error::InvalidParameter {
            name: "RNG state",
            reason: format!("expected {RNG_STATE_BYTES} bytes, found {}", bytes.len()),
        });
    }
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&bytes[..32]);
    let mut rng = ChaCha8Rng::from_seed(seed);
    let mut s = [0u8; 8];
    s.copy_from_slice(&bytes[32..40]);
    rng.set_stream(u64::from_le_bytes(s));
    let mut w = [0u8; 16];
    w.copy_from_slice(&bytes[40..56]);
    rng.set_word_pos(u128::from_le_bytes(w));
    Ok(rng)
}
