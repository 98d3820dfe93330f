//! The story so far: the narration beats reached by now, each with the first interesting events
//! that happened after it (before the next beat), for the narration's history list.

use crate::state::Engine;

/// Interesting events listed under one beat, at most.
pub const EVENTS_PER_BEAT: usize = 3;

/// One interesting event under a beat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatEvent {
    pub seq: u64,
    pub at_ms: u64,
    /// The node's name as the page shows it (`s1`, a client's name).
    pub node: String,
    pub explain: String,
}

/// A narration beat reached by now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    pub at_ms: u64,
    pub text: String,
    /// The first interesting events from this beat up to the next one (or now), as far as the
    /// log goes back (its last [`crate::state::LOG_WINDOW`] events).
    pub events: Vec<BeatEvent>,
    /// Interesting events in that stretch beyond [`EVENTS_PER_BEAT`].
    pub more: usize,
}

/// The beats at or before now, oldest first.
pub fn beats(engine: &Engine) -> Vec<Beat> {
    let now = engine.now_ms();
    let mut beats: Vec<Beat> = engine
        .scenario()
        .narration
        .iter()
        .filter(|n| n.at_ms <= now)
        .map(|n| Beat {
            at_ms: n.at_ms,
            text: n.text.clone(),
            events: Vec::new(),
            more: 0,
        })
        .collect();
    if beats.is_empty() {
        return beats;
    }
    let world = engine.world();
    for e in engine.log() {
        if !e.kind.is_interesting() || e.explain.is_empty() {
            continue;
        }
        // The last beat at or before the event.
        let i = beats.partition_point(|b| b.at_ms <= e.at_ms);
        let Some(beat) = i.checked_sub(1).and_then(|i| beats.get_mut(i)) else {
            continue;
        };
        if beat.events.len() < EVENTS_PER_BEAT {
            beat.events.push(BeatEvent {
                seq: e.seq,
                at_ms: e.at_ms,
                node: world.node_name(&e.node),
                explain: e.explain.clone(),
            });
        } else {
            beat.more += 1;
        }
    }
    beats
}
