//! What a node may ask of the world, as data: the vocabulary between a node's state machine and
//! the world that drives it (quinn-proto's `Connection` and its endpoint, str0m's `Input` and
//! `Output`, openraft's engine and its commands).
//!
//! ```text
//!        input + the time ──▶ node handler ──▶ Outbox: [Effect, Effect, ...]
//!   (message, timer, action)   (pure: owns its        │ the world applies them in order:
//!                               state, reads a        ▼ send, open, close, arm/stop a timer,
//!                               read-only context)     trace event, op record
//! ```
//!
//! The driver contract:
//! 1. The world calls one handler with one input and the current virtual time (in the context).
//!    The handler changes only its own node's state and pushes effects into the outbox; it
//!    never reads or writes the world, the network or the queue.
//! 2. The world applies the effects in the order they were pushed, before anything else runs,
//!    so every message, timer and trace event lands exactly where a direct call would have put
//!    it (the queue's sequence numbers, the trace's order and its hash do not move).
//! 3. Values the world hands out while applying (a connection's id, an op record's index, a
//!    LearnerHandler's id) are counters the context already shows the handler (`next_conn`,
//!    `next_op`, `next_handler_id`): the handler takes the next one and names it in the
//!    effect, and the world checks it got the same.
//! 4. Trace texts cost: a handler formats its log line and explanation only when the context
//!    says texts are kept ([`Outbox::keeps_texts`]); a hash-only run (the benchmark) formats
//!    nothing, as `Trace::push` never renders there.
//!
//! Timers are named, quinn-proto style ([`Timer`]): a node holds each timer's deadline in its
//! own state and asks the world to arm or stop it; the world maps the timer onto its event queue
//! and remembers which queue entry is the armed one, so an entry left behind by a re-arm is
//! dropped unseen by the node. A server's timers are never stopped: they go with the role or
//! tracker that holds them (server/timer.rs), and an entry whose owner is gone is stale.
//!
//! The nodes: clients (`client/`, driven by `world/drive_client.rs`) and servers (`server/`,
//! driven by `world/drive_server.rs`). A server also asks for what only a process or an
//! ensemble member does: refuse a connection or close every socket it has (`CloseSide`,
//! `CloseAll`), name a LearnerHandler, note a session for the report, and have the world look
//! for a leader again (`LookAgain`, the election being the world's).

use crate::codes::Code;
use crate::ids::SessionId;
use crate::net::{ConnId, ConnKind, Msg};
use crate::profile::Level;
use crate::trace::{EventKind, LogLine, Node};

/// A node's timers. Each has at most one armed deadline; arming it again replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The client's SendThread loop waking from `select(to)` on its timeout.
    ClientWake,
    /// The end of a stop-the-world pause of a client's process.
    ClientUnfreeze,
    /// `Leader.lead()`'s sleep of tickTime / 2 (the deadline is the leader's: server/timer.rs).
    LeaderTick,
    /// The learner's read timeout on its socket to the leader (the follower's deadline).
    FollowerTimeout,
    /// `SessionTrackerImpl.run`'s wait for its next bucket (the tracker's deadline).
    TrackerWake,
    /// A `LearnerHandler`'s socket read timeout on the leader. Never taken back: when it comes
    /// due the handler, if it still exists, compares it with the last packet it read.
    LearnerRead { handler_id: u64 },
}

/// What a server's handler tells the world about a session's record in the run report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionNote {
    /// This server minted the id now (`createSession`), with this timeout.
    Minted { timeout_ms: i32 },
    /// The expirer took it now (`Expiring session ...`): closing, expired at the first time.
    Expired,
    /// Prep's closeSession marked it closing.
    Closing,
    /// Its closeSession txn was applied on the leader now.
    Closed,
}

/// A trace event's texts: the log line ZooKeeper would print, if any, and the explanation.
#[derive(Clone, Debug)]
pub struct Texts {
    pub line: Option<LogLine>,
    pub explain: String,
}

/// One thing a node asks the world to do.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Write a message on a connection (the world records MessageSent and schedules delivery).
    Send { conn: ConnId, msg: Msg },
    /// Open a connection of `kind` to `to`; `conn` is the id the network gives it.
    Open {
        conn: ConnId,
        kind: ConnKind,
        to: Node,
    },
    /// Close this node's side of a connection (an end-of-stream goes to the other side).
    Close { conn: ConnId },
    /// Close this node's side of a connection and send nothing (a refused SYN's socket, the
    /// side of a connection whose end of stream was read).
    CloseSide { conn: ConnId },
    /// The process's sockets all close (a crash, or a server shutting down to LOOKING): every
    /// connection this node has, each with an end-of-stream to a side still open.
    CloseAll,
    /// Something a leader election depends on changed (a server is LOOKING): the world looks
    /// again soon (`world/election.rs`).
    LookAgain,
    /// A `LearnerHandler` was made: `id` is the world's next handler id, `name` what owners
    /// print it as.
    NameHandler { id: u64, name: String },
    /// A session's record in the run report changes.
    Session { id: SessionId, note: SessionNote },
    /// Arm `timer` for `at_ms`, replacing any earlier deadline of it.
    ArmTimer { timer: Timer, at_ms: u64 },
    /// Stop `timer`: a queue entry already pending for it is ignored when it comes due.
    StopTimer { timer: Timer },
    /// A trace event on this node; its texts only when they are kept.
    Trace {
        kind: EventKind,
        texts: Option<Texts>,
    },
    /// An operation was issued: op record `op` (the world's next index) begins now.
    OpStarted {
        op: usize,
        name: &'static str,
        path: Option<String>,
        recipe: Option<&'static str>,
    },
    /// Op record `op` was answered now with `code` (and a multi's per-op codes); the world
    /// records it and traces an OpDone event.
    OpFinished {
        op: usize,
        code: Code,
        results: Vec<Code>,
    },
}

/// Where a handler puts its effects, in order.
#[derive(Debug, Default)]
pub struct Outbox {
    effects: Vec<Effect>,
    keep_texts: bool,
}

impl Outbox {
    /// An outbox reusing `effects`' allocation (emptied first); texts are formatted only when
    /// `keep_texts`.
    pub fn new(mut effects: Vec<Effect>, keep_texts: bool) -> Outbox {
        effects.clear();
        Outbox {
            effects,
            keep_texts,
        }
    }

    pub fn keeps_texts(&self) -> bool {
        self.keep_texts
    }

    /// The effects, in the order they were pushed.
    pub fn effects(&self) -> &[Effect] {
        &self.effects
    }

    pub fn into_effects(self) -> Vec<Effect> {
        self.effects
    }

    pub fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub fn send(&mut self, conn: ConnId, msg: Msg) {
        self.push(Effect::Send { conn, msg });
    }

    pub fn close(&mut self, conn: ConnId) {
        self.push(Effect::Close { conn });
    }

    pub fn close_side(&mut self, conn: ConnId) {
        self.push(Effect::CloseSide { conn });
    }

    pub fn session(&mut self, id: SessionId, note: SessionNote) {
        self.push(Effect::Session { id, note });
    }

    pub fn arm(&mut self, timer: Timer, at_ms: u64) {
        self.push(Effect::ArmTimer { timer, at_ms });
    }

    pub fn stop(&mut self, timer: Timer) {
        self.push(Effect::StopTimer { timer });
    }

    /// A trace event; `render` gives its log line and explanation, called only when texts are
    /// kept.
    pub fn emit(
        &mut self,
        kind: EventKind,
        render: impl FnOnce(&EventKind) -> (Option<LogLine>, String),
    ) {
        let texts = self.keep_texts.then(|| {
            let (line, explain) = render(&kind);
            Texts { line, explain }
        });
        self.push(Effect::Trace { kind, texts });
    }

    /// A log line with an explanation, both formatted only when texts are kept.
    pub fn log(
        &mut self,
        kind: EventKind,
        level: Level,
        logger: &'static str,
        text: impl FnOnce() -> String,
        explain: impl FnOnce() -> String,
    ) {
        self.emit(kind, |_| {
            (
                Some(LogLine {
                    level,
                    logger,
                    text: text(),
                }),
                explain(),
            )
        });
    }
}
