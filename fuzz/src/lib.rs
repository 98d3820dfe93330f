//! What the fuzz targets check: the properties every input from outside must keep, whatever its
//! bytes. libFuzzer (`fuzz_targets/`) picks the inputs by coverage; this crate says what "no
//! crash" means for each door of the simulator, so a target is one call.
//!
//! ```text
//!   bytes ──► link text ─────────────┐
//!        └──► DEFLATE stream ─► s=1. ┴─► link::decode ─┐   (link_decode)
//!   bytes ──► JSON text ─► Scenario::from_json ────────┼─► check_accepted
//!                     └──► its own link ─► decode: the same answer   (scenario_read)
//!   bytes ──► from_json(BROWSER) ─► World::new ─► step … until_ms    (scenario_run)
//! ```
//!
//! The properties are those of the seeded mutation loop that `crates/zksim/tests/links.rs` ran
//! before, without its sampling (a fuzz target must answer the same for the same bytes):
//!
//! * decoding answers `Ok` or `Err`, never panics; an error names its part (`link: ...` or
//!   `scenario: <field>: ...`, a scenario error a non-empty path and message);
//! * whatever is accepted round-trips: `from_json(to_json(s)) == s`, the canonical form is a
//!   fixed point, the pretty form reads back, `validate` agrees, and its own link (with a
//!   position at its end) opens to it again;
//! * a link's `t` is never past the scenario's end.
//!
//! Beside them, three that the loop did not have:
//!
//! * limits only refuse: what a tighter [`Limits`] accepts, a looser one accepts as the same
//!   scenario (so a link the page opens opens on the command line, `Limits::NATIVE`);
//! * a scenario read from its text and from a link of that text gives the same answer, error
//!   included (the two doors of the page share one reader);
//! * a whole run under `Limits::BROWSER` (as the page runs it: trace kept, drained in batches)
//!   reaches its `until_ms` without panicking, never moves the clock past it nor lingers at one
//!   millisecond forever, and hands back the scenario it was built from, which validates (what
//!   Share would put in a link).

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zksim::link::{self, Decoded, INFLATED_BYTES_MAX, LINK_BYTES_MAX, LinkError};
use zksim::scenario::{Limits, Scenario, ScenarioError};
use zksim::world::World;

/// Limits far below the browser's, so that every "more than N" branch of the reader is within
/// reach of inputs of a few KiB (the gallery's stories are 2 to 9 KiB).
pub const TIGHT: Limits = Limits {
    json_bytes_max: 16 * 1024,
    servers_max: 2,
    clients_max: 1,
    actions_max: 3,
    until_ms_max: 20_000,
    multi_ops_max: 2,
    narration_max: 1,
};

/// From tightest to loosest: each accepts at least what the one before it does.
pub const LIMITS_TIGHT_TO_LOOSE: [Limits; 3] = [TIGHT, Limits::BROWSER, Limits::NATIVE];

/// The page keeps the trace and moves it to its history in batches (`timeline.rs` drains every
/// 4096 events); the run does the same, so memory stays flat over a virtual day.
const DRAIN_BATCH_EVENTS: u64 = 4096;

/// Events at one virtual millisecond past which a run is taken to be stuck there. A real burst
/// (15 servers and 500 clients all connecting at 0) is thousands; a message loop with zero
/// latency would be endless, and this turns it into a finding with a message rather than a
/// libFuzzer timeout.
pub const EVENTS_AT_ONE_MS_MAX: u64 = 1_000_000;

/// The input as text. Invalid UTF-8 is replaced rather than skipped, so the bytes around it
/// are still read (neither door of the page sees anything but a `&str`).
pub fn text_of(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// `s=1.<payload>` for raw DEFLATE bytes: the fuzzer's bytes as the compressed stream itself.
pub fn link_of_deflate(deflated: &[u8]) -> String {
    format!("s=1.{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// `s=1.<payload>` carrying `text`, compressed (level 1: any stream opens, and it is cheap).
pub fn link_of_text(text: &str) -> String {
    link_of_deflate(&miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 1))
}

/// What every accepted scenario must satisfy under the limits that accepted it.
pub fn check_accepted(s: &Scenario, limits: &Limits) {
    let compact = s.to_json();
    let back = Scenario::from_json(&compact, limits)
        .unwrap_or_else(|e| panic!("canonical JSON does not read back: {e}\n{compact}"));
    assert_eq!(&back, s, "from_json(to_json(s)) != s");
    assert_eq!(
        back.to_json(),
        compact,
        "canonical form is not a fixed point"
    );
    let pretty = Scenario::from_json(&s.to_json_pretty(), limits)
        .unwrap_or_else(|e| panic!("pretty JSON does not read back: {e}"));
    assert_eq!(&pretty, s, "from_json(to_json_pretty(s)) != s");
    if let Err(e) = s.validate(limits) {
        panic!("an accepted scenario does not validate: {e}");
    }
    if link::fits(s) {
        let url = link::to_url("https://x/", s, Some(s.until_ms));
        let d = link::decode(&url, limits)
            .unwrap_or_else(|e| panic!("its own link does not open: {e}\n{url}"));
        assert_eq!(&d.scenario, s, "its own link opens to another scenario");
        assert_eq!(
            d.t_ms,
            Some(s.until_ms),
            "its own link opens at another time"
        );
    }
}

/// What every refusal of a scenario must say: where, and what.
pub fn check_scenario_error(e: &ScenarioError) {
    assert!(
        !e.path.is_empty() && !e.message.is_empty(),
        "a scenario error without a path or a message: {e:?}"
    );
}

/// Reads `text` as a scenario under `limits` and checks the answer.
pub fn check_scenario_text(text: &str, limits: &Limits) -> Result<Scenario, ScenarioError> {
    let read = Scenario::from_json(text, limits);
    match &read {
        Ok(s) => check_accepted(s, limits),
        Err(e) => check_scenario_error(e),
    }
    read
}

/// Decodes `input` as a link under `limits` and checks the answer.
pub fn check_link(input: &str, limits: &Limits) -> Result<Decoded, LinkError> {
    let decoded = link::decode(input, limits);
    match &decoded {
        Ok(d) => {
            check_accepted(&d.scenario, limits);
            assert!(
                d.t_ms.is_none_or(|t| t <= d.scenario.until_ms),
                "t {:?} past until_ms {}",
                d.t_ms,
                d.scenario.until_ms
            );
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(
                shown.starts_with("link: ") || shown.starts_with("scenario: "),
                "an error that names no part: {shown}"
            );
            if let LinkError::Scenario(e) = e {
                check_scenario_error(e);
            }
        }
    }
    decoded
}

/// Limits only refuse: `answers[i]` (under `LIMITS_TIGHT_TO_LOOSE[i]`) accepted means every
/// looser one accepted the same thing.
pub fn check_limits_only_refuse<T: PartialEq + std::fmt::Debug, E>(answers: &[Result<T, E>]) {
    for (i, tighter) in answers.iter().enumerate() {
        let Ok(accepted) = tighter else { continue };
        for (j, looser) in answers.iter().enumerate().skip(i + 1) {
            match looser {
                Ok(same) => assert_eq!(same, accepted, "limits {j} read another scenario"),
                Err(_) => panic!("accepted under limits {i}, refused under looser limits {j}"),
            }
        }
    }
}

/// `read` under each of [`LIMITS_TIGHT_TO_LOOSE`], checked to refuse only as limits tighten.
fn under_every_limit<T: PartialEq + std::fmt::Debug, E>(
    read: impl Fn(&Limits) -> Result<T, E>,
) -> Vec<Result<T, E>> {
    let answers: Vec<_> = LIMITS_TIGHT_TO_LOOSE.iter().map(read).collect();
    check_limits_only_refuse(&answers);
    answers
}

/// Where `Limits::BROWSER` stands in [`LIMITS_TIGHT_TO_LOOSE`].
const BROWSER_AT: usize = 1;

/// The link decoder on one input: the bytes as link text, and as the DEFLATE stream of a link.
pub fn link_decode(data: &[u8]) {
    let text = text_of(data);
    under_every_limit(|l| check_link(&text, l));
    let as_stream = link_of_deflate(data);
    under_every_limit(|l| check_link(&as_stream, l));
}

/// The scenario reader on one input: under each limits, and through a link of the same text.
pub fn scenario_read(data: &[u8]) {
    let text = text_of(data);
    let answers = under_every_limit(|l| check_scenario_text(&text, l));
    let url = link_of_text(&text);
    if text.len() <= INFLATED_BYTES_MAX && url.len() <= LINK_BYTES_MAX {
        let via_link = check_link(&url, &Limits::BROWSER);
        debug_assert_eq!(LIMITS_TIGHT_TO_LOOSE[BROWSER_AT], Limits::BROWSER);
        let direct = &answers[BROWSER_AT];
        match (direct, via_link) {
            (Ok(s), Ok(d)) => {
                assert_eq!(&d.scenario, s, "the link of a text reads another scenario");
                assert_eq!(d.t_ms, None);
            }
            (Err(e), Err(LinkError::Scenario(via))) => {
                assert_eq!(&via, e, "the link of a text is refused for another reason")
            }
            (direct, via) => panic!("text read {direct:?}, its link {via:?}"),
        }
    }
}

/// How a run went, for a caller that wants to look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ran {
    pub events: u64,
    pub end_ms: u64,
}

/// Runs an accepted scenario to its end as the page would, checking as it goes that it stays
/// within the limits it was accepted under.
pub fn run_to_end(s: &Scenario, limits: &Limits) -> Ran {
    // What the reader promised; the run's cost rests on these.
    assert!(
        s.servers.len() <= limits.servers_max,
        "servers past the limit"
    );
    assert!(
        s.clients.len() <= limits.clients_max,
        "clients past the limit"
    );
    assert!(
        s.actions.len() <= limits.actions_max,
        "actions past the limit"
    );
    assert!(
        s.narration.len() <= limits.narration_max,
        "narration past the limit"
    );
    assert!(s.until_ms <= limits.until_ms_max, "until_ms past the limit");
    let until_ms = s.until_ms;
    let mut w = World::new(s, true);
    assert_eq!(w.until_ms(), until_ms);
    let mut at_ms_last = 0;
    let mut events_at_ms = 0;
    while let Some(next_ms) = w.next_event_ms() {
        if next_ms > until_ms {
            break;
        }
        assert!(
            w.step(),
            "an event was due at {next_ms} ms, and step did nothing"
        );
        let now_ms = w.now_ms();
        assert!(
            now_ms <= until_ms,
            "the clock moved to {now_ms}, past until_ms {until_ms}"
        );
        assert!(
            now_ms >= at_ms_last,
            "the clock went back from {at_ms_last} to {now_ms}"
        );
        if now_ms == at_ms_last {
            events_at_ms += 1;
            assert!(
                events_at_ms <= EVENTS_AT_ONE_MS_MAX,
                "more than {EVENTS_AT_ONE_MS_MAX} events at {now_ms} ms: stuck there"
            );
        } else {
            (at_ms_last, events_at_ms) = (now_ms, 1);
        }
        if w.events_processed().is_multiple_of(DRAIN_BATCH_EVENTS) {
            w.drain_trace_events();
        }
    }
    w.run_until(until_ms);
    assert_eq!(w.now_ms(), until_ms, "the run did not end at until_ms");
    let shared = w.to_scenario();
    assert_eq!(
        &shared, s,
        "the world hands back another scenario than it ran"
    );
    if let Err(e) = shared.validate(limits) {
        panic!("the scenario of a finished run does not validate: {e}");
    }
    Ran {
        events: w.events_processed(),
        end_ms: w.now_ms(),
    }
}

/// A whole run on one input: read under `Limits::BROWSER`, and if accepted, run to the end.
pub fn scenario_run(data: &[u8]) {
    let text = text_of(data);
    let read = Scenario::from_json(&text, &Limits::BROWSER);
    let ran = read.as_ref().ok().map(|s| run_to_end(s, &Limits::BROWSER));
    if showing() {
        match (&read, ran) {
            (Ok(_), Some(ran)) => eprintln!("ran {} events to {} ms", ran.events, ran.end_ms),
            (Err(e), _) => eprintln!("refused: {e}"),
            _ => {}
        }
    }
}

/// `ZKSIM_FUZZ_SHOW=1`: say what each input did (when running a target on files by hand, to
/// see why an input was refused or how long its run was).
fn showing() -> bool {
    std::env::var_os("ZKSIM_FUZZ_SHOW").is_some_and(|v| v == "1")
}
