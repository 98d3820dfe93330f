//! The playground's store: one world, its checkpoints, the log, and what the user is doing.
//!
//! State and time live in the core ([`World`]); this module only decides *which* world is on
//! screen and how it moves. No browser code: the page's timers and events call [`Engine`]'s
//! methods through [`Playground`] (a Yew `Reducible`, as in function_todomvc) and the components
//! read views of [`Engine::world`].
//!
//! ```text
//!   open(scenario) ──▶ origin (World::new) ──┬──▶ live world ──run_until──▶ now
//!                                            │        │ drain events
//!                                            │        ▼
//!                                            │   history (by trace seq, from every world)
//!                                            ▼
//!   precompute (a shadow world, in idle time) ──▶ checkpoints every `checkpoint_ms`
//!   seek(t): the latest checkpoint ≤ t, run_until(t); the log is the history up to now
//!   act(kind) at now: World::apply; every checkpoint is rebuilt from to_scenario()
//! ```
//!
//! The run is deterministic, so event `seq` is the same event whichever world computed it: the
//! live world and the precompute both feed one [`History`], and the log on screen is always the
//! last [`LOG_WINDOW`] events before now, whether the page played there or seeked there. A seek
//! that lands where the history has a hole recomputes it from an earlier checkpoint.
//!
//! Checkpoints are clones of a drained world (no kept events), so they stay light. An action
//! rewrites history from the scenario's point of view (a shared link replays it from time 0), so
//! after one the checkpoints are recomputed from `to_scenario()`: seeking back before the action
//! and playing forward runs it again, as the link would.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use yew::Reducible;
use zksim::link::{self, LinkError};
use zksim::scenario::{ActionKind, Limits, Scenario};
use zksim::trace::TraceEvent;
use zksim::world::World;

use crate::plain;

/// The log on screen: the last this many events before now (the views show recent ones).
pub const LOG_WINDOW: u64 = 5_000;
/// Events the history keeps at most (the log window and what was computed around it).
pub const HISTORY_MAX: usize = 60_000;
/// An act closer than this to the end of the timeline moves the end, so that what it causes
/// can be played (virtual ms after the act).
pub const ACT_RUNWAY_MS: u64 = 10_000;
/// Events one call may simulate before it yields (a frame must never block for long).
pub const FRAME_EVENTS_MAX: u64 = 30_000;
/// Events the background precompute runs per idle slice.
pub const PRECOMPUTE_EVENTS_PER_SLICE: u64 = 20_000;
/// Checkpoints per scenario, at most (memory: each is a world clone).
pub const CHECKPOINTS_MAX: u64 = 150;
/// The smallest checkpoint spacing, in virtual ms.
pub const CHECKPOINT_MS_MIN: u64 = 1_000;
/// How many raw world steps "step" and "next interesting" take before giving up.
pub const STEP_SEARCH_MAX: u64 = 2_000_000;
/// Playback speeds offered, as multiples of real time.
pub const SPEEDS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 100.0, 250.0, 1000.0,
];
pub const SPEED_DEFAULT: f64 = 1.0;

/// Something the user selected, to show its details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Server(u8),
    Client(String),
    /// A session by ID and, when known, the server that minted it: under the 3.4.5 collision
    /// two sessions have one ID.
    Session {
        id: i64,
        minted_by: Option<u8>,
    },
    Message(u64),
    Znode(String),
    Event(u64),
}

/// What the store is looking at: a gallery story, a link, or a scenario built by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Story(&'static str),
    Link,
    Empty,
}

/// A message banner: `Error` for refused input (a bad link, an action that cannot run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub error: bool,
    pub text: String,
    /// Offer to bring back what the last open set aside ([`Action::Undo`]).
    pub undo: bool,
}

impl Banner {
    pub fn error(text: impl Into<String>) -> Banner {
        Banner {
            error: true,
            text: text.into(),
            undo: false,
        }
    }

    pub fn info(text: impl Into<String>) -> Banner {
        Banner {
            error: false,
            text: text.into(),
            undo: false,
        }
    }
}

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

    /// One past the last seq held.
    pub fn end(&self) -> u64 {
        self.base + self.events.len() as u64
    }

    fn covers(&self, from: u64, to: u64) -> bool {
        from >= to || (self.base <= from && to <= self.end())
    }

    /// Takes a world's drained events: those that extend the history are kept, those it has
    /// already are skipped (the same seq is the same event), and after a hole nothing is.
    fn record(&mut self, events: Vec<TraceEvent>) {
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
    fn truncate(&mut self, seq: u64) {
        let keep = seq.saturating_sub(self.base).min(self.events.len() as u64);
        self.events.truncate(keep as usize);
        if self.events.is_empty() {
            self.base = self.base.min(seq);
        }
    }

    fn range(&self, from: u64, to: u64) -> std::collections::vec_deque::Iter<'_, Rc<TraceEvent>> {
        let lo = from.clamp(self.base, self.end()) - self.base;
        let hi = to.clamp(self.base, self.end()) - self.base;
        self.events.range(lo as usize..hi.max(lo) as usize)
    }

    fn get(&self, seq: u64) -> Option<&Rc<TraceEvent>> {
        seq.checked_sub(self.base)
            .and_then(|i| self.events.get(i as usize))
    }

    /// Bounds memory: drops the oldest events before `keep_from`, then what lies beyond
    /// `keep_to` (computed ahead), never the window between them.
    fn trim(&mut self, keep_from: u64, keep_to: u64) {
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

/// The simulation side of the store. Cheap to read; every mutation goes through a method.
pub struct Engine {
    pub source: Source,
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
    pub playing: bool,
    pub speed: f64,
    pub selection: Option<Selection>,
    pub banner: Option<Banner>,
    /// Wall-clock ms of play carried over between frames (fractions of a virtual ms).
    carry_ms: f64,
    /// Acts done by hand since it was opened: a story with acts is the user's fork of it.
    acts: u32,
}

impl Engine {
    /// Opens a scenario at time 0.
    pub fn new(scenario: Scenario, source: Source) -> Engine {
        let world = World::new(&scenario, true);
        let checkpoint_ms = (scenario.until_ms / CHECKPOINTS_MAX).max(CHECKPOINT_MS_MIN);
        let mut e = Engine {
            source,
            scenario,
            world,
            history: History::default(),
            origin_seq: 0,
            checkpoints: BTreeMap::new(),
            checkpoint_ms,
            shadow: None,
            playing: false,
            speed: SPEED_DEFAULT,
            selection: None,
            banner: None,
            carry_ms: 0.0,
            acts: 0,
        };
        e.reset_checkpoints();
        e.drain();
        e
    }

    /// Opens a gallery story; `None` if there is no such story or it does not parse.
    pub fn story(id: &str) -> Option<Engine> {
        let story = zksim::gallery::story(id)?;
        let scenario = story.scenario().ok()?;
        Some(Engine::new(scenario, Source::Story(story.id)))
    }

    /// Opens a link at its position. On error nothing is built: the caller keeps what it has.
    pub fn from_link(input: &str) -> Result<Engine, LinkError> {
        let decoded = link::decode(input, &Limits::BROWSER)?;
        let mut e = Engine::new(decoded.scenario, Source::Link);
        if let Some(t) = decoded.t_ms {
            e.seek(t);
        }
        Ok(e)
    }

    /// The scenario of an empty ensemble of `version`: three servers, three idle clients, a
    /// minute. `None` for a version zksim has no profile of.
    pub fn empty_scenario(version: &str) -> Option<Scenario> {
        let version = zksim::profile::Version::parse(version)?.name();
        let json = format!(
            r#"{{"format":1,"name":"An empty ensemble ({version})","version":"{version}",
            "servers":[{{"id":1}},{{"id":2}},{{"id":3}}],
            "clients":[{{"name":"app-1","servers":[1,2,3],"session_timeout_ms":6000}},
                       {{"name":"app-2","servers":[1,2,3],"session_timeout_ms":6000}},
                       {{"name":"app-3","servers":[1,2,3],"session_timeout_ms":6000}}],
            "actions":[],"until_ms":60000}}"#
        );
        Scenario::from_json(&json, &Limits::BROWSER).ok()
    }

    /// An empty ensemble of the given version (3.6 for one zksim does not know): three
    /// servers, three idle clients. If the scenario were ever refused, a minimal one built in
    /// code opens instead: this never panics.
    pub fn empty(version: &str) -> Engine {
        let scenario = Engine::empty_scenario(version)
            .or_else(|| Engine::empty_scenario("3.6"))
            .unwrap_or_else(|| Scenario {
                name: Some("An empty ensemble".into()),
                description: None,
                version: zksim::profile::Version::default(),
                seed: 0,
                tick_ms: 2000,
                min_session_timeout_ms: 4000,
                max_session_timeout_ms: 40000,
                epoch_ms: 1_700_000_000_000,
                latency_ms: (1, 3),
                init_limit: 10,
                sync_limit: 5,
                servers: (1..=3)
                    .map(|id| zksim::scenario::ServerSpec {
                        id,
                        clock_offset_ms: 0,
                        uptime_ms: 0,
                        start_ms: Some(0),
                    })
                    .collect(),
                clients: Vec::new(),
                actions: Vec::new(),
                until_ms: 60_000,
                narration: Vec::new(),
            });
        Engine::new(scenario, Source::Empty)
    }

    // ----- reading -----

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn now_ms(&self) -> u64 {
        self.world.now_ms()
    }

    pub fn until_ms(&self) -> u64 {
        self.world.until_ms().max(self.world.now_ms())
    }

    /// The log: the last [`LOG_WINDOW`] events before now, oldest first. The same at a moment
    /// however the page got there.
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

    /// Acts done by hand since this was opened.
    pub fn acts(&self) -> u32 {
        self.acts
    }

    /// Virtual time up to which seeking is served by a checkpoint.
    pub fn precomputed_ms(&self) -> u64 {
        match &self.shadow {
            Some(w) => w.now_ms(),
            None => self.until_ms(),
        }
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    pub fn at_end(&self) -> bool {
        self.world.now_ms() >= self.world.until_ms()
    }

    /// The link of what is on screen: the scenario that replays it, and now.
    pub fn share_fragment(&self) -> String {
        link::encode_with_position(&self.world.to_scenario(), Some(self.world.now_ms()))
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
            if w.trace().events().len() >= 4096 {
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
    /// the way. Returns false when the budget ran out first.
    fn advance(&mut self, t_ms: u64, budget: u64) -> bool {
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
        self.advance(t_ms, u64::MAX);
        // The history is by seq, not cut at the checkpoint: what happened before it is still
        // there (or recomputed), so the log reads as if the page had played here.
        self.ensure_window();
        self.carry_ms = 0.0;
    }

    /// Plays `elapsed_ms` of wall time at the current speed. Stops at the end.
    pub fn tick(&mut self, elapsed_ms: f64) {
        if !self.playing {
            return;
        }
        self.carry_ms += elapsed_ms.clamp(0.0, 250.0) * self.speed;
        let whole = self.carry_ms.floor();
        self.carry_ms -= whole;
        let target = (self.world.now_ms() + whole as u64).min(self.world.until_ms());
        if !self.advance(target, FRAME_EVENTS_MAX) {
            // Over budget: this frame shows where it got; time catches up next frame.
            self.carry_ms = 0.0;
        }
        if self.at_end() {
            self.playing = false;
        }
    }

    /// Steps until the world records at least one event (timers that turn out stale record
    /// none), or the next story beat. Returns whether it moved.
    pub fn step_event(&mut self) -> bool {
        self.step_until(|_| true)
    }

    /// Steps to the next interesting event (session minted, bucket expired, REVALIDATE,
    /// SessionMoved, client or server state change) or the next beat of the story, whichever
    /// comes first: a narration entry, an action of the scenario, the end. Never past the end.
    pub fn step_interesting(&mut self) -> bool {
        self.step_until(|e| e.kind.is_interesting())
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

    fn step_until(&mut self, stop: impl Fn(&TraceEvent) -> bool) -> bool {
        self.playing = false;
        let start_ms = self.world.now_ms();
        let start_seq = self.world.trace().len();
        let mut beat = self.next_beat_ms();
        for _ in 0..STEP_SEARCH_MAX {
            let now = self.world.now_ms();
            let next = self.world.next_event_ms().filter(|at| *at <= beat);
            let Some(at) = next else {
                // Nothing more before the beat: stop at it.
                self.advance(beat, u64::MAX);
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
                self.selection = last.map(Selection::Event);
                return moved;
            };
            let next_cp = (now / self.checkpoint_ms + 1) * self.checkpoint_ms;
            if at > next_cp {
                self.advance(next_cp, u64::MAX);
                continue;
            }
            let before = self.world.trace().len();
            self.world.step();
            self.drain();
            let after = self.world.trace().len();
            if let Some(e) = self.history.range(before, after).find(|e| stop(e)) {
                self.selection = Some(Selection::Event(e.seq));
                return true;
            }
        }
        false
    }

    /// Runs the background precompute for one slice: a shadow world goes ahead and leaves
    /// checkpoints, so that a later seek restores one instead of simulating. Returns whether
    /// there is more to do.
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

    /// Applies a palette action at now. It becomes part of the scenario; the checkpoints are
    /// recomputed from the new scenario. An act near the end of the timeline moves the end
    /// [`ACT_RUNWAY_MS`] past it (a banner says so), so what it causes can be played. A refusal
    /// is in plain words.
    pub fn act(&mut self, kind: ActionKind) -> Result<(), String> {
        plain::check_act(&kind, self.world())?;
        let now = self.world.now_ms();
        let until = self.world.until_ms();
        let extend_to = (now.saturating_add(ACT_RUNWAY_MS) > until)
            .then(|| {
                now.saturating_add(ACT_RUNWAY_MS)
                    .min(Limits::BROWSER.until_ms_max)
            })
            .filter(|t| *t > until);
        if now >= until && extend_to.is_none() {
            return Err(format!(
                "{}: this is the end of the timeline, and it cannot go past {}, so nothing done \
                 now could play out.",
                plain::act_label(&kind),
                crate::fmt::secs(Limits::BROWSER.until_ms_max)
            ));
        }
        // What the history holds beyond now was the old future.
        self.history.truncate(self.world.trace().len());
        let what = kind.clone();
        self.world
            .apply_within(kind, &Limits::BROWSER)
            .map_err(|e| plain::act_error(&what, &e.0))?;
        self.drain();
        self.scenario = self.world.to_scenario();
        self.acts += 1;
        self.banner = None;
        if let Some(end) = extend_to {
            // The world's end comes from its scenario: rebuild it with the later end and run
            // it to now (as a link to this moment would).
            self.scenario.until_ms = end;
            self.checkpoint_ms = (end / CHECKPOINTS_MAX).max(CHECKPOINT_MS_MIN);
            let mut w = World::new(&self.scenario, true);
            while w.next_event_ms().is_some_and(|at| at <= now) {
                w.step();
                if w.trace().events().len() >= 4096 {
                    self.history.record(w.drain_trace_events());
                }
            }
            w.run_until(now);
            self.history.record(w.drain_trace_events());
            self.world = w;
            self.banner = Some(Banner::info(format!(
                "The timeline now ends at {} so that what you did can play out.",
                crate::fmt::secs(end)
            )));
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
        Ok(())
    }
}

/// What the page asks the store to do.
pub enum Action {
    Play,
    Pause,
    TogglePlay,
    /// Wall-clock ms since the last frame.
    Tick(f64),
    Precompute,
    StepEvent,
    StepInteresting,
    Seek(u64),
    /// Moves by this many virtual ms (the arrow keys).
    Nudge(i64),
    SetSpeed(f64),
    /// One step faster (+1) or slower (-1) in [`SPEEDS`].
    SpeedStep(i32),
    Select(Option<Selection>),
    Act(ActionKind),
    /// Replaces the engine (a story, a link that decoded, an empty ensemble). What was open
    /// is set aside if it has acts done by hand, and [`Action::Undo`] brings it back.
    Open(Box<Engine>),
    /// Brings back what the last open set aside.
    Undo,
    Banner(Option<Banner>),
}

/// The store as Yew sees it. The engine is shared and mutated in place (a world is too big to
/// copy per frame); `revision` changes on every action so that components re-render.
#[derive(Clone)]
pub struct Playground {
    pub engine: Rc<RefCell<Engine>>,
    pub revision: u64,
    /// What the last open replaced while it held acts done by hand.
    pub set_aside: Option<Rc<RefCell<Engine>>>,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.engine, &other.engine) && self.revision == other.revision
    }
}

impl Playground {
    pub fn new(engine: Engine) -> Playground {
        Playground {
            engine: Rc::new(RefCell::new(engine)),
            revision: 0,
            set_aside: None,
        }
    }
}

/// What the page calls what is open: the story's title, or what it was opened from.
pub fn title_of(engine: &Engine) -> String {
    match engine.source {
        Source::Story(id) => crate::story::info(id)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| id.to_string()),
        Source::Link => "the scenario from the link".to_string(),
        Source::Empty => engine
            .scenario()
            .name
            .clone()
            .unwrap_or_else(|| "the empty ensemble".into()),
    }
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Action::Open(engine) = action {
            let mut engine = *engine;
            let mut old = self.engine.borrow_mut();
            engine.speed = old.speed;
            old.playing = false;
            let forked = old.acts > 0;
            if forked && engine.banner.is_none() {
                engine.banner = Some(Banner {
                    error: false,
                    text: format!(
                        "Your changes to {} were set aside when {} opened.",
                        quote(&title_of(&old)),
                        quote(&title_of(&engine))
                    ),
                    undo: true,
                });
            }
            drop(old);
            return Rc::new(Playground {
                engine: Rc::new(RefCell::new(engine)),
                revision: self.revision + 1,
                set_aside: forked.then(|| self.engine.clone()),
            });
        }
        if let Action::Undo = action {
            let Some(back) = self.set_aside.clone() else {
                return self;
            };
            {
                let mut b = back.borrow_mut();
                b.banner = None;
                b.speed = self.engine.borrow().speed;
            }
            let current_forked = self.engine.borrow().acts > 0;
            return Rc::new(Playground {
                engine: back,
                revision: self.revision + 1,
                set_aside: current_forked.then(|| self.engine.clone()),
            });
        }
        let mut changed = true;
        {
            let mut e = self.engine.borrow_mut();
            match action {
                Action::Play => {
                    if e.at_end() {
                        e.seek(0);
                    }
                    e.playing = true;
                }
                Action::Pause => e.playing = false,
                Action::TogglePlay => {
                    if e.playing {
                        e.playing = false;
                    } else {
                        if e.at_end() {
                            e.seek(0);
                        }
                        e.playing = true;
                    }
                }
                Action::Tick(ms) => {
                    if !e.playing {
                        changed = false;
                    } else {
                        e.tick(ms);
                    }
                }
                Action::Precompute => {
                    // Re-render only when it finishes (the scrubber's "computed" mark); slices
                    // in between change nothing on screen.
                    changed = e.shadow.is_some() && !e.precompute(PRECOMPUTE_EVENTS_PER_SLICE);
                }
                Action::StepEvent => {
                    e.step_event();
                }
                Action::StepInteresting => {
                    e.step_interesting();
                }
                Action::Seek(t) => {
                    e.playing = false;
                    e.seek(t);
                }
                Action::Nudge(by) => {
                    let t = e.now_ms().saturating_add_signed(by);
                    e.playing = false;
                    e.seek(t);
                }
                Action::SetSpeed(s) => e.speed = s.clamp(0.1, 1000.0),
                Action::SpeedStep(d) => {
                    let i = SPEEDS
                        .iter()
                        .position(|s| *s >= e.speed - 1e-9)
                        .unwrap_or(SPEEDS.len() - 1) as i32;
                    let j = (i + d).clamp(0, SPEEDS.len() as i32 - 1) as usize;
                    e.speed = SPEEDS[j];
                }
                Action::Select(s) => e.selection = s,
                Action::Act(kind) => {
                    if let Err(text) = e.act(kind) {
                        e.banner = Some(Banner::error(text));
                    }
                }
                Action::Banner(b) => e.banner = b,
                Action::Open(_) | Action::Undo => {}
            }
        }
        if !changed {
            return self;
        }
        Rc::new(Playground {
            engine: self.engine.clone(),
            revision: self.revision + 1,
            set_aside: self.set_aside.clone(),
        })
    }
}

/// A title in curly quotes.
pub fn quote(s: &str) -> String {
    format!("\u{201c}{s}\u{201d}")
}
