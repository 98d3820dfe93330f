//! The simulated network: TCP-like connections carrying typed messages with seeded latency.
//!
//! ```text
//!   sender ──send──▶ InFlight{deliver_ms} ──(queue)──▶ deliver ──▶ receiver handler
//!                       │  partition: stuck until heal (TCP retransmits)
//!                       │  rule hold: parked until release;  drop: gone;  delay: +ms
//! ```
//!
//! A connection has an identity and two directions. Each direction is FIFO, like TCP: a message
//! never overtakes an earlier one on the same connection and direction, whatever latency it
//! drew. Closing a side sends a `Fin` that arrives after everything sent before it (end of
//! stream at the other side). A partition does not lose data either: messages wait and arrive
//! after the heal, by which time ZooKeeper's own timeouts have usually acted.
//!
//! Every message in flight is a value the UI can draw ([`InFlight`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasherDefault;

use crate::codes::Code;
use crate::datatree::{DataTree, Op, Stat, Txn, TxnHeader, Zxid};
use crate::ids::{Password, SessionId};
use crate::trace::{Node, TraceHasher};

/// Messages by id. Looked up on every delivery, so hashed; never iterated in hash order where
/// the order could matter (ids are sorted first).
type InflightMap = HashMap<MsgId, InFlight, BuildHasherDefault<TraceHasher>>;

pub type ConnId = u64;
pub type MsgId = u64;

/// A client request as it travels (the RequestHeader type plus its record).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientRequest {
    Ping,
    CloseSession,
    Write(Op),
    Multi(Vec<Op>),
    Exists(String),
    GetData(String),
    /// `sync(path)`: forwarded to the leader by a learner; a no-op that orders reads.
    Sync(String),
    /// The createSession request a server submits for a new connection (never sent by a client).
    CreateSession {
        timeout_ms: i32,
    },
}

impl ClientRequest {
    /// `Request.op2String` spelling, as in ZooKeeper's logs.
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientRequest::Ping => "ping",
            ClientRequest::CloseSession => "closeSession",
            ClientRequest::Write(Op::Create { .. }) => "create",
            ClientRequest::Write(Op::SetData { .. }) => "setData",
            ClientRequest::Write(Op::Delete { .. }) => "delete",
            ClientRequest::Write(Op::Check { .. }) => "check",
            ClientRequest::Multi(_) => "multi",
            ClientRequest::Exists(_) => "exists",
            ClientRequest::GetData(_) => "getData",
            ClientRequest::Sync(_) => "sync",
            ClientRequest::CreateSession { .. } => "createSession",
        }
    }

    /// Writes go through the leader's Prep and a txn; reads and pings are served where the
    /// connection lives (on the leader they are still session-checked).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            ClientRequest::CloseSession
                | ClientRequest::Write(_)
                | ClientRequest::Multi(_)
                | ClientRequest::CreateSession { .. }
        )
    }

    /// What a learner's FollowerRequestProcessor sends to the leader: writes and sync.
    pub fn is_forwarded(&self) -> bool {
        self.is_write() || matches!(self, ClientRequest::Sync(_))
    }

    pub fn path(&self) -> Option<&str> {
        match self {
            ClientRequest::Write(op) => Some(op.path()),
            ClientRequest::Exists(p) | ClientRequest::GetData(p) | ClientRequest::Sync(p) => {
                Some(p)
            }
            _ => None,
        }
    }
}

/// A reply's record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReplyBody {
    None,
    Stat(Stat),
    Data(String, Stat),
    Created(String),
    Multi(Vec<(Code, Option<String>)>),
}

/// What the database looks like on the wire during a sync (the SNAP a leader sends).
#[derive(Clone, Debug)]
pub struct DbImage {
    pub tree: DataTree,
    pub sessions: BTreeMap<SessionId, i32>,
    pub last_zxid: Zxid,
}

/// Every message the simulator sends. Client-server messages first, then the quorum's.
#[derive(Clone, Debug)]
pub enum Msg {
    /// TCP connection request, its acceptance, and its refusal (nothing listens).
    Syn,
    SynAck,
    Rst,
    /// End of stream: the sender closed its side.
    Fin,
    Connect {
        last_zxid_seen: Zxid,
        timeout_ms: i32,
        session_id: SessionId,
        passwd: Password,
    },
    ConnectResponse {
        timeout_ms: i32,
        session_id: SessionId,
        passwd: Password,
    },
    Request {
        xid: i32,
        req: ClientRequest,
    },
    Reply {
        xid: i32,
        zxid: Zxid,
        err: Code,
        body: ReplyBody,
    },
    // --- quorum (leader <-> learner) ---
    FollowerInfo {
        last_zxid: Zxid,
        accepted_epoch: u32,
    },
    /// NEWLEADER with a SNAP of the leader's database.
    NewLeader {
        epoch: u32,
        image: Box<DbImage>,
    },
    AckNewLeader,
    UpToDate,
    Proposal {
        hdr: TxnHeader,
        txn: Txn,
    },
    Ack {
        zxid: Zxid,
    },
    Commit {
        zxid: Zxid,
    },
    /// Leader to learner: PING. Learner to leader: the reply, carrying its touch table.
    Ping {
        touches: Vec<(SessionId, i32)>,
    },
    /// A request forwarded by a learner (`Learner.request`).
    LearnerRequest {
        session_id: SessionId,
        cxid: i32,
        req: ClientRequest,
    },
    Revalidate {
        session_id: SessionId,
        timeout_ms: i32,
    },
    RevalidateReply {
        session_id: SessionId,
        valid: bool,
    },
    /// Leader to learner: the learner's forwarded sync is done (`Leader.sendSync`).
    Sync {
        session_id: SessionId,
        cxid: i32,
    },
}

/// Every message kind name ([`Msg::kind_name`]): what hold, drop and delay rules match on.
pub const MESSAGE_KINDS: &[&str] = &[
    "SYN",
    "SYN-ACK",
    "RST",
    "close",
    "ConnectRequest",
    "ConnectResponse",
    "ping",
    "request",
    "ping-reply",
    "reply",
    "FOLLOWERINFO",
    "NEWLEADER",
    "ACK",
    "UPTODATE",
    "PROPOSAL",
    "COMMIT",
    "PING",
    "REQUEST",
    "REVALIDATE",
    "REVALIDATE-REPLY",
    "SYNC",
];

impl Msg {
    /// The name the UI shows and rules match on (one of [`MESSAGE_KINDS`]).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Msg::Syn => "SYN",
            Msg::SynAck => "SYN-ACK",
            Msg::Rst => "RST",
            Msg::Fin => "close",
            Msg::Connect { .. } => "ConnectRequest",
            Msg::ConnectResponse { .. } => "ConnectResponse",
            Msg::Request {
                req: ClientRequest::Ping,
                ..
            } => "ping",
            Msg::Request { .. } => "request",
            Msg::Reply { xid: -2, .. } => "ping-reply",
            Msg::Reply { .. } => "reply",
            Msg::FollowerInfo { .. } => "FOLLOWERINFO",
            Msg::NewLeader { .. } => "NEWLEADER",
            Msg::AckNewLeader => "ACK",
            Msg::UpToDate => "UPTODATE",
            Msg::Proposal { .. } => "PROPOSAL",
            Msg::Ack { .. } => "ACK",
            Msg::Commit { .. } => "COMMIT",
            Msg::Ping { .. } => "PING",
            Msg::LearnerRequest { .. } => "REQUEST",
            Msg::Revalidate { .. } => "REVALIDATE",
            Msg::RevalidateReply { .. } => "REVALIDATE-REPLY",
            Msg::Sync { .. } => "SYNC",
        }
    }

    /// A one-line description for the UI.
    pub fn summary(&self) -> String {
        use crate::ids::hex;
        match self {
            Msg::Connect {
                session_id,
                timeout_ms,
                last_zxid_seen,
                ..
            } => format!(
                "ConnectRequest(sessionId={}, timeOut={timeout_ms}, lastZxidSeen={})",
                hex(*session_id),
                hex(*last_zxid_seen)
            ),
            Msg::ConnectResponse {
                session_id,
                timeout_ms,
                ..
            } => format!(
                "ConnectResponse(sessionId={}, timeOut={timeout_ms})",
                hex(*session_id)
            ),
            Msg::Request { xid, req } => match req.path() {
                Some(p) => format!("{} {p} (xid {xid})", req.type_name()),
                None => format!("{} (xid {xid})", req.type_name()),
            },
            Msg::Reply { xid, zxid, err, .. } => {
                format!("reply xid {xid} zxid {} err {err}", hex(*zxid))
            }
            Msg::Proposal { hdr, txn } => format!("PROPOSAL {} {}", hex(hdr.zxid), txn_name(txn)),
            Msg::Ack { zxid } => format!("ACK {}", hex(*zxid)),
            Msg::Commit { zxid } => format!("COMMIT {}", hex(*zxid)),
            Msg::Ping { touches } => format!("PING ({} touches)", touches.len()),
            Msg::LearnerRequest {
                session_id, req, ..
            } => format!("REQUEST {} for {}", req.type_name(), hex(*session_id)),
            Msg::Revalidate {
                session_id,
                timeout_ms,
            } => format!("REVALIDATE {} timeout {timeout_ms}", hex(*session_id)),
            Msg::RevalidateReply { session_id, valid } => {
                format!("REVALIDATE {} valid={valid}", hex(*session_id))
            }
            other => other.kind_name().to_string(),
        }
    }
}

pub fn txn_name(txn: &Txn) -> &'static str {
    match txn {
        Txn::CreateSession { .. } => "createSession",
        Txn::CloseSession { .. } => "closeSession",
        Txn::Create { .. } => "create",
        Txn::SetData { .. } => "setData",
        Txn::Delete { .. } => "delete",
        Txn::Check { .. } => "check",
        Txn::Multi(_) => "multi",
        Txn::Error { .. } => "error",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnKind {
    /// A client's connection to a server's client port.
    Client,
    /// A learner's connection to the leader's quorum port.
    Quorum,
}

/// One TCP-like connection. `a` opened it (the client or the learner), `b` accepted it.
#[derive(Clone, Debug)]
pub struct Conn {
    pub id: ConnId,
    pub kind: ConnKind,
    pub a: Node,
    pub b: Node,
    pub open_a: bool,
    pub open_b: bool,
    /// FIFO per direction: the last delivery time scheduled from a to b, and from b to a.
    last_ab_ms: u64,
    last_ba_ms: u64,
}

impl Conn {
    pub fn peer_of(&self, node: &Node) -> &Node {
        if *node == self.a { &self.b } else { &self.a }
    }
    pub fn is_open_at(&self, node: &Node) -> bool {
        if *node == self.a {
            self.open_a
        } else {
            self.open_b
        }
    }
}

/// Where an in-flight message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// On its way; arrives at `deliver_ms`.
    Flying,
    /// Stuck behind a partition; moves again when it heals.
    Partitioned,
    /// Parked by a hold rule until released.
    Held,
}

#[derive(Clone, Debug)]
pub struct InFlight {
    pub id: MsgId,
    pub conn: ConnId,
    pub from: Node,
    pub to: Node,
    pub msg: Msg,
    pub sent_ms: u64,
    pub deliver_ms: u64,
    pub status: Status,
}

/// What a network rule does to the messages it matches (races on demand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleEffect {
    Hold,
    Drop,
    Delay(u64),
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub effect: RuleEffect,
    pub from: Option<Node>,
    pub to: Option<Node>,
    /// Message kind name ([`Msg::kind_name`]), or any.
    pub kind: Option<String>,
    /// How many more messages it applies to; None = until removed.
    pub remaining: Option<u32>,
}

impl Rule {
    fn matches(&self, from: &Node, to: &Node, kind: &str) -> bool {
        self.from.as_ref().is_none_or(|f| f == from)
            && self.to.as_ref().is_none_or(|t| t == to)
            && self.kind.as_deref().is_none_or(|k| k == kind)
            && self.remaining != Some(0)
    }
}

/// What `send` decided for a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Schedule a delivery at this time.
    Deliver(MsgId, u64),
    Partitioned(MsgId),
    Held(MsgId),
    Dropped(MsgId),
}

/// Message latency source: a deterministic stream per sender.
pub trait LatencySource {
    fn latency_ms(&mut self, min_ms: u64, max_ms: u64) -> u64;
}

#[derive(Clone, Debug, Default)]
pub struct Network {
    conns: BTreeMap<ConnId, Conn>,
    next_conn: ConnId,
    inflight: InflightMap,
    next_msg: MsgId,
    /// Directed cuts: (from, to) cannot reach.
    cuts: BTreeSet<(Node, Node)>,
    rules: Vec<Rule>,
    /// Set once a message has been parked; cleared when none is left.
    any_parked: bool,
}

impl Network {
    /// The id the next `open` gives (a node that opens a connection names it in its effect).
    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn + 1
    }

    pub fn open(&mut self, kind: ConnKind, a: Node, b: Node) -> ConnId {
        self.next_conn += 1;
        let id = self.next_conn;
        self.conns.insert(
            id,
            Conn {
                id,
                kind,
                a,
                b,
                open_a: true,
                open_b: true,
                last_ab_ms: 0,
                last_ba_ms: 0,
            },
        );
        id
    }

    pub fn conn(&self, id: ConnId) -> Option<&Conn> {
        self.conns.get(&id)
    }

    pub fn conns(&self) -> impl Iterator<Item = &Conn> {
        self.conns.values()
    }

    /// Every message in flight, oldest first.
    pub fn inflight(&self) -> Vec<&InFlight> {
        let mut v: Vec<&InFlight> = self.inflight.values().collect();
        v.sort_by_key(|m| m.id);
        v
    }

    pub fn inflight_len(&self) -> usize {
        self.inflight.len()
    }

    pub fn message(&self, id: MsgId) -> Option<&InFlight> {
        self.inflight.get(&id)
    }

    /// Whether any message is stuck or held (only then can one block another).
    fn parked(&self) -> bool {
        !self.cuts.is_empty() || !self.rules.is_empty() || self.any_parked
    }

    pub fn is_cut(&self, from: &Node, to: &Node) -> bool {
        !self.cuts.is_empty() && self.cuts.contains(&(from.clone(), to.clone()))
    }

    /// Sends `msg` from `from` on connection `conn`. The caller schedules the delivery.
    pub fn send(
        &mut self,
        now_ms: u64,
        conn: ConnId,
        from: &Node,
        msg: Msg,
        latency: &mut dyn LatencySource,
        latency_range: (u64, u64),
    ) -> Option<(Sent, Node)> {
        let c = self.conns.get_mut(&conn)?;
        let to = c.peer_of(from).clone();
        let kind = msg.kind_name();
        let mut effect = None;
        for rule in &mut self.rules {
            if rule.matches(from, &to, kind) {
                if let Some(n) = rule.remaining.as_mut() {
                    *n -= 1;
                }
                effect = Some(rule.effect.clone());
                break;
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        self.next_msg += 1;
        let id = self.next_msg;
        let mut deliver_ms = now_ms + latency.latency_ms(latency_range.0, latency_range.1);
        if let Some(RuleEffect::Delay(by)) = effect {
            deliver_ms = deliver_ms.saturating_add(by);
        }
        if effect == Some(RuleEffect::Drop) {
            return Some((Sent::Dropped(id), to));
        }
        let forward = *from == c.a;
        let last = if forward {
            &mut c.last_ab_ms
        } else {
            &mut c.last_ba_ms
        };
        deliver_ms = deliver_ms.max(*last);
        let status = if effect == Some(RuleEffect::Hold) {
            Status::Held
        } else if self.cuts.contains(&(from.clone(), to.clone())) {
            Status::Partitioned
        } else {
            *last = deliver_ms;
            Status::Flying
        };
        self.inflight.insert(
            id,
            InFlight {
                id,
                conn,
                from: from.clone(),
                to: to.clone(),
                msg,
                sent_ms: now_ms,
                deliver_ms,
                status,
            },
        );
        if status != Status::Flying {
            self.any_parked = true;
        }
        let sent = match status {
            Status::Flying => Sent::Deliver(id, deliver_ms),
            Status::Partitioned => Sent::Partitioned(id),
            Status::Held => Sent::Held(id),
        };
        Some((sent, to))
    }

    /// Called when a delivery event fires. Returns the message if it really arrives now.
    /// A message that a partition now blocks becomes stuck; a held or dropped one is ignored.
    pub fn take_for_delivery(&mut self, id: MsgId, now_ms: u64) -> Option<InFlight> {
        let m = self.inflight.get_mut(&id)?;
        if m.status != Status::Flying || m.deliver_ms > now_ms {
            return None;
        }
        if self.cuts.contains(&(m.from.clone(), m.to.clone())) {
            m.status = Status::Partitioned;
            self.any_parked = true;
            return None;
        }
        // FIFO: an earlier message on the same direction that is stuck or held blocks this one.
        let (conn, from) = (m.conn, m.from.clone());
        let blocked = self.parked()
            && self.inflight.values().any(|o| {
                o.conn == conn && o.from == from && o.id < id && o.status != Status::Flying
            });
        if blocked {
            if let Some(m) = self.inflight.get_mut(&id) {
                m.status = Status::Partitioned;
            }
            return None;
        }
        self.inflight.remove(&id)
    }

    /// Marks a side of a connection closed (the endpoint closed its socket).
    pub fn close_side(&mut self, conn: ConnId, node: &Node) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if c.a == *node {
                c.open_a = false;
            } else if c.b == *node {
                c.open_b = false;
            }
            if !c.open_a && !c.open_b {
                let id = c.id;
                self.conns.remove(&id);
                self.inflight.retain(|_, m| m.conn != id);
            }
        }
    }

    /// Forgets a connection entirely (both sides gone), with anything still in flight on it.
    pub fn forget(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
        self.inflight.retain(|_, m| m.conn != conn);
    }

    pub fn cut(&mut self, from: Node, to: Node) {
        self.cuts.insert((from, to));
    }

    pub fn cuts(&self) -> impl Iterator<Item = &(Node, Node)> {
        self.cuts.iter()
    }

    /// Removes cuts matching the sides (None = every cut), then returns the messages that can
    /// move again with their new delivery times, in id order (FIFO per direction is kept).
    pub fn heal(
        &mut self,
        now_ms: u64,
        pred: impl Fn(&Node, &Node) -> bool,
        latency: &mut dyn LatencySource,
        latency_range: (u64, u64),
    ) -> Vec<(MsgId, u64)> {
        self.cuts.retain(|(f, t)| !pred(f, t));
        self.restart_stuck(now_ms, Status::Partitioned, latency, latency_range)
    }

    fn restart_stuck(
        &mut self,
        now_ms: u64,
        which: Status,
        latency: &mut dyn LatencySource,
        latency_range: (u64, u64),
    ) -> Vec<(MsgId, u64)> {
        let mut out = Vec::new();
        let mut ids: Vec<MsgId> = self
            .inflight
            .values()
            .filter(|m| m.status == which)
            .map(|m| m.id)
            .collect();
        ids.sort_unstable();
        for id in ids {
            let (conn, from, to) = {
                let m = &self.inflight[&id];
                (m.conn, m.from.clone(), m.to.clone())
            };
            if self.cuts.contains(&(from.clone(), to)) {
                continue;
            }
            // Anything earlier on the same direction still parked keeps this one parked.
            let blocked = self.inflight.values().any(|o| {
                o.conn == conn && o.from == from && o.id < id && o.status != Status::Flying
            });
            if blocked {
                continue;
            }
            let Some(c) = self.conns.get_mut(&conn) else {
                continue;
            };
            let last = if from == c.a {
                &mut c.last_ab_ms
            } else {
                &mut c.last_ba_ms
            };
            let at = (now_ms + latency.latency_ms(latency_range.0, latency_range.1)).max(*last);
            *last = at;
            if let Some(m) = self.inflight.get_mut(&id) {
                m.status = Status::Flying;
                m.deliver_ms = at;
            }
            out.push((id, at));
        }
        self.any_parked = self.inflight.values().any(|m| m.status != Status::Flying);
        out
    }

    pub fn add_rule(&mut self, rule: Rule) {
        self.rules.push(rule);
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Removes the rules matching the sides and lets their held messages go.
    pub fn release(
        &mut self,
        now_ms: u64,
        from: Option<&Node>,
        to: Option<&Node>,
        latency: &mut dyn LatencySource,
        latency_range: (u64, u64),
    ) -> Vec<(MsgId, u64)> {
        // Every rule between these sides ends (hold, drop and delay alike).
        self.rules.retain(|r| {
            !(from.is_none_or(|f| r.from.as_ref().is_none_or(|rf| rf == f))
                && to.is_none_or(|t| r.to.as_ref().is_none_or(|rt| rt == t)))
        });
        for m in self.inflight.values_mut() {
            if m.status == Status::Held
                && from.is_none_or(|f| m.from == *f)
                && to.is_none_or(|t| m.to == *t)
            {
                m.status = Status::Partitioned;
            }
        }
        self.restart_stuck(now_ms, Status::Partitioned, latency, latency_range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_lists_every_kind_name() {
        let samples = [
            Msg::Syn,
            Msg::SynAck,
            Msg::Rst,
            Msg::Fin,
            Msg::AckNewLeader,
            Msg::UpToDate,
            Msg::Ack { zxid: 1 },
            Msg::Commit { zxid: 1 },
            Msg::Ping { touches: vec![] },
            Msg::Request {
                xid: -2,
                req: ClientRequest::Ping,
            },
            Msg::Request {
                xid: 1,
                req: ClientRequest::CloseSession,
            },
            Msg::Revalidate {
                session_id: 1,
                timeout_ms: 1,
            },
            Msg::RevalidateReply {
                session_id: 1,
                valid: true,
            },
            Msg::Sync {
                session_id: 1,
                cxid: 1,
            },
            Msg::FollowerInfo {
                last_zxid: 0,
                accepted_epoch: 0,
            },
        ];
        for m in samples {
            assert!(MESSAGE_KINDS.contains(&m.kind_name()), "{}", m.kind_name());
        }
    }
}
