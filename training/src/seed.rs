//! Named random streams derived from the run's one seed.
//!
//! Each stream is a `ChaCha8Rng` seeded with `derive(seed, name)`; its position (the
//! generator's 128-bit word position) is saved in checkpoints, so a resumed run draws exactly
//! the numbers an uninterrupted one would have drawn.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of the sub-stream `name` of `seed` (stable across versions and platforms).
pub fn derive(seed: u64, name: &str) -> u64 {
    let mut h = mix(seed);
    for b in name.bytes() {
        h = mix(h ^ u64::from(b));
    }
    h
}

/// A named, resumable random stream.
#[derive(Clone, Debug)]
pub struct Stream {
    seed: u64,
    /// The generator.
    pub rng: ChaCha8Rng,
}

/// A stream's saved position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamState {
    /// The stream's own seed (already derived).
    pub seed: u64,
    /// `ChaCha8Rng::get_word_pos`, as a decimal string (it is a `u128`).
    pub word_pos: String,
}

impl Stream {
    /// The stream `name` of the run seed `seed`, at its start.
    pub fn new(seed: u64, name: &str) -> Stream {
        let s = derive(seed, name);
        Stream { seed: s, rng: ChaCha8Rng::seed_from_u64(s) }
    }
    /// The current position.
    pub fn state(&self) -> StreamState {
        StreamState { seed: self.seed, word_pos: self.rng.get_word_pos().to_string() }
    }
    /// A stream at a saved position.
    pub fn restore(st: &StreamState) -> Result<Stream, String> {
        let pos: u128 =
            st.word_pos.parse().map_err(|_| format!("bad RNG word position `{}`", st.word_pos))?;
        let mut rng = ChaCha8Rng::seed_from_u64(st.seed);
        rng.set_word_pos(pos);
        Ok(Stream { seed: st.seed, rng })
    }
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;

    #[test]
    fn restored_stream_continues_exactly() {
        let mut a = Stream::new(7, "collect");
        let _: Vec<f64> = (0..13).map(|_| a.rng.gen()).collect();
        let mut b = Stream::restore(&a.state()).unwrap();
        let xa: Vec<u64> = (0..50).map(|_| a.rng.gen()).collect();
        let xb: Vec<u64> = (0..50).map(|_| b.rng.gen()).collect();
        assert_eq!(xa, xb);
        assert_ne!(derive(7, "collect"), derive(7, "shuffle"));
        assert_ne!(derive(7, "collect"), derive(8, "collect"));
    }
}
