//! A ZooKeeper server: `QuorumPeer` with its `ZooKeeperServer`, as a state machine.
//!
//! ```text
//!  client ─ConnectRequest─▶ processConnectRequest ─┬─ new:   createSession ─▶ (leader) Prep
//!                                                  └─ renew: leader: touch + setOwner(me)
//!                                                            follower: REVALIDATE ─▶ leader
//!  client ─request─▶ submitRequest (touch) ─▶ leader: Prep(checkSession) ─▶ PROPOSAL ─▶ ACKs
//!                                          └▶ follower: REQUEST ─▶ leader Prep ...   │
//!                     FinalRequestProcessor ◀── COMMIT (applied on every server) ◀───┘
//!                     (the server holding the connection replies, or closes it on SessionMoved)
//! ```
//!
//! Roles follow `QuorumPeer`: LOOKING until the election settles, then LEADING or FOLLOWING.
//! The election is modelled by its outcome, over the whole ensemble, in `world/election.rs`
//! (FastLeaderElection picks the highest last zxid, then the highest myid, among a live
//! majority that can talk, after the 200 ms finalize wait); its notifications are not
//! simulated, and a server learns the outcome as an input (`Input::Lead`, `Input::Follow`).
//! Sync is a SNAP (`NEWLEADER` carries the database).
//! The leader's tracker is built when it starts serving (`LeaderZooKeeperServer.startup`), a
//! learner's at each sync (`Learner.syncWithLeader`), as spec 1.4 says. Each lives in its role
//! (`Leading`, `Standalone`, `Following`), as do the role's timers (timer.rs).
//!
//! A server does not know the world. It is a state machine: the world (`world/drive_server.rs`)
//! hands it one [`Input`] (start, crash, a clock jump, a message on one of its connections, a
//! live timer, the election's outcome) with a [`Cx`] (the time, the profile, zoo.cfg, the
//! ensemble's myids, the LearnerHandler names, the ids the world hands out next, an outbox).
//! The handler changes only this server and pushes effects as data (`effect.rs`: send, close,
//! refuse, arm a timer, a trace event with its log line, a session record, a handler's name,
//! "look for a leader again"), which the world applies in order. `tests.rs` drives each
//! handler alone.
//!
//! ```text
//!   World ──Input + Cx (now, profile, zoo.cfg, myids, next ids)──▶ Server::handle
//!     ▲                                                                │
//!     └── applied in order: net, queue (timers), trace, records ◀── Outbox [Effect, ...]
//! ```
//!
//! One file per Java class (or the part of one a server's session story goes through):
//!
//! ```text
//!   mod.rs              Server (the peer's state), ServerCnxn, LearnerHandler, reply slots,
//!                       Input and Cx (what a handler is given), Server::handle
//!   peer.rs             QuorumPeer: start, crash, roles, leading / following, clock jumps
//!   cnxn.rs             NIOServerCnxn + ZooKeeperServer: connect, renew, packets, close
//!   session_tracker.rs  SessionTrackerImpl / LearnerSessionTracker glue: touch, owner, expirer
//!   prep.rs             PrepRequestProcessor: checkSession, txns, error txns, multi
//!   commit.rs           Leader.propose, the ACK quorum, CommitProcessor's hand-off
//!   final_processor.rs  FinalRequestProcessor: apply, reply in order, SessionMoved close
//!   leader.rs           Leader + LearnerHandler: startup, tick, joins, REVALIDATE, syncs
//!   learner.rs          Learner / Follower: sync, proposals, commits, its own timeout
//!   timer.rs            the roles' and the tracker's timers: deadlines, and stale entries
//!   tests.rs            each handler alone: input in, the effects out
//! ```

use std::collections::{BTreeMap, VecDeque};

use crate::codes::{self, Code};
use crate::config::Config;
use crate::datatree::{
    ApplyResult, DataTree, KeeperError, PrepState, TreeRules, Txn, TxnHeader, Zxid,
};
use crate::effect::{Effect, Outbox, SessionNote};
use crate::ids::{SessionId, check_password, generate_password, hex, seed_session_id};
use crate::net::{ClientRequest, ConnId, ConnKind, DbImage, Msg, ReplyBody};
use crate::profile::{EofLog, Level, Profile, TrackerClock};
use crate::rng::Rng;
use crate::scenario::ServerSpec;
use crate::trace::{EventKind, Node};
use crate::tracker::{CheckError, LeaderTracker, LearnerTouchTable, Owner, Touch};

mod cnxn;
mod commit;
mod final_processor;
mod leader;
mod learner;
mod peer;
mod prep;
mod session_tracker;
#[cfg(test)]
mod tests;
mod timer;

pub use timer::Timer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Down,
    Looking,
    Following,
    Leading,
    Standalone,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Down => "down",
            Role::Looking => "looking",
            Role::Following => "following",
            Role::Leading => "leading",
            Role::Standalone => "standalone",
        }
    }
}

/// Where a committed txn came from, so the right server answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A connection on this server (`request.cnxn != null`).
    Local { conn: ConnId, xid: i32 },
    /// Forwarded by a learner, or made by the expirer (`request.cnxn == null` here).
    Remote,
}

/// How a queued reply slot stands (FinalRequestProcessor answers in order per connection).
#[derive(Clone, Debug)]
pub(crate) enum SlotState {
    /// A write in the pipeline, waiting for its commit.
    Waiting,
    /// A read or ping that passed Prep: served when it reaches the head.
    Read,
    /// A reply to send.
    Reply {
        zxid: Zxid,
        err: Code,
        body: ReplyBody,
    },
    /// SessionMoved: close the connection without a reply (ZOOKEEPER-710).
    Moved,
    /// closeSession succeeded: reply, then close (`sendCloseSession`).
    ReplyThenClose { zxid: Zxid },
}

#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub xid: i32,
    pub req: ClientRequest,
    pub state: SlotState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CnxnState {
    /// TCP is up; no ConnectRequest yet.
    Accepted,
    /// ConnectRequest seen; createSession or revalidation under way (`disableRecv`).
    Establishing,
    Established,
}

/// `NIOServerCnxn`: one client connection on this server.
#[derive(Clone, Debug)]
pub struct ServerCnxn {
    pub conn: ConnId,
    pub client: usize,
    pub session_id: SessionId,
    pub timeout_ms: i32,
    pub state: CnxnState,
    pub(crate) slots: VecDeque<Slot>,
    /// The client's end of stream arrived while `disableRecv` was in force (session setup): the
    /// server has not read it yet. `finishSessionInit` re-enables reading, and only then does
    /// the server see the end of stream.
    pub eof_unread: bool,
}

/// The leader's `LearnerHandler` for one learner connection.
#[derive(Clone, Debug)]
pub struct LearnerHandler {
    pub handler_id: u64,
    pub server: usize,
    pub conn: ConnId,
    /// The learner acknowledged NEWLEADER.
    pub synced: bool,
    pub last_heard_ms: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct Proposal {
    pub hdr: TxnHeader,
    pub txn: Txn,
    pub acks: Vec<usize>,
    pub origin: Origin,
}

/// `QuorumPeer`'s state: the role, owning what only that role has.
#[derive(Clone, Debug)]
pub enum Peer {
    Down,
    Looking,
    Leading(Leading),
    Following(Following),
    Standalone(Standalone),
}

impl Peer {
    pub fn role(&self) -> Role {
        match self {
            Peer::Down => Role::Down,
            Peer::Looking => Role::Looking,
            Peer::Leading(_) => Role::Leading,
            Peer::Following(_) => Role::Following,
            Peer::Standalone(_) => Role::Standalone,
        }
    }
}

/// `Leader`: what a LEADING server has and loses when it stops leading.
#[derive(Clone, Debug)]
pub struct Leading {
    pub learners: BTreeMap<ConnId, LearnerHandler>,
    /// Every LearnerHandler this leader incarnation created (owners may name one that is gone).
    pub handlers_created: std::collections::BTreeSet<u64>,
    pub(crate) proposals: BTreeMap<Zxid, Proposal>,
    /// Half ticks since `Leader.lead()` began (it sleeps tickTime / 2 per pass).
    pub(crate) half_ticks: u64,
    pub(crate) lead_start_ms: u64,
    /// When `Leader.lead()` wakes from its sleep for the next half tick.
    pub(crate) tick_at_ms: u64,
    /// Learners' syncs waiting for the proposals before them to commit.
    pub(crate) leader_syncs: Vec<(ConnId, SessionId, i32, Zxid)>,
    /// `SessionTrackerImpl`, built when a quorum has synced (`LeaderZooKeeperServer.startup`).
    pub tracker: Option<LeaderTracker>,
}

impl Leading {
    fn new(now_ms: u64, tick_at_ms: u64) -> Leading {
        Leading {
            learners: BTreeMap::new(),
            handlers_created: std::collections::BTreeSet::new(),
            proposals: BTreeMap::new(),
            half_ticks: 0,
            lead_start_ms: now_ms,
            tick_at_ms,
            leader_syncs: Vec::new(),
            tracker: None,
        }
    }
}

/// `ZooKeeperServerMain`: what a standalone server has and loses when its process dies.
#[derive(Clone, Debug, Default)]
pub struct Standalone {
    /// `SessionTrackerImpl`, built at startup (`ZooKeeperServer.startup`, sid 1).
    pub tracker: Option<LeaderTracker>,
}

/// `Follower`: what a FOLLOWING server has and loses when it stops following.
#[derive(Clone, Debug)]
pub struct Following {
    /// The leader's server index.
    pub leader: usize,
    pub leader_conn: ConnId,
    pub(crate) last_heard_leader_ms: u64,
    /// When the read timeout on the leader's socket is next checked: if the leader was heard
    /// from since, it is re-armed from the last packet (the deadline never runs early).
    pub(crate) timeout_at_ms: u64,
    /// REVALIDATEs sent to the leader, by session: the client connection waiting for each.
    pub pending_revalidations: BTreeMap<SessionId, ConnId>,
    /// Requests forwarded to the leader from this server's connections, in order: the commits
    /// that come back answer them (`pendingTxns`).
    pub(crate) pending_local: VecDeque<(SessionId, i32, ConnId)>,
    /// Forwarded syncs waiting for the leader's SYNC (`pendingSyncs`).
    pub(crate) pending_syncs: VecDeque<(SessionId, i32, ConnId)>,
    /// `LearnerSessionTracker`'s touch table, seeded at each sync (`Learner.syncWithLeader`).
    pub touch: Option<LearnerTouchTable>,
}

impl Following {
    fn new(leader: usize, leader_conn: ConnId, now_ms: u64, timeout_at_ms: u64) -> Following {
        Following {
            leader,
            leader_conn,
            last_heard_leader_ms: now_ms,
            timeout_at_ms,
            pending_revalidations: BTreeMap::new(),
            pending_local: VecDeque::new(),
            pending_syncs: VecDeque::new(),
            touch: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Server {
    pub index: usize,
    pub myid: u8,
    pub clock_offset_ms: i64,
    pub uptime_ms: i64,
    pub clock_jump_ms: i64,
    /// The role and what only that role has (a leader's handlers and proposals, a follower's
    /// leader connection and waiting requests): leaving a role drops them with it.
    pub peer: Peer,
    /// Serving clients (the ZooKeeperServer is running).
    pub serving: bool,
    pub accepted_epoch: u32,
    pub epoch: u32,
    // ZKDatabase: survives a crash.
    pub tree: DataTree,
    /// `sessionsWithTimeouts`.
    pub db_sessions: BTreeMap<SessionId, i32>,
    pub(crate) prep: PrepState,
    pub cnxns: BTreeMap<ConnId, ServerCnxn>,
    /// `ZooKeeperServer.hzxid`'s counter: the low 32 bits of the last zxid handed out in this
    /// epoch (the leader's and a standalone server's Prep).
    zxid_counter: u32,
    /// Proposals logged (and ACKed) but not yet committed. The txn log is on disk, so this
    /// survives a crash; a server that becomes leader commits what it logged (ZAB recovery).
    pub(crate) logged: BTreeMap<Zxid, (TxnHeader, Txn)>,
    pub(crate) net_rng: Rng,
}

impl Server {
    pub(crate) fn new(index: usize, spec: &ServerSpec, profile: &Profile, cfg: &Config) -> Server {
        Server {
            index,
            myid: spec.id,
            clock_offset_ms: spec.clock_offset_ms,
            uptime_ms: spec.uptime_ms,
            clock_jump_ms: 0,
            peer: Peer::Down,
            serving: false,
            accepted_epoch: 0,
            epoch: 0,
            tree: DataTree::with_rules(TreeRules::for_version(profile.version)),
            db_sessions: BTreeMap::new(),
            prep: PrepState::new(),
            cnxns: BTreeMap::new(),
            zxid_counter: 0,
            logged: BTreeMap::new(),
            net_rng: Rng::for_entity(cfg.seed, &format!("s{}", spec.id)),
        }
    }

    pub fn node(&self) -> Node {
        Node::Server(self.myid)
    }

    pub fn role(&self) -> Role {
        self.peer.role()
    }

    pub fn is_up(&self) -> bool {
        self.role() != Role::Down
    }

    pub fn is_leader_like(&self) -> bool {
        matches!(self.role(), Role::Leading | Role::Standalone)
    }

    /// The leader's state, while LEADING.
    pub fn leading(&self) -> Option<&Leading> {
        match &self.peer {
            Peer::Leading(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn leading_mut(&mut self) -> Option<&mut Leading> {
        match &mut self.peer {
            Peer::Leading(l) => Some(l),
            _ => None,
        }
    }

    /// The follower's state, while FOLLOWING.
    pub fn following(&self) -> Option<&Following> {
        match &self.peer {
            Peer::Following(f) => Some(f),
            _ => None,
        }
    }

    pub(crate) fn following_mut(&mut self) -> Option<&mut Following> {
        match &mut self.peer {
            Peer::Following(f) => Some(f),
            _ => None,
        }
    }

    /// The session tracker of a LEADING server that has started serving, or of a standalone one.
    pub fn tracker(&self) -> Option<&LeaderTracker> {
        match &self.peer {
            Peer::Leading(l) => l.tracker.as_ref(),
            Peer::Standalone(st) => st.tracker.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn tracker_mut(&mut self) -> Option<&mut LeaderTracker> {
        self.tracker_slot().and_then(|t| t.as_mut())
    }

    /// Where the role keeps its tracker, if it is a role that has one.
    pub(crate) fn tracker_slot(&mut self) -> Option<&mut Option<LeaderTracker>> {
        match &mut self.peer {
            Peer::Leading(l) => Some(&mut l.tracker),
            Peer::Standalone(st) => Some(&mut st.tracker),
            _ => None,
        }
    }

    /// The learner's touch table, once this FOLLOWING server has synced.
    pub fn touch_table(&self) -> Option<&LearnerTouchTable> {
        self.following().and_then(|f| f.touch.as_ref())
    }

    pub(crate) fn touch_table_mut(&mut self) -> Option<&mut LearnerTouchTable> {
        self.following_mut().and_then(|f| f.touch.as_mut())
    }

    /// The connections of this leader's LearnerHandlers (none unless LEADING).
    pub(crate) fn learner_conns(&self) -> Vec<ConnId> {
        self.leading()
            .map(|l| l.learners.values().map(|h| h.conn).collect())
            .unwrap_or_default()
    }

    /// The quorum connection to the leader (none unless FOLLOWING).
    pub fn leader_conn(&self) -> Option<ConnId> {
        self.following().map(|f| f.leader_conn)
    }

    pub fn last_zxid(&self) -> Zxid {
        self.tree.last_processed_zxid()
    }

    /// The last zxid in this server's txn log: what it votes with in leader election.
    pub fn last_logged_zxid(&self) -> Zxid {
        self.logged
            .last_key_value()
            .map(|(z, _)| *z)
            .unwrap_or(0)
            .max(self.last_zxid())
    }

    /// `System.currentTimeMillis()` on this server at `now_ms`.
    pub fn wall_ms(&self, cfg: &Config, now_ms: u64) -> i64 {
        cfg.epoch_ms + self.clock_offset_ms + self.clock_jump_ms + now_ms as i64
    }

    /// `System.nanoTime() / 1e6` on this server at `now_ms`: its uptime.
    pub fn elapsed_ms(&self, now_ms: u64) -> i64 {
        self.uptime_ms + now_ms as i64
    }

    /// The clock the profile's session tracker reads, for ID seeds and for expiry.
    pub fn tracker_clock_ms(&self, profile: &Profile, cfg: &Config, now_ms: u64) -> i64 {
        match profile.tracker_clock {
            TrackerClock::Wall => self.wall_ms(cfg, now_ms),
            TrackerClock::Elapsed => self.elapsed_ms(now_ms),
        }
    }

    /// This server's client port address as clients print it.
    pub fn addr(&self) -> String {
        format!("127.0.0.1/127.0.0.1:{}", 2180 + self.myid as u32)
    }
}

/// A client's address as servers print it (`/127.0.0.1:<ephemeral port>`).
pub fn client_addr(conn: ConnId) -> String {
    format!("/127.0.0.1:{}", 40000 + conn)
}

/// What a server's handler may read besides its own state, and where it puts its effects (the
/// contract is in `effect.rs`). The world builds one per input (`world/drive_server.rs`).
pub struct Cx<'a> {
    pub now_ms: u64,
    /// The release the ensemble runs.
    pub profile: &'static Profile,
    /// zoo.cfg's settings (and the network's latency, which no handler reads).
    pub cfg: &'a Config,
    /// The ensemble's myids by server index: zoo.cfg's `server.N` lines.
    pub peers: &'a [u8],
    /// Every LearnerHandler's name by id, as a session's owner is printed.
    pub handler_names: &'a BTreeMap<u64, String>,
    /// The id the network gives the next connection opened.
    pub next_conn: ConnId,
    /// The id the next LearnerHandler made gets (the world counts them over all leaders).
    pub next_handler_id: u64,
    pub out: Outbox,
}

impl Cx<'_> {
    /// `System.currentTimeMillis()` on `srv` now.
    pub fn wall_ms(&self, srv: &Server) -> i64 {
        srv.wall_ms(self.cfg, self.now_ms)
    }

    /// The clock `srv`'s session tracker reads now.
    pub fn tracker_clock_ms(&self, srv: &Server) -> i64 {
        srv.tracker_clock_ms(self.profile, self.cfg, self.now_ms)
    }

    /// A session owner as `SessionTrackerImpl` prints it.
    pub fn owner_name(&self, owner: Option<Owner>) -> String {
        owner_name(self.handler_names, owner)
    }

    /// The index of the server with this myid.
    pub fn server_index(&self, myid: u8) -> Option<usize> {
        self.peers.iter().position(|&id| id == myid)
    }
}

/// A session owner as `SessionTrackerImpl` prints it: null, the local connection's `me`, or
/// a LearnerHandler by the name it was made with.
pub(crate) fn owner_name(handler_names: &BTreeMap<u64, String>, owner: Option<Owner>) -> String {
    match owner {
        None => "null".to_string(),
        Some(Owner::Me) => "ServerCnxn.me".to_string(),
        Some(Owner::Handler(h)) => handler_names
            .get(&h)
            .cloned()
            .unwrap_or_else(|| format!("LearnerHandler#{h}")),
    }
}

/// One input to a server: what the world hands it, one at a time, with a [`Cx`].
#[derive(Clone, Debug)]
pub enum Input {
    /// The process starts (`QuorumPeerMain`, or `ZooKeeperServerMain` alone).
    Start,
    /// The process is killed.
    Crash,
    /// The wall clock jumps by `by_ms`.
    ClockJump { by_ms: i64 },
    /// A message arrived on `conn` from `from`.
    Receive { conn: ConnId, from: Node, msg: Msg },
    /// A live timer entry came due (the world has checked it is the armed one).
    Timer(Timer),
    /// A LearnerHandler's read timeout entry came due.
    LearnerRead { handler_id: u64 },
    /// The election chose this server to lead `epoch`.
    Lead { epoch: u32 },
    /// The election chose another server (by index) to lead; this one follows it.
    Follow { leader: usize },
}

impl Server {
    /// Handles one input: changes this server only, and pushes what it asks of the world into
    /// `cx.out`.
    pub fn handle(&mut self, cx: &mut Cx, input: Input) {
        match input {
            Input::Start => self.start_server(cx),
            Input::Crash => self.crash_server(cx),
            Input::ClockJump { by_ms } => self.clock_jump(cx, by_ms),
            Input::Receive { conn, from, msg } => self.receive(cx, conn, from, msg),
            Input::Timer(timer) => self.on_timer(cx, timer),
            Input::LearnerRead { handler_id } => self.learner_read_timeout(cx, handler_id),
            Input::Lead { epoch } => self.become_leader(cx, epoch),
            Input::Follow { leader } => self.become_follower(cx, leader),
        }
    }
}
