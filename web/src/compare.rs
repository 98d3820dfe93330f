//! Versions side by side (`&vs=<version>`, DESIGN.md "Compare"): the scenario on screen run
//! again under another version profile, both on one time axis, and the first event where the two
//! runs part ways, in words.
//!
//! The runs and the divergence are the core's (`zksim::diff`, the same as `zksim diff` in the
//! CLI); this module only turns them into what the Compare tab draws and parses the `vs`
//! parameter of a fragment, without the browser, so the browser tests can call it directly.

use zksim::Version;
use zksim::diff::{Diff, diff};
use zksim::scenario::Scenario;
use zksim::trace::{Category, TraceEvent};
use zksim::world::World;

use crate::fmt::secs;

/// A lane draws at most this many marks: a ten-minute run has thousands of interesting events,
/// and an SVG of that many elements makes the tab slow for nothing a reader could tell apart.
pub const MARKS_PER_LANE_MAX: usize = 400;

/// The version names the page offers, from the core's one list.
pub fn version_names() -> Vec<&'static str> {
    Version::ALL.iter().map(|v| v.name()).collect()
}

/// What a fragment's `vs` parameter asks for: nothing, a version zksim knows, or the words of
/// the refusal for one it does not.
pub fn vs_param(hash: &str) -> Option<Result<Version, String>> {
    let value = hash
        .trim_start_matches('#')
        .split('&')
        .find_map(|p| p.strip_prefix("vs="))?;
    Some(Version::parse(value).ok_or_else(|| {
        format!(
            "this link asks to compare with version {}, which zksim does not model (it knows {}). \
             The scenario opened without the comparison",
            crate::plain::quoted(value),
            version_names().join(", ")
        )
    }))
}

/// `hash` with its `vs` parameter set to `vs` (or removed for `None`); the other parameters stay
/// in their order.
pub fn with_vs(hash: &str, vs: Option<&str>) -> String {
    let mut parts: Vec<String> = hash
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("vs="))
        .map(str::to_string)
        .collect();
    if let Some(v) = vs {
        parts.push(format!("vs={v}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("#{}", parts.join("&"))
    }
}

/// One event drawn on a lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub at_ms: u64,
    /// A CSS class name for its kind (`session`, `moved`, `client`, ...).
    pub kind: &'static str,
    /// What the event's tooltip says: node and explanation.
    pub text: String,
}

/// What a client ended with in one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEnd {
    pub name: String,
    pub state: &'static str,
    pub events: String,
}

/// One run: its version, its lane and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub version: &'static str,
    pub marks: Vec<Mark>,
    /// How many interesting events the run had, when more than the lane draws.
    pub marks_total: usize,
    pub clients: Vec<ClientEnd>,
    /// `0x…: closed`, one per session the run minted, with `ID COLLISION` where it collides.
    pub sessions: Vec<String>,
    pub trace_hash: String,
}

/// Where the runs part, as the page words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parting {
    /// The earlier of the two differing events' times.
    pub at_ms: u64,
    /// What each run did there (`None`: that run had already ended).
    pub a: Option<String>,
    pub b: Option<String>,
}

/// The Compare tab's whole content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compare {
    pub a: Side,
    pub b: Side,
    /// The time axis: the later of the two runs' ends.
    pub until_ms: u64,
    /// How many behavioural events agree before the runs part (all of them when they do not).
    pub agreed: usize,
    pub parting: Option<Parting>,
}

impl Compare {
    /// Runs `scenario` as it is and under `vs`, to its end.
    pub fn of(scenario: &Scenario, vs: Version) -> Compare {
        let d = diff(scenario, vs, None);
        Compare::from_diff(&d)
    }

    fn from_diff(d: &Diff) -> Compare {
        let agreed = match &d.divergence {
            Some(v) => v.index,
            None => behaviour_count(&d.a),
        };
        let parting = d.divergence.as_ref().map(|v| {
            let said = |w: &World, e: &Option<TraceEvent>| {
                e.as_ref()
                    .map(|e| format!("{} [{}] {}", secs(e.at_ms), w.node_name(&e.node), e.explain))
            };
            let at_ms = match (&v.a, &v.b) {
                (Some(x), Some(y)) => x.at_ms.min(y.at_ms),
                (Some(x), None) | (None, Some(x)) => x.at_ms,
                (None, None) => 0,
            };
            Parting {
                at_ms,
                a: said(&d.a, &v.a),
                b: said(&d.b, &v.b),
            }
        });
        Compare {
            until_ms: d.a.now_ms().max(d.b.now_ms()).max(1),
            a: side(&d.a),
            b: side(&d.b),
            agreed,
            parting,
        }
    }

    /// One or two sentences for the top of the tab.
    pub fn verdict(&self) -> String {
        let (a, b) = (self.a.version, self.b.version);
        match &self.parting {
            None => format!(
                "{a} and {b} run this scenario alike: all {} events happen at the same times, \
                 on the same nodes.",
                self.agreed
            ),
            Some(p) => format!(
                "{a} and {b} agree on the first {} events, then part ways at {}.",
                self.agreed,
                secs(p.at_ms)
            ),
        }
    }

    /// The clients whose end differs between the runs, by name.
    pub fn clients_differing(&self) -> Vec<&str> {
        self.a
            .clients
            .iter()
            .zip(&self.b.clients)
            .filter(|(x, y)| x != y)
            .map(|(x, _)| x.name.as_str())
            .collect()
    }
}

fn behaviour_count(w: &World) -> usize {
    w.trace()
        .events()
        .iter()
        .filter(|e| e.kind.category() != Category::Log)
        .count()
}

fn kind_class(c: Category) -> &'static str {
    match c {
        Category::Server => "server",
        Category::Session => "session",
        Category::Bucket => "bucket",
        Category::Revalidate => "revalidate",
        Category::SessionMoved => "moved",
        Category::Client => "client",
        _ => "other",
    }
}

fn side(w: &World) -> Side {
    let interesting: Vec<&TraceEvent> = w
        .trace()
        .events()
        .iter()
        .filter(|e| e.kind.is_interesting())
        .collect();
    let marks = interesting
        .iter()
        .take(MARKS_PER_LANE_MAX)
        .map(|e| Mark {
            at_ms: e.at_ms,
            kind: kind_class(e.kind.category()),
            text: format!("{} [{}] {}", secs(e.at_ms), w.node_name(&e.node), e.explain),
        })
        .collect();
    Side {
        version: w.profile().name,
        marks,
        marks_total: interesting.len(),
        clients: w
            .client_views()
            .into_iter()
            .map(|c| ClientEnd {
                name: c.name,
                state: c.state,
                events: if c.events.is_empty() {
                    "none".into()
                } else {
                    c.events.join(", ")
                },
            })
            .collect(),
        sessions: w
            .session_views()
            .iter()
            .map(|s| {
                format!(
                    "{}: {}{}",
                    zksim::ids::hex(s.id),
                    s.state,
                    if s.collides { " (ID COLLISION)" } else { "" }
                )
            })
            .collect(),
        trace_hash: w.trace_hash(),
    }
}

/// The ticks of a time axis of `until_ms`: 0 and every multiple of the smallest round step
/// (1, 2 or 5 × a power of ten, in ms) that cuts the axis into at most `max_ticks` steps.
pub fn axis_ticks_ms(until_ms: u64, max_ticks: u64) -> Vec<u64> {
    let max_ticks = max_ticks.max(1);
    let mut step = 1u64;
    'find: for power in 0..15u32 {
        for m in [1u64, 2, 5] {
            step = m * 10u64.pow(power);
            if until_ms / step <= max_ticks {
                break 'find;
            }
        }
    }
    (0..=until_ms / step).map(|i| i * step).collect()
}
