//! The world's side of the server state machines (`server/`): it hands a server one input with
//! a context of what the server may read (`server::Cx`: the time, the profile, zoo.cfg, the
//! ensemble's myids, the LearnerHandler names, the ids it hands out next) and applies the
//! effects the server returns, in their order (the contract is in `effect.rs`).
//!
//! ```text
//!   with_server(s, handler) ──▶ Server handler(cx) ──▶ cx.out [Effect, ...]
//!                                                        │ applied in order:
//!      net: send / open / close / close_side / close_all ◀┤
//!      queue: ServerTimer (entry remembered), LearnerRead ◀┤
//!      trace · session records · handler names · election ◀┘
//! ```
//!
//! A server timer's deadline is held by its owner in the server (server/timer.rs); the world
//! remembers which queue entry the last arming pushed (`server_timer_entries`), and an entry
//! fires only if it is that one and the owner still holds a deadline for its instant.

use super::{Event, World};
use crate::effect::{Effect, Outbox, SessionNote, Timer as EffectTimer};
use crate::server::{Cx, Input, Server, Timer};
use crate::trace::Node;
use crate::tracker::Owner;

impl World {
    /// Feeds server `s` one input and applies what it asks for.
    pub(crate) fn server_input(&mut self, s: usize, input: Input) {
        self.with_server(s, |srv, cx| srv.handle(cx, input));
    }

    pub(crate) fn snode(&self, s: usize) -> Node {
        self.servers[s].node()
    }

    /// A session owner as `SessionTrackerImpl` prints it (LearnerHandlers by their names).
    pub(crate) fn owner_name(&self, owner: Option<Owner>) -> String {
        crate::server::owner_name(&self.handler_names, owner)
    }

    /// Runs `handler` on server `s` with its context, then applies what it asked for, in order,
    /// before anything else runs.
    pub(crate) fn with_server<R>(
        &mut self,
        s: usize,
        handler: impl FnOnce(&mut Server, &mut Cx) -> R,
    ) -> R {
        let effects = std::mem::take(&mut self.server_effects);
        let keep_texts = self.trace.keeps_events();
        let mut cx = Cx {
            now_ms: self.now_ms,
            profile: self.profile,
            cfg: &self.cfg,
            peers: &self.server_ids,
            handler_names: &self.handler_names,
            next_conn: self.net.next_conn_id(),
            next_handler_id: self.next_handler_id + 1,
            out: Outbox::new(effects, keep_texts),
        };
        let r = handler(&mut self.servers[s], &mut cx);
        let out = cx.out;
        self.apply_server_effects(s, out);
        r
    }

    /// Arms one of server `s`'s timers (its owner takes the deadline), as a test would.
    #[cfg(test)]
    pub(crate) fn arm(&mut self, s: usize, timer: Timer, at_ms: u64) {
        self.with_server(s, |srv, cx| srv.arm(cx, timer, at_ms));
    }

    /// Whether a `ServerTimer` entry due now fires: the server still holds that deadline, and
    /// it is the entry the last arming of that timer queued (one compare, where looking for a
    /// later entry of the same instant in the queue cost a scan per timer).
    pub(super) fn server_timer_is_live(&self, s: usize, timer: Timer, entry: u64) -> bool {
        self.servers[s].deadline_ms(timer) == Some(self.now_ms)
            && self.server_timer_entries[s][timer as usize] == entry
    }

    fn apply_server_effects(&mut self, s: usize, out: Outbox) {
        let mut effects = out.into_effects();
        for effect in effects.drain(..) {
            self.apply_server_effect(s, effect);
        }
        if effects.capacity() > self.server_effects.capacity() {
            self.server_effects = effects;
        }
    }

    fn apply_server_effect(&mut self, s: usize, effect: Effect) {
        let node = self.servers[s].node();
        match effect {
            Effect::Send { conn, msg } => self.send(conn, node, msg),
            Effect::Open { conn, kind, to } => {
                let opened = self.net.open(kind, node, to);
                debug_assert_eq!(opened, conn, "the server named the id the network gives");
            }
            Effect::Close { conn } => self.close_conn(conn, &node),
            Effect::CloseSide { conn } => self.net.close_side(conn, &node),
            Effect::CloseAll => {
                let conns: Vec<_> = self
                    .net
                    .conns()
                    .filter(|c| c.a == node || c.b == node)
                    .map(|c| c.id)
                    .collect();
                for c in conns {
                    self.close_conn(c, &node);
                }
            }
            Effect::ArmTimer { timer, at_ms } => self.arm_server_timer(s, timer, at_ms),
            Effect::Trace { kind, texts } => self.push_trace(node, kind, texts),
            Effect::LookAgain => self.topology_changed(),
            Effect::NameHandler { id, name } => {
                debug_assert_eq!(id, self.next_handler_id + 1, "the next handler id");
                self.next_handler_id = id;
                self.handler_names.insert(id, name);
            }
            Effect::Session { id, note } => self.note_session(s, id, note),
            other @ (Effect::StopTimer { .. }
            | Effect::OpStarted { .. }
            | Effect::OpFinished { .. }) => {
                debug_assert!(false, "not a server's effect: {other:?}")
            }
        }
    }

    fn arm_server_timer(&mut self, s: usize, timer: EffectTimer, at_ms: u64) {
        let timer = match timer {
            EffectTimer::LeaderTick => Timer::LeaderTick,
            EffectTimer::FollowerTimeout => Timer::FollowerTimeout,
            EffectTimer::TrackerWake => Timer::TrackerWake,
            EffectTimer::LearnerRead { handler_id } => {
                self.schedule(
                    at_ms,
                    Event::LearnerReadTimeout {
                        server: s,
                        handler_id,
                    },
                );
                return;
            }
            EffectTimer::ClientWake | EffectTimer::ClientUnfreeze => {
                debug_assert!(false, "not a server's timer: {timer:?}");
                return;
            }
        };
        let entry = self.seq_next();
        self.schedule(
            at_ms,
            Event::ServerTimer {
                server: s,
                timer,
                entry,
            },
        );
        self.server_timer_entries[s][timer as usize] = entry;
    }

    fn note_session(&mut self, s: usize, id: crate::ids::SessionId, note: SessionNote) {
        let now = self.now_ms;
        match note {
            SessionNote::Minted { timeout_ms } => {
                let myid = self.servers[s].myid;
                self.record_session(id, myid, timeout_ms);
            }
            SessionNote::Expired => {
                for r in self.session_records_mut(id) {
                    r.closing = true;
                    r.expired_ms.get_or_insert(now);
                }
            }
            SessionNote::Closing => {
                for r in self.session_records_mut(id) {
                    r.closing = true;
                }
            }
            SessionNote::Closed => {
                for r in self.session_records_mut(id) {
                    if r.closed_ms.is_none() {
                        r.closed_ms = Some(now);
                        r.closing = false;
                    }
                }
            }
        }
    }
}
