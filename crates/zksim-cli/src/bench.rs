//! `zksim bench`: throughput and memory of the simulator, measured, not asserted.
//!
//! Two workloads (issue "Simulation core I"): an ensemble with many clients pinging for some
//! simulated minutes, and many sessions for a simulated hour. Each reports events per second,
//! the peak resident memory per session, and the ratio to a bare event-queue loop (a
//! `BinaryHeap` pushing and popping the same number of events) measured in the same run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::time::Instant;

use zksim::profile::Version;
use zksim::scenario::{Action, ActionKind, ClientSpec, Scenario, ServerSpec};
use zksim::world::World;

pub struct Workload {
    pub servers: u8,
    pub clients: usize,
    pub until_ms: u64,
    pub tick_ms: u64,
    pub timeout_ms: u64,
}

fn scenario(w: &Workload) -> Scenario {
    let servers: Vec<ServerSpec> = (1..=w.servers)
        .map(|id| ServerSpec {
            id,
            clock_offset_ms: 0,
            uptime_ms: 0,
            start_ms: Some(0),
        })
        .collect();
    let ids: Vec<u8> = (1..=w.servers).collect();
    let clients: Vec<ClientSpec> = (0..w.clients)
        .map(|i| ClientSpec {
            name: format!("c{i}"),
            servers: ids.clone(),
            session_timeout_ms: w.timeout_ms,
            version: None,
        })
        .collect();
    // Clients connect spread over the first 10 s, as a fleet starting up would.
    let actions: Vec<Action> = (0..w.clients)
        .map(|i| Action {
            at_ms: 1000 + (i as u64 * 10_000) / w.clients.max(1) as u64,
            kind: ActionKind::Connect {
                client: format!("c{i}"),
                session_of: None,
                servers: None,
                password: None,
            },
        })
        .collect();
    Scenario {
        name: Some("bench".into()),
        description: None,
        version: Version::V3_6,
        seed: 1,
        tick_ms: w.tick_ms,
        min_session_timeout_ms: 2 * w.tick_ms,
        max_session_timeout_ms: 20 * w.tick_ms,
        epoch_ms: 1_700_000_000_000,
        latency_ms: (1, 1),
        init_limit: 10,
        sync_limit: 5,
        servers,
        clients,
        actions,
        until_ms: w.until_ms,
        narration: Vec::new(),
    }
}

/// Peak resident set size of this process in bytes (Linux `VmHWM`), if readable.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn current_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A bare discrete-event loop: push and pop `n` timestamped events through a binary heap.
fn bare_queue_events_per_sec(n: u64) -> f64 {
    let start = Instant::now();
    let mut heap: BinaryHeap<Reverse<(u64, u64, u64)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..1024u64 {
        heap.push(Reverse((i, i, i)));
    }
    let mut popped = 0u64;
    while popped < n {
        let Some(Reverse((t, _, v))) = heap.pop() else {
            break;
        };
        popped += 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        seq += 1;
        heap.push(Reverse((t + 1 + (x % 2000), seq, v ^ x)));
    }
    std::hint::black_box(&heap);
    popped as f64 / start.elapsed().as_secs_f64()
}

pub struct Result {
    pub events: u64,
    pub seconds: f64,
    pub events_per_sec: f64,
    pub bare_events_per_sec: f64,
    pub sessions: usize,
    pub bytes_per_session: Option<f64>,
    pub expired: usize,
    pub trace_hash: String,
}

pub fn run(w: &Workload) -> Result {
    let sc = scenario(w);
    // Measured after the scenario is built: what the simulated world itself costs.
    let base = current_rss_bytes();
    let start = Instant::now();
    let mut world = World::new(&sc, false);
    world.run();
    let seconds = start.elapsed().as_secs_f64();
    let peak = peak_rss_bytes();
    let events = world.events_processed();
    let sessions = world.sessions().len();
    let expired = world
        .sessions()
        .iter()
        .filter(|s| s.expired_ms.is_some())
        .count();
    let bytes_per_session = match (base, peak) {
        (Some(b), Some(p)) if sessions > 0 => Some(p.saturating_sub(b) as f64 / sessions as f64),
        _ => None,
    };
    let trace_hash = world.trace_hash();
    drop(world);
    let bare = bare_queue_events_per_sec(events.clamp(1_000_000, 20_000_000));
    Result {
        events,
        seconds,
        events_per_sec: events as f64 / seconds,
        bare_events_per_sec: bare,
        sessions,
        bytes_per_session,
        expired,
        trace_hash,
    }
}

pub fn print(label: &str, w: &Workload, r: &Result) {
    // Bench output is a few lines; a closed pipe just ends the process.
    macro_rules! out {
        ($($arg:tt)*) => {{
            if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
                std::process::exit(0);
            }
        }};
    }
    out!("{label}");
    out!(
        "  {} servers, {} clients, tick {} ms, timeout {} ms, {} simulated s",
        w.servers,
        w.clients,
        w.tick_ms,
        w.timeout_ms,
        w.until_ms / 1000
    );
    out!(
        "  {} events in {:.2} s = {:.0} events/s (bare event queue: {:.0} events/s, ratio {:.2})",
        r.events,
        r.seconds,
        r.events_per_sec,
        r.bare_events_per_sec,
        r.events_per_sec / r.bare_events_per_sec
    );
    match r.bytes_per_session {
        Some(b) => out!(
            "  {} sessions ({} expired), the world's peak memory: {:.0} bytes per session (client, connections, every server's session state, queue)",
            r.sessions,
            r.expired,
            b
        ),
        None => out!("  {} sessions ({} expired)", r.sessions, r.expired),
    }
    out!("  trace {}", r.trace_hash);
}
