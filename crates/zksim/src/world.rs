//! The world: one discrete-event simulation of a whole ensemble and its clients.
//!
//! ```text
//!            ┌──────────── event queue, ordered by (virtual ms, sequence) ────────────┐
//!  actions ─▶│ Action · Deliver(msg) · ClientWake · ServerTimer · ElectionCheck · ...   │
//!            └───────────────┬─────────────────────────────────────────────────────────┘
//!                    step()  ▼  pops one event, runs its handler at that instant
//!        servers (server/, driven by ◀──▶ network ◀──▶ clients (client/, driven by
//!        world/drive_server.rs)           (net.rs)      world/drive_client.rs)
//!        each: input in, effects out, applied in order; the election over all
//!        servers is the world's (world/election.rs)
//!                            ▼
//!                   trace (trace.rs): typed events + ZooKeeper's log lines
//! ```
//!
//! Nothing here reads a clock or the OS's randomness: virtual time is a `u64` of milliseconds
//! from 0, each server derives its wall clock (`System.currentTimeMillis`) and its elapsed clock
//! (`System.nanoTime()/1e6`) from it, and every random choice comes from a stream derived from
//! the scenario seed and the entity's name, so adding a client changes nothing for the others.
//! The world is `Clone`: a checkpoint is a copy.

use std::collections::BTreeMap;

use crate::client::Client;
use crate::codes::Code;
use crate::ids::SessionId;
use crate::net::{ConnId, MsgId, Network, Rule, RuleEffect, Sent};
use crate::profile::{Level, Profile};
use crate::queue::EventQueue;
use crate::scenario::{Action, ActionKind, Endpoint, Limits, Scenario};
use crate::server::{Input, Server, Timer};
use crate::trace::{EventKind, LogLine, Node, Trace};

mod drive_client;
mod drive_server;
mod election;
#[cfg(test)]
mod server_tests;

pub use crate::config::Config;
pub use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Event {
    StartServer(usize),
    Deliver(MsgId),
    /// `entry`: the queue sequence number it was pushed with (see `drive_client.rs`).
    ClientWake {
        client: usize,
        entry: u64,
    },
    ClientUnfreeze {
        client: usize,
    },
    /// `entry`: the queue sequence number it was pushed with (see `server/timer.rs`).
    ServerTimer {
        server: usize,
        timer: Timer,
        entry: u64,
    },
    ElectionCheck,
    LearnerReadTimeout {
        server: usize,
        handler_id: u64,
    },
}

/// A session as the run report sees it: every session minted, in minting order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub minted_by: u8,
    pub timeout_ms: i32,
    pub minted_ms: u64,
    /// When its closeSession txn was applied on the leader (after a close or an expiry).
    pub closed_ms: Option<u64>,
    /// When the leader's expirer took it (`Expiring session ...`), if it expired.
    pub expired_ms: Option<u64>,
    /// The tracker marked it closing (expiry or Prep closeSession), not yet applied.
    pub closing: bool,
}

/// One client operation as issued and answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpRecord {
    pub client: usize,
    pub op: &'static str,
    pub path: Option<String>,
    pub at_ms: u64,
    pub done_ms: Option<u64>,
    pub code: Option<Code>,
    /// For multi: the per-op result codes.
    pub results: Vec<Code>,
    /// The recipe the op belongs to (`register`), if any.
    pub recipe: Option<&'static str>,
}

/// An error raised by `apply` for an action that cannot run in this world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionError(pub String);

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug)]
pub struct World {
    pub(crate) profile: &'static Profile,
    pub(crate) cfg: Config,
    now_ms: u64,
    seq: u64,
    queue: EventQueue<Event>,
    pub(crate) net: Network,
    pub(crate) servers: Vec<Server>,
    pub(crate) clients: Vec<Client>,
    /// Client index by name (scenarios name clients; there may be 100,000 of them).
    client_by_name: BTreeMap<String, usize>,
    pub(crate) trace: Trace,
    /// The scenario this world was built from (its actions are in `actions`).
    base: Scenario,
    /// Every action, in time order; `next_action` is the first that has not run yet.
    actions: Vec<Action>,
    next_action: usize,
    until_ms: u64,
    pub(crate) sessions: Vec<SessionRecord>,
    session_index: BTreeMap<SessionId, Vec<usize>>,
    pub(crate) ops: Vec<OpRecord>,
    pub(crate) next_handler_id: u64,
    pub(crate) handler_names: BTreeMap<u64, String>,
    pub(crate) election_scheduled: bool,
    events_processed: u64,
    /// Per client: the queue entry of its armed `ClientWake`, if one is armed.
    client_wake_entries: Vec<Option<u64>>,
    /// The client effects' buffer, kept between inputs.
    client_effects: Vec<crate::effect::Effect>,
    /// The servers' myids by index (zoo.cfg's `server.N` lines), as their contexts show them.
    server_ids: Vec<u8>,
    /// Per server and [`Timer`] kind, the queue entry its last arming pushed (0: never armed).
    /// An entry is only live while the server's state also holds the deadline.
    server_timer_entries: Vec<[u64; 3]>,
    /// The server effects' buffer, kept between inputs.
    server_effects: Vec<crate::effect::Effect>,
}

impl World {
    /// Builds the world a scenario describes. Trace events are kept when `keep_trace` is true;
    /// otherwise only hashed (benchmarks).
    pub fn new(scenario: &Scenario, keep_trace: bool) -> World {
        // Over 80 lines on purpose: most of it is the World literal, one field a line.
        let profile = scenario.version.profile();
        let n = scenario.servers.len();
        let cfg = Config {
            seed: scenario.seed,
            tick_ms: scenario.tick_ms,
            min_session_timeout_ms: scenario.min_session_timeout_ms as i32,
            max_session_timeout_ms: scenario.max_session_timeout_ms as i32,
            epoch_ms: scenario.epoch_ms,
            latency_ms: scenario.latency_ms,
            init_limit: scenario.init_limit,
            sync_limit: scenario.sync_limit,
            standalone: n == 1,
            quorum: n / 2 + 1,
            election_ms: 200 + 2 * scenario.latency_ms.1,
        };
        let servers = scenario
            .servers
            .iter()
            .enumerate()
            .map(|(i, s)| Server::new(i, s, profile, &cfg))
            .collect();
        let clients: Vec<Client> = scenario
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| Client::new(i, c, scenario.seed))
            .collect();
        let client_by_name = clients.iter().map(|c| (c.name.clone(), c.index)).collect();
        let mut w = World {
            profile,
            cfg,
            now_ms: 0,
            seq: 0,
            queue: EventQueue::default(),
            net: Network::default(),
            servers,
            clients,
            client_by_name,
            trace: Trace::new(keep_trace),
            // Clients live in `clients` and actions in `actions`: they are not kept twice.
            base: Scenario {
                name: scenario.name.clone(),
                description: scenario.description.clone(),
                version: scenario.version,
                seed: scenario.seed,
                tick_ms: scenario.tick_ms,
                min_session_timeout_ms: scenario.min_session_timeout_ms,
                max_session_timeout_ms: scenario.max_session_timeout_ms,
                epoch_ms: scenario.epoch_ms,
                latency_ms: scenario.latency_ms,
                init_limit: scenario.init_limit,
                sync_limit: scenario.sync_limit,
                servers: scenario.servers.clone(),
                clients: Vec::new(),
                actions: Vec::new(),
                until_ms: scenario.until_ms,
                narration: scenario.narration.clone(),
            },
            actions: scenario.actions.clone(),
            next_action: 0,
            until_ms: scenario.until_ms,
            sessions: Vec::new(),
            session_index: BTreeMap::new(),
            ops: Vec::new(),
            next_handler_id: 0,
            handler_names: BTreeMap::new(),
            election_scheduled: false,
            events_processed: 0,
            client_wake_entries: vec![None; scenario.clients.len()],
            client_effects: Vec::new(),
            server_ids: scenario.servers.iter().map(|s| s.id).collect(),
            server_timer_entries: vec![[0; 3]; n],
            server_effects: Vec::new(),
        };
        for (i, s) in scenario.servers.iter().enumerate() {
            if let Some(at) = s.start_ms {
                w.schedule_start(i, at);
            }
        }
        // Actions run in time order; the scenario format already requires it, and a stable
        // sort keeps equal times in list order for scenarios built in code.
        w.actions.sort_by_key(|a| a.at_ms);
        w
    }

    fn schedule_start(&mut self, server: usize, at_ms: u64) {
        // A server listed with a start time starts then; this is not an action of the scenario.
        self.schedule(at_ms, Event::StartServer(server));
    }

    // ----- time and the queue -----

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub fn until_ms(&self) -> u64 {
        self.until_ms
    }

    pub fn profile(&self) -> &'static Profile {
        self.profile
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The sequence number the next `schedule` gives its entry.
    pub(crate) fn seq_next(&self) -> u64 {
        self.seq + 1
    }

    pub(crate) fn schedule(&mut self, at_ms: u64, event: Event) {
        self.seq += 1;
        self.queue.push(at_ms.max(self.now_ms), self.seq, event);
    }

    /// When the next event is due, if any.
    pub fn next_event_ms(&self) -> Option<u64> {
        let event = self.queue.peek_ms();
        let action = self.actions.get(self.next_action).map(|a| a.at_ms);
        match (event, action) {
            (Some(e), Some(a)) => Some(e.min(a)),
            (e, a) => e.or(a),
        }
    }

    /// Applies one event, or the next action of the scenario. Within a millisecond, actions
    /// come after every event of that millisecond (and after the events they cause there), so
    /// an action applied by hand at the current time, once the world has run up to it, replays
    /// exactly from the shared scenario. Returns false when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let action_at = self.actions.get(self.next_action).map(|a| a.at_ms);
        let event_at = self.queue.peek_ms();
        if let Some(a) = action_at
            && event_at.is_none_or(|e| a < e)
        {
            let i = self.next_action;
            self.next_action += 1;
            self.now_ms = self.now_ms.max(a);
            self.events_processed += 1;
            self.run_action(i);
            return true;
        }
        let Some((at_ms, event)) = self.queue.pop() else {
            return false;
        };
        self.now_ms = at_ms;
        self.events_processed += 1;
        self.dispatch(event);
        true
    }

    /// Runs every event due at or before `t_ms`, then sets the clock to `t_ms`.
    pub fn run_until(&mut self, t_ms: u64) {
        while let Some(at) = self.next_event_ms() {
            if at > t_ms {
                break;
            }
            self.step();
        }
        if t_ms > self.now_ms {
            self.now_ms = t_ms;
        }
    }

    /// Runs the scenario to its `until_ms`.
    pub fn run(&mut self) {
        let until = self.until_ms;
        self.run_until(until);
    }

    /// Applies an action now (the UI's palette), checked as the scenario format would check it
    /// within `Limits::NATIVE`; see [`World::apply_within`].
    pub fn apply(&mut self, kind: ActionKind) -> Result<(), ActionError> {
        self.apply_within(kind, &Limits::NATIVE)
    }

    /// Applies an action at the current virtual time and records it there, so what was built
    /// by hand can be shared as a scenario and replays to the same trace. The action is checked
    /// first, as part of the scenario it would make (within `limits`), by the validator files
    /// and links go through (`Scenario::check_actions`), so a link made of it opens; a refused
    /// action leaves the world as it was. Then everything due at this millisecond runs (actions
    /// come last in a millisecond), and the action.
    pub fn apply_within(&mut self, kind: ActionKind, limits: &Limits) -> Result<(), ActionError> {
        let now = self.now_ms;
        let action = Action { at_ms: now, kind };
        // Where it goes: after every action due by now (they all run before it).
        let at = self.actions.partition_point(|a| a.at_ms <= now);
        let mut candidate = self.to_scenario();
        candidate.actions.insert(at, action.clone());
        candidate.until_ms = candidate.until_ms.max(now);
        candidate
            .check_actions(limits)
            .map_err(|e| ActionError(e.to_string()))?;
        self.run_until(now);
        self.actions.insert(self.next_action, action);
        let i = self.next_action;
        self.next_action += 1;
        self.run_action(i);
        Ok(())
    }

    /// The actions run so far or scheduled, in the order they were given.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The scenario that replays this world: the one it was built from, with every action
    /// applied since (they are recorded at the virtual time they were applied), and an end no
    /// earlier than now. Sharing it as a link reproduces what the user built.
    pub fn to_scenario(&self) -> Scenario {
        // Already in time order: applied actions are inserted where they ran.
        let actions = self.actions.clone();
        let last = actions.last().map(|a| a.at_ms).unwrap_or(0);
        let clients = self
            .clients
            .iter()
            .map(|c| crate::scenario::ClientSpec {
                name: c.name.clone(),
                servers: c.configured_servers.clone(),
                session_timeout_ms: c.requested_timeout_ms as u64,
                version: c.own_version,
            })
            .collect();
        Scenario {
            actions,
            clients,
            until_ms: self.until_ms.max(self.now_ms).max(last),
            ..self.base.clone()
        }
    }

    /// Takes the trace events recorded so far (the hash and count stay). A UI that keeps its
    /// own log calls this after each batch, so that checkpoints (clones) stay small.
    pub fn drain_trace_events(&mut self) -> Vec<crate::trace::TraceEvent> {
        self.trace.drain()
    }

    /// Events waiting in the queue (including timers that will turn out stale).
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Keep trace events (with their log lines and explanations) from now on, or only hash
    /// them: a look-ahead run that only makes checkpoints need not format anything.
    pub fn set_keep_trace(&mut self, keep: bool) {
        self.trace.set_keep_events(keep);
    }

    pub fn trace_hash(&self) -> String {
        self.trace.hash_hex()
    }

    pub fn sessions(&self) -> &[SessionRecord] {
        &self.sessions
    }

    pub fn ops(&self) -> &[OpRecord] {
        &self.ops
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::StartServer(s) => self.server_input(s, Input::Start),
            Event::Deliver(id) => self.deliver(id),
            Event::ClientWake { client, entry } => self.client_wake(client, entry),
            Event::ClientUnfreeze { client } => self.client_unfreeze(client),
            Event::ServerTimer {
                server,
                timer,
                entry,
            } => {
                // Live if the server holds that deadline now and this is the entry that armed
                // it (server/timer.rs); otherwise stale.
                if self.server_timer_is_live(server, timer, entry) {
                    self.server_input(server, Input::Timer(timer));
                }
            }
            Event::ElectionCheck => {
                self.election_scheduled = false;
                self.election_check();
            }
            Event::LearnerReadTimeout { server, handler_id } => {
                self.server_input(server, Input::LearnerRead { handler_id })
            }
        }
    }

    // ----- clocks -----

    /// `System.currentTimeMillis()` on a server.
    pub fn wall_ms(&self, server: usize) -> i64 {
        self.servers[server].wall_ms(&self.cfg, self.now_ms)
    }

    /// `System.nanoTime() / 1e6` on a server: its uptime.
    pub fn elapsed_ms(&self, server: usize) -> i64 {
        self.servers[server].elapsed_ms(self.now_ms)
    }

    /// The clock a profile's session tracker reads, for ID seeds and for expiry.
    pub fn tracker_clock_ms(&self, server: usize) -> i64 {
        self.servers[server].tracker_clock_ms(self.profile, &self.cfg, self.now_ms)
    }

    // ----- the network -----

    /// Sends a message and schedules its delivery. Records a MessageSent event.
    pub(crate) fn send(&mut self, conn: ConnId, from: Node, msg: crate::net::Msg) {
        let what = msg.kind_name();
        // What it says, for the trace's explanation (only formatted when events are kept).
        let summary = if self.trace.keeps_events() {
            msg.summary()
        } else {
            String::new()
        };
        let range = self.cfg.latency_ms;
        let now = self.now_ms;
        let rng = self.latency_rng(&from);
        let mut rng_copy = rng.clone();
        let Some((sent, to)) = self.net.send(now, conn, &from, msg, &mut rng_copy, range) else {
            return;
        };
        *self.latency_rng(&from) = rng_copy;
        match sent {
            Sent::Deliver(id, at) => {
                self.schedule(at, Event::Deliver(id));
                let latency = at - now;
                self.emit(
                    from.clone(),
                    EventKind::MessageSent { id, from, to, what },
                    move |_| (None, format!("{summary} (arrives in {latency} ms)")),
                );
            }
            Sent::Partitioned(id) => {
                self.emit(from.clone(), EventKind::MessageSent { id, from, to, what }, |_| {
                    (
                        None,
                        "Sent into a partition: TCP keeps retransmitting; it arrives after the heal."
                            .to_string(),
                    )
                });
            }
            Sent::Held(id) => {
                self.emit(
                    Node::Network,
                    EventKind::MessageHeld { id, from, to, what },
                    |_| {
                        (
                            None,
                            "A hold rule parked this message until it is released.".into(),
                        )
                    },
                );
            }
            Sent::Dropped(id) => {
                self.emit(
                    Node::Network,
                    EventKind::MessageDropped {
                        id,
                        from,
                        to,
                        what,
                        why: "rule",
                    },
                    |_| (None, "A drop rule discarded this message.".into()),
                );
            }
        }
    }

    fn latency_rng(&mut self, node: &Node) -> &mut Rng {
        match node {
            Node::Server(id) => {
                let i = self.server_index(*id).unwrap_or(0);
                &mut self.servers[i].net_rng
            }
            Node::Client(i) => &mut self.clients[*i as usize].net_rng,
            Node::Network => &mut self.servers[0].net_rng,
        }
    }

    fn deliver(&mut self, id: MsgId) {
        let now = self.now_ms;
        let Some(m) = self.net.take_for_delivery(id, now) else {
            return;
        };
        if !self.net.conn(m.conn).is_some_and(|c| c.is_open_at(&m.to)) {
            return;
        }
        let what = m.msg.kind_name();
        if self.trace.keeps_events() {
            let summary = m.msg.summary();
            self.emit(
                m.to.clone(),
                EventKind::MessageDelivered {
                    id,
                    from: m.from.clone(),
                    to: m.to.clone(),
                    what,
                },
                move |_| (None, summary),
            );
        } else {
            self.emit(
                m.to.clone(),
                EventKind::MessageDelivered {
                    id,
                    from: m.from.clone(),
                    to: m.to.clone(),
                    what,
                },
                |_| (None, String::new()),
            );
        }
        match m.to {
            Node::Server(myid) => {
                if let Some(s) = self.server_index(myid) {
                    let (conn, from, msg) = (m.conn, m.from, m.msg);
                    self.server_input(s, Input::Receive { conn, from, msg });
                }
            }
            Node::Client(c) => self.client_input(
                c as usize,
                crate::client::Input::Receive {
                    conn: m.conn,
                    msg: m.msg,
                },
            ),
            Node::Network => {}
        }
    }

    /// Closes `node`'s side of a connection and sends end-of-stream to the other side.
    pub(crate) fn close_conn(&mut self, conn: ConnId, node: &Node) {
        let Some(c) = self.net.conn(conn) else {
            return;
        };
        if !c.is_open_at(node) {
            return;
        }
        let peer_open = c.is_open_at(c.peer_of(node));
        if peer_open {
            self.send(conn, node.clone(), crate::net::Msg::Fin);
        }
        self.net.close_side(conn, node);
    }

    // ----- trace -----

    pub(crate) fn emit(
        &mut self,
        node: Node,
        kind: EventKind,
        render: impl FnOnce(&EventKind) -> (Option<LogLine>, String),
    ) {
        let now = self.now_ms;
        self.trace.push(now, node, kind, render);
    }

    /// A log line with an explanation, on `node`.
    pub(crate) fn log(
        &mut self,
        node: Node,
        kind: EventKind,
        level: Level,
        logger: &'static str,
        text: impl FnOnce() -> String,
        explain: impl FnOnce() -> String,
    ) {
        self.emit(node, kind, |_| {
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

    pub(crate) fn server_index(&self, myid: u8) -> Option<usize> {
        self.servers.iter().position(|s| s.myid == myid)
    }

    pub(crate) fn client_index(&self, name: &str) -> Option<usize> {
        self.client_by_name.get(name).copied()
    }

    pub fn node_name(&self, node: &Node) -> String {
        match node {
            Node::Server(id) => format!("s{id}"),
            Node::Client(i) => self
                .clients
                .get(*i as usize)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| format!("client#{i}")),
            Node::Network => "net".to_string(),
        }
    }

    pub(crate) fn endpoint_node(&self, e: &Endpoint) -> Option<Node> {
        match e {
            Endpoint::Server(id) => self.server_index(*id).map(|_| Node::Server(*id)),
            Endpoint::Client(name) => self.client_index(name).map(|i| Node::Client(i as u32)),
        }
    }

    // ----- records for the report -----

    pub(crate) fn record_session(&mut self, id: SessionId, minted_by: u8, timeout_ms: i32) {
        self.sessions.push(SessionRecord {
            id,
            minted_by,
            timeout_ms,
            minted_ms: self.now_ms,
            closed_ms: None,
            expired_ms: None,
            closing: false,
        });
        let idx = self.sessions.len() - 1;
        self.session_index.entry(id).or_default().push(idx);
    }

    /// The records of every session minted with this ID (more than one when IDs collide).
    pub(crate) fn session_records_mut(&mut self, id: SessionId) -> Vec<&mut SessionRecord> {
        let Some(idxs) = self.session_index.get(&id) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(idxs.len());
        let mut rest: &mut [SessionRecord] = &mut self.sessions;
        let mut base = 0;
        for &i in idxs {
            // Indices are ascending (records are appended), so split off each one in turn.
            let (_, tail) = rest.split_at_mut(i - base);
            let (rec, after) = tail.split_at_mut(1);
            out.push(&mut rec[0]);
            rest = after;
            base = i + 1;
        }
        out
    }

    // ----- actions -----

    fn run_action(&mut self, i: usize) {
        // Over 80 lines on purpose: one arm per action kind; each arm hands over to the node that
        // acts.
        let action = self.actions[i].clone();
        match action.kind {
            ActionKind::StartServer { server } => {
                if let Some(s) = self.server_index(server) {
                    self.server_input(s, Input::Start);
                }
            }
            ActionKind::CrashServer { server } => {
                if let Some(s) = self.server_index(server) {
                    self.server_input(s, Input::Crash);
                }
            }
            ActionKind::ClockJump { server, by_ms } => {
                if let Some(s) = self.server_index(server) {
                    self.server_input(s, Input::ClockJump { by_ms });
                }
            }
            ActionKind::Partition { a, b, one_way } => {
                let a: Vec<Node> = a.iter().filter_map(|e| self.endpoint_node(e)).collect();
                let b: Vec<Node> = b.iter().filter_map(|e| self.endpoint_node(e)).collect();
                for x in &a {
                    for y in &b {
                        self.net.cut(x.clone(), y.clone());
                        if !one_way {
                            self.net.cut(y.clone(), x.clone());
                        }
                    }
                }
                let (an, bn) = (self.names(&a), self.names(&b));
                self.log(
                    Node::Network,
                    EventKind::Note,
                    Level::Info,
                    "Network",
                    || format!("partition {an} {} {bn}", if one_way { "->" } else { "<->" }),
                    || {
                        "Messages across the cut wait in flight (TCP retransmits) until a heal."
                            .into()
                    },
                );
                self.topology_changed();
            }
            ActionKind::Heal { a, b } => {
                let a: Option<Vec<Node>> =
                    a.map(|v| v.iter().filter_map(|e| self.endpoint_node(e)).collect());
                let b: Option<Vec<Node>> =
                    b.map(|v| v.iter().filter_map(|e| self.endpoint_node(e)).collect());
                let now = self.now_ms;
                let range = self.cfg.latency_ms;
                let mut rng = Rng::for_entity(self.cfg.seed ^ now, "heal");
                let pred = |f: &Node, t: &Node| {
                    let side =
                        |v: &Option<Vec<Node>>, n: &Node| v.as_ref().is_none_or(|v| v.contains(n));
                    (side(&a, f) && side(&b, t)) || (side(&a, t) && side(&b, f))
                };
                let moved = self.net.heal(now, pred, &mut rng, range);
                for (id, at) in moved {
                    self.schedule(at, Event::Deliver(id));
                }
                self.log(
                    Node::Network,
                    EventKind::Note,
                    Level::Info,
                    "Network",
                    || "heal".to_string(),
                    || "The cut is gone; stuck messages continue in order.".into(),
                );
                self.topology_changed();
            }
            ActionKind::Hold {
                from,
                to,
                kind,
                count,
            } => self.add_rule(RuleEffect::Hold, &from, &to, kind, count),
            ActionKind::Drop {
                from,
                to,
                kind,
                count,
            } => self.add_rule(RuleEffect::Drop, &from, &to, kind, count),
            ActionKind::Delay {
                from,
                to,
                kind,
                by_ms,
                count,
            } => self.add_rule(RuleEffect::Delay(by_ms), &from, &to, kind, count),
            ActionKind::Release { from, to } => {
                let from = from.and_then(|e| self.endpoint_node(&e));
                let to = to.and_then(|e| self.endpoint_node(&e));
                let now = self.now_ms;
                let range = self.cfg.latency_ms;
                let mut rng = Rng::for_entity(self.cfg.seed ^ now, "release");
                let moved = self
                    .net
                    .release(now, from.as_ref(), to.as_ref(), &mut rng, range);
                for (id, at) in moved {
                    self.schedule(at, Event::Deliver(id));
                }
            }
            other => self.client_action(other),
        }
    }

    fn add_rule(
        &mut self,
        effect: RuleEffect,
        from: &Endpoint,
        to: &Endpoint,
        kind: Option<String>,
        count: Option<u32>,
    ) {
        let from = self.endpoint_node(from);
        let to = self.endpoint_node(to);
        self.net.add_rule(Rule {
            effect,
            from,
            to,
            kind,
            remaining: count,
        });
    }

    fn names(&self, nodes: &[Node]) -> String {
        let v: Vec<String> = nodes.iter().map(|n| self.node_name(n)).collect();
        format!("[{}]", v.join(","))
    }
}
