//! `Leader` and its `LearnerHandler`s: serving startup (`LeaderZooKeeperServer.startup`), the
//! tick (pings to learners, the quorum check), learners joining (FOLLOWERINFO, NEWLEADER's ACK),
//! their forwarded requests, syncs and REVALIDATEs, and a handler's socket read timeout.

use super::*;

impl Server {
    pub(super) fn leader_startup(&mut self, cx: &mut Cx) {
        let myid = self.myid as i64;
        self.tracker_startup(cx, myid);
        self.serving = true;
        let handlers: Vec<(ConnId, bool)> = self
            .leading()
            .map(|l| l.learners.values().map(|h| (h.conn, h.synced)).collect())
            .unwrap_or_default();
        for (conn, synced) in handlers {
            if synced {
                cx.out.send(conn, Msg::UpToDate);
            }
        }
        cx.out.log(
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

    /// The leader's ping loop, every tickTime/2 (`Leader.lead`).
    pub(crate) fn leader_tick(&mut self, cx: &mut Cx) {
        let now = cx.now_ms;
        let Some(leading) = self.leading_mut() else {
            return; // unreachable: a leadership that ended took its tick with it
        };
        leading.half_ticks += 1;
        let (half_ticks, lead_start_ms) = (leading.half_ticks, leading.lead_start_ms);
        let conns: Vec<ConnId> = self.learner_conns();
        for conn in conns {
            cx.out.send(
                conn,
                Msg::Ping {
                    touches: Vec::new(),
                },
            );
        }
        let full_tick = half_ticks.is_multiple_of(2);
        if full_tick {
            let tick = cx.cfg.tick_ms;
            let serving = self.serving;
            let limit = if serving {
                cx.cfg.sync_limit
            } else {
                cx.cfg.init_limit
            } as u64
                * tick;
            let synced: Vec<u8> = self
                .leading()
                .into_iter()
                .flat_map(|l| l.learners.values())
                .filter(|h| h.synced && now.saturating_sub(h.last_heard_ms) <= limit)
                .map(|h| cx.peers[h.server])
                .collect();
            let waited_too_long = !serving && now - lead_start_ms > limit;
            if (serving || waited_too_long) && synced.len() + 1 < cx.cfg.quorum {
                let myid = self.myid;
                cx.out.log(
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
                self.go_looking(cx);
                return;
            }
        }
        self.arm(cx, Timer::LeaderTick, now + (cx.cfg.tick_ms / 2).max(1));
    }

    /// `LearnerHandler.run`'s finally: GOODBYE, and `shutdown` takes the handler (and the owner
    /// identity it carried) out of the leader's learners.
    pub(super) fn learner_handler_goodbye(&mut self, cx: &mut Cx, conn: ConnId) {
        let gone = self.leading_mut().and_then(|l| l.learners.remove(&conn));
        if let Some(h) = gone {
            let peer = cx.peers[h.server];
            cx.out.log(
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
    pub(super) fn schedule_learner_read_timeout(&mut self, cx: &mut Cx, conn: ConnId) {
        let Some(h) = self.leading().and_then(|l| l.learners.get(&conn)) else {
            return;
        };
        let limit_ticks = if h.synced {
            cx.cfg.sync_limit
        } else {
            cx.cfg.init_limit
        };
        let at_ms = h.last_heard_ms + cx.cfg.tick_ms * limit_ticks as u64;
        let handler_id = h.handler_id;
        cx.out
            .arm(crate::effect::Timer::LearnerRead { handler_id }, at_ms);
    }

    pub(crate) fn learner_read_timeout(&mut self, cx: &mut Cx, handler_id: u64) {
        let Some((conn, h)) = self
            .leading()
            .into_iter()
            .flat_map(|l| l.learners.iter())
            .find(|(_, h)| h.handler_id == handler_id)
            .map(|(c, h)| (*c, h.clone()))
        else {
            return; // the handler is gone already
        };
        let limit_ticks = if h.synced {
            cx.cfg.sync_limit
        } else {
            cx.cfg.init_limit
        };
        if cx.now_ms < h.last_heard_ms + cx.cfg.tick_ms * limit_ticks as u64 {
            self.schedule_learner_read_timeout(cx, conn);
            return;
        }
        cx.out.log(
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
        self.learner_handler_goodbye(cx, conn);
        cx.out.close_side(conn);
        cx.out.send(conn, Msg::Fin);
    }

    // ----- client sessions -----

    pub(super) fn leader_on_follower_info(&mut self, cx: &mut Cx, conn: ConnId, from: Node) {
        let Node::Server(fid) = from else {
            return;
        };
        if self.leading().is_none() {
            cx.out.close_side(conn);
            cx.out.send(conn, Msg::Fin);
            return;
        }
        let Some(fs) = cx.server_index(fid) else {
            return;
        };
        let h = cx.next_handler_id;
        cx.out.push(Effect::NameHandler {
            id: h,
            name: format!("LearnerHandler(s{fid})#{h}"),
        });
        let now = cx.now_ms;
        let Some(leading) = self.leading_mut() else {
            return;
        };
        leading.handlers_created.insert(h);
        leading.learners.insert(
            conn,
            LearnerHandler {
                handler_id: h,
                server: fs,
                conn,
                synced: false,
                last_heard_ms: now,
            },
        );
        self.schedule_learner_read_timeout(cx, conn);
        let image = DbImage {
            tree: self.tree.clone(),
            sessions: self.db_sessions.clone(),
            last_zxid: self.last_zxid(),
        };
        let epoch = self.epoch;
        cx.out.send(
            conn,
            Msg::NewLeader {
                epoch,
                image: Box::new(image),
            },
        );
        // LearnerHandler.syncFollower queues the proposals still outstanding after the
        // snapshot, so the learner can ACK them and apply them when their COMMIT comes.
        let outstanding: Vec<(TxnHeader, Txn)> = self
            .leading()
            .map(|l| {
                l.proposals
                    .values()
                    .map(|p| (p.hdr, p.txn.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (hdr, txn) in outstanding {
            cx.out.send(conn, Msg::Proposal { hdr, txn });
        }
    }

    pub(super) fn leader_on_ack_new_leader(&mut self, cx: &mut Cx, conn: ConnId) {
        let now = cx.now_ms;
        let Some(h) = self.leading_mut().and_then(|l| l.learners.get_mut(&conn)) else {
            return;
        };
        h.synced = true;
        h.last_heard_ms = now;
        if self.serving {
            cx.out.send(conn, Msg::UpToDate);
        } else {
            let acked = self
                .leading()
                .map_or(0, |l| l.learners.values().filter(|h| h.synced).count());
            if acked + 1 >= cx.cfg.quorum {
                self.leader_startup(cx);
            }
        }
    }

    pub(super) fn leader_on_ack(&mut self, cx: &mut Cx, conn: ConnId, zxid: Zxid) {
        let now = cx.now_ms;
        let Some(leading) = self.leading_mut() else {
            return;
        };
        let Some(h) = leading.learners.get_mut(&conn) else {
            return;
        };
        h.last_heard_ms = now;
        let server = h.server;
        if let Some(p) = leading.proposals.get_mut(&zxid)
            && !p.acks.contains(&server)
        {
            p.acks.push(server);
        }
        self.try_commit(cx);
    }

    pub(super) fn on_quorum_ping(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        touches: Vec<(SessionId, i32)>,
    ) {
        let now = cx.now_ms;
        if let Some(f) = self.following_mut()
            && f.leader_conn == conn
        {
            // Learner.ping: answer with the touch table, swapped for a fresh one.
            f.last_heard_leader_ms = now;
            let touches = self
                .touch_table_mut()
                .map(|t| t.snapshot())
                .unwrap_or_default();
            cx.out.send(conn, Msg::Ping { touches });
            return;
        }
        let Some(h) = self.leading_mut().and_then(|l| l.learners.get_mut(&conn)) else {
            return;
        };
        h.last_heard_ms = now;
        if !self.serving {
            return;
        }
        // LearnerHandler PING: touch every session the learner saw, with no owner check.
        let clock = cx.tracker_clock_ms(self);
        for (id, to) in touches {
            let t = self
                .tracker_mut()
                .map(|t| t.touch_session(id, to, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(cx, id, Some(t));
        }
    }

    pub(super) fn leader_on_learner_request(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        session: SessionId,
        cxid: i32,
        req: ClientRequest,
    ) {
        let Some(h) = self.leading().and_then(|l| l.learners.get(&conn)) else {
            return;
        };
        let owner = Owner::Handler(h.handler_id);
        if !self.serving {
            return;
        }
        if let ClientRequest::Sync(path) = &req {
            self.leader_process_sync(cx, conn, session, cxid, owner, path);
            return;
        }
        self.leader_submit(cx, Origin::Remote, session, cxid, req, Some(owner));
    }

    /// A learner's sync: Prep checks the session, but ProposalRequestProcessor hands a
    /// LearnerSyncRequest to `Leader.processSync` whatever Prep found, so the learner always
    /// answers OK (spec 6.3; ZOOKEEPER-915).
    pub(super) fn leader_process_sync(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        session: SessionId,
        cxid: i32,
        owner: Owner,
        path: &str,
    ) {
        let check = self.tracker_mut().map(|t| t.check_session(session, owner));
        if let Some(Err(e)) = &check {
            let err = KeeperError::new(e.client_code());
            let req = ClientRequest::Sync(path.to_string());
            self.log_user_error(cx, session, cxid, None, &req, &err);
        }
        if let Some(Err(CheckError::Moved { .. })) = check {
            self.note_session_moved(cx, session, "sync", None);
        }
        let last_proposed = self
            .leading()
            .and_then(|l| l.proposals.last_key_value().map(|(z, _)| *z));
        match last_proposed {
            None => {
                cx.out.send(
                    conn,
                    Msg::Sync {
                        session_id: session,
                        cxid,
                    },
                );
            }
            Some(last) => {
                if let Some(l) = self.leading_mut() {
                    l.leader_syncs.push((conn, session, cxid, last));
                }
            }
        }
    }

    pub(super) fn leader_flush_syncs(&mut self, cx: &mut Cx, committed: Zxid) {
        let Some(leading) = self.leading_mut() else {
            return;
        };
        if leading.leader_syncs.is_empty() {
            return;
        }
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut leading.leader_syncs)
            .into_iter()
            .partition(|(_, _, _, z)| *z <= committed);
        leading.leader_syncs = rest;
        for (conn, session, cxid, _) in due {
            cx.out.send(
                conn,
                Msg::Sync {
                    session_id: session,
                    cxid,
                },
            );
        }
    }

    pub(super) fn leader_on_revalidate(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        session: SessionId,
        timeout_ms: i32,
    ) {
        let Some(h) = self.leading().and_then(|l| l.learners.get(&conn)) else {
            return;
        };
        let owner = Owner::Handler(h.handler_id);
        let valid = self.serving && self.touch(cx, session, timeout_ms);
        if valid {
            self.set_owner(cx, session, Some(owner), "LearnerHandler REVALIDATE");
        }
        cx.out.log(
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
        cx.out.send(
            conn,
            Msg::RevalidateReply {
                session_id: session,
                valid,
            },
        );
    }

    // ----- quorum: follower side -----
}
