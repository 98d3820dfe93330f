//! Client belief and server truth, per client handle, on one time axis: what the handle
//! believes (`ZooKeeper.States` and the last watcher event: CONNECTING, CONNECTED, Disconnected,
//! Expired, CLOSED) against what the leader's tracker holds for the session that handle has
//! (open with its owner, closing, expired, closed), and the spans where the two disagree.
//!
//! Most of ZooKeeper's client-side surprises live in those spans: a frozen or partitioned
//! client still "CONNECTED" to a session the leader has expired (two lock holders after a GC
//! pause), or a 3.9.3 handle that expired its own session (ZOOKEEPER-4508) while the leader
//! still holds it and its ephemerals. The page draws [`Lanes`] as its "Belief and truth" tab.
//!
//! A run is stepped once, to its end; the two sides are read from the world's own views
//! ([`World::client_views`], [`World::session_views`]) after every event that can change them
//! (a session, owner, client, SessionMoved or REVALIDATE event, or an expired bucket), not from
//! the log, so they are exactly what the Session IDs view would show at that moment.

use crate::ids::{SessionId, hex};
use crate::scenario::Scenario;
use crate::trace::{Category, EventKind, TraceEvent};
use crate::world::World;

/// What one side shows over a span of virtual time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub from_ms: u64,
    pub to_ms: u64,
    /// What is drawn on the span, for example `CONNECTED` or `open · owner s2`.
    pub label: String,
    /// A class for its colour: `connecting`, `connected`, `closed`, `none` (belief);
    /// `open`, `closing`, `expired`, `closed`, `none` (truth).
    pub kind: &'static str,
}

/// Why the two sides disagree over a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disagreement {
    /// The handle is CONNECTED or CONNECTING with a session the leader has expired or closed.
    StaleBelief,
    /// The handle is gone (killed) or has given its session up (CLOSED) while the leader still
    /// holds it, ephemerals and all.
    Abandoned,
}

impl Disagreement {
    /// One sentence, in plain words first.
    pub fn sentence(self) -> &'static str {
        match self {
            Disagreement::StaleBelief => {
                "The client still believes in its session; the leader has already ended it \
                 (its ephemerals are gone, another client may hold its lock)."
            }
            Disagreement::Abandoned => {
                "The client is gone or has given its session up; the leader still holds it, \
                 and its ephemerals stay until the session expires."
            }
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Disagreement::StaleBelief => "stale",
            Disagreement::Abandoned => "abandoned",
        }
    }
}

/// A span where the two sides disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreeing {
    pub from_ms: u64,
    pub to_ms: u64,
    pub why: Disagreement,
    /// The session, as ZooKeeper prints it.
    pub session: String,
}

/// One client handle's two rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientLane {
    pub client: String,
    pub belief: Vec<Span>,
    pub truth: Vec<Span>,
    pub disagreeing: Vec<Disagreeing>,
}

/// The whole picture: every client's lane over the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lanes {
    pub until_ms: u64,
    pub clients: Vec<ClientLane>,
}

/// What a side shows at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shown {
    label: String,
    kind: &'static str,
}

fn changes_a_side(e: &TraceEvent) -> bool {
    matches!(
        e.kind.category(),
        Category::Session
            | Category::Owner
            | Category::Client
            | Category::SessionMoved
            | Category::Revalidate
    ) || matches!(e.kind, EventKind::BucketExpired { sessions, .. } if sessions > 0)
}

/// One client at one moment: its belief, the truth about its session, and why they disagree.
struct Sample {
    client: String,
    belief: Shown,
    truth: Shown,
    why: Option<(Disagreement, SessionId)>,
}

/// Both sides of every client at the world's present moment, and whether they disagree.
fn sample(w: &World) -> Vec<Sample> {
    let sessions = w.session_views();
    w.client_views()
        .into_iter()
        .map(|c| {
            let last_event = c.events.last().copied();
            let belief = match (c.state, last_event) {
                ("CONNECTING", Some("Disconnected")) => Shown {
                    label: "CONNECTING (Disconnected)".into(),
                    kind: "connecting",
                },
                ("CLOSED", Some("Expired")) => Shown {
                    label: "CLOSED (Expired)".into(),
                    kind: "closed",
                },
                ("CONNECTING", _) => Shown {
                    label: "CONNECTING".into(),
                    kind: "connecting",
                },
                ("CONNECTED", _) if c.frozen => Shown {
                    label: "CONNECTED (frozen)".into(),
                    kind: "connected",
                },
                ("CONNECTED", _) => Shown {
                    label: "CONNECTED".into(),
                    kind: "connected",
                },
                ("CLOSED", _) | ("KILLED", _) => Shown {
                    label: c.state.into(),
                    kind: "closed",
                },
                (other, _) => Shown {
                    label: other.into(),
                    kind: "none",
                },
            };
            let id = c.session_id;
            // Two records share an ID after a 3.4.5 collision: the open one is the one the
            // tracker holds.
            let view = (id != 0)
                .then(|| {
                    let mut same = sessions.iter().filter(|s| s.id == id);
                    let first = same
                        .clone()
                        .find(|s| s.state == "open" || s.state == "closing");
                    first.or_else(|| same.next_back())
                })
                .flatten();
            let truth = match view {
                None => Shown {
                    label: "no session".into(),
                    kind: "none",
                },
                Some(s) => match s.state {
                    "open" => Shown {
                        label: match &s.owner {
                            Some(o) => format!("open · owner {o}"),
                            None => "open · no leader serving".into(),
                        },
                        kind: "open",
                    },
                    other => Shown {
                        label: other.into(),
                        kind: match other {
                            "closing" => "closing",
                            "expired" => "expired",
                            _ => "closed",
                        },
                    },
                },
            };
            let alive_belief = matches!(belief.kind, "connected" | "connecting");
            let why = match (alive_belief, truth.kind) {
                (true, "expired" | "closed") => Some(Disagreement::StaleBelief),
                (false, "open") if belief.kind == "closed" => Some(Disagreement::Abandoned),
                _ => None,
            };
            Sample {
                client: c.name,
                belief,
                truth,
                why: why.map(|d| (d, id)),
            }
        })
        .collect()
}

/// Builds the spans of one side from its samples, closing the last at `end_ms`.
fn extend(spans: &mut Vec<Span>, at_ms: u64, shown: &Shown) {
    if let Some(last) = spans.last_mut() {
        if last.label == shown.label && last.kind == shown.kind {
            return;
        }
        last.to_ms = at_ms;
    }
    spans.push(Span {
        from_ms: at_ms,
        to_ms: at_ms,
        label: shown.label.clone(),
        kind: shown.kind,
    });
}

/// A disagreement that has started and not ended yet: why, the session, since when.
type Open = Option<(Disagreement, SessionId, u64)>;

impl ClientLane {
    fn new(client: String) -> ClientLane {
        ClientLane {
            client,
            belief: Vec::new(),
            truth: Vec::new(),
            disagreeing: Vec::new(),
        }
    }

    /// Ends the disagreement `open` (if any) at `to_ms`.
    fn close(&mut self, open: &mut Open, to_ms: u64) {
        if let Some((why, session, from_ms)) = open.take() {
            self.disagreeing.push(Disagreeing {
                from_ms,
                to_ms,
                why,
                session: hex(session),
            });
        }
    }
}

impl Lanes {
    /// Runs `scenario` to its end and reads both sides after every event that can change them.
    pub fn of(scenario: &Scenario) -> Lanes {
        let mut w = World::new(scenario, true);
        let mut lanes: Vec<ClientLane> = w
            .client_views()
            .into_iter()
            .map(|c| ClientLane::new(c.name))
            .collect();
        let mut open: Vec<Open> = vec![None; lanes.len()];
        let mut take = |w: &World, lanes: &mut Vec<ClientLane>| {
            let now = w.now_ms();
            for (i, sample) in sample(w).into_iter().enumerate() {
                let Sample {
                    client,
                    belief,
                    truth,
                    why,
                } = sample;
                // A client added by an act later in the run: its lane starts then.
                if i >= lanes.len() {
                    lanes.push(ClientLane::new(client));
                    open.push(None);
                }
                let lane = &mut lanes[i];
                extend(&mut lane.belief, now, &belief);
                extend(&mut lane.truth, now, &truth);
                let current = open[i].map(|(d, s, _)| (d, s));
                if current != why {
                    lane.close(&mut open[i], now);
                    open[i] = why.map(|(d, s)| (d, s, now));
                }
            }
        };
        take(&w, &mut lanes);
        let until = w.until_ms();
        while w.next_event_ms().is_some_and(|at| at <= until) {
            w.step();
            let events = w.drain_trace_events();
            if events.iter().any(changes_a_side) {
                take(&w, &mut lanes);
            }
        }
        w.run_until(until);
        let end = w.now_ms();
        for (i, lane) in lanes.iter_mut().enumerate() {
            for spans in [&mut lane.belief, &mut lane.truth] {
                if let Some(last) = spans.last_mut() {
                    last.to_ms = end;
                }
            }
            lane.close(&mut open[i], end);
        }
        Lanes {
            until_ms: end.max(1),
            clients: lanes,
        }
    }
}

#[cfg(test)]
mod tests;
