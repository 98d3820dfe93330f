//! A scenario as a timeline you can move along: checkpoints, seek, step to the next beat, and
//! the bounded history of events that the log shows.
//!
//! The page (and anything else that scrubs through a run) holds one [`Timeline`]. It owns the
//! live [`World`] (where "now" is), the checkpoints (clones of the world at regular virtual
//! times), and the [`History`] of every event recorded so far, by trace `seq`.
//!
//! ```text
//!   new(scenario) ──▶ origin (World::new) ──┬──▶ live world ──run_to──▶ now
//!                                           │        │ drain events
//!                                           │        ▼
//!                                           │   history (by trace seq, from every world)
//!                                           ▼
//!   precompute (a shadow world, in idle time) ──▶ checkpoints every `checkpoint_ms`
//!   seek(t): the latest checkpoint ≤ t, run_to(t); the log is the history up to now
//!   apply(kind) at now: World::apply_within; every checkpoint is rebuilt from to_scenario()
//! ```
//!
//! The run is deterministic, so event `seq` is the same event whichever world computed it: the
//! live world and the precompute both feed one history, and [`Timeline::log`] is always the
//! last [`LOG_WINDOW`] events before now, whether the caller played there or seeked there. A
//! seek that lands where the history has a hole recomputes it from an earlier checkpoint.
//!
//! Checkpoints are clones of a drained world (no kept events), so they stay light. An action
//! rewrites history from the scenario's point of view (a shared link replays it from time 0), so
//! after one the checkpoints are recomputed from `to_scenario()`: seeking back before the action
//! and playing forward runs it again, as the link would.
//!
//! Nothing here is ZooKeeper behaviour: it only decides which world is current and how it
//! moves. What is the page's (play speed, selection, banners, plain-language refusals) stays in
//! the web crate.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use crate::scenario::{ActionKind, Limits, Scenario};
use crate::trace::TraceEvent;
use crate::world::{ActionError, World};

/// The log: the last this many events before now (the views show recent ones).
pub const LOG_WINDOW: u64 = 5_000;
/// Events the history keeps at most (the log window and what was computed around it).
pub const HISTORY_MAX: usize = 60_000;
/// Checkpoints per scenario, at most (memory: each is a world clone).
pub const CHECKPOINTS_MAX: u64 = 150;
/// The smallest checkpoint spacing, in virtual ms.
pub const CHECKPOINT_MS_MIN: u64 = 1_000;
/// How many raw world steps a step search takes before giving up.
pub const STEP_SEARCH_MAX: u64 = 2_000_000;
/// While a world is rebuilt or recomputed, its kept events move to the history in batches of
/// this many (a long recompute must not hold them all at once).
const DRAIN_BATCH_EVENTS: usize = 4096;

/// Every event any world of this scenario recorded, by `seq`: a contiguous run from `base`.
#[derive(Default)]
pub struct History {
    base: u64,
    events: VecDeque<Rc<TraceEvent>>,
}

impl History {
    fn starting_at(base: u64) -> History {
        History {
            base,
            events: VecDeque::new(),
        }
    }

    /// The first seq held.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// One past the last seq held.
    pub fn end(&self) -> u64 {
        self.base + self.events.len() as u64
    }

    /// Whether every seq in `from..to` is held.
    pub fn covers(&self, from: u64, to: u64) -> bool {
        from >= to || (self.base <= from && to <= self.end())
    }

    /// Takes a world's drained events: those that extend the history are kept, those it has
    /// already are skipped (the same seq is the same event), and after a hole nothing is.
    pub fn record(&mut self, events: Vec<TraceEvent>) {
        for e in events {
            if self.events.is_empty() && e.seq != self.base {
                self.base = e.seq;
            }
            if e.seq == self.end() {
                self.events.push_back(Rc::new(e));
            }
        }
    }

    /// Forgets everything from `seq` on (a future that an act changed).
    pub fn truncate(&mut self, seq: u64) {
        let keep = seq.saturating_sub(self.base).min(self.events.len() as u64);
        self.events.truncate(keep as usize);
        if self.events.is_empty() {
            self.base = self.base.min(seq);
        }
    }

    /// The events with seq in `from..to` that are held, oldest first.
    pub fn range(
        &self,
        from: u64,
        to: u64,
    ) -> std::collections::vec_deque::Iter<'_, Rc<TraceEvent>> {
        let lo = from.clamp(self.base, self.end()) - self.base;
        let hi = to.clamp(self.base, self.end()) - self.base;
        self.events.range(lo as usize..hi.max(lo) as usize)
    }

    pub fn get(&self, seq: u64) -> Option<&Rc<TraceEvent>> {
        seq.checked_sub(self.base)
            .and_then(|i| self.events.get(i as usize))
    }

    /// Bounds memory: drops the oldest events before `keep_from`, then what lies beyond
    /// `keep_to` (computed ahead), never the window between them.
    pub fn trim(&mut self, keep_from: u64, keep_to: u64) {
        if self.events.len() <= HISTORY_MAX {
            return;
        }
        let target = HISTORY_MAX * 3 / 4;
        while self.events.len() > target && self.base < keep_from {
            self.events.pop_front();
            self.base += 1;
        }
        while self.events.len() > target && self.end() > keep_to {
            self.events.pop_back();
        }
    }
}

#[derive(Clone)]
struct Checkpoint {
    world: World,
    /// `world.trace().len()`: the seq of the first event after this checkpoint.
    seq: u64,
}

/// Where a step search stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stepped {
    /// Whether time or the trace moved.
    pub moved: bool,
    /// The event it stopped at: the one that met the condition, or the last one at the beat
    /// (`None` if nothing happened at the beat).
    pub event: Option<u64>,
}

/// Why an act was not done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Now is the end of the timeline and the limits do not let it move: nothing done now
    /// could play out.
    AtEnd { until_max_ms: u64 },
    /// The scenario's validator refused the action.
    Invalid(ActionError),
}

/// What an act did beside itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The act was near the end, so the end moved here (virtual ms).
    pub extended_to_ms: Option<u64>,
}

/// A scenario's run as a timeline: now, the checkpoints, and the history.
pub struct Timeline {
    /// The scenario as opened or as rebuilt after the last action (time 0 of the checkpoints).
    scenario: Scenario,
    world: World,
    history: History,
    /// The seq of the first event the origin world did not record (0 unless it records some
    /// while being built); nothing before it can be shown.
    origin_seq: u64,
    checkpoints: BTreeMap<u64, Checkpoint>,
    checkpoint_ms: u64,
    /// The precompute's world and where it is; `None` once it reached `until_ms`.
    shadow: Option<World>,
}

fn checkpoint_ms_for(until_ms: u64) -> u64 {
    (until_ms / CHECKPOINTS_MAX).max(CHECKPOINT_MS_MIN)
}

impl Timeline {
    /// Opens a scenario at time 0.
    pub fn new(scenario: Scenario) -> Timeline {
        let world = World::new(&scenario, true);
        let checkpoint_ms = checkpoint_ms_for(scenario.until_ms);
        let mut t = Timeline {
            scenario,
            world,
            history: History::default(),
            origin_seq: 0,
            checkpoints: BTreeMap::new(),
            checkpoint_ms,
            shadow: None,
        };
        t.reset_checkpoints();
        t.drain();
        t
    }

    // ----- reading -----

    /// The world at now.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The scenario as opened, or as rebuilt after the last act.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn now_ms(&self) -> u64 {
        self.world.now_ms()
    }

    pub fn until_ms(&self) -> u64 {
        self.world.until_ms().max(self.world.now_ms())
    }

    pub fn at_end(&self) -> bool {
        self.world.now_ms() >= self.world.until_ms()
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// The log: the last [`LOG_WINDOW`] events before now, oldest first. The same at a moment
    /// however the timeline got there.
    pub fn log(&self) -> std::collections::vec_deque::Iter<'_, Rc<TraceEvent>> {
        let to = self.world.trace().len();
        self.history.range(to.saturating_sub(LOG_WINDOW), to)
    }

    /// An event of the log by seq (`None` if it is not in the log at this moment).
    pub fn event(&self, seq: u64) -> Option<&TraceEvent> {
        let to = self.world.trace().len();
        (seq < to && seq + LOG_WINDOW >= to)
            .then(|| self.history.get(seq))
            .flatten()
            .map(|e| &**e)
    }

    /// Virtual time up to which seeking is served by a checkpoint.
    pub fn precomputed_ms(&self) -> u64 {
        match &self.shadow {
            Some(w) => w.now_ms(),
            None => self.until_ms(),
        }
    }

    /// Whether [`Timeline::precompute`] has more to do.
    pub fn precomputing(&self) -> bool {
        self.shadow.is_some()
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The latest narration entry at or before now, with its time.
    pub fn narration(&self) -> Option<(u64, &str)> {
        self.scenario
            .narration
            .iter()
            .rev()
            .find(|n| n.at_ms <= self.world.now_ms())
            .map(|n| (n.at_ms, n.text.as_str()))
    }

    /// The next beat: the earliest narration entry, action or end of the scenario that is
    /// after now, or at now while events of now are still to run.
    pub fn next_beat_ms(&self) -> u64 {
        let now = self.world.now_ms();
        let until = self.world.until_ms().max(now);
        let pending_now = self.world.next_event_ms().is_some_and(|at| at <= now);
        let ahead = |t: u64| t > now || (t == now && pending_now);
        let narration = self.scenario.narration.iter().map(|n| n.at_ms);
        let actions = self.world.actions().iter().map(|a| a.at_ms);
        narration
            .chain(actions)
            .filter(|t| ahead(*t) && *t <= until)
            .min()
            .unwrap_or(until)
    }

    // ----- moving through time -----

    /// Moves the live world's new events into the history.
    fn drain(&mut self) {
        let events = self.world.drain_trace_events();
        self.history.record(events);
        self.trim();
    }

    fn trim(&mut self) {
        let now = self.world.trace().len();
        self.history.trim(now.saturating_sub(LOG_WINDOW), now);
    }

    /// Makes sure the history holds the whole log window before now, recomputing the part it
    /// lacks from the latest checkpoint before that part.
    fn ensure_window(&mut self) {
        let to = self.world.trace().len();
        let from = to.saturating_sub(LOG_WINDOW).max(self.origin_seq);
        if self.history.covers(from, to) {
            return;
        }
        let Some(cp) = self
            .checkpoints
            .values()
            .take_while(|c| c.seq <= from)
            .last()
            .or_else(|| self.checkpoints.values().next())
        else {
            return;
        };
        let mut w = cp.world.clone();
        w.set_keep_trace(true);
        let mut fresh = History::starting_at(cp.seq);
        while w.trace().len() < to && w.step() {
            if w.trace().events().len() >= DRAIN_BATCH_EVENTS {
                fresh.record(w.drain_trace_events());
            }
        }
        fresh.record(w.drain_trace_events());
        // Keep what was known beyond, if it joins on.
        if self.history.base <= fresh.end() {
            let tail: Vec<Rc<TraceEvent>> =
                self.history.range(fresh.end(), u64::MAX).cloned().collect();
            fresh.events.extend(tail);
        }
        self.history = fresh;
        self.trim();
    }

    fn remember(&mut self, t_ms: u64) {
        if let std::collections::btree_map::Entry::Vacant(slot) = self.checkpoints.entry(t_ms) {
            slot.insert(Checkpoint {
                world: self.world.clone(),
                seq: self.world.trace().len(),
            });
        }
    }

    /// Runs the live world forward to `t_ms` (at most `budget` events), taking checkpoints on
    /// the way. Returns false when the budget ran out first (then now is where it got).
    pub fn run_to(&mut self, t_ms: u64, budget: u64) -> bool {
        let start = self.world.events_processed();
        loop {
            let now = self.world.now_ms();
            let next_cp = (now / self.checkpoint_ms + 1) * self.checkpoint_ms;
            let target = t_ms.min(next_cp);
            while let Some(at) = self.world.next_event_ms() {
                if at > target {
                    break;
                }
                if self.world.events_processed() - start >= budget {
                    self.drain();
                    return false;
                }
                self.world.step();
            }
            self.world.run_until(target);
            self.drain();
            if target == next_cp {
                self.remember(next_cp);
            }
            if target >= t_ms {
                return true;
            }
        }
    }

    /// Moves to `t_ms` (clamped to the scenario): back or far forward from a checkpoint,
    /// near forward by running on.
    pub fn seek(&mut self, t_ms: u64) {
        let t_ms = t_ms.min(self.until_ms());
        let now = self.world.now_ms();
        let restore = self
            .checkpoints
            .range(..=t_ms)
            .next_back()
            .filter(|(at, _)| t_ms < now || **at > now)
            .map(|(_, cp)| cp.clone());
        if let Some(cp) = restore {
            self.world = cp.world;
            // A checkpoint of the precompute may only hash; the live world keeps its events.
            self.world.set_keep_trace(true);
        }
        self.run_to(t_ms, u64::MAX);
        // The history is by seq, not cut at the checkpoint: what happened before it is still
        // there (or recomputed), so the log reads as if the timeline had played here.
        self.ensure_window();
    }

    /// Steps until the world records at least one event (timers that turn out stale record
    /// none), or the next beat.
    pub fn step_event(&mut self) -> Option<Stepped> {
        self.step_until(|_| true)
    }

    /// Steps to the next interesting event (session minted, bucket expired, REVALIDATE,
    /// SessionMoved, client or server state change) or the next beat of the story, whichever
    /// comes first: a narration entry, an action of the scenario, the end. Never past the end.
    pub fn step_interesting(&mut self) -> Option<Stepped> {
        self.step_until(|e| e.kind.is_interesting())
    }

    /// Steps until an event meets `stop`, or to the next beat. `None` if the search gave up
    /// after [`STEP_SEARCH_MAX`] raw steps (then now is where it got).
    pub fn step_until(&mut self, stop: impl Fn(&TraceEvent) -> bool) -> Option<Stepped> {
        let start_ms = self.world.now_ms();
        let start_seq = self.world.trace().len();
        let mut beat = self.next_beat_ms();
        for _ in 0..STEP_SEARCH_MAX {
            let now = self.world.now_ms();
            let next = self.world.next_event_ms().filter(|at| *at <= beat);
            let Some(at) = next else {
                // Nothing more before the beat: stop at it.
                self.run_to(beat, u64::MAX);
                let moved = self.world.now_ms() > start_ms || self.world.trace().len() > start_seq;
                if !moved && beat < self.world.until_ms() {
                    // The beat was "now" only because of events that leave no trace (a timer
                    // that a later one replaced): look for the next beat instead of stopping.
                    beat = self.next_beat_ms();
                    continue;
                }
                let to = self.world.trace().len();
                let last = self
                    .history
                    .range(start_seq, to)
                    .rev()
                    .find(|e| e.at_ms == beat)
                    .map(|e| e.seq);
                return Some(Stepped { moved, event: last });
            };
            let next_cp = (now / self.checkpoint_ms + 1) * self.checkpoint_ms;
            if at > next_cp {
                self.run_to(next_cp, u64::MAX);
                continue;
            }
            let before = self.world.trace().len();
            self.world.step();
            self.drain();
            let after = self.world.trace().len();
            if let Some(e) = self.history.range(before, after).find(|e| stop(e)) {
                return Some(Stepped {
                    moved: true,
                    event: Some(e.seq),
                });
            }
        }
        None
    }

    /// Runs the background precompute for one slice of at most `budget` events: a shadow world
    /// goes ahead and leaves checkpoints, so that a later seek restores one instead of
    /// simulating. Returns whether there is more to do.
    pub fn precompute(&mut self, budget: u64) -> bool {
        let Some(mut shadow) = self.shadow.take() else {
            return false;
        };
        let until = shadow.until_ms();
        let start = shadow.events_processed();
        while shadow.now_ms() < until && shadow.events_processed() - start < budget {
            let next_cp = (shadow.now_ms() / self.checkpoint_ms + 1) * self.checkpoint_ms;
            let target = next_cp.min(until);
            let mut over = false;
            while let Some(at) = shadow.next_event_ms() {
                if at > target {
                    break;
                }
                if shadow.events_processed() - start >= budget {
                    over = true;
                    break;
                }
                shadow.step();
            }
            // Into the history: a later seek ahead finds what happened on the way.
            self.history.record(shadow.drain_trace_events());
            if over {
                break;
            }
            shadow.run_until(target);
            if target == next_cp {
                let seq = shadow.trace().len();
                self.checkpoints
                    .entry(next_cp)
                    .or_insert_with(|| Checkpoint {
                        world: shadow.clone(),
                        seq,
                    });
            }
        }
        self.trim();
        // Once the history cannot take the precompute's events (full, or a hole before them),
        // it only needs checkpoints: hash, do not format.
        if self.history.end() < shadow.trace().len() {
            shadow.set_keep_trace(false);
        }
        let more = shadow.now_ms() < until;
        if more {
            self.shadow = Some(shadow);
        }
        more
    }

    fn reset_checkpoints(&mut self) {
        self.checkpoints.clear();
        let mut origin = World::new(&self.scenario, true);
        self.history.record(origin.drain_trace_events());
        self.origin_seq = self.history.base.min(origin.trace().len());
        self.checkpoints.insert(
            0,
            Checkpoint {
                seq: origin.trace().len(),
                world: origin.clone(),
            },
        );
        self.shadow = Some(origin);
    }

    // ----- acting -----

    /// Applies an action at now, checked within `limits`. It becomes part of the scenario;
    /// the checkpoints are recomputed from the new scenario. An act closer than `runway_ms` to
    /// the end of the timeline moves the end `runway_ms` past it (as far as `limits` allow),
    /// so what it causes can be played; at the end with no room to move, it is refused.
    pub fn apply(
        &mut self,
        kind: ActionKind,
        limits: &Limits,
        runway_ms: u64,
    ) -> Result<Applied, Refused> {
        let now = self.world.now_ms();
        let until = self.world.until_ms();
        let extend_to = (now.saturating_add(runway_ms) > until)
            .then(|| now.saturating_add(runway_ms).min(limits.until_ms_max))
            .filter(|t| *t > until);
        if now >= until && extend_to.is_none() {
            return Err(Refused::AtEnd {
                until_max_ms: limits.until_ms_max,
            });
        }
        let future_from = self.world.trace().len();
        self.world
            .apply_within(kind, limits)
            .map_err(Refused::Invalid)?;
        // What the history holds beyond now was the old future.
        self.history.truncate(future_from);
        self.drain();
        self.scenario = self.world.to_scenario();
        if let Some(end) = extend_to {
            // The world's end comes from its scenario: rebuild it with the later end and run
            // it to now (as a link to this moment would).
            self.scenario.until_ms = end;
            self.checkpoint_ms = checkpoint_ms_for(end);
            let mut w = World::new(&self.scenario, true);
            while w.next_event_ms().is_some_and(|at| at <= now) {
                w.step();
                if w.trace().events().len() >= DRAIN_BATCH_EVENTS {
                    self.history.record(w.drain_trace_events());
                }
            }
            w.run_until(now);
            self.history.record(w.drain_trace_events());
            self.world = w;
        }
        self.reset_checkpoints();
        // The live world already is at now: keep it as the checkpoint at now.
        if now > 0 {
            self.checkpoints.insert(
                now,
                Checkpoint {
                    world: self.world.clone(),
                    seq: self.world.trace().len(),
                },
            );
        }
        Ok(Applied {
            extended_to_ms: extend_to,
        })
    }
}
