//! `QuorumPeer`: a server's life and its role. Start and crash, LOOKING / LEADING / FOLLOWING
//! / standalone, what a server does when the election (world-level, `world/election.rs`)
//! tells it to lead or to follow, shutting down to LOOKING, and the wall-clock jumps of a
//! server's clock.

use super::*;

impl Server {
    pub(crate) fn start_server(&mut self, cx: &mut Cx) {
        if self.is_up() {
            return;
        }
        if cx.cfg.standalone {
            self.set_role(cx, Peer::Standalone(Standalone::default()));
            self.standalone_startup(cx);
        } else {
            self.set_role(cx, Peer::Looking);
            cx.out.log(
                EventKind::Note,
                Level::Info,
                "QuorumPeer",
                || "LOOKING".to_string(),
                || "QuorumPeer.run: the server starts in LOOKING and joins leader election.".into(),
            );
            cx.out.push(Effect::LookAgain);
        }
    }

    pub(crate) fn crash_server(&mut self, cx: &mut Cx) {
        if !self.is_up() {
            return;
        }
        // The process dies: the OS closes every socket it had (end of stream at the peers).
        self.drop_everything(cx);
        self.set_role(cx, Peer::Down);
        cx.out.log(
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
        cx.out.push(Effect::LookAgain);
    }

    /// Everything that lives only in memory.
    pub(super) fn reset_volatile(&mut self) {
        self.serving = false;
        self.cnxns.clear();
        self.prep.clear();
        // What only a role had goes with it, its tracker and timers included; the role itself
        // changes next (set_role).
        match self.peer {
            Peer::Leading(_) | Peer::Following(_) => self.peer = Peer::Looking,
            Peer::Standalone(_) => self.peer = Peer::Standalone(Standalone::default()),
            Peer::Down | Peer::Looking => {}
        }
    }

    /// Enters a role: `peer` is the new state, owning what only that role has.
    pub(super) fn set_role(&mut self, cx: &mut Cx, peer: Peer) {
        let role = peer.role();
        self.peer = peer;
        let epoch = self.epoch;
        cx.out.emit(
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

    pub(crate) fn clock_jump(&mut self, cx: &mut Cx, by_ms: i64) {
        self.clock_jump_ms = self.clock_jump_ms.saturating_add(by_ms);
        let uses_wall = cx.profile.tracker_clock == crate::profile::TrackerClock::Wall;
        cx.out.log(
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

    pub(super) fn become_leader(&mut self, cx: &mut Cx, epoch: u32) {
        let now = cx.now_ms;
        self.epoch = epoch;
        self.accepted_epoch = epoch;
        self.zxid_counter = 0;
        self.serving = false;
        // Thread.sleep(tickTime / 2), at least a millisecond (tickTime 1 would spin).
        let tick_at_ms = now + (cx.cfg.tick_ms / 2).max(1);
        self.set_role(cx, Peer::Leading(Leading::new(now, tick_at_ms)));
        // Leader.lead() starts from the whole txn log: proposals this server logged but never
        // saw committed are part of the history it leads with.
        let logged = std::mem::take(&mut self.logged);
        for (zxid, (hdr, txn)) in logged {
            if zxid > self.last_zxid() {
                self.apply_txn(cx, &hdr, &txn);
            }
        }
        cx.out.log(
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
        self.arm(cx, Timer::LeaderTick, tick_at_ms);
        if cx.cfg.quorum == 1 {
            self.leader_startup(cx);
        }
    }

    pub(super) fn become_follower(&mut self, cx: &mut Cx, leader: usize) {
        let now = cx.now_ms;
        let lid = cx.peers[leader];
        // The quorum connection is the follower's from the start (opening it records nothing).
        let conn = cx.next_conn;
        cx.out.push(Effect::Open {
            conn,
            kind: ConnKind::Quorum,
            to: Node::Server(lid),
        });
        // The socket's read timeout is initLimit ticks while syncing (armed below, once the
        // FOLLOWERINFO is on its way).
        let timeout_at_ms = now + cx.cfg.tick_ms * cx.cfg.init_limit as u64;
        let following = Following::new(leader, conn, now, timeout_at_ms);
        self.set_role(cx, Peer::Following(following));
        self.serving = false;
        cx.out.log(
            EventKind::Note,
            Level::Info,
            "QuorumPeer",
            || "FOLLOWING".to_string(),
            move || format!("Follower.followLeader: connecting to the leader s{lid} to sync."),
        );
        let last_zxid = self.last_zxid();
        let accepted_epoch = self.accepted_epoch;
        cx.out.send(
            conn,
            Msg::FollowerInfo {
                last_zxid,
                accepted_epoch,
            },
        );
        let init_limit = cx.cfg.init_limit;
        self.schedule_follower_timeout(cx, init_limit);
    }

    /// Leader or follower shutdown: drop every client, leave the quorum, look again.
    pub(crate) fn go_looking(&mut self, cx: &mut Cx) {
        // Leader.shutdown / Learner.shutdown: cnxnFactory.closeAll() closes every client
        // connection, each with its "Closed socket connection" line (a crash prints nothing).
        let clients: Vec<ConnId> = self.cnxns.keys().copied().collect();
        for conn in clients {
            self.server_close_cnxn(cx, conn, "the server stopped serving (closeAll)");
        }
        self.drop_everything(cx);
        self.set_role(cx, Peer::Looking);
        cx.out.push(Effect::LookAgain);
    }

    /// Closes every connection the server has (clients and quorum) and forgets what lives only
    /// in memory: what a crash and a shutdown to LOOKING have in common.
    pub(super) fn drop_everything(&mut self, cx: &mut Cx) {
        cx.out.push(Effect::CloseAll);
        self.reset_volatile();
    }

    pub(super) fn standalone_startup(&mut self, cx: &mut Cx) {
        let (tick, min, max) = (
            cx.cfg.tick_ms,
            cx.cfg.min_session_timeout_ms,
            cx.cfg.max_session_timeout_ms,
        );
        self.tracker_startup(cx, 1);
        self.serving = true;
        cx.out.log(
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
}
