//! The playground's store: which timeline is open, and what the user is doing with it.
//!
//! Time lives in the core: [`Timeline`] (zksim::timeline) owns the world, its checkpoints, the
//! history and seeking, and is tested natively. This module keeps only what is the page's:
//! where the scenario came from, play and its speed, the selection, banners, acts done by hand
//! (a story with acts is the user's fork of it) and what an open set aside. No browser code:
//! the page's timers and events call [`Engine`]'s methods through [`Playground`] (a Yew
//! `Reducible`, as in function_todomvc) and the components read views of [`Engine::world`].

use std::cell::RefCell;
use std::rc::Rc;

use yew::Reducible;
use zksim::link::{self, LinkError};
use zksim::scenario::{ActionKind, Limits, Scenario};
use zksim::timeline::{Refused, Stepped, Timeline};
use zksim::trace::TraceEvent;
use zksim::world::World;

use crate::plain;

pub use zksim::timeline::LOG_WINDOW;

/// An act closer than this to the end of the timeline moves the end, so that what it causes
/// can be played (virtual ms after the act).
pub const ACT_RUNWAY_MS: u64 = 10_000;
/// Events one call may simulate before it yields (a frame must never block for long).
pub const FRAME_EVENTS_MAX: u64 = 30_000;
/// Events the background precompute runs per idle slice.
pub const PRECOMPUTE_EVENTS_PER_SLICE: u64 = 20_000;
/// Playback speeds offered, as multiples of real time.
pub const SPEEDS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 100.0, 250.0, 1000.0,
];
pub const SPEED_DEFAULT: f64 = 1.0;
/// [`SPEEDS`] as the picker writes them (as `{}` prints each; a browser test checks it), so the
/// page never prints or parses a float: that code would cost the bundle several KB.
pub const SPEED_LABELS: &[&str] = &[
    "0.1", "0.25", "0.5", "1", "2", "5", "10", "25", "100", "250", "1000",
];

/// The label of `speed` in [`SPEED_LABELS`] (the nearest speed at or above it).
pub fn speed_label(speed: f64) -> &'static str {
    let i = SPEEDS
        .iter()
        .position(|s| *s >= speed - 1e-9)
        .unwrap_or(SPEEDS.len() - 1);
    SPEED_LABELS[i]
}

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

/// The simulation side of the store: the core's [`Timeline`] and what the page adds to it
/// (play speed, selection, banners, acts by hand). Cheap to read; every mutation goes through
/// a method.
pub struct Engine {
    pub source: Source,
    timeline: Timeline,
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
        Engine {
            source,
            timeline: Timeline::new(scenario),
            playing: false,
            speed: SPEED_DEFAULT,
            selection: None,
            banner: None,
            carry_ms: 0.0,
            acts: 0,
        }
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
        self.timeline.world()
    }

    pub fn scenario(&self) -> &Scenario {
        self.timeline.scenario()
    }

    pub fn now_ms(&self) -> u64 {
        self.timeline.now_ms()
    }

    pub fn until_ms(&self) -> u64 {
        self.timeline.until_ms()
    }

    /// The log: the last [`LOG_WINDOW`] events before now, oldest first. The same at a moment
    /// however the page got there.
    pub fn log(&self) -> std::collections::vec_deque::Iter<'_, Rc<TraceEvent>> {
        self.timeline.log()
    }

    /// An event of the log by seq (`None` if it is not in the log at this moment).
    pub fn event(&self, seq: u64) -> Option<&TraceEvent> {
        self.timeline.event(seq)
    }

    /// Acts done by hand since this was opened.
    pub fn acts(&self) -> u32 {
        self.acts
    }

    /// Virtual time up to which seeking is served by a checkpoint.
    pub fn precomputed_ms(&self) -> u64 {
        self.timeline.precomputed_ms()
    }

    pub fn checkpoint_count(&self) -> usize {
        self.timeline.checkpoint_count()
    }

    pub fn at_end(&self) -> bool {
        self.timeline.at_end()
    }

    /// The link of what is on screen: the scenario that replays it, and now.
    pub fn share_fragment(&self) -> String {
        let world = self.timeline.world();
        link::encode_with_position(&world.to_scenario(), Some(world.now_ms()))
    }

    /// The latest narration entry at or before now, with its time.
    pub fn narration(&self) -> Option<(u64, &str)> {
        self.timeline.narration()
    }

    // ----- moving through time -----

    /// Moves to `t_ms` (clamped to the scenario).
    pub fn seek(&mut self, t_ms: u64) {
        self.timeline.seek(t_ms);
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
        let world = self.timeline.world();
        let target = (world.now_ms() + whole as u64).min(world.until_ms());
        if !self.timeline.run_to(target, FRAME_EVENTS_MAX) {
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
        self.playing = false;
        let stepped = self.timeline.step_event();
        self.stepped(stepped)
    }

    /// Steps to the next interesting event or the next beat of the story, whichever comes
    /// first (see [`Timeline::step_interesting`]); selects the event it stopped at.
    pub fn step_interesting(&mut self) -> bool {
        self.playing = false;
        let stepped = self.timeline.step_interesting();
        self.stepped(stepped)
    }

    fn stepped(&mut self, stepped: Option<Stepped>) -> bool {
        match stepped {
            Some(s) => {
                self.selection = s.event.map(Selection::Event);
                s.moved
            }
            None => false,
        }
    }

    /// The next beat: the earliest narration entry, action or end of the scenario ahead.
    pub fn next_beat_ms(&self) -> u64 {
        self.timeline.next_beat_ms()
    }

    /// Runs the background precompute for one slice. Returns whether there is more to do.
    pub fn precompute(&mut self, budget: u64) -> bool {
        self.timeline.precompute(budget)
    }

    // ----- acting -----

    /// Applies a palette action at now (see [`Timeline::apply`]). An act near the end of the
    /// timeline moves the end [`ACT_RUNWAY_MS`] past it (a banner says so), so what it causes
    /// can be played. A refusal is in plain words.
    pub fn act(&mut self, kind: ActionKind) -> Result<(), String> {
        plain::check_act(&kind, self.world())?;
        let what = kind.clone();
        let applied = self
            .timeline
            .apply(kind, &Limits::BROWSER, ACT_RUNWAY_MS)
            .map_err(|refused| match refused {
                Refused::AtEnd { until_max_ms } => format!(
                    "{}: this is the end of the timeline, and it cannot go past {}, so nothing \
                     done now could play out.",
                    plain::act_label(&what),
                    crate::fmt::secs(until_max_ms)
                ),
                Refused::Invalid(e) => plain::act_error(&what, &e.0),
            })?;
        self.acts += 1;
        self.banner = applied.extended_to_ms.map(|end| {
            Banner::info(format!(
                "The timeline now ends at {} so that what you did can play out.",
                crate::fmt::secs(end)
            ))
        });
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
    engine: Rc<RefCell<Engine>>,
    pub revision: u64,
    /// What the last open replaced while it held acts done by hand.
    set_aside: Option<Rc<RefCell<Engine>>>,
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

    /// What is open, to read. Changes go through [`Action`]s.
    pub fn engine(&self) -> std::cell::Ref<'_, Engine> {
        self.engine.borrow()
    }

    /// Which engine is open (changes when another opens), for effects that restart then.
    pub fn engine_id(&self) -> usize {
        Rc::as_ptr(&self.engine) as usize
    }

    /// Whether an open set something aside that [`Action::Undo`] brings back.
    pub fn has_set_aside(&self) -> bool {
        self.set_aside.is_some()
    }

    /// What [`Action::Undo`] would bring back, to read.
    pub fn set_aside(&self) -> Option<std::cell::Ref<'_, Engine>> {
        self.set_aside.as_ref().map(|e| e.borrow())
    }

    /// The same store as seen at `revision` (panels that follow only every few frames).
    pub fn at_revision(&self, revision: u64) -> Playground {
        Playground {
            engine: self.engine.clone(),
            revision,
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
        // Over 80 lines on purpose: one arm per store action.
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
                    changed =
                        e.timeline.precomputing() && !e.precompute(PRECOMPUTE_EVENTS_PER_SLICE);
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
