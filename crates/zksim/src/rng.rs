//! The simulation's only source of randomness: one seeded SplitMix64 stream per entity (a
//! server, a client, a client's network latencies, a handle's host shuffle), so adding an entity
//! changes nothing for the others and no draw depends on the operating system. Java's
//! `java.util.Random` calls (`r.nextInt(1000)` before a reconnect, `Collections.shuffle` of the
//! hosts) draw from these.

use std::hash::Hasher;

use crate::net::LatencySource;
use crate::trace::TraceHasher;

/// A deterministic random stream (SplitMix64), one per entity.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// The stream of the entity called `name` (`"app-1"`, `"s3"`, `"app-1/net"`): the seed as
    /// one word and the name as a string, folded by [`TraceHasher`]'s explicit feed, so a
    /// scenario's random choices never depend on how std happens to hash a `str`
    /// (`tests/entity_streams.rs` pins the first draws).
    pub fn for_entity(seed: u64, name: &str) -> Rng {
        let mut h = TraceHasher::default();
        h.word(seed);
        h.str(name);
        Rng(h.finish())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

impl LatencySource for Rng {
    fn latency_ms(&mut self, min_ms: u64, max_ms: u64) -> u64 {
        if max_ms <= min_ms {
            min_ms
        } else {
            min_ms + self.below(max_ms - min_ms + 1)
        }
    }
}
