//! `QuorumPeer`: a server's life and its role. Start and crash, LOOKING / LEADING / FOLLOWING
//! / standalone, the leader election by its outcome (FastLeaderElection: the highest last zxid,
//! then the highest myid, among a live majority that can talk, after the 200 ms finalize wait),
//! and the wall-clock jumps of a server's clock.

use super::*;

impl World {
    pub(crate) fn start_server(&mut self, s: usize) {
        if self.servers[s].is_up() {
            return;
        }
        let node = self.snode(s);
        if self.cfg.standalone {
            self.set_role(s, Peer::Standalone(Standalone::default()));
            self.standalone_startup(s);
        } else {
            self.set_role(s, Peer::Looking);
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
        self.set_role(s, Peer::Down);
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
    pub(super) fn reset_volatile(&mut self, s: usize) {
        let srv = &mut self.servers[s];
        srv.serving = false;
        srv.cnxns.clear();
        srv.prep.clear();
        // What only a role had goes with it, its tracker and timers included; the role itself
        // changes next (set_role).
        match srv.peer {
            Peer::Leading(_) | Peer::Following(_) => srv.peer = Peer::Looking,
            Peer::Standalone(_) => srv.peer = Peer::Standalone(Standalone::default()),
            Peer::Down | Peer::Looking => {}
        }
    }

    /// Enters a role: `peer` is the new state, owning what only that role has.
    pub(super) fn set_role(&mut self, s: usize, peer: Peer) {
        let role = peer.role();
        self.servers[s].peer = peer;
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
        if self.servers.iter().any(|s| s.role() == Role::Looking) {
            self.election_scheduled = true;
            let at = self.now_ms() + self.cfg.election_ms;
            self.schedule(at, Event::ElectionCheck);
        }
    }

    pub(super) fn reachable(&self, a: usize, b: usize) -> bool {
        let (na, nb) = (self.snode(a), self.snode(b));
        !self.net.is_cut(&na, &nb) && !self.net.is_cut(&nb, &na)
    }

    /// FastLeaderElection's outcome for everyone LOOKING.
    pub(crate) fn election_check(&mut self) {
        let looking: Vec<usize> = (0..self.servers.len())
            .filter(|&s| self.servers[s].role() == Role::Looking)
            .collect();
        if looking.is_empty() {
            return;
        }
        let mut decided: Vec<usize> = Vec::new();
        // A server that finds an established leader (with a quorum following it) joins it.
        for &s in &looking {
            let leader = (0..self.servers.len())
                .find(|&l| self.servers[l].role() == Role::Leading && self.reachable(s, l));
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

    pub(super) fn become_leader(&mut self, s: usize, epoch: u32) {
        let now = self.now_ms();
        {
            let srv = &mut self.servers[s];
            srv.epoch = epoch;
            srv.accepted_epoch = epoch;
            srv.zxid_counter = 0;
            srv.serving = false;
        }
        // Thread.sleep(tickTime / 2), at least a millisecond (tickTime 1 would spin).
        let tick_at_ms = now + (self.cfg.tick_ms / 2).max(1);
        self.set_role(s, Peer::Leading(Leading::new(now, tick_at_ms)));
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
        self.arm(s, Timer::LeaderTick, tick_at_ms);
        if self.cfg.quorum == 1 {
            self.leader_startup(s);
        }
    }

    pub(super) fn become_follower(&mut self, s: usize, leader: usize) {
        let now = self.now_ms();
        let node = self.snode(s);
        let lnode = self.snode(leader);
        // The quorum connection is the follower's from the start (opening it records nothing).
        let conn = self.net.open(ConnKind::Quorum, node.clone(), lnode);
        // The socket's read timeout is initLimit ticks while syncing (armed below, once the
        // FOLLOWERINFO is on its way).
        let timeout_at_ms = now + self.cfg.tick_ms * self.cfg.init_limit as u64;
        let following = Following::new(leader, conn, now, timeout_at_ms);
        self.set_role(s, Peer::Following(following));
        self.servers[s].serving = false;
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

    /// Leader or follower shutdown: drop every client, leave the quorum, look again.
    pub(crate) fn go_looking(&mut self, s: usize) {
        // Leader.shutdown / Learner.shutdown: cnxnFactory.closeAll() closes every client
        // connection, each with its "Closed socket connection" line (a crash prints nothing).
        let clients: Vec<ConnId> = self.servers[s].cnxns.keys().copied().collect();
        for conn in clients {
            self.server_close_cnxn(s, conn, "the server stopped serving (closeAll)");
        }
        self.drop_everything(s);
        self.set_role(s, Peer::Looking);
        self.topology_changed();
    }

    /// Closes every connection the server has (clients and quorum) and forgets what lives only
    /// in memory: what a crash and a shutdown to LOOKING have in common.
    pub(super) fn drop_everything(&mut self, s: usize) {
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

    pub(super) fn standalone_startup(&mut self, s: usize) {
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
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Limits, Scenario};
    use crate::server::{Peer, Role};
    use crate::world::World;

    fn ensemble(actions: &str) -> World {
        let json = format!(
            r#"{{"format":1,"version":"3.6","servers":[{{"id":1}},{{"id":2}},{{"id":3}}],
            "clients":[],"actions":[{actions}],"until_ms":20000}}"#
        );
        World::new(&Scenario::from_json(&json, &Limits::NATIVE).unwrap(), false)
    }

    /// QuorumPeer's role owns what only that role has: the leader its LearnerHandlers, each
    /// follower its connection to the leader; leaving the role drops them (Leader.shutdown,
    /// Learner.shutdown), and the next leader starts with none of the old one's handlers.
    #[test]
    fn a_role_owns_its_state_and_loses_it_with_the_role() {
        let mut w = ensemble(r#"{"at_ms":5000,"do":"crash_server","server":3}"#);
        w.run_until(4_000);
        let leader = w.servers.iter().position(|s| s.role() == Role::Leading);
        let leader = leader.expect("an elected leader");
        assert_eq!(w.servers[leader].myid, 3, "highest myid at equal zxids");
        let l = w.servers[leader].leading().unwrap();
        assert_eq!(l.learners.len(), 2);
        let old_handlers = l.handlers_created.clone();
        for (i, s) in w.servers.iter().enumerate() {
            if i != leader {
                let f = s.following().expect("the others follow");
                assert_eq!(f.leader, leader);
                assert!(s.leading().is_none());
            }
        }
        w.run_until(5_001);
        assert!(matches!(w.servers[leader].peer, Peer::Down));
        w.run_until(20_000);
        let new_leader = w
            .servers
            .iter()
            .position(|s| s.role() == Role::Leading)
            .expect("the two left elect a leader");
        let l = w.servers[new_leader].leading().unwrap();
        assert_eq!(l.learners.len(), 1);
        assert!(l.handlers_created.is_disjoint(&old_handlers));
        let other = 3 - new_leader - leader;
        assert_eq!(w.servers[other].following().unwrap().leader, new_leader);
    }
}
