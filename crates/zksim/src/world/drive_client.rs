//! The world's side of the client state machine (`client/`): it hands a client its inputs
//! (a scenario action, a delivered message, its timers) with a context of what the client may
//! read, and applies the effects the client returns, in their order (the contract is in
//! `effect.rs`).
//!
//! ```text
//!   run_action ─▶ client_action ─┐                         ┌─▶ net.send / open / close_side
//!   deliver    ─▶ Input::Receive ├─▶ Client::handle(cx) ──▶ ├─▶ queue: ClientWake, ClientUnfreeze
//!   ClientWake ─▶ Input::Wake   ─┘   (effects in cx.out)    ├─▶ trace (events, log lines)
//!                                                           └─▶ ops (OpRecord)
//! ```
//!
//! The client holds its wake-up deadline; the queue cannot take an entry back, so the world
//! remembers which queue entry (by its sequence number) is the armed one and drops any other
//! `ClientWake` entry of that client unseen. Matching by the deadline alone would not do: a
//! re-arm for the same millisecond (a ping's reply leaves the next ping time unchanged) would
//! let the older entry fire first, ahead of events queued between the two.

use super::{Event, OpRecord, World};
use crate::client::{Cx, Input};
use crate::codes;
use crate::effect::{Effect, Outbox, Timer};
use crate::scenario::ActionKind;
use crate::trace::EventKind;

impl World {
    /// The profile of client `c`'s own release: its `clients[].version`, or the scenario's. The
    /// servers read `self.profile`.
    pub(crate) fn cprofile(&self, c: usize) -> &'static crate::profile::Profile {
        self.clients[c]
            .own_version
            .map(|v| v.profile())
            .unwrap_or(self.profile)
    }

    fn client_cx(&mut self, c: usize) -> Cx {
        let effects = std::mem::take(&mut self.client_effects);
        Cx {
            now_ms: self.now_ms,
            profile: self.cprofile(c),
            seed: self.cfg.seed,
            next_conn: self.net.next_conn_id(),
            next_op: self.ops.len(),
            out: Outbox::new(effects, self.trace.keeps_events()),
        }
    }

    /// Feeds client `c` one input and applies what it asks for.
    pub(super) fn client_input(&mut self, c: usize, input: Input) {
        let mut cx = self.client_cx(c);
        self.clients[c].handle(&mut cx, input);
        self.apply_client_effects(c, cx.out);
    }

    /// A scenario action naming a client. A `Connect` that resumes another client's session
    /// gets that session's id and password as they are now.
    pub(super) fn client_action(&mut self, kind: ActionKind) {
        let Some(c) = kind.client().and_then(|name| self.client_index(name)) else {
            return;
        };
        let reuse = match &kind {
            ActionKind::Connect {
                session_of: Some(o),
                ..
            } => self
                .client_index(o)
                .map(|o| (self.clients[o].session_id, self.clients[o].passwd)),
            _ => None,
        };
        self.client_input(c, Input::Action { kind, reuse });
    }

    /// The end of a client's pause: the client runs its loop and reads what waited, then the
    /// calls the pause held back come in as actions, then the loop makes one more pass.
    pub(super) fn client_unfreeze(&mut self, c: usize) {
        let mut cx = self.client_cx(c);
        let held = self.clients[c].client_unfreeze(&mut cx);
        self.apply_client_effects(c, cx.out);
        let Some(held) = held else {
            return;
        };
        for kind in held {
            self.client_action(kind);
        }
        self.client_input(c, Input::Resume);
    }

    /// A `ClientWake` entry came due: only the armed one reaches the client.
    pub(super) fn client_wake(&mut self, c: usize, entry: u64) {
        if self.client_wake_entries[c] != Some(entry) {
            return;
        }
        self.client_wake_entries[c] = None;
        self.client_input(c, Input::Wake);
    }

    fn apply_client_effects(&mut self, c: usize, out: Outbox) {
        let mut effects = out.into_effects();
        for effect in effects.drain(..) {
            self.apply_client_effect(c, effect);
        }
        // Keep the allocation for the next input (a nested input may have left one too).
        if effects.capacity() > self.client_effects.capacity() {
            self.client_effects = effects;
        }
    }

    fn apply_client_effect(&mut self, c: usize, effect: Effect) {
        let node = self.clients[c].node();
        match effect {
            Effect::Send { conn, msg } => self.send(conn, node, msg),
            Effect::Open { conn, kind, to } => {
                let opened = self.net.open(kind, node, to);
                debug_assert_eq!(opened, conn, "the client named the id the network gives");
            }
            Effect::Close { conn } => self.close_conn(conn, &node),
            Effect::ArmTimer {
                timer: Timer::ClientWake,
                at_ms,
            } => {
                let entry = self.seq_next();
                self.schedule(at_ms, Event::ClientWake { client: c, entry });
                self.client_wake_entries[c] = Some(entry);
            }
            Effect::StopTimer {
                timer: Timer::ClientWake,
            } => self.client_wake_entries[c] = None,
            Effect::ArmTimer {
                timer: Timer::ClientUnfreeze,
                at_ms,
            } => self.schedule(at_ms, Event::ClientUnfreeze { client: c }),
            // The unfreeze entry is never taken back: the client ignores one that finds it
            // running (it was killed in its pause).
            Effect::StopTimer {
                timer: Timer::ClientUnfreeze,
            } => {}
            Effect::Trace { kind, texts } => self.push_trace(node, kind, texts),
            Effect::OpStarted {
                op,
                name,
                path,
                recipe,
            } => {
                debug_assert_eq!(op, self.ops.len(), "the client named the next op index");
                self.ops.push(OpRecord {
                    client: c,
                    op: name,
                    path,
                    at_ms: self.now_ms,
                    done_ms: None,
                    code: None,
                    results: Vec::new(),
                    recipe,
                });
            }
            Effect::OpFinished { op, code, results } => self.finish_op(node, op, code, results),
            // A server's effects: a client asks for none of them.
            other @ (Effect::ArmTimer { .. }
            | Effect::StopTimer { .. }
            | Effect::CloseSide { .. }
            | Effect::CloseAll
            | Effect::LookAgain
            | Effect::NameHandler { .. }
            | Effect::Session { .. }) => debug_assert!(false, "not a client's effect: {other:?}"),
        }
    }

    /// A trace event a node asked for, with the texts it formatted (none in a hash-only run).
    pub(super) fn push_trace(
        &mut self,
        node: crate::trace::Node,
        kind: EventKind,
        texts: Option<crate::effect::Texts>,
    ) {
        let now = self.now_ms;
        self.trace.push(now, node, kind, |_| match texts {
            Some(t) => (t.line, t.explain),
            None => (None, String::new()),
        });
    }

    /// Records an op's answer and traces it (OpDone, with its KeeperErrorCode text).
    fn finish_op(
        &mut self,
        node: crate::trace::Node,
        op: usize,
        code: codes::Code,
        results: Vec<codes::Code>,
    ) {
        let now = self.now_ms;
        let rec = &mut self.ops[op];
        rec.done_ms = Some(now);
        rec.code = Some(code);
        rec.results = results;
        let name = rec.op.to_string();
        let path = rec.path.clone().unwrap_or_default();
        self.emit(
            node,
            EventKind::OpDone {
                op: name.clone(),
                path: path.clone(),
                code,
            },
            move |_| {
                (
                    None,
                    if code == codes::OK {
                        format!("{name} {path}: OK")
                    } else {
                        format!(
                            "{name} {path}: KeeperErrorCode = {} ({code})",
                            codes::message(code)
                        )
                    },
                )
            },
        );
    }
}
