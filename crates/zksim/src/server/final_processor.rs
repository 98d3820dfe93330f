//! `FinalRequestProcessor`: a committed txn applied to the data tree and the session table on
//! every server, and the reply from the server holding the connection, in order per connection
//! (or the close on SessionMoved, ZOOKEEPER-710); reads served from the local tree.

use super::*;

impl Server {
    /// `ZKDatabase.processTxn` on any server: the txn applied to the tree and the session
    /// table; the leader (or a standalone server) records what it changed.
    pub(super) fn apply_txn(&mut self, cx: &mut Cx, hdr: &TxnHeader, txn: &Txn) -> ApplyResult {
        let res = self.tree.apply(hdr, txn);
        if self.is_leader_like() {
            self.prep.applied(hdr.zxid);
        }
        match txn {
            Txn::CreateSession { timeout_ms } => {
                self.apply_create_session(cx, hdr.session_id, *timeout_ms)
            }
            Txn::CloseSession { .. } => self.apply_close_session(cx, hdr),
            _ => {}
        }
        if self.is_leader_like() {
            self.record_znode_changes(cx, hdr, &res);
        }
        res
    }

    /// A createSession txn: `sessionsWithTimeouts`, and the tracker (see the comment inside on
    /// which releases touch the session again).
    fn apply_create_session(&mut self, cx: &mut Cx, sid: SessionId, timeout_ms: i32) {
        let added = self.db_sessions.insert(sid, timeout_ms).is_none();
        if self.is_leader_like() {
            // 3.4 addSession / 3.5 addGlobalSession touch the session again; 3.6+
            // commitSession only records it in sessionsWithTimeouts (Prep's
            // trackSession queued it). A session this tracker has never seen (a txn
            // recovered from the log) is tracked as the tracker's constructor would.
            let known = self.tracker().is_some_and(|t| t.get(sid).is_some());
            if cx.profile.commit_session_touches || !known {
                let clock = cx.tracker_clock_ms(self);
                let tracked = self
                    .tracker_mut()
                    .map(|t| t.add_session(sid, timeout_ms, clock));
                if let Some(tr) = tracked {
                    self.note_touch(cx, sid, Some(tr.touch));
                }
            }
        } else if let Some(t) = self.touch_table_mut() {
            t.add_session(sid, timeout_ms);
        }
        if added && cx.profile.logs_committing_global_session && self.role() != Role::Standalone {
            cx.out.log(
                EventKind::Note,
                Level::Info,
                if self.is_leader_like() {
                    "LeaderSessionTracker"
                } else {
                    "LearnerSessionTracker"
                },
                move || format!("Committing global session {}", hex(sid)),
                || "processTxn applied the createSession txn: commitSession records the session in sessionsWithTimeouts on every server of the quorum.".into(),
            );
        }
    }

    /// A closeSession txn: the session leaves the table and the tracker (its ephemerals went
    /// with the tree's killSession).
    fn apply_close_session(&mut self, cx: &mut Cx, hdr: &TxnHeader) {
        let sid = hdr.session_id;
        self.db_sessions.remove(&sid);
        if let Some(t) = self.tracker_mut() {
            t.remove_session(sid);
        }
        if let Some(t) = self.touch_table_mut() {
            t.remove_session(sid);
        }
        if self.is_leader_like() {
            cx.out.session(sid, SessionNote::Closed);
            let zxid = hdr.zxid;
            cx.out
                .emit(EventKind::SessionClosed { session: sid, zxid }, move |_| {
                    (
                        None,
                        format!(
                            "The closeSession txn {} was applied: killSession deleted the \
                             session's ephemerals and removeSession dropped it.",
                            hex(zxid)
                        ),
                    )
                });
        }
    }

    /// The znodes a txn created, changed or deleted, as trace events (the data tree view).
    fn record_znode_changes(&mut self, cx: &mut Cx, hdr: &TxnHeader, res: &ApplyResult) {
        for p in &res.created {
            let owner = self
                .tree
                .exists(p)
                .map(|st| st.ephemeral_owner)
                .unwrap_or(0);
            cx.out.emit(
                EventKind::ZnodeCreated {
                    path: p.clone(),
                    zxid: hdr.zxid,
                    ephemeral_owner: owner,
                },
                |_| (None, "DataTree.createNode".into()),
            );
        }
        for p in &res.changed {
            let version = self.tree.exists(p).map(|st| st.version).unwrap_or(0);
            cx.out.emit(
                EventKind::ZnodeChanged {
                    path: p.clone(),
                    zxid: hdr.zxid,
                    version,
                },
                |_| (None, "DataTree.setData".into()),
            );
        }
        for p in &res.deleted {
            cx.out.emit(
                EventKind::ZnodeDeleted {
                    path: p.clone(),
                    zxid: hdr.zxid,
                },
                |_| (None, "DataTree.deleteNode".into()),
            );
        }
    }

    pub(super) fn final_request(
        &mut self,
        cx: &mut Cx,
        hdr: &TxnHeader,
        txn: &Txn,
        res: ApplyResult,
        origin: Origin,
    ) {
        let Origin::Local { conn, xid } = origin else {
            // request.cnxn == null: an expiry or a close from another server closes our
            // connection for that session without a reply.
            if let Txn::CloseSession { .. } = txn {
                let local: Vec<ConnId> = self
                    .cnxns
                    .values()
                    .filter(|c| c.session_id == hdr.session_id)
                    .map(|c| c.conn)
                    .collect();
                for c in local {
                    self.server_close_cnxn(cx, c, "its session was closed");
                }
            }
            return;
        };
        if !self.cnxns.contains_key(&conn) {
            return;
        }
        let zxid = hdr.zxid;
        let state = match txn {
            Txn::CreateSession { .. } => {
                self.finish_session_init(cx, conn, true);
                return;
            }
            Txn::CloseSession { .. } => SlotState::ReplyThenClose { zxid },
            Txn::Error { code } if *code == codes::SESSIONMOVED => SlotState::Moved,
            Txn::Multi(_) => {
                let moved = res.multi.iter().any(|r| r.err == codes::SESSIONMOVED);
                if moved && cx.profile.multi_session_moved_closes {
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
        self.set_slot(conn, xid, state);
        self.flush_slots(cx, conn);
    }

    /// Sends whatever replies are ready at the head of a connection's queue, in order.
    pub(super) fn flush_slots(&mut self, cx: &mut Cx, conn: ConnId) {
        loop {
            let Some(c) = self.cnxns.get_mut(&conn) else {
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
            match slot.state {
                SlotState::Waiting => {}
                SlotState::Read => {
                    let zxid = self.last_zxid();
                    let (err, body) = self.read(&slot.req);
                    cx.out.send(
                        conn,
                        Msg::Reply {
                            xid: slot.xid,
                            zxid,
                            err,
                            body,
                        },
                    );
                }
                SlotState::Reply { zxid, err, body } => {
                    cx.out.send(
                        conn,
                        Msg::Reply {
                            xid: slot.xid,
                            zxid,
                            err,
                            body,
                        },
                    );
                }
                SlotState::ReplyThenClose { zxid } => {
                    cx.out.send(
                        conn,
                        Msg::Reply {
                            xid: slot.xid,
                            zxid,
                            err: codes::OK,
                            body: ReplyBody::None,
                        },
                    );
                    self.server_close_cnxn(cx, conn, "the client closed its session");
                    return;
                }
                SlotState::Moved => {
                    let op = slot.req.type_name();
                    // FinalRequestProcessor's catch (SessionMovedException) prints nothing: it
                    // calls cnxn.sendCloseSession() and returns. The event explains; no log line.
                    cx.out.emit(EventKind::Note, move |_| {
                        (
                            None,
                            format!(
                                "FinalRequestProcessor caught SessionMovedException for {op} on session {}: cnxn.sendCloseSession() closes the connection with no reply (ZOOKEEPER-710). ZooKeeper logs nothing here.",
                                hex(session)
                            ),
                        )
                    });
                    self.server_close_cnxn(cx, conn, "SessionMovedException (ZOOKEEPER-710)");
                    return;
                }
            }
        }
    }

    pub(super) fn read(&self, req: &ClientRequest) -> (Code, ReplyBody) {
        let tree = &self.tree;
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
}
