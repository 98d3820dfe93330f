//! The settings a whole run shares: zoo.cfg's values (`tickTime`, `minSessionTimeout`,
//! `maxSessionTimeout`, `initLimit`, `syncLimit`), the network's latency range and the seed. The
//! world builds one from the scenario and hands each node the values it needs.

/// Settings shared by every server (zoo.cfg) and the network.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub tick_ms: u64,
    pub min_session_timeout_ms: i32,
    pub max_session_timeout_ms: i32,
    pub epoch_ms: i64,
    pub latency_ms: (u64, u64),
    pub init_limit: u32,
    pub sync_limit: u32,
    /// One server: `ZooKeeperServerMain`, no quorum, tracker sid 1.
    pub standalone: bool,
    /// Majority of the configured ensemble.
    pub quorum: usize,
    /// How long FLE takes to settle once a quorum can talk: the 200 ms finalize wait plus a
    /// notification round trip.
    pub election_ms: u64,
}
