//! The trace: every state change as a typed event, with the log line ZooKeeper would print.
//!
//! The world appends a [`TraceEvent`] for each change it makes. Each event carries the typed
//! facts (who, which session, which bucket) and the log line that the Java code prints at that
//! point (spec section 9), tagged with the node that prints it. [`TraceEvent::explain`] says in a
//! sentence what happened and which Java method did it: teaching is the product.
//!
//! The trace hash folds every event's time, node and typed content into one 64-bit word
//! ([`TraceHasher`]); what goes in is spelled out field by field ([`EventKind::fold`]), so the
//! hash is the same natively and on wasm32, and with the next toolchain.

use std::hash::Hasher;

use crate::codes::{self, Code};
use crate::ids::{SessionId, hex};
use crate::profile::Level;

/// Who an event belongs to (whose log it would appear in).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Server(u8),
    /// A client, by its index in the scenario's client list.
    Client(u32),
    Network,
}

/// What kind of change an event records: the categories the UI filters and steps by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    Message,
    Server,
    Session,
    Bucket,
    Owner,
    Revalidate,
    SessionMoved,
    Client,
    Op,
    Znode,
    Log,
}

/// One typed change. Fields use units in their names; session IDs are Java longs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    MessageSent {
        id: u64,
        from: Node,
        to: Node,
        what: &'static str,
    },
    MessageDelivered {
        id: u64,
        from: Node,
        to: Node,
        what: &'static str,
    },
    MessageDropped {
        id: u64,
        from: Node,
        to: Node,
        what: &'static str,
        why: &'static str,
    },
    MessageHeld {
        id: u64,
        from: Node,
        to: Node,
        what: &'static str,
    },
    ServerRole {
        role: &'static str,
        epoch: u32,
    },
    TrackerSeeded {
        next_session_id: SessionId,
        clock_ms: i64,
        leader: bool,
    },
    SessionMinted {
        session: SessionId,
        timeout_ms: i32,
    },
    SessionEstablished {
        session: SessionId,
        timeout_ms: i32,
    },
    BucketMoved {
        session: SessionId,
        from_ms: Option<i64>,
        to_ms: i64,
    },
    BucketExpired {
        bucket_ms: i64,
        sessions: u32,
    },
    SessionExpiring {
        session: SessionId,
        timeout_ms: i32,
    },
    SessionClosed {
        session: SessionId,
        zxid: i64,
    },
    OwnerChanged {
        session: SessionId,
        from: String,
        to: String,
        why: &'static str,
    },
    Revalidate {
        session: SessionId,
        timeout_ms: i32,
    },
    RevalidateAnswered {
        session: SessionId,
        valid: bool,
    },
    SessionMoved {
        session: SessionId,
        op: String,
    },
    ClientState {
        state: &'static str,
    },
    ClientEvent {
        event: &'static str,
    },
    OpDone {
        op: String,
        path: String,
        code: Code,
    },
    ZnodeCreated {
        path: String,
        zxid: i64,
        ephemeral_owner: SessionId,
    },
    ZnodeChanged {
        path: String,
        zxid: i64,
        version: i32,
    },
    ZnodeDeleted {
        path: String,
        zxid: i64,
    },
    /// A log line with no typed counterpart (for example "Opening socket connection").
    Note,
}

impl EventKind {
    pub fn category(&self) -> Category {
        use EventKind::*;
        match self {
            MessageSent { .. }
            | MessageDelivered { .. }
            | MessageDropped { .. }
            | MessageHeld { .. } => Category::Message,
            ServerRole { .. } | TrackerSeeded { .. } => Category::Server,
            SessionMinted { .. }
            | SessionEstablished { .. }
            | SessionExpiring { .. }
            | SessionClosed { .. } => Category::Session,
            BucketMoved { .. } | BucketExpired { .. } => Category::Bucket,
            OwnerChanged { .. } => Category::Owner,
            Revalidate { .. } | RevalidateAnswered { .. } => Category::Revalidate,
            SessionMoved { .. } => Category::SessionMoved,
            ClientState { .. } | ClientEvent { .. } => Category::Client,
            OpDone { .. } => Category::Op,
            ZnodeCreated { .. } | ZnodeChanged { .. } | ZnodeDeleted { .. } => Category::Znode,
            Note => Category::Log,
        }
    }

    /// The events the UI's "next interesting event" stops at.
    pub fn is_interesting(&self) -> bool {
        matches!(
            self.category(),
            Category::Session
                | Category::Revalidate
                | Category::SessionMoved
                | Category::Client
                | Category::Server
        ) || matches!(self, EventKind::BucketExpired { sessions, .. } if *sessions > 0)
    }
}

/// A log line as ZooKeeper prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    /// The Java class that logs it (simple name), as in log4j's `%c{1}`.
    pub logger: &'static str,
    pub text: String,
}

/// One entry of the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub seq: u64,
    pub at_ms: u64,
    pub node: Node,
    pub kind: EventKind,
    pub log: Option<LogLine>,
    /// One or two sentences: what happened and which Java method does it.
    pub explain: String,
}

impl TraceEvent {
    /// `--log` format: virtual time, node, level, logger, text.
    pub fn log_text(&self, node_name: &str) -> Option<String> {
        self.log.as_ref().map(|l| {
            // Seconds with three decimals, written with integers (the same text as `{:>10.3}` of
            // at_ms / 1000.0): float printing would cost the web bundle several KB.
            let secs = format!("{}.{:03}", self.at_ms / 1000, self.at_ms % 1000);
            format!(
                "{:>10} [{}] {:<5} {} - {}",
                secs,
                node_name,
                l.level.as_str(),
                l.logger,
                l.text
            )
        })
    }
}

/// Describes an op result code the way the client library reports it.
pub fn code_text(code: Code) -> String {
    if code == codes::OK {
        "OK".to_string()
    } else {
        format!("{} ({code})", codes::name(code))
    }
}

/// Formats an owner for the trace: `null`, `me`, or the LearnerHandler's name.
pub fn owner_text(
    owner: Option<crate::tracker::Owner>,
    handler_names: impl Fn(u64) -> String,
) -> String {
    match owner {
        None => "null".to_string(),
        Some(crate::tracker::Owner::Me) => "ServerCnxn.me".to_string(),
        Some(crate::tracker::Owner::Handler(h)) => handler_names(h),
    }
}

/// The trace hasher: a multiply-rotate hash over 64-bit words (in the style of FxHash), with
/// byte strings read little-endian in 8-byte words, so the same events give the same hash
/// natively and on wasm32. Not for adversarial input: it only has to tell two runs apart.
///
/// What it is fed is spelled out here ([`TraceHasher::str`], [`TraceHasher::tag`],
/// [`EventKind::fold`]) rather than left to `#[derive(Hash)]` and `Hash for str`, whose byte
/// feed std does not promise to keep: a link's trace hash and every entity's random stream must
/// outlive the toolchain. The words are those the derives fed in Rust 1.95 (an enum's
/// discriminant as an `isize`, a string's bytes then `0xff`, an `Option`'s tag then its value),
/// so no hash pinned before the fold was spelled out has moved.
#[derive(Clone, Debug)]
pub struct TraceHasher(u64);

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    /// Folds one 64-bit word: every integer, tag and flag is widened to one word.
    #[inline]
    pub fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }

    /// A variant's tag (its number in the fold, fixed forever once a hash depends on it).
    #[inline]
    pub fn tag(&mut self, n: u64) {
        self.word(n);
    }

    /// An `i32` as its unsigned 32-bit pattern, zero-extended (as `write_i32` always fed it:
    /// `-1` is `0xffff_ffff`, not `u64::MAX`).
    #[inline]
    pub fn i32(&mut self, i: i32) {
        self.word(i as u32 as u64);
    }

    /// An `i64` as its two's-complement bit pattern.
    #[inline]
    pub fn i64(&mut self, i: i64) {
        self.word(i as u64);
    }

    #[inline]
    pub fn bool(&mut self, b: bool) {
        self.word(b as u64);
    }

    /// `None` as tag 0; `Some(v)` as tag 1 then `v`.
    #[inline]
    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            None => self.tag(0),
            Some(v) => {
                self.tag(1);
                self.i64(v);
            }
        }
    }

    /// A string: its UTF-8 bytes, then a `0xff` word as terminator (no UTF-8 byte is `0xff`,
    /// so `("ab", "c")` and `("a", "bc")` fold differently).
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.word(0xff);
    }

    /// Raw bytes, 8 to a little-endian word; a short last word carries its length in its top
    /// byte.
    pub fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.word(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 56));
        }
    }
}

/// As a `std::hash::Hasher` it keys the network's in-flight map by message id; there the exact
/// feed does not matter, only its speed. `usize`/`isize` are widened to 64 bits.
impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        // A final avalanche so that nearby states give unrelated hashes.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
    }
    fn write_u8(&mut self, i: u8) {
        self.word(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.word(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.word(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.word(i);
    }
    fn write_i32(&mut self, i: i32) {
        self.i32(i);
    }
    fn write_i64(&mut self, i: i64) {
        self.i64(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.word(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.word(i as i64 as u64);
    }
}

impl Node {
    /// Tag 0 a server (then its myid), 1 a client (then its index), 2 the network.
    pub fn fold(&self, h: &mut TraceHasher) {
        match *self {
            Node::Server(id) => {
                h.tag(0);
                h.word(id as u64);
            }
            Node::Client(index) => {
                h.tag(1);
                h.word(index as u64);
            }
            Node::Network => h.tag(2),
        }
    }
}

impl EventKind {
    /// Folds this event's typed content into the trace hash: its tag, then its fields in
    /// declaration order. A new variant takes the next free tag (tags are the hash's, not the
    /// declaration order's: never reuse or renumber one); a new field goes last in its arm.
    pub fn fold(&self, h: &mut TraceHasher) {
        // Over 80 lines on purpose: one arm per event kind, with the tag numbers side by side,
        // so a new kind cannot reuse one.
        use EventKind::*;
        match self {
            MessageSent { id, from, to, what } => {
                h.tag(0);
                message(h, *id, from, to, what);
            }
            MessageDelivered { id, from, to, what } => {
                h.tag(1);
                message(h, *id, from, to, what);
            }
            MessageDropped {
                id,
                from,
                to,
                what,
                why,
            } => {
                h.tag(2);
                message(h, *id, from, to, what);
                h.str(why);
            }
            MessageHeld { id, from, to, what } => {
                h.tag(3);
                message(h, *id, from, to, what);
            }
            ServerRole { role, epoch } => {
                h.tag(4);
                h.str(role);
                h.word(*epoch as u64);
            }
            TrackerSeeded {
                next_session_id,
                clock_ms,
                leader,
            } => {
                h.tag(5);
                h.i64(*next_session_id);
                h.i64(*clock_ms);
                h.bool(*leader);
            }
            SessionMinted {
                session,
                timeout_ms,
            } => {
                h.tag(6);
                h.i64(*session);
                h.i32(*timeout_ms);
            }
            SessionEstablished {
                session,
                timeout_ms,
            } => {
                h.tag(7);
                h.i64(*session);
                h.i32(*timeout_ms);
            }
            BucketMoved {
                session,
                from_ms,
                to_ms,
            } => {
                h.tag(8);
                h.i64(*session);
                h.opt_i64(*from_ms);
                h.i64(*to_ms);
            }
            BucketExpired {
                bucket_ms,
                sessions,
            } => {
                h.tag(9);
                h.i64(*bucket_ms);
                h.word(*sessions as u64);
            }
            SessionExpiring {
                session,
                timeout_ms,
            } => {
                h.tag(10);
                h.i64(*session);
                h.i32(*timeout_ms);
            }
            SessionClosed { session, zxid } => {
                h.tag(11);
                h.i64(*session);
                h.i64(*zxid);
            }
            OwnerChanged {
                session,
                from,
                to,
                why,
            } => {
                h.tag(12);
                h.i64(*session);
                h.str(from);
                h.str(to);
                h.str(why);
            }
            Revalidate {
                session,
                timeout_ms,
            } => {
                h.tag(13);
                h.i64(*session);
                h.i32(*timeout_ms);
            }
            RevalidateAnswered { session, valid } => {
                h.tag(14);
                h.i64(*session);
                h.bool(*valid);
            }
            SessionMoved { session, op } => {
                h.tag(15);
                h.i64(*session);
                h.str(op);
            }
            ClientState { state } => {
                h.tag(16);
                h.str(state);
            }
            ClientEvent { event } => {
                h.tag(17);
                h.str(event);
            }
            OpDone { op, path, code } => {
                h.tag(18);
                h.str(op);
                h.str(path);
                h.i32(*code);
            }
            ZnodeCreated {
                path,
                zxid,
                ephemeral_owner,
            } => {
                h.tag(19);
                h.str(path);
                h.i64(*zxid);
                h.i64(*ephemeral_owner);
            }
            ZnodeChanged {
                path,
                zxid,
                version,
            } => {
                h.tag(20);
                h.str(path);
                h.i64(*zxid);
                h.i32(*version);
            }
            ZnodeDeleted { path, zxid } => {
                h.tag(21);
                h.str(path);
                h.i64(*zxid);
            }
            Note => h.tag(22),
        }
    }
}

/// The fields the four message events share, in their order.
fn message(h: &mut TraceHasher, id: u64, from: &Node, to: &Node, what: &str) {
    h.word(id);
    from.fold(h);
    to.fold(h);
    h.str(what);
}

/// Where trace events go: kept (for the UI and `--log`), or only hashed (for benchmarks).
#[derive(Clone, Debug)]
pub struct Trace {
    keep: bool,
    events: Vec<TraceEvent>,
    hasher: TraceHasher,
    count: u64,
}

impl Trace {
    pub fn new(keep: bool) -> Trace {
        Trace {
            keep,
            events: Vec::new(),
            hasher: TraceHasher::default(),
            count: 0,
        }
    }

    pub fn keeps_events(&self) -> bool {
        self.keep
    }

    /// Starts or stops keeping events (and formatting their log lines); the hash is the same
    /// either way.
    pub fn set_keep_events(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// Records one event. The hash covers the typed content only; the log line and the
    /// explanation are rendered (by `render`) only when events are kept, so a hash-only run
    /// formats no strings.
    pub fn push(
        &mut self,
        at_ms: u64,
        node: Node,
        kind: EventKind,
        render: impl FnOnce(&EventKind) -> (Option<LogLine>, String),
    ) {
        self.hasher.word(at_ms);
        node.fold(&mut self.hasher);
        kind.fold(&mut self.hasher);
        let seq = self.count;
        self.count += 1;
        if self.keep {
            let (log, explain) = render(&kind);
            self.events.push(TraceEvent {
                seq,
                at_ms,
                node,
                kind,
                log,
                explain,
            });
        }
    }

    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// Removes and returns the kept events; the hash and the count go on.
    pub fn drain(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash())
    }
}

/// `0x<id>` for logs.
pub fn sid(id: SessionId) -> String {
    hex(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--log` keeps the text it had when the time was printed as `{:>10.3}` of seconds in f64
    /// (the golden logs of `tests/` and the conformance logs are compared byte for byte).
    #[test]
    fn log_times_read_as_the_float_seconds_they_replaced() {
        for at_ms in [
            0,
            7,
            999,
            1_000,
            1_234,
            59_999,
            123_456_789,
            9_876_543_210_123,
        ] {
            let e = TraceEvent {
                seq: 0,
                at_ms,
                node: Node::Server(1),
                kind: EventKind::ServerRole {
                    role: "LEADING",
                    epoch: 1,
                },
                log: Some(LogLine {
                    level: Level::Info,
                    logger: "QuorumPeer",
                    text: "LEADING".into(),
                }),
                explain: String::new(),
            };
            let old = format!(
                "{:>10.3} [s1] INFO  QuorumPeer - LEADING",
                at_ms as f64 / 1000.0
            );
            assert_eq!(e.log_text("s1").unwrap(), old);
        }
    }
}
