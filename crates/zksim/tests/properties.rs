//! Random action sequences, with the invariants checked after every event.
//!
//! Thousands of short runs (`ZKSIM_PROPERTY_CASES` per profile: 200, so 1,000 runs, in the
//! normal test run) drive connects, moves, renewals, closes, kills, freezes, writes, multis, crashes and
//! restarts (so failovers), partitions and heals, clock jumps and message rules, at random
//! times. After every event the world's invariants must hold (see `zksim::invariants`), and
//! nothing may panic. A failure prints the seed and the action list to replay it.

use zksim::invariants::InvariantState;
use zksim::profile::Version;
use zksim::scenario::{
    ActionKind, ClientSpec, Endpoint, MultiOp, RegisterStyle, Scenario, ServerSpec,
};
use zksim::world::World;

struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

const PATHS: [&str; 4] = ["/a", "/b", "/a/c", "/svc"];

fn base(version: Version, seed: u64, servers: u8, clients: usize, r: &mut Prng) -> Scenario {
    // Mostly ordinary settings, sometimes extreme ones (tickTime 1, zero latency, the 3.4.5
    // 0xff window edges, clocks far apart), which must not hang or panic either.
    let tick_ms = match r.below(24) {
        0 => 1,
        1 => 7,
        2..=5 => 2000,
        _ => 200,
    };
    let lat_min = [1, 1, 0, 3][r.below(4) as usize];
    let lat_max = lat_min + [0, 4, 50][r.below(3) as usize];
    let epoch_ms = [1_700_000_000_000i64, (1 << 40) + (1 << 39) - 500, 1_000][r.below(3) as usize];
    Scenario {
        name: None,
        description: None,
        version,
        seed,
        tick_ms,
        min_session_timeout_ms: 2 * tick_ms,
        max_session_timeout_ms: 20 * tick_ms,
        epoch_ms,
        latency_ms: (lat_min, lat_max),
        init_limit: 10,
        sync_limit: 5,
        servers: (1..=servers)
            .map(|id| ServerSpec {
                id,
                clock_offset_ms: [0, 0, 1, -86_400_000][(id as usize + seed as usize) % 4],
                uptime_ms: (id as i64) * 1000,
                start_ms: if (id as u64 + seed).is_multiple_of(5) {
                    None
                } else {
                    Some(0)
                },
            })
            .collect(),
        clients: (0..clients)
            .map(|i| ClientSpec {
                name: format!("c{i}"),
                servers: (1..=servers).collect(),
                session_timeout_ms: [400u64, 1000, 3000][i % 3],
                // A mixed fleet now and then: some clients of another release.
                version: (i as u64 + seed)
                    .is_multiple_of(3)
                    .then(|| Version::ALL[(i + seed as usize) % Version::ALL.len()]),
            })
            .collect(),
        actions: Vec::new(),
        until_ms: 30_000,
        narration: Vec::new(),
    }
}

fn random_action(r: &mut Prng, servers: u8, clients: usize) -> ActionKind {
    let client = format!("c{}", r.below(clients as u64));
    let other = format!("c{}", r.below(clients as u64));
    let server = 1 + r.below(servers as u64) as u8;
    let path = r.pick(&PATHS).to_string();
    let ep = |r: &mut Prng| {
        if r.below(2) == 0 {
            Endpoint::Server(1 + r.below(servers as u64) as u8)
        } else {
            Endpoint::Client(format!("c{}", r.below(clients as u64)))
        }
    };
    match r.below(20) {
        0..=2 => ActionKind::Connect {
            client,
            session_of: None,
            servers: None,
            password: None,
        },
        3 => ActionKind::Connect {
            client,
            session_of: Some(other),
            servers: Some(vec![server]),
            password: (r.below(4) == 0).then_some([7u8; 16]),
        },
        4 => ActionKind::Close { client },
        5 => ActionKind::Kill { client },
        6 => ActionKind::Freeze {
            client,
            for_ms: r.below(5000),
        },
        7 => ActionKind::Create {
            client,
            path,
            data: "d".into(),
            ephemeral: r.below(2) == 0,
            sequential: r.below(4) == 0,
        },
        8 => ActionKind::SetData {
            client,
            path,
            data: "x".into(),
            version: -1,
        },
        9 => ActionKind::Delete {
            client,
            path,
            version: -1,
        },
        10 => ActionKind::Exists { client, path },
        11 => ActionKind::Multi {
            client,
            ops: vec![
                MultiOp::Create {
                    path: path.clone(),
                    data: String::new(),
                    ephemeral: true,
                    sequential: false,
                },
                MultiOp::SetData {
                    path,
                    data: "m".into(),
                    version: -1,
                },
            ],
        },
        12 => ActionKind::Register {
            client,
            path: "/svc".into(),
            data: "r".into(),
            style: if r.below(2) == 0 {
                RegisterStyle::ExistsThenSet
            } else {
                RegisterStyle::DeleteThenCreate
            },
        },
        13 => ActionKind::CrashServer { server },
        14 => ActionKind::StartServer { server },
        15 => ActionKind::Partition {
            a: vec![Endpoint::Server(server)],
            b: vec![ep(r)],
            one_way: r.below(3) == 0,
        },
        16 => ActionKind::Heal { a: None, b: None },
        17 => ActionKind::ClockJump {
            server,
            by_ms: r.below(20_000) as i64 - 5_000,
        },
        18 => ActionKind::Delay {
            from: Endpoint::Server(server),
            to: ep(r),
            kind: Some("REVALIDATE".into()),
            by_ms: r.below(3000),
            count: Some(1),
        },
        _ => ActionKind::GetData { client, path },
    }
}

/// No run may do more than this many events (a spin at one instant would never end).
const EVENTS_MAX: u64 = 2_000_000;

fn run_case(version: Version, seed: u64) {
    let mut r = Prng(seed);
    let servers = [1u8, 3, 3, 5][r.below(4) as usize];
    let clients = 1 + r.below(4) as usize;
    let sc = base(version, seed, servers, clients, &mut r);
    let mut w = World::new(&sc, false);
    let mut st = InvariantState::default();
    let n_actions = 10 + r.below(30);
    let mut t = 0;
    // Steps to `until`, checking after every event; a failure prints a scenario that replays
    // the run with `zksim run --log`.
    let step_to = |w: &mut World, st: &mut InvariantState, until: u64| {
        while let Some(at) = w.next_event_ms() {
            if at > until {
                break;
            }
            w.step();
            let problem = match w.check_invariants(st) {
                Err(e) => Some(e),
                Ok(()) if w.events_processed() >= EVENTS_MAX => Some("runaway".to_string()),
                Ok(()) => None,
            };
            if let Some(e) = problem {
                panic!(
                    "{version:?} seed {seed}: {e} at {} ms; replay:\n{}",
                    w.now_ms(),
                    w.to_scenario().to_json()
                );
            }
        }
        w.run_until(until);
    };
    for _ in 0..n_actions {
        t += r.below(1500);
        step_to(&mut w, &mut st, t);
        // Actions the world refuses (unknown names) are fine; none should panic.
        let _ = w.apply(random_action(&mut r, servers, clients));
        if let Err(e) = w.check_invariants(&mut st) {
            panic!(
                "{version:?} seed {seed}: {e} right after an action; replay:\n{}",
                w.to_scenario().to_json()
            );
        }
    }
    step_to(&mut w, &mut st, t + 20_000);
}

#[test]
fn random_action_sequences_keep_every_invariant() {
    let cases: u64 = std::env::var("ZKSIM_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut runs = 0;
    for version in Version::ALL {
        for seed in 0..cases {
            run_case(version, seed * 7919 + version as u64);
            runs += 1;
        }
    }
    println!("property runs: {runs}");
}
