//! Versions side by side: the same scenario under two profiles, and the first event where the
//! two runs part ways (`zksim diff SCENARIO --vs VERSION`, the page's `&vs=`).
//!
//! Only behaviour is compared: every typed trace event except the log-only notes, whose
//! wording differs between release lines by design (a 3.6 client logs its SASL status on a line
//! of its own) without anything happening differently. The first pair of events that differ in
//! time, node or kind is the divergence; its explanations say what each release did there.

use serde_json::{Value, json};

use crate::profile::Version;
use crate::scenario::Scenario;
use crate::trace::{EventKind, TraceEvent};
use crate::world::World;

/// Where two runs of one scenario first differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Index among the behavioural events (notes left out) of both runs.
    pub index: usize,
    /// What each run did there; `None` when that run had already ended.
    pub a: Option<TraceEvent>,
    pub b: Option<TraceEvent>,
}

/// Both runs and their first divergence.
pub struct Diff {
    pub a: World,
    pub b: World,
    pub divergence: Option<Divergence>,
}

/// Runs `scenario` as written and again under `vs`, each to its end (or `until_ms`), and finds
/// the first behavioural event where they differ.
pub fn diff(scenario: &Scenario, vs: Version, until_ms: Option<u64>) -> Diff {
    let mut other = scenario.clone();
    other.version = vs;
    let a = crate::report::run_scenario(scenario, until_ms, true);
    let b = crate::report::run_scenario(&other, until_ms, true);
    let divergence = first_divergence(&a, &b);
    Diff { a, b, divergence }
}

fn behaviour(w: &World) -> impl Iterator<Item = &TraceEvent> {
    w.trace()
        .events()
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Note))
}

/// The first behavioural event (time, node, kind) where two runs differ, if any.
pub fn first_divergence(a: &World, b: &World) -> Option<Divergence> {
    let mut ia = behaviour(a);
    let mut ib = behaviour(b);
    let mut index = 0;
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return None,
            (x, y) => {
                let same = matches!((x, y), (Some(p), Some(q))
                    if p.at_ms == q.at_ms && p.node == q.node && p.kind == q.kind);
                if !same {
                    return Some(Divergence {
                        index,
                        a: x.cloned(),
                        b: y.cloned(),
                    });
                }
            }
        }
        index += 1;
    }
}

fn event_json(w: &World, e: &Option<TraceEvent>) -> Value {
    match e {
        None => Value::Null,
        Some(e) => json!({
            "at_ms": e.at_ms,
            "node": w.node_name(&e.node),
            "explain": e.explain,
        }),
    }
}

/// `zksim diff --json`: both reports and the first divergence (null when the runs agree).
pub fn report(d: &Diff) -> Value {
    json!({
        "format": 1,
        "a": crate::report::report(&d.a),
        "b": crate::report::report(&d.b),
        "first_divergence": d.divergence.as_ref().map(|v| json!({
            "index": v.index,
            "a": event_json(&d.a, &v.a),
            "b": event_json(&d.b, &v.b),
        })),
    })
}
