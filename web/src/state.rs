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
//!                                            │   log (append-only, bounded, by trace seq)
//!                                            ▼
//!   precompute (a shadow world, in idle time) ──▶ checkpoints every `checkpoint_ms`
//!   seek(t): the latest checkpoint ≤ t, log cut at its seq, run_until(t)
//!   act(kind) at now: World::apply; every checkpoint is rebuilt from to_scenario()
//! ```
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

/// Events kept in the store's log; older ones are dropped (the views only show recent ones).
pub const LOG_EVENTS_MAX: usize = 40_000;
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
    Session(i64),
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
    log: VecDeque<Rc<TraceEvent>>,
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
            log: VecDeque::new(),
            checkpoints: BTreeMap::new(),
            checkpoint_ms,
            shadow: None,
            playing: false,
            speed: SPEED_DEFAULT,
            selection: None,
            banner: None,
            carry_ms: 0.0,
        };
        e.reset_checkpoints();
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

    /// An empty ensemble of the given version: three servers, three idle clients.
    pub fn empty(version: &str) -> Engine {
        let json = format!(
            r#"{{"format":1,"name":"An empty ensemble ({version})","version":"{version}",
            "servers":[{{"id":1}},{{"id":2}},{{"id":3}}],
            "clients":[{{"name":"app-1","servers":[1,2,3],"session_timeout_ms":6000}},
                       {{"name":"app-2","servers":[1,2,3],"session_timeout_ms":6000}},
                       {{"name":"app-3","servers":[1,2,3],"session_timeout_ms":6000}}],
            "until_ms":60000}}"#
        );
        let scenario = Scenario::from_json(&json, &Limits::BROWSER)
            .or_else(|_| Scenario::from_json(&json.replace(version, "3.6"), &Limits::BROWSER))
            .expect("the empty scenario is valid");
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

    /// The kept events, oldest first (a suffix of the run's events up to now).
    pub fn log(&self) -> &VecDeque<Rc<TraceEvent>> {
        &self.log
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

    /// Moves the world's new events into the log; returns how many there were.
    fn drain(&mut self) -> usize {
        let events = self.world.drain_trace_events();
        let n = events.len();
        self.log.extend(events.into_iter().map(Rc::new));
        if self.log.len() > LOG_EVENTS_MAX {
            let excess = self.log.len() - LOG_EVENTS_MAX * 3 / 4;
            self.log.drain(..excess);
        }
        n.min(self.log.len())
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
            let last_seq = self.log.back().map(|e| e.seq + 1);
            self.world = cp.world;
            // Cut the log at the checkpoint; if it ends before (the checkpoint is ahead of
            // what was kept), it is no longer contiguous: start over.
            while self.log.back().is_some_and(|e| e.seq >= cp.seq) {
                self.log.pop_back();
            }
            if last_seq.is_some_and(|s| s < cp.seq) {
                self.log.clear();
            }
        }
        self.advance(t_ms, u64::MAX);
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
    /// none). Returns whether anything happened.
    pub fn step_event(&mut self) -> bool {
        self.step_until(|_| true)
    }

    /// Steps until an interesting event (session minted, bucket expired, REVALIDATE,
    /// SessionMoved, client or server state change), or the end.
    pub fn step_interesting(&mut self) -> bool {
        self.step_until(|e| e.kind.is_interesting())
    }

    fn step_until(&mut self, stop: impl Fn(&TraceEvent) -> bool) -> bool {
        self.playing = false;
        let until = self.world.until_ms();
        for _ in 0..STEP_SEARCH_MAX {
            match self.world.next_event_ms() {
                Some(at) if at <= until => {}
                _ => {
                    self.world.run_until(until);
                    return false;
                }
            }
            let now = self.world.now_ms();
            let next_cp = (now / self.checkpoint_ms + 1) * self.checkpoint_ms;
            if self.world.next_event_ms().is_some_and(|at| at > next_cp) {
                self.advance(next_cp, u64::MAX);
                continue;
            }
            self.world.step();
            let fresh = self.drain();
            let start = self.log.len() - fresh;
            if let Some(e) = self.log.range(start..).find(|e| stop(e)) {
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
            // Events are kept (the live world needs them after a restore) but not by us.
            shadow.drain_trace_events();
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
        let more = shadow.now_ms() < until;
        if more {
            self.shadow = Some(shadow);
        }
        more
    }

    fn reset_checkpoints(&mut self) {
        self.checkpoints.clear();
        let mut origin = World::new(&self.scenario, true);
        origin.drain_trace_events();
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
    /// recomputed from the new scenario.
    pub fn act(&mut self, kind: ActionKind) -> Result<(), String> {
        let what = kind.name();
        self.world.apply(kind).map_err(|e| format!("{what}: {e}"))?;
        self.drain();
        self.scenario = self.world.to_scenario();
        self.reset_checkpoints();
        // The live world already is at now: keep it as the checkpoint at now.
        let now = self.world.now_ms();
        if now > 0 {
            self.checkpoints.insert(
                now,
                Checkpoint {
                    world: self.world.clone(),
                    seq: self.world.trace().len(),
                },
            );
        }
        self.banner = None;
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
    /// Replaces the engine (a story, a link that decoded, an empty ensemble).
    Open(Box<Engine>),
    Banner(Option<Banner>),
}

/// The store as Yew sees it. The engine is shared and mutated in place (a world is too big to
/// copy per frame); `revision` changes on every action so that components re-render.
#[derive(Clone)]
pub struct Playground {
    pub engine: Rc<RefCell<Engine>>,
    pub revision: u64,
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
        }
    }
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Action::Open(engine) = action {
            let mut engine = *engine;
            let old = self.engine.borrow();
            engine.speed = old.speed;
            drop(old);
            return Rc::new(Playground {
                engine: Rc::new(RefCell::new(engine)),
                revision: self.revision + 1,
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
                        e.banner = Some(Banner { error: true, text });
                    }
                }
                Action::Banner(b) => e.banner = b,
                Action::Open(_) => {}
            }
        }
        if !changed {
            return self;
        }
        Rc::new(Playground {
            engine: self.engine.clone(),
            revision: self.revision + 1,
        })
    }
}
