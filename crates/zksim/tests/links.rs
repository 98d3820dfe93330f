//! Links and scenarios from outside: old links must keep opening, and no input may crash.
//!
//! * `fixtures/links/*.txt` are links made by the first version of the link format, each beside
//!   the scenario it must decode to (`*.json`). They are never regenerated: a link shared today
//!   must open in every later version, and these are the proof.
//! * The fuzz loop mutates valid links and scenario JSON at every layer (link text, DEFLATE
//!   bytes, JSON text, JSON values) with a seeded PRNG and checks that decoding answers `Ok` or
//!   `Err` without panicking, and that whatever is accepted round-trips. `ZKSIM_FUZZ_RUNS` sets
//!   the number of runs (default 20,000, or 4,000 in a debug build) and `ZKSIM_FUZZ_SEED` the
//!   seed; the `#[ignore]`d
//!   `fuzz_a_million` is the long run (`cargo test --release -- --ignored fuzz_a_million`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use zksim::link::{self, Decoded, LinkError};
use zksim::scenario::{Limits, Scenario};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `(name, link, expected scenario JSON)` for every fixture link.
fn fixture_links() -> Vec<(String, String, String)> {
    let dir = fixtures().join("links");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".txt").map(str::to_string)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let link = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
            let json = std::fs::read_to_string(dir.join(format!("{name}.json")))
                .unwrap_or_else(|_| panic!("{name}.txt has no {name}.json beside it"));
            (name, link, json)
        })
        .collect()
}

#[test]
fn old_links_still_open() {
    let all = fixture_links();
    assert!(all.len() >= 4);
    for (name, link, json) in all {
        let expected = Scenario::from_json(&json, &Limits::BROWSER)
            .unwrap_or_else(|e| panic!("{name}.json: {e}"));
        let Decoded { scenario, t_ms } =
            link::decode(&link, &Limits::BROWSER).unwrap_or_else(|e| panic!("{name}.txt: {e}"));
        assert_eq!(scenario, expected, "{name}");
        let t_in_link = link
            .trim()
            .rsplit_once("&t=")
            .map(|(_, t)| t.parse::<u64>().unwrap());
        assert_eq!(t_ms, t_in_link, "{name}");
    }
}

#[test]
fn old_links_cover_every_input_form() {
    let links: Vec<String> = fixture_links().into_iter().map(|(_, l, _)| l).collect();
    assert!(links.iter().any(|l| l.starts_with("https://")));
    assert!(links.iter().any(|l| l.starts_with("#s=1.")));
    assert!(links.iter().any(|l| l.starts_with("s=1.")));
    assert!(links.iter().any(|l| l.starts_with("1.")));
    assert!(links.iter().any(|l| l.contains("&t=")));
}

#[test]
fn a_new_link_of_an_old_scenario_opens_to_the_same_scenario() {
    for (name, _, json) in fixture_links() {
        let s = Scenario::from_json(&json, &Limits::BROWSER).unwrap();
        let again = link::decode(&link::encode(&s), &Limits::BROWSER).unwrap();
        assert_eq!(again.scenario, s, "{name}");
    }
}

// ------------------------------------------------------------------------------------------------
// Fuzz
// ------------------------------------------------------------------------------------------------

/// SplitMix64: tiny, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIELD_NAMES: &[&str] = &[
    "format",
    "name",
    "description",
    "version",
    "seed",
    "tick_ms",
    "min_session_timeout_ms",
    "max_session_timeout_ms",
    "epoch_ms",
    "latency_ms",
    "init_limit",
    "sync_limit",
    "servers",
    "clients",
    "actions",
    "until_ms",
    "narration",
    "id",
    "clock_offset_ms",
    "uptime_ms",
    "start_ms",
    "session_timeout_ms",
    "at_ms",
    "do",
    "server",
    "client",
    "session_of",
    "path",
    "data",
    "ephemeral",
    "sequential",
    "version",
    "ops",
    "op",
    "style",
    "a",
    "b",
    "one_way",
    "by_ms",
    "from",
    "to",
    "kind",
    "count",
    "for_ms",
    "text",
    "x_extra",
    "bogus",
];

const STRINGS: &[&str] = &[
    "",
    "s1",
    "s2",
    "s3",
    "s0",
    "s256",
    "s01",
    "app-1",
    "app-2",
    "web",
    "worker",
    "/",
    "/a",
    "/a/",
    "//",
    "/a/../b",
    "/jobs/job-",
    "3.6",
    "3.4.5",
    "3.7",
    "connect",
    "create",
    "multi",
    "partition",
    "heal",
    "hold",
    "release",
    "drop",
    "delay",
    "kill",
    "close",
    "freeze",
    "exists-then-set",
    "delete-then-create",
    "check",
    "set_data",
    "REVALIDATE",
    "PING",
    "\u{0}",
    "é",
    "\u{1f600}",
    "\u{feff}",
    "x_y",
    "null",
    "1",
    "-1",
];

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 3 { 9 } else { 12 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(2)),
        2 => json!(*rng.pick(&[
            0i64,
            1,
            -1,
            2,
            3,
            7,
            255,
            256,
            1000,
            2000,
            4000,
            60000,
            86_400_000,
            i64::MIN,
            i64::MAX,
            9_007_199_254_740_992,
            -9_007_199_254_740_993,
            i32::MAX as i64,
            1_700_000_000_000
        ])),
        3 => json!(u64::MAX - rng.below(3) as u64),
        4 => json!(*rng.pick(&[1.5f64, -0.0, 1e300, 2000.0, -1e-9])),
        5 | 6 => Value::String(rng.pick(STRINGS).to_string()),
        7 => Value::String("ab/".repeat(rng.below(2000))),
        8 => json!(rng.next() >> rng.below(64)),
        9 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        10 => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(
                    rng.pick(FIELD_NAMES).to_string(),
                    random_value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
        _ => {
            let n = rng.below(200);
            serde_json::from_str(&format!("{}{}", "[".repeat(n), "]".repeat(n)))
                .unwrap_or(Value::Null)
        }
    }
}

/// A random node of `v`, to be changed in place.
fn random_node<'v>(rng: &mut Rng, v: &'v mut Value) -> &'v mut Value {
    let len = match &*v {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    if len == 0 || rng.chance(4) {
        return v;
    }
    let i = rng.below(len);
    match v {
        Value::Array(items) => random_node(rng, &mut items[i]),
        Value::Object(map) => random_node(rng, map.values_mut().nth(i).expect("i < len")),
        _ => unreachable!("a container"),
    }
}

fn mutate_value(rng: &mut Rng, root: &mut Value) {
    for _ in 0..1 + rng.below(3) {
        let node = random_node(rng, root);
        match rng.below(6) {
            0 | 1 => *node = random_value(rng, 0),
            2 => {
                if let Value::Object(map) = node
                    && !map.is_empty()
                {
                    let key = map
                        .keys()
                        .nth(rng.below(map.len()))
                        .cloned()
                        .unwrap_or_default();
                    map.remove(&key);
                }
            }
            3 => {
                if let Value::Object(map) = node {
                    map.insert(rng.pick(FIELD_NAMES).to_string(), random_value(rng, 0));
                }
            }
            4 => {
                if let Value::Array(items) = node
                    && !items.is_empty()
                {
                    let i = rng.below(items.len());
                    let copy = items[i].clone();
                    items.insert(rng.below(items.len() + 1), copy);
                }
            }
            _ => {
                if let Value::Array(items) = node
                    && items.len() > 1
                {
                    let (i, j) = (rng.below(items.len()), rng.below(items.len()));
                    items.swap(i, j);
                }
            }
        }
    }
}

const JSON_TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "1", "-", "0.5e", "\"x_\":",
    "\\u0000", "\\ud800", " ", "\u{ff}", "1e999",
];

fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, others: &[Vec<u8>], alphabet: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = *rng.pick(alphabet);
            }
            2 => bytes.truncate(rng.below(len + 1)),
            3 => {
                let other = rng.pick(others);
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                bytes.truncate(cut);
                bytes.extend_from_slice(&other[from..]);
            }
            4 => {
                let i = rng.below(len + 1);
                bytes.insert(i, *rng.pick(alphabet));
            }
            5 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below(len - i).min(64);
                bytes.drain(i..i + n);
            }
            6 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below(len - i).min(256);
                let copy: Vec<u8> = bytes[i..i + n].to_vec();
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, copy);
            }
            _ => {
                let token = rng.pick(JSON_TOKENS).as_bytes();
                let i = rng.below(len + 1);
                bytes.splice(i..i, token.iter().copied());
            }
        }
    }
}

fn corpus() -> Vec<Scenario> {
    let mut texts: Vec<String> = fixture_links().into_iter().map(|(_, _, j)| j).collect();
    texts.push(std::fs::read_to_string(fixtures().join("everything.json")).unwrap());
    texts
        .iter()
        .map(|t| Scenario::from_json(t, &Limits::BROWSER).unwrap())
        .collect()
}

/// What every accepted scenario must satisfy. The costlier checks (the pretty form, a link of
/// its own) run on a share of the inputs, picked by `rng`.
fn check_accepted(rng: &mut Rng, s: &Scenario, limits: &Limits) {
    let compact = s.to_json();
    let back = Scenario::from_json(&compact, limits).expect("canonical JSON reads back");
    assert_eq!(&back, s, "from_json(to_json(s)) == s");
    assert_eq!(back.to_json(), compact, "canonical form is a fixed point");
    if rng.chance(4) {
        let pretty = Scenario::from_json(&s.to_json_pretty(), limits).expect("pretty reads back");
        assert_eq!(&pretty, s);
    }
    if rng.chance(8) && link::fits(s) {
        let d = link::decode(&link::to_url("https://x/", s, Some(s.until_ms)), limits)
            .expect("its own link opens");
        assert_eq!(&d.scenario, s);
        assert_eq!(d.t_ms, Some(s.until_ms));
    }
}

fn check_scenario_text(rng: &mut Rng, text: &str, limits: &Limits, stats: &mut Stats) {
    match Scenario::from_json(text, limits) {
        Ok(s) => {
            stats.ok += 1;
            check_accepted(rng, &s, limits);
        }
        Err(e) => {
            stats.err += 1;
            assert!(!e.path.is_empty() && !e.message.is_empty(), "{e:?}");
        }
    }
}

fn check_link(rng: &mut Rng, input: &str, limits: &Limits, stats: &mut Stats) {
    match link::decode(input, limits) {
        Ok(d) => {
            stats.ok += 1;
            check_accepted(rng, &d.scenario, limits);
            assert!(d.t_ms.is_none_or(|t| t <= d.scenario.until_ms));
        }
        Err(e) => {
            stats.err += 1;
            let shown = e.to_string();
            assert!(
                shown.starts_with("link: ") || shown.starts_with("scenario: "),
                "{shown}"
            );
            if let LinkError::Scenario(e) = &e {
                assert!(!e.path.is_empty());
            }
        }
    }
}

fn link_of_bytes(raw: &[u8]) -> String {
    format!(
        "s=1.{}",
        URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(raw, 1))
    )
}

#[derive(Default)]
struct Stats {
    ok: u64,
    err: u64,
}

/// The seed scenarios, and each as a link, as DEFLATE bytes and as JSON.
struct Corpus {
    scenarios: Vec<Scenario>,
    links: Vec<Vec<u8>>,
    deflated: Vec<Vec<u8>>,
    json: Vec<Vec<u8>>,
}

impl Corpus {
    fn new() -> Corpus {
        let scenarios = corpus();
        Corpus {
            links: scenarios
                .iter()
                .map(|s| link::encode(s).into_bytes())
                .collect(),
            deflated: scenarios
                .iter()
                .map(|s| miniz_oxide::deflate::compress_to_vec(s.to_json().as_bytes(), 6))
                .collect(),
            json: scenarios.iter().map(|s| s.to_json().into_bytes()).collect(),
            scenarios,
        }
    }
}

/// One fuzz run: a seed scenario, a layer, a mutation, a check.
fn fuzz_one(rng: &mut Rng, corpus: &Corpus, stats: &mut Stats) {
    let limits = match rng.below(10) {
        0 => Limits::NATIVE,
        1 => Limits {
            servers_max: 2,
            clients_max: 1,
            actions_max: 3,
            until_ms_max: 20_000,
            multi_ops_max: 2,
            narration_max: 1,
            json_bytes_max: 600,
        },
        _ => Limits::BROWSER,
    };
    let i = rng.below(corpus.scenarios.len());
    let seed = &corpus.scenarios[i];
    let base64_alphabet =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.&#t1+/ \xc3";
    match rng.below(5) {
        // The link text.
        0 => {
            let mut bytes = corpus.links[i].clone();
            if rng.chance(2) {
                bytes.extend_from_slice(format!("&t={}", rng.next() % 100_000).as_bytes());
            }
            mutate_bytes(rng, &mut bytes, &corpus.links, base64_alphabet);
            check_link(rng, &String::from_utf8_lossy(&bytes), &limits, stats);
        }
        // The DEFLATE bytes.
        1 => {
            let mut deflated = corpus.deflated[i].clone();
            let all_bytes: Vec<u8> = (0..=255).collect();
            mutate_bytes(rng, &mut deflated, &corpus.deflated, &all_bytes);
            check_link(
                rng,
                &format!("s=1.{}", URL_SAFE_NO_PAD.encode(&deflated)),
                &limits,
                stats,
            );
        }
        // The JSON text, read directly and through a link.
        2 => {
            let mut text = if rng.chance(2) {
                seed.to_json_pretty().into_bytes()
            } else {
                seed.to_json().into_bytes()
            };
            let json_alphabet = b"{}[]\",:0123456789-.eEtrufalsn \\/xs_";
            mutate_bytes(rng, &mut text, &corpus.json, json_alphabet);
            check_scenario_text(rng, &String::from_utf8_lossy(&text), &limits, stats);
            if rng.chance(4) {
                check_link(rng, &link_of_bytes(&text), &limits, stats);
            }
        }
        // The JSON values: random values in random fields.
        _ => {
            let mut v: Value = serde_json::from_str(&seed.to_json()).unwrap();
            mutate_value(rng, &mut v);
            let text = if rng.chance(2) {
                v.to_string()
            } else {
                serde_json::to_string_pretty(&v).unwrap()
            };
            check_scenario_text(rng, &text, &limits, stats);
            if rng.chance(4) {
                check_link(rng, &link_of_bytes(text.as_bytes()), &limits, stats);
            }
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn fuzz(runs: u64) {
    let seed = env_u64("ZKSIM_FUZZ_SEED", 0x5eed_2a11_0000_0001);
    let corpus = Corpus::new();
    let mut rng = Rng(seed);
    let mut stats = Stats::default();
    let mut crashes: Vec<(u64, String)> = Vec::new();
    let started = std::time::Instant::now();
    for run in 0..runs {
        let before = rng.0;
        let outcome = catch_unwind(AssertUnwindSafe(|| fuzz_one(&mut rng, &corpus, &mut stats)));
        if let Err(panic) = outcome {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            crashes.push((run, format!("rng state {before:#x}: {why}")));
        }
    }
    println!(
        "fuzz: {runs} runs (seed {seed:#x}) in {:.1?}: {} inputs accepted, {} refused, {} crashes",
        started.elapsed(),
        stats.ok,
        stats.err,
        crashes.len()
    );
    assert!(
        stats.ok > 0 && stats.err > 0,
        "the fuzz reaches both outcomes"
    );
    assert!(crashes.is_empty(), "crashes: {crashes:#?}");
}

/// Runs by default: 20,000 in an optimized build; 4,000 in a debug build, where one run costs
/// about half a millisecond (unoptimized JSON parsing and DEFLATE), to keep `cargo test` to a
/// couple of seconds.
const DEFAULT_RUNS: u64 = if cfg!(debug_assertions) {
    4_000
} else {
    20_000
};

#[test]
fn fuzz_links_and_scenarios() {
    fuzz(env_u64("ZKSIM_FUZZ_RUNS", DEFAULT_RUNS));
}

/// The long run for a report: `cargo test --release --test links -- --ignored --nocapture`.
#[test]
#[ignore]
fn fuzz_a_million() {
    fuzz(env_u64("ZKSIM_FUZZ_RUNS", 1_000_000));
}
