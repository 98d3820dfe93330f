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
//! The election is modelled by its outcome (FastLeaderElection picks the highest last zxid,
//! then the highest myid, among a live majority that can talk, after the 200 ms finalize wait);
//! its notifications are not simulated. Sync is a SNAP (`NEWLEADER` carries the database).
//! The leader's tracker is built when it starts serving (`LeaderZooKeeperServer.startup`), a
//! learner's at each sync (`Learner.syncWithLeader`), as spec 1.4 says.

use std::collections::{BTreeMap, VecDeque};

use crate::codes::{self, Code};
use crate::datatree::{
    ApplyResult, DataTree, KeeperError, PrepState, TreeRules, Txn, TxnHeader, Zxid,
};
use crate::ids::{SessionId, check_password, generate_password, hex, seed_session_id};
use crate::net::{ClientRequest, ConnId, ConnKind, DbImage, Msg, ReplyBody};
use crate::profile::{EofLog, Level, Profile};
use crate::scenario::ServerSpec;
use crate::trace::{EventKind, Node};
use crate::tracker::{CheckError, LeaderTracker, LearnerTouchTable, Owner, Touch};
use crate::world::{Config, Event, Rng, World};

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

#[derive(Clone, Debug)]
pub struct Server {
    pub index: usize,
    pub myid: u8,
    pub clock_offset_ms: i64,
    pub uptime_ms: i64,
    pub clock_jump_ms: i64,
    pub role: Role,
    /// Serving clients (the ZooKeeperServer is running).
    pub serving: bool,
    pub accepted_epoch: u32,
    pub epoch: u32,
    // ZKDatabase: survives a crash.
    pub tree: DataTree,
    /// `sessionsWithTimeouts`.
    pub db_sessions: BTreeMap<SessionId, i32>,
    pub(crate) prep: PrepState,
    pub tracker: Option<LeaderTracker>,
    pub touch: Option<LearnerTouchTable>,
    pub cnxns: BTreeMap<ConnId, ServerCnxn>,
    // leader
    pub learners: BTreeMap<ConnId, LearnerHandler>,
    /// Every LearnerHandler this leader incarnation created (owners may name one that is gone).
    pub handlers_created: std::collections::BTreeSet<u64>,
    pub(crate) proposals: BTreeMap<Zxid, Proposal>,
    zxid_counter: u32,
    half_ticks: u64,
    lead_start_ms: u64,
    // follower
    pub leader_conn: Option<ConnId>,
    pub leader: Option<usize>,
    last_heard_leader_ms: u64,
    pub pending_revalidations: BTreeMap<SessionId, ConnId>,
    pub(crate) pending_local: VecDeque<(SessionId, i32, ConnId)>,
    /// A learner's forwarded syncs waiting for the leader's SYNC (`pendingSyncs`).
    pub(crate) pending_syncs: VecDeque<(SessionId, i32, ConnId)>,
    /// On the leader: learners' syncs waiting for the proposals before them to commit.
    pub(crate) leader_syncs: Vec<(ConnId, SessionId, i32, Zxid)>,
    /// Proposals logged (and ACKed) but not yet committed. The txn log is on disk, so this
    /// survives a crash; a server that becomes leader commits what it logged (ZAB recovery).
    pub(crate) logged: BTreeMap<Zxid, (TxnHeader, Txn)>,
    // generations invalidate timers of a previous incarnation or role
    pub(crate) role_generation: u64,
    pub(crate) tracker_generation: u64,
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
            role: Role::Down,
            serving: false,
            accepted_epoch: 0,
            epoch: 0,
            tree: DataTree::with_rules(TreeRules::for_version(profile.version)),
            db_sessions: BTreeMap::new(),
            prep: PrepState::new(),
            tracker: None,
            touch: None,
            cnxns: BTreeMap::new(),
            learners: BTreeMap::new(),
            handlers_created: std::collections::BTreeSet::new(),
            proposals: BTreeMap::new(),
            zxid_counter: 0,
            half_ticks: 0,
            lead_start_ms: 0,
            leader_conn: None,
            leader: None,
            last_heard_leader_ms: 0,
            pending_revalidations: BTreeMap::new(),
            pending_local: VecDeque::new(),
            pending_syncs: VecDeque::new(),
            leader_syncs: Vec::new(),
            logged: BTreeMap::new(),
            role_generation: 0,
            tracker_generation: 0,
            net_rng: Rng::for_entity(cfg.seed, &format!("s{}", spec.id)),
        }
    }

    pub fn node(&self) -> Node {
        Node::Server(self.myid)
    }

    pub fn is_up(&self) -> bool {
        self.role != Role::Down
    }

    pub fn is_leader_like(&self) -> bool {
        matches!(self.role, Role::Leading | Role::Standalone)
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

    /// This server's client port address as clients print it.
    pub fn addr(&self) -> String {
        format!("127.0.0.1/127.0.0.1:{}", 2180 + self.myid as u32)
    }
}

/// A client's address as servers print it (`/127.0.0.1:<ephemeral port>`).
pub fn client_addr(conn: ConnId) -> String {
    format!("/127.0.0.1:{}", 40000 + conn)
}

impl World {
    pub(crate) fn snode(&self, s: usize) -> Node {
        self.servers[s].node()
    }

    pub(crate) fn owner_name(&self, owner: Option<Owner>) -> String {
        match owner {
            None => "null".to_string(),
            Some(Owner::Me) => "ServerCnxn.me".to_string(),
            Some(Owner::Handler(h)) => self
                .handler_names
                .get(&h)
                .cloned()
                .unwrap_or_else(|| format!("LearnerHandler#{h}")),
        }
    }

    // ===== lifecycle =====

    pub(crate) fn start_server(&mut self, s: usize) {
        if self.servers[s].is_up() {
            return;
        }
        let node = self.snode(s);
        self.servers[s].role_generation += 1;
        if self.cfg.standalone {
            self.set_role(s, Role::Standalone);
            self.standalone_startup(s);
        } else {
            self.set_role(s, Role::Looking);
            self.log(
                node,
                EventKind::Note,
                Level::Info,
                "QuorumPeer",
                || "LOOKING".to_string(),
                || "QuorumPeer.run: the server starts in LOOKING and joins leader election.".into(),
            );
            self.topology_changed();
        }
    }

    pub(crate) fn crash_server(&mut self, s: usize) {
        if !self.servers[s].is_up() {
            return;
        }
        let node = self.snode(s);
        // The process dies: the OS closes every socket it had (end of stream at the peers).
        self.drop_everything(s);
        self.set_role(s, Role::Down);
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "QuorumPeerMain",
            || "process killed".to_string(),
            || {
                "The JVM is gone: connections, tracker and pending requests are lost; the data \
                 tree and its txn log survive on disk."
                    .into()
            },
        );
        self.topology_changed();
    }

    /// Everything that lives only in memory.
    fn reset_volatile(&mut self, s: usize) {
        let srv = &mut self.servers[s];
        srv.serving = false;
        srv.tracker = None;
        srv.touch = None;
        srv.cnxns.clear();
        srv.learners.clear();
        srv.handlers_created.clear();
        srv.proposals.clear();
        srv.prep.clear();
        srv.leader_conn = None;
        srv.leader = None;
        srv.pending_revalidations.clear();
        srv.pending_local.clear();
        srv.pending_syncs.clear();
        srv.leader_syncs.clear();
        srv.role_generation += 1;
        srv.tracker_generation += 1;
    }

    fn set_role(&mut self, s: usize, role: Role) {
        self.servers[s].role = role;
        let epoch = self.servers[s].epoch;
        let node = self.snode(s);
        self.emit(
            node,
            EventKind::ServerRole {
                role: role.name(),
                epoch,
            },
            |_| {
                (
                    None,
                    format!("QuorumPeer state is now {}.", role.name().to_uppercase()),
                )
            },
        );
    }

    pub(crate) fn clock_jump(&mut self, s: usize, by_ms: i64) {
        self.servers[s].clock_jump_ms = self.servers[s].clock_jump_ms.saturating_add(by_ms);
        let node = self.snode(s);
        let uses_wall = self.profile.tracker_clock == crate::profile::TrackerClock::Wall;
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "Clock",
            || format!("wall clock jumped by {by_ms} ms"),
            move || {
                if uses_wall {
                    "This profile's tracker reads System.currentTimeMillis(): its next wake-up \
                     sees the jump (ZOOKEEPER-2774 / ZOOKEEPER-1366 moved it to nanoTime)."
                        .into()
                } else {
                    "This profile's tracker reads System.nanoTime(): expiry does not see the jump; \
                     only txn times (ctime/mtime) do."
                        .into()
                }
            },
        );
    }

    /// Something that matters to an election changed: look again soon.
    pub(crate) fn topology_changed(&mut self) {
        if self.cfg.standalone || self.election_scheduled {
            return;
        }
        if self.servers.iter().any(|s| s.role == Role::Looking) {
            self.election_scheduled = true;
            let at = self.now_ms() + self.cfg.election_ms;
            self.schedule(at, Event::ElectionCheck);
        }
    }

    fn reachable(&self, a: usize, b: usize) -> bool {
        let (na, nb) = (self.snode(a), self.snode(b));
        !self.net.is_cut(&na, &nb) && !self.net.is_cut(&nb, &na)
    }

    /// FastLeaderElection's outcome for everyone LOOKING.
    pub(crate) fn election_check(&mut self) {
        let looking: Vec<usize> = (0..self.servers.len())
            .filter(|&s| self.servers[s].role == Role::Looking)
            .collect();
        if looking.is_empty() {
            return;
        }
        let mut decided: Vec<usize> = Vec::new();
        // A server that finds an established leader (with a quorum following it) joins it.
        for &s in &looking {
            let leader = (0..self.servers.len())
                .find(|&l| self.servers[l].role == Role::Leading && self.reachable(s, l));
            if let Some(l) = leader {
                self.become_follower(s, l);
                decided.push(s);
            }
        }
        let mut rest: Vec<usize> = looking
            .into_iter()
            .filter(|s| !decided.contains(s))
            .collect();
        while let Some(&first) = rest.first() {
            // The group of LOOKING servers that can all reach `first` and each other.
            let group: Vec<usize> = rest
                .iter()
                .copied()
                .filter(|&o| o == first || self.reachable(first, o))
                .collect();
            rest.retain(|s| !group.contains(s));
            if group.len() < self.cfg.quorum {
                continue;
            }
            let leader = *group
                .iter()
                .max_by_key(|&&s| (self.servers[s].last_logged_zxid(), self.servers[s].myid))
                .unwrap_or(&first);
            let epoch = group
                .iter()
                .map(|&s| self.servers[s].accepted_epoch)
                .max()
                .unwrap_or(0)
                + 1;
            self.become_leader(leader, epoch);
            for &s in &group {
                if s != leader {
                    self.become_follower(s, leader);
                }
            }
        }
    }

    fn become_leader(&mut self, s: usize, epoch: u32) {
        let now = self.now_ms();
        {
            let srv = &mut self.servers[s];
            srv.epoch = epoch;
            srv.accepted_epoch = epoch;
            srv.zxid_counter = 0;
            srv.serving = false;
            srv.half_ticks = 0;
            srv.lead_start_ms = now;
            srv.role_generation += 1;
        }
        self.set_role(s, Role::Leading);
        // Leader.lead() starts from the whole txn log: proposals this server logged but never
        // saw committed are part of the history it leads with.
        let logged = std::mem::take(&mut self.servers[s].logged);
        for (zxid, (hdr, txn)) in logged {
            if zxid > self.servers[s].last_zxid() {
                self.apply_txn(s, &hdr, &txn);
            }
        }
        let node = self.snode(s);
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "QuorumPeer",
            || "LEADING".to_string(),
            move || {
                format!(
                    "FastLeaderElection chose this server (highest last zxid, then myid); \
                     Leader.lead() starts epoch {epoch} and waits for a quorum to sync."
                )
            },
        );
        let generation = self.servers[s].role_generation;
        // Thread.sleep(tickTime / 2), at least a millisecond (tickTime 1 would spin).
        let at = now + (self.cfg.tick_ms / 2).max(1);
        self.schedule(
            at,
            Event::LeaderTick {
                server: s,
                generation,
            },
        );
        if self.cfg.quorum == 1 {
            self.leader_startup(s);
        }
    }

    fn become_follower(&mut self, s: usize, leader: usize) {
        let now = self.now_ms();
        self.servers[s].role_generation += 1;
        self.set_role(s, Role::Following);
        let node = self.snode(s);
        let lnode = self.snode(leader);
        let conn = self.net.open(ConnKind::Quorum, node.clone(), lnode);
        {
            let srv = &mut self.servers[s];
            srv.leader = Some(leader);
            srv.leader_conn = Some(conn);
            srv.last_heard_leader_ms = now;
            srv.serving = false;
        }
        let lid = self.servers[leader].myid;
        self.log(
            node.clone(),
            EventKind::Note,
            Level::Info,
            "QuorumPeer",
            || "FOLLOWING".to_string(),
            move || format!("Follower.followLeader: connecting to the leader s{lid} to sync."),
        );
        let last_zxid = self.servers[s].last_zxid();
        let accepted_epoch = self.servers[s].accepted_epoch;
        self.send(
            conn,
            node,
            Msg::FollowerInfo {
                last_zxid,
                accepted_epoch,
            },
        );
        self.schedule_follower_timeout(s, self.cfg.init_limit);
    }

    fn schedule_follower_timeout(&mut self, s: usize, limit_ticks: u32) {
        let at = self.servers[s].last_heard_leader_ms + self.cfg.tick_ms * limit_ticks as u64;
        let generation = self.servers[s].role_generation;
        self.schedule(
            at,
            Event::FollowerTimeout {
                server: s,
                generation,
            },
        );
    }

    pub(crate) fn follower_timeout(&mut self, s: usize) {
        let limit = if self.servers[s].serving {
            self.cfg.sync_limit
        } else {
            self.cfg.init_limit
        };
        let deadline = self.servers[s].last_heard_leader_ms + self.cfg.tick_ms * limit as u64;
        if self.now_ms() < deadline {
            self.schedule_follower_timeout(s, limit);
            return;
        }
        let node = self.snode(s);
        self.log(
            node,
            EventKind::Note,
            Level::Warn,
            "Follower",
            || "Exception when following the leader java.net.SocketTimeoutException: Read timed out".into(),
            || "The learner heard nothing from the leader for syncLimit ticks and gives up.".into(),
        );
        self.go_looking(s);
    }

    /// Leader or follower shutdown: drop every client, leave the quorum, look again.
    pub(crate) fn go_looking(&mut self, s: usize) {
        // Leader.shutdown / Learner.shutdown: cnxnFactory.closeAll() closes every client
        // connection, each with its "Closed socket connection" line (a crash prints nothing).
        let clients: Vec<ConnId> = self.servers[s].cnxns.keys().copied().collect();
        for conn in clients {
            self.server_close_cnxn(s, conn, "the server stopped serving (closeAll)");
        }
        self.drop_everything(s);
        self.set_role(s, Role::Looking);
        self.topology_changed();
    }

    /// Closes every connection the server has (clients and quorum) and forgets what lives only
    /// in memory: what a crash and a shutdown to LOOKING have in common.
    fn drop_everything(&mut self, s: usize) {
        let node = self.snode(s);
        let conns: Vec<ConnId> = self
            .net
            .conns()
            .filter(|c| c.a == node || c.b == node)
            .map(|c| c.id)
            .collect();
        for c in conns {
            self.close_conn(c, &node);
        }
        self.reset_volatile(s);
    }

    /// `LeaderZooKeeperServer.startup` (and the standalone `ZooKeeperServer.startup`): build the
    /// tracker and reload every session in the database with owner null and a full timeout.
    fn tracker_startup(&mut self, s: usize, sid: i64) {
        let clock = self.tracker_clock_ms(s);
        let first = seed_session_id(self.profile, sid, clock);
        let mut tracker = LeaderTracker::new(self.profile, self.cfg.tick_ms as i64, clock, first);
        let sessions: Vec<(SessionId, i32)> = self.servers[s]
            .db_sessions
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        let node = self.snode(s);
        for (id, to) in &sessions {
            tracker.add_session(*id, *to, clock);
        }
        self.servers[s].tracker = Some(tracker);
        let n = sessions.len();
        self.emit(
            node.clone(),
            EventKind::TrackerSeeded {
                next_session_id: first,
                clock_ms: clock,
                leader: true,
            },
            move |_| {
                (
                    None,
                    format!(
                        "SessionTrackerImpl constructor: initializeNextSession(sid {sid}) at clock \
                         {clock} gives {}; {n} session(s) from the database re-armed with owner null \
                         and a full timeout.",
                        hex(first)
                    ),
                )
            },
        );
        for (id, _) in sessions {
            if let Some(e) = self.servers[s].tracker.as_ref().and_then(|t| t.get(id)) {
                let to = e.expires_at_ms.unwrap_or(0);
                self.emit(
                    node.clone(),
                    EventKind::BucketMoved {
                        session: id,
                        from_ms: None,
                        to_ms: to,
                    },
                    move |_| {
                        (
                            None,
                            format!(
                                "The new tracker's addSession put {} in bucket {to}.",
                                hex(id)
                            ),
                        )
                    },
                );
            }
        }
        self.servers[s].tracker_generation += 1;
        self.schedule_tracker_wake(s);
    }

    fn standalone_startup(&mut self, s: usize) {
        let (tick, min, max) = (
            self.cfg.tick_ms,
            self.cfg.min_session_timeout_ms,
            self.cfg.max_session_timeout_ms,
        );
        self.tracker_startup(s, 1);
        self.servers[s].serving = true;
        let node = self.snode(s);
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "ZooKeeperServer",
            move || {
                format!(
                    "Created server with tickTime {tick} minSessionTimeout {min} maxSessionTimeout {max}"
                )
            },
            || "ZooKeeperServerMain: one server, no quorum; its tracker uses sid 1.".into(),
        );
    }

    fn leader_startup(&mut self, s: usize) {
        let myid = self.servers[s].myid as i64;
        self.tracker_startup(s, myid);
        self.servers[s].serving = true;
        let node = self.snode(s);
        let handlers: Vec<(ConnId, bool)> = self.servers[s]
            .learners
            .values()
            .map(|h| (h.conn, h.synced))
            .collect();
        for (conn, synced) in handlers {
            if synced {
                self.send(conn, node.clone(), Msg::UpToDate);
            }
        }
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "Leader",
            || "Have quorum of supporters; starting up and setting last processed zxid".into(),
            || {
                "A quorum acknowledged NEWLEADER: LeaderZooKeeperServer.startup builds the tracker."
                    .into()
            },
        );
    }

    fn schedule_tracker_wake(&mut self, s: usize) {
        let Some(t) = self.servers[s].tracker.as_ref() else {
            return;
        };
        let clock = self.tracker_clock_ms(s);
        let wait = (t.next_expiration_ms() - clock).max(0) as u64;
        let generation = self.servers[s].tracker_generation;
        let at = self.now_ms() + wait;
        self.schedule(
            at,
            Event::TrackerWake {
                server: s,
                generation,
            },
        );
    }

    /// The "SessionTracker" thread: expire every due bucket (one per loop), then wait.
    pub(crate) fn tracker_wake(&mut self, s: usize) {
        let clock = self.tracker_clock_ms(s);
        let node = self.snode(s);
        let mut expired = Vec::new();
        while let Some(bucket) = self.servers[s]
            .tracker
            .as_mut()
            .and_then(|t| t.poll_expired(clock))
        {
            let n = bucket.sessions.len() as u32;
            let bucket_ms = bucket.bucket_ms;
            self.emit(
                node.clone(),
                EventKind::BucketExpired {
                    bucket_ms,
                    sessions: n,
                },
                move |_| {
                    (
                        None,
                        format!(
                            "SessionTrackerImpl.run: the clock reached bucket {bucket_ms}; \
                             {n} session(s) in it are marked closing and expired."
                        ),
                    )
                },
            );
            for id in bucket.sessions {
                self.expire_session(s, id);
                expired.push(id);
            }
        }
        // ZooKeeperServer.expire queued a closeSession for each on Prep's request queue; the
        // PrepRequestProcessor thread takes them in that order once the tracker's loop has run
        // (real logs show every "Expiring session" of a bucket before Prep's lines for them).
        for id in expired {
            self.leader_submit(s, Origin::Remote, id, 0, ClientRequest::CloseSession, None);
        }
        self.schedule_tracker_wake(s);
    }

    /// `ZooKeeperServer.expire`: the log line; its `close(id)` (a closeSession with no
    /// connection) is submitted by the caller once the bucket's loop is done.
    fn expire_session(&mut self, s: usize, id: SessionId) {
        let timeout = self.servers[s]
            .tracker
            .as_ref()
            .and_then(|t| t.get(id))
            .map(|e| e.timeout_ms)
            .unwrap_or(0);
        let now = self.now_ms();
        for r in self.session_records_mut(id) {
            r.closing = true;
            r.expired_ms.get_or_insert(now);
        }
        let node = self.snode(s);
        self.log(
            node,
            EventKind::SessionExpiring {
                session: id,
                timeout_ms: timeout,
            },
            Level::Info,
            "ZooKeeperServer",
            || {
                format!(
                    "Expiring session {}, timeout of {timeout}ms exceeded",
                    hex(id)
                )
            },
            || {
                "SessionTrackerImpl.run marked it closing; ZooKeeperServer.expire submits a \
                 closeSession request with no connection."
                    .into()
            },
        );
    }

    /// The leader's ping loop, every tickTime/2 (`Leader.lead`).
    pub(crate) fn leader_tick(&mut self, s: usize) {
        let now = self.now_ms();
        let node = self.snode(s);
        self.servers[s].half_ticks += 1;
        let conns: Vec<ConnId> = self.servers[s].learners.values().map(|h| h.conn).collect();
        for conn in conns {
            self.send(
                conn,
                node.clone(),
                Msg::Ping {
                    touches: Vec::new(),
                },
            );
        }
        let full_tick = self.servers[s].half_ticks.is_multiple_of(2);
        if full_tick {
            let tick = self.cfg.tick_ms;
            let serving = self.servers[s].serving;
            let limit = if serving {
                self.cfg.sync_limit
            } else {
                self.cfg.init_limit
            } as u64
                * tick;
            let synced: Vec<u8> = self.servers[s]
                .learners
                .values()
                .filter(|h| h.synced && now.saturating_sub(h.last_heard_ms) <= limit)
                .map(|h| self.servers[h.server].myid)
                .collect();
            let waited_too_long = !serving && now - self.servers[s].lead_start_ms > limit;
            if (serving || waited_too_long) && synced.len() + 1 < self.cfg.quorum {
                let myid = self.servers[s].myid;
                self.log(
                    node,
                    EventKind::Note,
                    Level::Info,
                    "Leader",
                    move || {
                        let mut ids: Vec<String> = synced.iter().map(|i| i.to_string()).collect();
                        ids.insert(0, myid.to_string());
                        format!(
                            "Shutting down: Not sufficient followers synced, only synced with sids: [ {} ]",
                            ids.join(",")
                        )
                    },
                    || "Leader.lead: fewer than a quorum of learners answered within syncLimit ticks.".into(),
                );
                self.go_looking(s);
                return;
            }
        }
        let generation = self.servers[s].role_generation;
        let at = now + (self.cfg.tick_ms / 2).max(1);
        self.schedule(
            at,
            Event::LeaderTick {
                server: s,
                generation,
            },
        );
    }

    // ===== message handling =====

    pub(crate) fn server_receive(&mut self, s: usize, conn: ConnId, from: Node, msg: Msg) {
        if !self.servers[s].is_up() {
            if matches!(msg, Msg::Syn) {
                // Nothing listens on the port: the OS refuses the connection.
                let node = self.snode(s);
                self.send(conn, node.clone(), Msg::Rst);
                self.net.close_side(conn, &node);
            }
            return;
        }
        // The LearnerHandler's socket read returns: its read timeout starts again.
        if !matches!(msg, Msg::Fin) {
            let now = self.now_ms();
            if let Some(h) = self.servers[s].learners.get_mut(&conn) {
                h.last_heard_ms = now;
            }
        }
        match msg {
            Msg::Syn => self.accept(s, conn, from),
            Msg::Connect {
                last_zxid_seen,
                timeout_ms,
                session_id,
                passwd,
            } => self.process_connect_request(
                s,
                conn,
                last_zxid_seen,
                timeout_ms,
                session_id,
                passwd,
            ),
            Msg::Request { xid, req } => self.process_packet(s, conn, xid, req),
            Msg::Fin => self.peer_closed(s, conn, from),
            Msg::FollowerInfo { .. } => self.leader_on_follower_info(s, conn, from),
            Msg::NewLeader { epoch, image } => self.follower_on_new_leader(s, conn, epoch, *image),
            Msg::AckNewLeader => self.leader_on_ack_new_leader(s, conn),
            Msg::UpToDate => self.follower_on_uptodate(s, conn),
            Msg::Proposal { hdr, txn } => self.follower_on_proposal(s, conn, hdr, txn),
            Msg::Ack { zxid } => self.leader_on_ack(s, conn, zxid),
            Msg::Commit { zxid } => self.follower_on_commit(s, conn, zxid),
            Msg::Ping { touches } => self.on_quorum_ping(s, conn, touches),
            Msg::LearnerRequest {
                session_id,
                cxid,
                req,
            } => self.leader_on_learner_request(s, conn, session_id, cxid, req),
            Msg::Revalidate {
                session_id,
                timeout_ms,
            } => self.leader_on_revalidate(s, conn, session_id, timeout_ms),
            Msg::RevalidateReply { session_id, valid } => {
                self.follower_on_revalidate_reply(s, conn, session_id, valid)
            }
            Msg::Sync { session_id, cxid } => self.follower_on_sync(s, conn, session_id, cxid),
            Msg::SynAck | Msg::Rst | Msg::ConnectResponse { .. } | Msg::Reply { .. } => {}
        }
    }

    fn accept(&mut self, s: usize, conn: ConnId, from: Node) {
        let Node::Client(client) = from else {
            return;
        };
        self.servers[s].cnxns.insert(
            conn,
            ServerCnxn {
                conn,
                client: client as usize,
                session_id: 0,
                timeout_ms: 0,
                state: CnxnState::Accepted,
                slots: VecDeque::new(),
                eof_unread: false,
            },
        );
        let node = self.snode(s);
        self.send(conn, node, Msg::SynAck);
    }

    /// Closes a client connection from the server side, with the log line ZooKeeper prints.
    pub(crate) fn server_close_cnxn(&mut self, s: usize, conn: ConnId, why: &'static str) {
        let Some(c) = self.servers[s].cnxns.remove(&conn) else {
            return;
        };
        let node = self.snode(s);
        let level = self.profile.closed_socket_log_level;
        let sid = c.session_id;
        self.log(
            node.clone(),
            EventKind::Note,
            level,
            "NIOServerCnxn",
            move || {
                if sid == 0 {
                    format!(
                        "Closed socket connection for client {} (no session established for client)",
                        client_addr(conn)
                    )
                } else {
                    format!(
                        "Closed socket connection for client {} which had sessionid {}",
                        client_addr(conn),
                        hex(sid)
                    )
                }
            },
            move || format!("NIOServerCnxn.close: {why}."),
        );
        self.close_conn(conn, &node);
    }

    fn peer_closed(&mut self, s: usize, conn: ConnId, from: Node) {
        let node = self.snode(s);
        if let Some(c) = self.servers[s].cnxns.get_mut(&conn)
            && c.state == CnxnState::Establishing
        {
            // processConnectRequest called cnxn.disableRecv(): the selector does not read this
            // socket, so the end of stream waits in the kernel until finishSessionInit.
            c.eof_unread = true;
            let sid = c.session_id;
            self.emit(node, EventKind::Note, move |_| {
                (
                    None,
                    format!(
                        "The client closed its socket, but the server is not reading it: processConnectRequest called disableRecv() while session {} is set up. It will see the end of stream after finishSessionInit.",
                        hex(sid)
                    ),
                )
            });
            return;
        }
        if self.servers[s].cnxns.contains_key(&conn) {
            let sid = self.servers[s].cnxns[&conn].session_id;
            let style = self.profile.server_eof_log;
            let (level, text) = match style {
                EofLog::CaughtEndOfStream => (
                    Level::Warn,
                    format!(
                        "caught end of stream exception EndOfStreamException: \
                         Unable to read additional data from client sessionid {}, likely client has closed socket",
                        hex(sid)
                    ),
                ),
                EofLog::Message => (
                    Level::Warn,
                    format!(
                        "Unable to read additional data from client sessionid {}, likely client has closed socket",
                        hex(sid)
                    ),
                ),
                EofLog::AddressAndSession => (
                    Level::Info,
                    format!(
                        "Unable to read additional data from client, it probably closed the socket: \
                         address = {}, session = {}",
                        client_addr(conn),
                        hex(sid)
                    ),
                ),
            };
            self.log(
                node.clone(),
                EventKind::Note,
                level,
                "NIOServerCnxn",
                move || text,
                || "The client closed its socket; the session itself lives on until it expires or is closed.".into(),
            );
            self.server_close_cnxn(s, conn, "the client closed its end");
            return;
        }
        if self.servers[s].leader_conn == Some(conn) {
            self.log(
                node.clone(),
                EventKind::Note,
                Level::Warn,
                "Follower",
                || "Exception when following the leader java.io.EOFException".into(),
                || "The leader's connection ended: the follower shuts down its server and looks for a leader.".into(),
            );
            self.net.close_side(conn, &node);
            self.go_looking(s);
            return;
        }
        let _ = from;
        self.learner_handler_goodbye(s, conn);
        self.net.close_side(conn, &node);
    }

    /// `LearnerHandler.run`'s finally: GOODBYE, and `shutdown` takes the handler (and the owner
    /// identity it carried) out of the leader's learners.
    fn learner_handler_goodbye(&mut self, s: usize, conn: ConnId) {
        if let Some(h) = self.servers[s].learners.remove(&conn) {
            let peer = self.servers[h.server].myid;
            let node = self.snode(s);
            self.log(
                node,
                EventKind::Note,
                Level::Warn,
                "LearnerHandler",
                move || format!("******* GOODBYE /127.0.0.1 (sid {peer}) ********"),
                || "A learner's connection ended; its LearnerHandler (and the owner identity it carried) is gone.".into(),
            );
        }
    }

    /// The read timeout of a LearnerHandler's socket: initLimit ticks until the learner has
    /// acknowledged NEWLEADER (`Leader.LearnerCnxAcceptor` sets it on accept), then syncLimit
    /// ticks (`LearnerHandler.run`, "now that the ack has been processed expect the syncLimit").
    /// A learner that sends nothing for that long (it answers every leader ping, so only a dead
    /// or cut-off one) is dropped by the leader on its own, whether or not the learner has noticed.
    fn schedule_learner_read_timeout(&mut self, s: usize, conn: ConnId) {
        let Some(h) = self.servers[s].learners.get(&conn) else {
            return;
        };
        let limit_ticks = if h.synced {
            self.cfg.sync_limit
        } else {
            self.cfg.init_limit
        };
        let at_ms = h.last_heard_ms + self.cfg.tick_ms * limit_ticks as u64;
        let handler_id = h.handler_id;
        self.schedule(
            at_ms,
            Event::LearnerReadTimeout {
                server: s,
                handler_id,
            },
        );
    }

    pub(crate) fn learner_read_timeout(&mut self, s: usize, handler_id: u64) {
        let Some((conn, h)) = self.servers[s]
            .learners
            .iter()
            .find(|(_, h)| h.handler_id == handler_id)
            .map(|(c, h)| (*c, h.clone()))
        else {
            return; // the handler is gone already
        };
        let limit_ticks = if h.synced {
            self.cfg.sync_limit
        } else {
            self.cfg.init_limit
        };
        if self.now_ms() < h.last_heard_ms + self.cfg.tick_ms * limit_ticks as u64 {
            self.schedule_learner_read_timeout(s, conn);
            return;
        }
        let node = self.snode(s);
        self.log(
            node.clone(),
            EventKind::Note,
            Level::Error,
            "LearnerHandler",
            || "Unexpected exception causing shutdown while sock still open java.net.SocketTimeoutException: Read timed out".into(),
            move || {
                format!(
                    "The leader heard nothing from this learner for {limit_ticks} ticks (its socket's read timeout) and closes the connection."
                )
            },
        );
        self.learner_handler_goodbye(s, conn);
        self.net.close_side(conn, &node);
        self.send(conn, node, Msg::Fin);
    }

    // ----- client sessions -----

    fn process_connect_request(
        &mut self,
        s: usize,
        conn: ConnId,
        last_zxid_seen: Zxid,
        timeout_ms: i32,
        session_id: SessionId,
        passwd: crate::ids::Password,
    ) {
        if !self.servers[s].cnxns.contains_key(&conn) {
            return;
        }
        let node = self.snode(s);
        if !self.servers[s].serving {
            self.log(
                node,
                EventKind::Note,
                Level::Warn,
                "NIOServerCnxn",
                || "Exception causing close of session 0x0 due to java.io.IOException: ZooKeeperServer not running".into(),
                || "A server that is not serving (looking, or syncing) closes client connections.".into(),
            );
            self.server_close_cnxn(s, conn, "ZooKeeperServer not running");
            return;
        }
        let our_zxid = self.servers[s].last_zxid();
        if last_zxid_seen > our_zxid {
            self.log(
                node,
                EventKind::Note,
                Level::Info,
                "ZooKeeperServer",
                move || {
                    format!(
                        "Refusing session request for client {} as it has seen zxid {} our last zxid is {} client must try another server",
                        client_addr(conn),
                        hex(last_zxid_seen),
                        hex(our_zxid)
                    )
                },
                || "processConnectRequest: the client has seen a newer zxid than this server applied.".into(),
            );
            self.server_close_cnxn(s, conn, "the client has seen a newer zxid");
            return;
        }
        let (min, max) = (
            self.cfg.min_session_timeout_ms,
            self.cfg.max_session_timeout_ms,
        );
        let t = timeout_ms.clamp(min, max.max(min));
        if let Some(c) = self.servers[s].cnxns.get_mut(&conn) {
            c.timeout_ms = t;
            c.state = CnxnState::Establishing;
        }
        let level = self.profile.session_setup_log_level;
        let modern = level == Level::Debug;
        if session_id != 0 {
            self.log(
                node.clone(),
                EventKind::Note,
                level,
                "ZooKeeperServer",
                move || {
                    if modern {
                        format!(
                            "Client attempting to renew session: session = {}, zxid = {}, timeout = {timeout_ms}, address = {}",
                            hex(session_id),
                            hex(last_zxid_seen),
                            client_addr(conn)
                        )
                    } else {
                        format!(
                            "Client attempting to renew session {} at {}",
                            hex(session_id),
                            client_addr(conn)
                        )
                    }
                },
                || "processConnectRequest: a ConnectRequest with a session id reopens that session.".into(),
            );
            // serverCnxnFactory.closeSession: any other connection here with this session goes.
            let others: Vec<ConnId> = self.servers[s]
                .cnxns
                .values()
                .filter(|c| c.session_id == session_id && c.conn != conn)
                .map(|c| c.conn)
                .collect();
            for o in others {
                self.server_close_cnxn(s, o, "a newer connection renews its session here");
            }
            if let Some(c) = self.servers[s].cnxns.get_mut(&conn) {
                c.session_id = session_id;
            }
            self.reopen_session(s, conn, session_id, passwd, t);
        } else if modern {
            // 3.5.5+ log the attempt after createSession has minted the id, and name it.
            let Some(id) = self.mint_session(s, conn, t) else {
                return;
            };
            self.log(
                node,
                EventKind::Note,
                level,
                "ZooKeeperServer",
                move || {
                    format!(
                        "Client attempting to establish new session: session = {}, zxid = {}, timeout = {timeout_ms}, address = {}",
                        hex(id),
                        hex(last_zxid_seen),
                        client_addr(conn)
                    )
                },
                || "processConnectRequest: session id 0 asks for a new session; createSession minted one.".into(),
            );
            self.submit_request(s, conn, 0, ClientRequest::CreateSession { timeout_ms: t });
        } else {
            self.log(
                node,
                EventKind::Note,
                level,
                "ZooKeeperServer",
                move || {
                    format!(
                        "Client attempting to establish new session at {}",
                        client_addr(conn)
                    )
                },
                || "processConnectRequest: session id 0 asks for a new session.".into(),
            );
            if self.mint_session(s, conn, t).is_some() {
                self.submit_request(s, conn, 0, ClientRequest::CreateSession { timeout_ms: t });
            }
        }
    }

    /// `ZooKeeperServer.createSession`, its first half: mint an ID and give it to the
    /// connection (the caller then submits the createSession request).
    fn mint_session(&mut self, s: usize, conn: ConnId, timeout_ms: i32) -> Option<SessionId> {
        let now_clock = self.tracker_clock_ms(s);
        let myid = self.servers[s].myid;
        let id = if self.servers[s].is_leader_like() {
            let t = self.servers[s].tracker.as_mut()?;
            t.create_session(timeout_ms, now_clock)
        } else {
            let t = self.servers[s].touch.as_mut()?;
            t.create_session(timeout_ms)
        };
        self.record_session(id, myid, timeout_ms);
        let node = self.snode(s);
        let leader = self.servers[s].is_leader_like();
        self.emit(
            node.clone(),
            EventKind::SessionMinted {
                session: id,
                timeout_ms,
            },
            move |_| {
                let a = crate::ids::IdAnatomy::of(id);
                (
                    None,
                    format!(
                        "{} returned {} (high byte 0x{:02x}, time field 0x{:010x}, counter {}){}",
                        if leader {
                            "SessionTrackerImpl.createSession"
                        } else {
                            "LearnerSessionTracker.createSession (nextSessionId++, tracks nothing)"
                        },
                        hex(id),
                        a.high_byte,
                        a.time_field,
                        a.counter,
                        if a.sign_extended {
                            ": the high byte is 0xff because (now << 24) >> 8 sign-extended (ZOOKEEPER-1622)"
                        } else {
                            ""
                        }
                    ),
                )
            },
        );
        if leader {
            self.note_touch(s, id, None);
        }
        if let Some(c) = self.servers[s].cnxns.get_mut(&conn) {
            c.session_id = id;
        }
        Some(id)
    }

    /// `ZooKeeperServer.reopenSession`.
    fn reopen_session(
        &mut self,
        s: usize,
        conn: ConnId,
        id: SessionId,
        passwd: crate::ids::Password,
        timeout_ms: i32,
    ) {
        let node = self.snode(s);
        if !check_password(id, &passwd) {
            if self.profile.warns_incorrect_password {
                self.log(
                    node,
                    EventKind::Note,
                    Level::Warn,
                    "ZooKeeperServer",
                    move || {
                        format!(
                            "Incorrect password from {} for session {}",
                            client_addr(conn),
                            hex(id)
                        )
                    },
                    || {
                        "reopenSession: checkPasswd failed (Random(id ^ superSecret) bytes differ)."
                            .into()
                    },
                );
            }
            self.finish_session_init(s, conn, false);
            return;
        }
        if self.servers[s].is_leader_like() {
            // LeaderZooKeeperServer.revalidateSession: touch, answer, then setOwner(me).
            let clock = self.tracker_clock_ms(s);
            let touch = self.servers[s]
                .tracker
                .as_mut()
                .map(|t| t.touch_session(id, timeout_ms, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(s, id, Some(touch));
            self.finish_session_init(s, conn, touch.ok());
            if self.servers[s].role == Role::Leading {
                self.set_owner(
                    s,
                    id,
                    Some(Owner::Me),
                    "LeaderZooKeeperServer.revalidateSession",
                );
            }
        } else {
            self.log(
                node.clone(),
                EventKind::Revalidate {
                    session: id,
                    timeout_ms,
                },
                Level::Info,
                "Learner",
                || format!("Revalidating client: {}", hex(id)),
                || {
                    "Learner.validateSession: a follower cannot judge a session, so it asks the \
                     leader with REVALIDATE and parks the connection in pendingRevalidations."
                        .into()
                },
            );
            self.servers[s].pending_revalidations.insert(id, conn);
            if let Some(lc) = self.servers[s].leader_conn {
                self.send(
                    lc,
                    node,
                    Msg::Revalidate {
                        session_id: id,
                        timeout_ms,
                    },
                );
            }
        }
    }

    /// `ZooKeeperServer.finishSessionInit`.
    pub(crate) fn finish_session_init(&mut self, s: usize, conn: ConnId, valid: bool) {
        let Some(c) = self.servers[s].cnxns.get(&conn) else {
            return;
        };
        let (id, t) = (c.session_id, c.timeout_ms);
        let node = self.snode(s);
        if valid {
            if let Some(c) = self.servers[s].cnxns.get_mut(&conn) {
                c.state = CnxnState::Established;
            }
            self.send(
                conn,
                node.clone(),
                Msg::ConnectResponse {
                    timeout_ms: t,
                    session_id: id,
                    passwd: generate_password(id),
                },
            );
            let level = self.profile.session_setup_log_level;
            self.log(
                node,
                EventKind::SessionEstablished {
                    session: id,
                    timeout_ms: t,
                },
                level,
                "ZooKeeperServer",
                move || {
                    format!(
                        "Established session {} with negotiated timeout {t} for client {}",
                        hex(id),
                        client_addr(conn)
                    )
                },
                || "finishSessionInit(valid): ConnectResponse with the negotiated timeout and generatePasswd(id).".into(),
            );
            self.flush_slots(s, conn);
            // enableRecv(): now the server reads what waited, the client's end of stream too.
            if let Some(c) = self.servers[s].cnxns.get(&conn)
                && c.eof_unread
            {
                let client = Node::Client(c.client as u32);
                self.peer_closed(s, conn, client);
            }
        } else {
            self.send(
                conn,
                node.clone(),
                Msg::ConnectResponse {
                    timeout_ms: 0,
                    session_id: 0,
                    passwd: [0; 16],
                },
            );
            self.log(
                node,
                EventKind::Note,
                Level::Info,
                "ZooKeeperServer",
                move || {
                    format!(
                        "Invalid session {} for client {}, probably expired",
                        hex(id),
                        client_addr(conn)
                    )
                },
                || "finishSessionInit(invalid): timeout 0, session id 0, a zero password, then the socket closes.".into(),
            );
            if self.profile.invalid_session_reads_client_eof {
                // 3.4.5 calls enableRecv() for an invalid session too: its selector reads the
                // client's end of stream (the client closes on timeout 0) before it acts on
                // the queued close, so it logs the end of stream, then the close.
                if let Some(c) = self.servers[s].cnxns.get_mut(&conn) {
                    c.state = CnxnState::Established;
                }
                return;
            }
            self.server_close_cnxn(s, conn, "the session is invalid");
        }
    }

    /// Records a touch's effect on the leader's buckets in the trace.
    fn note_touch(&mut self, s: usize, id: SessionId, touch: Option<Touch>) {
        let touch = match touch {
            Some(t) => t,
            None => match self.servers[s].tracker.as_ref().and_then(|t| t.get(id)) {
                Some(e) => Touch::Moved {
                    from_ms: None,
                    to_ms: e.expires_at_ms.unwrap_or(0),
                },
                None => return,
            },
        };
        if let Touch::Moved { from_ms, to_ms } = touch {
            let node = self.snode(s);
            let ex = self.profile.expiry;
            self.emit(
                node,
                EventKind::BucketMoved {
                    session: id,
                    from_ms,
                    to_ms,
                },
                move |_| {
                    let method = match ex {
                        crate::profile::ExpiryStructure::LaterBucketsOnly => {
                            "SessionTrackerImpl.touchSession"
                        }
                        crate::profile::ExpiryStructure::AnyBucket => "ExpiryQueue.update",
                    };
                    (
                        None,
                        match from_ms {
                            Some(f) => {
                                format!("{method} moved {} from bucket {f} to {to_ms}.", hex(id))
                            }
                            None => format!("{method} put {} in bucket {to_ms}.", hex(id)),
                        },
                    )
                },
            );
        }
    }

    /// `ZooKeeperServer.touch`: the leader's tracker, or a learner's touch table.
    fn touch(&mut self, s: usize, id: SessionId, timeout_ms: i32) -> bool {
        if self.servers[s].is_leader_like() {
            let clock = self.tracker_clock_ms(s);
            let t = self.servers[s]
                .tracker
                .as_mut()
                .map(|t| t.touch_session(id, timeout_ms, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(s, id, Some(t));
            t.ok()
        } else {
            self.servers[s]
                .touch
                .as_mut()
                .map(|t| t.touch_session(id, timeout_ms))
                .unwrap_or(false)
        }
    }

    fn set_owner(&mut self, s: usize, id: SessionId, owner: Option<Owner>, why: &'static str) {
        let before = self.servers[s]
            .tracker
            .as_ref()
            .and_then(|t| t.get(id))
            .map(|e| e.owner);
        let ok = self.servers[s]
            .tracker
            .as_mut()
            .map(|t| t.set_owner(id, owner).is_ok())
            .unwrap_or(false);
        if let (true, Some(before)) = (ok, before)
            && before != owner
        {
            let (from, to) = (self.owner_name(before), self.owner_name(owner));
            let node = self.snode(s);
            self.emit(
                node,
                EventKind::OwnerChanged {
                    session: id,
                    from: from.clone(),
                    to: to.clone(),
                    why,
                },
                move |_| {
                    (
                        None,
                        format!(
                            "{why}: setOwner({}) changed the owner from {from} to {to}.",
                            hex(id)
                        ),
                    )
                },
            );
        }
    }

    // ----- requests -----

    /// `NIOServerCnxn` read a request packet: `ZooKeeperServer.processPacket` + `submitRequest`.
    fn process_packet(&mut self, s: usize, conn: ConnId, xid: i32, req: ClientRequest) {
        let Some(c) = self.servers[s].cnxns.get(&conn) else {
            return;
        };
        if c.state != CnxnState::Established {
            return;
        }
        self.submit_request(s, conn, xid, req);
    }

    fn submit_request(&mut self, s: usize, conn: ConnId, xid: i32, req: ClientRequest) {
        let Some(c) = self.servers[s].cnxns.get(&conn) else {
            return;
        };
        let (id, timeout) = (c.session_id, c.timeout_ms);
        if !self.touch(s, id, timeout) {
            let node = self.snode(s);
            let modern = self.profile.session_setup_log_level == Level::Debug;
            self.log(
                node,
                EventKind::Note,
                Level::Debug,
                "ZooKeeperServer",
                move || {
                    if modern {
                        "Dropping request.".to_string()
                    } else {
                        format!(
                            "Dropping request: No session with sessionid {} exists, probably expired and removed",
                            hex(id)
                        )
                    }
                },
                || "submitRequest: touch failed (missing or closing session): the request is dropped, no reply.".into(),
            );
            return;
        }
        let is_create = matches!(req, ClientRequest::CreateSession { .. });
        if !is_create && let Some(c) = self.servers[s].cnxns.get_mut(&conn) {
            c.slots.push_back(Slot {
                xid,
                req: req.clone(),
                state: SlotState::Waiting,
            });
        }
        if self.servers[s].is_leader_like() {
            // processPacket sets owner `me` on every request; a createSession carries none.
            let owner = if is_create { None } else { Some(Owner::Me) };
            self.leader_submit(s, Origin::Local { conn, xid }, id, xid, req, owner);
        } else if req.is_forwarded() {
            // FollowerRequestProcessor: forward to the leader; CommitProcessor waits for the
            // commit (or, for a sync, for the leader's SYNC).
            if matches!(req, ClientRequest::Sync(_)) {
                self.servers[s].pending_syncs.push_back((id, xid, conn));
            } else {
                self.servers[s].pending_local.push_back((id, xid, conn));
            }
            let node = self.snode(s);
            if let Some(lc) = self.servers[s].leader_conn {
                self.send(
                    lc,
                    node,
                    Msg::LearnerRequest {
                        session_id: id,
                        cxid: xid,
                        req,
                    },
                );
            }
        } else {
            // Reads and pings stay local on a learner and are never owner-checked.
            self.set_slot(s, conn, xid, SlotState::Read);
            self.flush_slots(s, conn);
        }
    }

    fn set_slot(&mut self, s: usize, conn: ConnId, xid: i32, state: SlotState) {
        if let Some(c) = self.servers[s].cnxns.get_mut(&conn)
            && let Some(slot) = c
                .slots
                .iter_mut()
                .find(|sl| sl.xid == xid && matches!(sl.state, SlotState::Waiting))
        {
            slot.state = state;
        }
    }

    fn next_zxid(&mut self, s: usize) -> Zxid {
        let srv = &mut self.servers[s];
        srv.zxid_counter += 1;
        ((srv.epoch as i64) << 32) | srv.zxid_counter as i64
    }

    /// The leader's `PrepRequestProcessor` for one request.
    pub(crate) fn leader_submit(
        &mut self,
        s: usize,
        origin: Origin,
        session: SessionId,
        cxid: i32,
        req: ClientRequest,
        owner: Option<Owner>,
    ) {
        let node = self.snode(s);
        let check = |w: &mut World| -> Result<(), CheckError> {
            let Some(o) = owner else {
                return Ok(());
            };
            let r = w.servers[s]
                .tracker
                .as_mut()
                .map(|t| t.check_session(session, o))
                .unwrap_or(Err(CheckError::Expired));
            if let Ok(crate::tracker::Check::Adopted) = r {
                let to = w.owner_name(Some(o));
                let node = w.snode(s);
                w.emit(
                    node,
                    EventKind::OwnerChanged {
                        session,
                        from: "null".into(),
                        to: to.clone(),
                        why: "checkSession adopted the caller's owner",
                    },
                    move |_| {
                        (
                            None,
                            format!(
                                "SessionTrackerImpl.checkSession: {} had owner null, so it adopts {to}.",
                                hex(session)
                            ),
                        )
                    },
                );
            }
            r.map(|_| ())
        };
        match req {
            ClientRequest::Ping
            | ClientRequest::Exists(_)
            | ClientRequest::GetData(_)
            | ClientRequest::Sync(_) => {
                let Origin::Local { conn, xid } = origin else {
                    return;
                };
                let checked = check(self);
                if let Err(e) = &checked {
                    // Prep's pRequest: checkSession for a read, ping or sync; the catch logs it
                    // (no txn header, so no zxid).
                    let err = KeeperError::new(e.client_code());
                    self.log_user_error(s, session, xid, None, &req, &err);
                }
                let state = match checked {
                    Ok(()) => SlotState::Read,
                    Err(CheckError::Moved { .. }) => {
                        self.note_session_moved(s, session, req.type_name(), None);
                        SlotState::Moved
                    }
                    Err(e) => SlotState::Reply {
                        zxid: self.servers[s].last_zxid(),
                        err: e.client_code(),
                        body: ReplyBody::None,
                    },
                };
                self.set_slot(s, conn, xid, state);
                self.flush_slots(s, conn);
            }
            ClientRequest::CreateSession { timeout_ms } => {
                let zxid = self.next_zxid(s);
                let clock = self.tracker_clock_ms(s);
                let tracked = self.servers[s]
                    .tracker
                    .as_mut()
                    .map(|t| t.add_session(session, timeout_ms, clock));
                if let Some(tr) = tracked {
                    self.note_touch(s, session, Some(tr.touch));
                }
                // setOwner throws SessionExpiredException for a closing session (an id already
                // expiring: a 3.4.5 collision with a dying session). Prep's catch turns the
                // createSession into an error txn. It consumes a zxid; by the time it commits, the
                // closeSession that made the id closing has committed before it and closed every
                // connection carrying the id (NIOServerCnxnFactory.closeSession), the new one
                // too, so no server answers it.
                let closing = self.servers[s]
                    .tracker
                    .as_ref()
                    .and_then(|t| t.get(session))
                    .is_some_and(|e| e.closing);
                let txn = if closing {
                    self.log_user_error(
                        s,
                        session,
                        cxid,
                        Some(zxid),
                        &ClientRequest::CreateSession { timeout_ms },
                        &KeeperError::new(codes::SESSIONEXPIRED),
                    );
                    Txn::Error {
                        code: codes::SESSIONEXPIRED,
                    }
                } else {
                    self.set_owner(s, session, owner, "PrepRequestProcessor createSession");
                    Txn::CreateSession { timeout_ms }
                };
                let hdr = self.txn_header(s, session, cxid, zxid);
                self.propose(s, hdr, txn, origin);
            }
            ClientRequest::CloseSession => {
                let zxid = self.next_zxid(s);
                let paths = {
                    let srv = &mut self.servers[s];
                    srv.prep.prep_close_session(&srv.tree, session, zxid)
                };
                if let Some(t) = self.servers[s].tracker.as_mut() {
                    t.set_session_closing(session);
                }
                for r in self.session_records_mut(session) {
                    r.closing = true;
                }
                if self.profile.logs_processed_termination {
                    self.log(
                        node,
                        EventKind::Note,
                        Level::Info,
                        "PrepRequestProcessor",
                        || format!("Processed session termination for sessionid: {}", hex(session)),
                        || "Prep closeSession: no owner check (the expirer is not the owner); the session is marked closing and its ephemerals listed.".into(),
                    );
                }
                let txn = Txn::CloseSession {
                    paths: self.profile.close_session_txn_lists_paths.then_some(paths),
                };
                let hdr = self.txn_header(s, session, cxid, zxid);
                self.propose(s, hdr, txn, origin);
            }
            ClientRequest::Write(op) => {
                let zxid = self.next_zxid(s);
                let txn = match check(self) {
                    Err(e) => {
                        if let CheckError::Moved { .. } = e {
                            self.note_session_moved(s, session, req_type(&op), Some(zxid));
                        }
                        let logged = ClientRequest::Write(op.clone());
                        self.log_user_error(
                            s,
                            session,
                            cxid,
                            Some(zxid),
                            &logged,
                            &KeeperError::new(e.client_code()),
                        );
                        Txn::Error {
                            code: e.client_code(),
                        }
                    }
                    Ok(()) => {
                        let srv = &mut self.servers[s];
                        match srv.prep.prep_op(&srv.tree, session, zxid, &op) {
                            Ok(t) => t,
                            Err(e) => {
                                let logged = ClientRequest::Write(op.clone());
                                self.log_user_error(s, session, cxid, Some(zxid), &logged, &e);
                                Txn::Error { code: e.code }
                            }
                        }
                    }
                };
                let hdr = self.txn_header(s, session, cxid, zxid);
                self.propose(s, hdr, txn, origin);
            }
            ClientRequest::Multi(ops) => {
                let zxid = self.next_zxid(s);
                let session_error = match check(self) {
                    Err(e) => {
                        if let CheckError::Moved { .. } = e {
                            self.note_session_moved(s, session, "multi", Some(zxid));
                        }
                        Some(e.client_code())
                    }
                    Ok(()) => None,
                };
                let (txn, failed) = {
                    let srv = &mut self.servers[s];
                    srv.prep
                        .prep_multi(&srv.tree, session, zxid, &ops, session_error)
                };
                if let Some(e) = failed {
                    let logged = ClientRequest::Multi(ops);
                    self.log_user_error(s, session, cxid, Some(zxid), &logged, &e);
                }
                let hdr = self.txn_header(s, session, cxid, zxid);
                self.propose(s, hdr, txn, origin);
            }
        }
    }

    fn txn_header(&self, s: usize, session: SessionId, cxid: i32, zxid: Zxid) -> TxnHeader {
        TxnHeader {
            session_id: session,
            cxid,
            zxid,
            time_ms: self.wall_ms(s),
        }
    }

    fn note_session_moved(&mut self, s: usize, session: SessionId, op: &str, zxid: Option<Zxid>) {
        let node = self.snode(s);
        let owner = self.servers[s]
            .tracker
            .as_ref()
            .and_then(|t| t.get(session))
            .and_then(|e| e.owner);
        let owner_name = self.owner_name(owner);
        let op = op.to_string();
        self.emit(
            node,
            EventKind::SessionMoved {
                session,
                op: op.clone(),
            },
            move |_| {
                (
                    None,
                    format!(
                        "PrepRequestProcessor: checkSession({}) threw SessionMovedException for {op}: \
                         the owner is {owner_name}, not the connection that sent it{}.",
                        hex(session),
                        if zxid.is_some() {
                            "; the error txn is still proposed and consumes a zxid"
                        } else {
                            ""
                        }
                    ),
                )
            },
        );
    }

    /// Prep's INFO "Got user-level KeeperException when processing <Request.toString()> ...":
    /// 3.4 through 3.5.4 log every user-level error; 3.5.5+ only codes above APIERROR (-100).
    /// `req` is what `Request.toString` names and reads its `reqpath:` from.
    fn log_user_error(
        &mut self,
        s: usize,
        session: SessionId,
        cxid: i32,
        zxid: Option<Zxid>,
        req: &ClientRequest,
        err: &KeeperError,
    ) {
        if !self.profile.logs_user_level_session_moved && err.code <= codes::APIERROR {
            return;
        }
        let node = self.snode(s);
        let (op, reqpath) = (op2string(req), reqpath_at_prep(req, err));
        // A request with no txn header (a read, a ping, a sync): zxid -2 and txntype unknown.
        let (zxid, txntype) = match zxid {
            Some(z) => (hex(z), "-1"),
            None => ("0xfffffffffffffffe".to_string(), "unknown"),
        };
        let multi = matches!(req, ClientRequest::Multi(_));
        let error_path = err.path.clone().unwrap_or_else(|| "null".into());
        let message = err.message();
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "PrepRequestProcessor",
            move || {
                format!(
                    "Got user-level KeeperException when processing sessionid:{} type:{op} cxid:0x{:x} zxid:{zxid} txntype:{txntype} reqpath:{reqpath}{} Error Path:{error_path} Error:{message}",
                    hex(session),
                    // Long.toHexString of the int cxid: sign-extended (a ping's -2 is 0xff..fe).
                    cxid as i64 as u64,
                    if multi { " aborting remaining multi ops." } else { "" },
                )
            },
            || "Prep caught a KeeperException: the request becomes an error txn.".into(),
        );
    }

    /// `ProposalRequestProcessor` + `Leader.propose`; standalone commits at once.
    fn propose(&mut self, s: usize, hdr: TxnHeader, txn: Txn, origin: Origin) {
        if self.servers[s].role == Role::Standalone {
            self.commit_locally(s, hdr, txn, origin);
            return;
        }
        let node = self.snode(s);
        let conns: Vec<ConnId> = self.servers[s].learners.values().map(|h| h.conn).collect();
        for conn in conns {
            self.send(
                conn,
                node.clone(),
                Msg::Proposal {
                    hdr,
                    txn: txn.clone(),
                },
            );
        }
        let zxid = hdr.zxid;
        self.servers[s].proposals.insert(
            zxid,
            Proposal {
                hdr,
                txn,
                acks: vec![s],
                origin,
            },
        );
        self.try_commit(s);
    }

    fn try_commit(&mut self, s: usize) {
        loop {
            let ready = self.servers[s]
                .proposals
                .first_key_value()
                .map(|(z, p)| (*z, p.acks.len() >= self.cfg.quorum));
            let Some((zxid, true)) = ready else {
                return;
            };
            let Some(p) = self.servers[s].proposals.remove(&zxid) else {
                return;
            };
            let node = self.snode(s);
            let conns: Vec<ConnId> = self.servers[s].learners.values().map(|h| h.conn).collect();
            for conn in conns {
                self.send(conn, node.clone(), Msg::Commit { zxid });
            }
            self.commit_locally(s, p.hdr, p.txn, p.origin);
            self.leader_flush_syncs(s, zxid);
        }
    }

    /// `FinalRequestProcessor` on any server: apply the txn, then answer if the connection is here.
    fn commit_locally(&mut self, s: usize, hdr: TxnHeader, txn: Txn, origin: Origin) {
        let res = self.apply_txn(s, &hdr, &txn);
        self.final_request(s, &hdr, &txn, res, origin);
    }

    fn apply_txn(&mut self, s: usize, hdr: &TxnHeader, txn: &Txn) -> ApplyResult {
        let res = self.servers[s].tree.apply(hdr, txn);
        if self.servers[s].is_leader_like() {
            self.servers[s].prep.applied(hdr.zxid);
        }
        let node = self.snode(s);
        let sid = hdr.session_id;
        match txn {
            Txn::CreateSession { timeout_ms } => {
                let added = self.servers[s]
                    .db_sessions
                    .insert(sid, *timeout_ms)
                    .is_none();
                if self.servers[s].is_leader_like() {
                    // 3.4 addSession / 3.5 addGlobalSession touch the session again; 3.6+
                    // commitSession only records it in sessionsWithTimeouts (Prep's
                    // trackSession queued it). A session this tracker has never seen (a txn
                    // recovered from the log) is tracked as the tracker's constructor would.
                    let known = self.servers[s]
                        .tracker
                        .as_ref()
                        .is_some_and(|t| t.get(sid).is_some());
                    if self.profile.commit_session_touches || !known {
                        let clock = self.tracker_clock_ms(s);
                        let tracked = self.servers[s]
                            .tracker
                            .as_mut()
                            .map(|t| t.add_session(sid, *timeout_ms, clock));
                        if let Some(tr) = tracked {
                            self.note_touch(s, sid, Some(tr.touch));
                        }
                    }
                } else if let Some(t) = self.servers[s].touch.as_mut() {
                    t.add_session(sid, *timeout_ms);
                }
                if added
                    && self.profile.logs_committing_global_session
                    && self.servers[s].role != Role::Standalone
                {
                    self.log(
                        node.clone(),
                        EventKind::Note,
                        Level::Info,
                        if self.servers[s].is_leader_like() {
                            "LeaderSessionTracker"
                        } else {
                            "LearnerSessionTracker"
                        },
                        move || format!("Committing global session {}", hex(sid)),
                        || "processTxn applied the createSession txn: commitSession records the session in sessionsWithTimeouts on every server of the quorum.".into(),
                    );
                }
            }
            Txn::CloseSession { .. } => {
                self.servers[s].db_sessions.remove(&sid);
                if let Some(t) = self.servers[s].tracker.as_mut() {
                    t.remove_session(sid);
                }
                if let Some(t) = self.servers[s].touch.as_mut() {
                    t.remove_session(sid);
                }
                if self.servers[s].is_leader_like() {
                    let now = self.now_ms();
                    for r in self.session_records_mut(sid) {
                        if r.closed_ms.is_none() {
                            r.closed_ms = Some(now);
                            r.closing = false;
                        }
                    }
                    let zxid = hdr.zxid;
                    self.emit(
                        node.clone(),
                        EventKind::SessionClosed { session: sid, zxid },
                        move |_| {
                            (
                                None,
                                format!(
                                    "The closeSession txn {} was applied: killSession deleted the \
                                     session's ephemerals and removeSession dropped it.",
                                    hex(zxid)
                                ),
                            )
                        },
                    );
                }
            }
            _ => {}
        }
        if self.servers[s].is_leader_like() {
            for p in &res.created {
                let owner = self.servers[s]
                    .tree
                    .exists(p)
                    .map(|st| st.ephemeral_owner)
                    .unwrap_or(0);
                self.emit(
                    node.clone(),
                    EventKind::ZnodeCreated {
                        path: p.clone(),
                        zxid: hdr.zxid,
                        ephemeral_owner: owner,
                    },
                    |_| (None, "DataTree.createNode".into()),
                );
            }
            for p in &res.changed {
                let version = self.servers[s]
                    .tree
                    .exists(p)
                    .map(|st| st.version)
                    .unwrap_or(0);
                self.emit(
                    node.clone(),
                    EventKind::ZnodeChanged {
                        path: p.clone(),
                        zxid: hdr.zxid,
                        version,
                    },
                    |_| (None, "DataTree.setData".into()),
                );
            }
            for p in &res.deleted {
                self.emit(
                    node.clone(),
                    EventKind::ZnodeDeleted {
                        path: p.clone(),
                        zxid: hdr.zxid,
                    },
                    |_| (None, "DataTree.deleteNode".into()),
                );
            }
        }
        res
    }

    fn final_request(
        &mut self,
        s: usize,
        hdr: &TxnHeader,
        txn: &Txn,
        res: ApplyResult,
        origin: Origin,
    ) {
        let Origin::Local { conn, xid } = origin else {
            // request.cnxn == null: an expiry or a close from another server closes our
            // connection for that session without a reply.
            if let Txn::CloseSession { .. } = txn {
                let local: Vec<ConnId> = self.servers[s]
                    .cnxns
                    .values()
                    .filter(|c| c.session_id == hdr.session_id)
                    .map(|c| c.conn)
                    .collect();
                for c in local {
                    self.server_close_cnxn(s, c, "its session was closed");
                }
            }
            return;
        };
        if !self.servers[s].cnxns.contains_key(&conn) {
            return;
        }
        let zxid = hdr.zxid;
        let state = match txn {
            Txn::CreateSession { .. } => {
                self.finish_session_init(s, conn, true);
                return;
            }
            Txn::CloseSession { .. } => SlotState::ReplyThenClose { zxid },
            Txn::Error { code } if *code == codes::SESSIONMOVED => SlotState::Moved,
            Txn::Multi(_) => {
                let moved = res.multi.iter().any(|r| r.err == codes::SESSIONMOVED);
                if moved && self.profile.multi_session_moved_closes {
                    SlotState::Moved
                } else {
                    SlotState::Reply {
                        zxid,
                        err: codes::OK,
                        body: ReplyBody::Multi(
                            res.multi.iter().map(|r| (r.err, r.path.clone())).collect(),
                        ),
                    }
                }
            }
            _ => SlotState::Reply {
                zxid,
                err: res.err,
                body: match (&res.path, &res.stat) {
                    (Some(p), _) if matches!(txn, Txn::Create { .. }) => {
                        ReplyBody::Created(p.clone())
                    }
                    (_, Some(st)) => ReplyBody::Stat(*st),
                    _ => ReplyBody::None,
                },
            },
        };
        self.set_slot(s, conn, xid, state);
        self.flush_slots(s, conn);
    }

    /// Sends whatever replies are ready at the head of a connection's queue, in order.
    fn flush_slots(&mut self, s: usize, conn: ConnId) {
        loop {
            let Some(c) = self.servers[s].cnxns.get_mut(&conn) else {
                return;
            };
            if c.state != CnxnState::Established {
                return;
            }
            let Some(head) = c.slots.front() else {
                return;
            };
            if matches!(head.state, SlotState::Waiting) {
                return;
            }
            let Some(slot) = c.slots.pop_front() else {
                return;
            };
            let session = c.session_id;
            let node = self.snode(s);
            match slot.state {
                SlotState::Waiting => {}
                SlotState::Read => {
                    let zxid = self.servers[s].last_zxid();
                    let (err, body) = self.read(s, &slot.req);
                    self.send(
                        conn,
                        node,
                        Msg::Reply {
                            xid: slot.xid,
                            zxid,
                            err,
                            body,
                        },
                    );
                }
                SlotState::Reply { zxid, err, body } => {
                    self.send(
                        conn,
                        node,
                        Msg::Reply {
                            xid: slot.xid,
                            zxid,
                            err,
                            body,
                        },
                    );
                }
                SlotState::ReplyThenClose { zxid } => {
                    self.send(
                        conn,
                        node,
                        Msg::Reply {
                            xid: slot.xid,
                            zxid,
                            err: codes::OK,
                            body: ReplyBody::None,
                        },
                    );
                    self.server_close_cnxn(s, conn, "the client closed its session");
                    return;
                }
                SlotState::Moved => {
                    let op = slot.req.type_name();
                    // FinalRequestProcessor's catch (SessionMovedException) prints nothing: it
                    // calls cnxn.sendCloseSession() and returns. The event explains; no log line.
                    self.emit(node, EventKind::Note, move |_| {
                        (
                            None,
                            format!(
                                "FinalRequestProcessor caught SessionMovedException for {op} on session {}: cnxn.sendCloseSession() closes the connection with no reply (ZOOKEEPER-710). ZooKeeper logs nothing here.",
                                hex(session)
                            ),
                        )
                    });
                    self.server_close_cnxn(s, conn, "SessionMovedException (ZOOKEEPER-710)");
                    return;
                }
            }
        }
    }

    fn read(&self, s: usize, req: &ClientRequest) -> (Code, ReplyBody) {
        let tree = &self.servers[s].tree;
        match req {
            ClientRequest::Ping => (codes::OK, ReplyBody::None),
            ClientRequest::Exists(p) => match tree.exists(p) {
                Some(st) => (codes::OK, ReplyBody::Stat(st)),
                None => (codes::NONODE, ReplyBody::None),
            },
            ClientRequest::GetData(p) => match tree.get_data(p) {
                Ok((d, st)) => (codes::OK, ReplyBody::Data(d, st)),
                Err(code) => (code, ReplyBody::None),
            },
            _ => (codes::OK, ReplyBody::None),
        }
    }

    // ----- quorum: leader side -----

    fn leader_on_follower_info(&mut self, s: usize, conn: ConnId, from: Node) {
        let node = self.snode(s);
        let Node::Server(fid) = from else {
            return;
        };
        if self.servers[s].role != Role::Leading {
            self.net.close_side(conn, &node);
            self.send(conn, node, Msg::Fin);
            return;
        }
        let Some(fs) = self.server_index(fid) else {
            return;
        };
        self.next_handler_id += 1;
        let h = self.next_handler_id;
        self.handler_names
            .insert(h, format!("LearnerHandler(s{fid})#{h}"));
        self.servers[s].handlers_created.insert(h);
        let now = self.now_ms();
        self.servers[s].learners.insert(
            conn,
            LearnerHandler {
                handler_id: h,
                server: fs,
                conn,
                synced: false,
                last_heard_ms: now,
            },
        );
        self.schedule_learner_read_timeout(s, conn);
        let image = DbImage {
            tree: self.servers[s].tree.clone(),
            sessions: self.servers[s].db_sessions.clone(),
            last_zxid: self.servers[s].last_zxid(),
        };
        let epoch = self.servers[s].epoch;
        self.send(
            conn,
            node.clone(),
            Msg::NewLeader {
                epoch,
                image: Box::new(image),
            },
        );
        // LearnerHandler.syncFollower queues the proposals still outstanding after the
        // snapshot, so the learner can ACK them and apply them when their COMMIT comes.
        let outstanding: Vec<(TxnHeader, Txn)> = self.servers[s]
            .proposals
            .values()
            .map(|p| (p.hdr, p.txn.clone()))
            .collect();
        for (hdr, txn) in outstanding {
            self.send(conn, node.clone(), Msg::Proposal { hdr, txn });
        }
    }

    fn leader_on_ack_new_leader(&mut self, s: usize, conn: ConnId) {
        let now = self.now_ms();
        let Some(h) = self.servers[s].learners.get_mut(&conn) else {
            return;
        };
        h.synced = true;
        h.last_heard_ms = now;
        let node = self.snode(s);
        if self.servers[s].serving {
            self.send(conn, node, Msg::UpToDate);
        } else {
            let acked = self.servers[s]
                .learners
                .values()
                .filter(|h| h.synced)
                .count();
            if acked + 1 >= self.cfg.quorum {
                self.leader_startup(s);
            }
        }
    }

    fn leader_on_ack(&mut self, s: usize, conn: ConnId, zxid: Zxid) {
        let now = self.now_ms();
        let Some(h) = self.servers[s].learners.get_mut(&conn) else {
            return;
        };
        h.last_heard_ms = now;
        let server = h.server;
        if let Some(p) = self.servers[s].proposals.get_mut(&zxid)
            && !p.acks.contains(&server)
        {
            p.acks.push(server);
        }
        self.try_commit(s);
    }

    fn on_quorum_ping(&mut self, s: usize, conn: ConnId, touches: Vec<(SessionId, i32)>) {
        let now = self.now_ms();
        let node = self.snode(s);
        if self.servers[s].leader_conn == Some(conn) {
            // Learner.ping: answer with the touch table, swapped for a fresh one.
            self.servers[s].last_heard_leader_ms = now;
            let touches = self.servers[s]
                .touch
                .as_mut()
                .map(|t| t.snapshot())
                .unwrap_or_default();
            self.send(conn, node, Msg::Ping { touches });
            return;
        }
        let Some(h) = self.servers[s].learners.get_mut(&conn) else {
            return;
        };
        h.last_heard_ms = now;
        if !self.servers[s].serving {
            return;
        }
        // LearnerHandler PING: touch every session the learner saw, with no owner check.
        let clock = self.tracker_clock_ms(s);
        for (id, to) in touches {
            let t = self.servers[s]
                .tracker
                .as_mut()
                .map(|t| t.touch_session(id, to, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(s, id, Some(t));
        }
    }

    fn leader_on_learner_request(
        &mut self,
        s: usize,
        conn: ConnId,
        session: SessionId,
        cxid: i32,
        req: ClientRequest,
    ) {
        let Some(h) = self.servers[s].learners.get(&conn) else {
            return;
        };
        let owner = Owner::Handler(h.handler_id);
        if !self.servers[s].serving {
            return;
        }
        if let ClientRequest::Sync(path) = &req {
            self.leader_process_sync(s, conn, session, cxid, owner, path);
            return;
        }
        self.leader_submit(s, Origin::Remote, session, cxid, req, Some(owner));
    }

    /// A learner's sync: Prep checks the session, but ProposalRequestProcessor hands a
    /// LearnerSyncRequest to `Leader.processSync` whatever Prep found, so the learner always
    /// answers OK (spec 6.3; ZOOKEEPER-915).
    fn leader_process_sync(
        &mut self,
        s: usize,
        conn: ConnId,
        session: SessionId,
        cxid: i32,
        owner: Owner,
        path: &str,
    ) {
        let check = self.servers[s]
            .tracker
            .as_mut()
            .map(|t| t.check_session(session, owner));
        if let Some(Err(e)) = &check {
            let err = KeeperError::new(e.client_code());
            let req = ClientRequest::Sync(path.to_string());
            self.log_user_error(s, session, cxid, None, &req, &err);
        }
        if let Some(Err(CheckError::Moved { .. })) = check {
            self.note_session_moved(s, session, "sync", None);
        }
        match self.servers[s].proposals.last_key_value().map(|(z, _)| *z) {
            None => {
                let node = self.snode(s);
                self.send(
                    conn,
                    node,
                    Msg::Sync {
                        session_id: session,
                        cxid,
                    },
                );
            }
            Some(last) => self.servers[s]
                .leader_syncs
                .push((conn, session, cxid, last)),
        }
    }

    fn leader_flush_syncs(&mut self, s: usize, committed: Zxid) {
        if self.servers[s].leader_syncs.is_empty() {
            return;
        }
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.servers[s].leader_syncs)
            .into_iter()
            .partition(|(_, _, _, z)| *z <= committed);
        self.servers[s].leader_syncs = rest;
        let node = self.snode(s);
        for (conn, session, cxid, _) in due {
            self.send(
                conn,
                node.clone(),
                Msg::Sync {
                    session_id: session,
                    cxid,
                },
            );
        }
    }

    fn follower_on_sync(&mut self, s: usize, conn: ConnId, session: SessionId, cxid: i32) {
        if !self.heard_from_leader(s, conn) {
            return;
        }
        let Some(pos) = self.servers[s]
            .pending_syncs
            .iter()
            .position(|&(sid, x, _)| sid == session && x == cxid)
        else {
            return;
        };
        let Some((_, xid, c)) = self.servers[s].pending_syncs.remove(pos) else {
            return;
        };
        let zxid = self.servers[s].last_zxid();
        self.set_slot(
            s,
            c,
            xid,
            SlotState::Reply {
                zxid,
                err: codes::OK,
                body: ReplyBody::None,
            },
        );
        self.flush_slots(s, c);
    }

    fn leader_on_revalidate(
        &mut self,
        s: usize,
        conn: ConnId,
        session: SessionId,
        timeout_ms: i32,
    ) {
        let Some(h) = self.servers[s].learners.get(&conn) else {
            return;
        };
        let owner = Owner::Handler(h.handler_id);
        let valid = self.servers[s].serving && self.touch(s, session, timeout_ms);
        if valid {
            self.set_owner(s, session, Some(owner), "LearnerHandler REVALIDATE");
        }
        let node = self.snode(s);
        self.log(
            node.clone(),
            EventKind::RevalidateAnswered { session, valid },
            Level::Trace,
            "LearnerHandler",
            move || format!("Session {} is valid: {valid}", hex(session)),
            move || {
                if valid {
                    "LearnerHandler REVALIDATE: touchSession succeeded, so the owner becomes this \
                     follower's LearnerHandler."
                        .into()
                } else {
                    "LearnerHandler REVALIDATE: touchSession failed (unknown or closing session)."
                        .into()
                }
            },
        );
        self.send(
            conn,
            node,
            Msg::RevalidateReply {
                session_id: session,
                valid,
            },
        );
    }

    // ----- quorum: follower side -----

    /// A packet from the leader on this learner's quorum connection: it counts for the
    /// socket's read timeout. Anything on another (older) connection is ignored.
    fn heard_from_leader(&mut self, s: usize, conn: ConnId) -> bool {
        if self.servers[s].leader_conn != Some(conn) {
            return false;
        }
        self.servers[s].last_heard_leader_ms = self.now_ms();
        true
    }

    fn follower_on_new_leader(&mut self, s: usize, conn: ConnId, epoch: u32, image: DbImage) {
        if !self.heard_from_leader(s, conn) {
            return;
        }
        {
            let srv = &mut self.servers[s];
            srv.tree = image.tree;
            srv.db_sessions = image.sessions;
            // A SNAP replaces the whole history, including anything logged on the side.
            srv.logged.clear();
            srv.epoch = epoch;
            srv.accepted_epoch = epoch;
        }
        // Learner.syncWithLeader: zk.createSessionTracker() seeds a fresh touch table.
        let clock = self.tracker_clock_ms(s);
        let myid = self.servers[s].myid as i64;
        let first = seed_session_id(self.profile, myid, clock);
        let mut table = LearnerTouchTable::new(first);
        for (id, to) in &self.servers[s].db_sessions {
            table.add_session(*id, *to);
        }
        let _ = table.snapshot();
        self.servers[s].touch = Some(table);
        let node = self.snode(s);
        self.emit(
            node.clone(),
            EventKind::TrackerSeeded {
                next_session_id: first,
                clock_ms: clock,
                leader: false,
            },
            move |_| {
                (
                    None,
                    format!(
                        "Learner.syncWithLeader: createSessionTracker seeds LearnerSessionTracker \
                         with initializeNextSession(myid {myid}) at clock {clock} = {}.",
                        hex(first)
                    ),
                )
            },
        );
        self.send(conn, node, Msg::AckNewLeader);
    }

    fn follower_on_uptodate(&mut self, s: usize, conn: ConnId) {
        if !self.heard_from_leader(s, conn) {
            return;
        }
        self.servers[s].serving = true;
        // From now on the socket's read timeout is syncLimit ticks (initLimit while syncing).
        self.servers[s].role_generation += 1;
        self.schedule_follower_timeout(s, self.cfg.sync_limit);
        let node = self.snode(s);
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "Learner",
            || "Learner received UPTODATE message".into(),
            || "The follower is in sync and starts serving clients.".into(),
        );
    }

    fn follower_on_proposal(&mut self, s: usize, conn: ConnId, hdr: TxnHeader, txn: Txn) {
        if !self.heard_from_leader(s, conn) {
            return;
        }
        let zxid = hdr.zxid;
        self.servers[s].logged.insert(zxid, (hdr, txn));
        let node = self.snode(s);
        self.send(conn, node, Msg::Ack { zxid });
    }

    fn follower_on_commit(&mut self, s: usize, conn: ConnId, zxid: Zxid) {
        if !self.heard_from_leader(s, conn) {
            return;
        }
        let Some((hdr, txn)) = self.servers[s].logged.remove(&zxid) else {
            return;
        };
        // CommitProcessor: a commit matching the head of our pending requests is ours to answer.
        let origin = match self.servers[s].pending_local.front() {
            Some(&(sid, cxid, c)) if sid == hdr.session_id && cxid == hdr.cxid => {
                self.servers[s].pending_local.pop_front();
                Origin::Local { conn: c, xid: cxid }
            }
            _ => Origin::Remote,
        };
        let res = self.apply_txn(s, &hdr, &txn);
        // 3.6+ FinalRequestProcessor sees -118 inside a multi on followers too (ZOOKEEPER-2886).
        self.final_request(s, &hdr, &txn, res, origin);
    }

    fn follower_on_revalidate_reply(
        &mut self,
        s: usize,
        conn: ConnId,
        session: SessionId,
        valid: bool,
    ) {
        if !self.heard_from_leader(s, conn) {
            return;
        }
        let node = self.snode(s);
        match self.servers[s].pending_revalidations.remove(&session) {
            None => {
                self.log(
                    node,
                    EventKind::Note,
                    Level::Warn,
                    "Learner",
                    move || format!("Missing session {} for validation", hex(session)),
                    || "Learner.revalidate: no connection is waiting for this answer.".into(),
                );
            }
            Some(c) => self.finish_session_init(s, c, valid),
        }
    }
}

fn req_type(op: &crate::datatree::Op) -> &'static str {
    ClientRequest::Write(op.clone()).type_name()
}

/// `Request.op2String`: the op names Request.toString prints, "sync:" with its colon.
fn op2string(req: &ClientRequest) -> &'static str {
    match req {
        ClientRequest::Sync(_) => "sync:",
        other => other.type_name(),
    }
}

/// The `reqpath:` of `Request.toString` on Prep's INFO line. It reads a length-prefixed string
/// from the request's bytes only if at least 4 of them are still unread (`remaining() >= 4`).
/// Prep deserialises a request before most of its checks, so by the time it logs, the bytes are
/// read and the path is "n/a": a multi (deserialised whole before its loop), and every single-op
/// error found after `byteBuffer2Record` (NoNode, NodeExists, BadVersion, ...). Only a
/// `checkSession` failure, which 3.4's create/delete/setData run first, still sees the path.
/// (Real 3.4.5-3.5.10 logs agree: `reqpath:/w ... Session moved` for a setData, `reqpath:n/a
/// aborting remaining multi ops.` for a multi. From 3.5.5 Prep logs no API error at all.)
fn reqpath_at_prep(req: &ClientRequest, err: &KeeperError) -> String {
    match req {
        ClientRequest::Write(op) if err.path.is_none() => op.path().to_string(),
        // Reads and syncs are only session-checked in Prep: their bytes are unread.
        ClientRequest::Exists(p) | ClientRequest::GetData(p) | ClientRequest::Sync(p) => {
            p.to_string()
        }
        _ => "n/a".to_string(),
    }
}
