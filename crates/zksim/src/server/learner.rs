//! `Learner` / `Follower`: syncing with a new leader (NEWLEADER, UPTODATE), proposals and
//! commits from it, REVALIDATE answers, syncs, and the follower's own timeout when the leader
//! falls silent (`syncLimit` ticks).

use super::*;

impl Server {
    pub(super) fn schedule_follower_timeout(&mut self, cx: &mut Cx, limit_ticks: u32) {
        let Some(f) = self.following() else {
            return;
        };
        let at_ms = f.last_heard_leader_ms + cx.cfg.tick_ms * limit_ticks as u64;
        self.arm(cx, Timer::FollowerTimeout, at_ms);
    }

    pub(crate) fn follower_timeout(&mut self, cx: &mut Cx) {
        let limit = if self.serving {
            cx.cfg.sync_limit
        } else {
            cx.cfg.init_limit
        };
        let Some(f) = self.following() else {
            return; // unreachable: a following that ended took its timeout with it
        };
        let deadline = f.last_heard_leader_ms + cx.cfg.tick_ms * limit as u64;
        if cx.now_ms < deadline {
            self.schedule_follower_timeout(cx, limit);
            return;
        }
        cx.out.log(
            EventKind::Note,
            Level::Warn,
            "Follower",
            || "Exception when following the leader java.net.SocketTimeoutException: Read timed out".into(),
            || "The learner heard nothing from the leader for syncLimit ticks and gives up.".into(),
        );
        self.go_looking(cx);
    }

    /// A packet from the leader on this learner's quorum connection: it counts for the
    /// socket's read timeout. Anything on another (older) connection is ignored.
    pub(super) fn heard_from_leader(&mut self, cx: &mut Cx, conn: ConnId) -> bool {
        let now = cx.now_ms;
        match self.following_mut() {
            Some(f) if f.leader_conn == conn => {
                f.last_heard_leader_ms = now;
                true
            }
            _ => false,
        }
    }

    pub(super) fn follower_on_sync(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        session: SessionId,
        cxid: i32,
    ) {
        if !self.heard_from_leader(cx, conn) {
            return;
        }
        let Some(f) = self.following_mut() else {
            return;
        };
        let Some(pos) = f
            .pending_syncs
            .iter()
            .position(|&(sid, x, _)| sid == session && x == cxid)
        else {
            return;
        };
        let Some((_, xid, c)) = f.pending_syncs.remove(pos) else {
            return;
        };
        let zxid = self.last_zxid();
        self.set_slot(
            c,
            xid,
            SlotState::Reply {
                zxid,
                err: codes::OK,
                body: ReplyBody::None,
            },
        );
        self.flush_slots(cx, c);
    }

    pub(super) fn follower_on_new_leader(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        epoch: u32,
        image: DbImage,
    ) {
        if !self.heard_from_leader(cx, conn) {
            return;
        }
        self.tree = image.tree;
        self.db_sessions = image.sessions;
        // A SNAP replaces the whole history, including anything logged on the side.
        self.logged.clear();
        self.epoch = epoch;
        self.accepted_epoch = epoch;
        // Learner.syncWithLeader: zk.createSessionTracker() seeds a fresh touch table.
        let clock = cx.tracker_clock_ms(self);
        let myid = self.myid as i64;
        let first = seed_session_id(cx.profile, myid, clock);
        let mut table = LearnerTouchTable::new(first);
        for (id, to) in &self.db_sessions {
            table.add_session(*id, *to);
        }
        let _ = table.snapshot();
        if let Some(f) = self.following_mut() {
            f.touch = Some(table);
        }
        cx.out.emit(
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
        cx.out.send(conn, Msg::AckNewLeader);
    }

    pub(super) fn follower_on_uptodate(&mut self, cx: &mut Cx, conn: ConnId) {
        if !self.heard_from_leader(cx, conn) {
            return;
        }
        self.serving = true;
        // From now on the socket's read timeout is syncLimit ticks (initLimit while syncing):
        // re-arming replaces the initLimit deadline.
        self.schedule_follower_timeout(cx, cx.cfg.sync_limit);
        cx.out.log(
            EventKind::Note,
            Level::Info,
            "Learner",
            || "Learner received UPTODATE message".into(),
            || "The follower is in sync and starts serving clients.".into(),
        );
    }

    pub(super) fn follower_on_proposal(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        hdr: TxnHeader,
        txn: Txn,
    ) {
        if !self.heard_from_leader(cx, conn) {
            return;
        }
        let zxid = hdr.zxid;
        self.logged.insert(zxid, (hdr, txn));
        cx.out.send(conn, Msg::Ack { zxid });
    }

    pub(super) fn follower_on_commit(&mut self, cx: &mut Cx, conn: ConnId, zxid: Zxid) {
        if !self.heard_from_leader(cx, conn) {
            return;
        }
        let Some((hdr, txn)) = self.logged.remove(&zxid) else {
            return;
        };
        // CommitProcessor: a commit matching the head of our pending requests is ours to answer.
        let pending = self.following_mut().map(|f| &mut f.pending_local);
        let origin = match pending {
            Some(p) => match p.front() {
                Some(&(sid, cxid, c)) if sid == hdr.session_id && cxid == hdr.cxid => {
                    p.pop_front();
                    Origin::Local { conn: c, xid: cxid }
                }
                _ => Origin::Remote,
            },
            None => Origin::Remote,
        };
        let res = self.apply_txn(cx, &hdr, &txn);
        // 3.6+ FinalRequestProcessor sees -118 inside a multi on followers too (ZOOKEEPER-2886).
        self.final_request(cx, &hdr, &txn, res, origin);
    }

    pub(super) fn follower_on_revalidate_reply(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        session: SessionId,
        valid: bool,
    ) {
        if !self.heard_from_leader(cx, conn) {
            return;
        }
        let waiting = self
            .following_mut()
            .and_then(|f| f.pending_revalidations.remove(&session));
        match waiting {
            None => {
                cx.out.log(
                    EventKind::Note,
                    Level::Warn,
                    "Learner",
                    move || format!("Missing session {} for validation", hex(session)),
                    || "Learner.revalidate: no connection is waiting for this answer.".into(),
                );
            }
            Some(c) => self.finish_session_init(cx, c, valid),
        }
    }
}
