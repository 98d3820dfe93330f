//! `NIOServerCnxn` and the connection half of `ZooKeeperServer`: accepting a client, reading
//! its packets, `processConnectRequest` (new session or renewal, with `disableRecv` while it is
//! set up), `finishSessionInit`, `submitRequest` (the touch of every packet), and closing.

use super::*;

impl Server {
    pub(crate) fn receive(&mut self, cx: &mut Cx, conn: ConnId, from: Node, msg: Msg) {
        if !self.is_up() {
            if matches!(msg, Msg::Syn) {
                // Nothing listens on the port: the OS refuses the connection.
                cx.out.send(conn, Msg::Rst);
                cx.out.close_side(conn);
            }
            return;
        }
        // The LearnerHandler's socket read returns: its read timeout starts again.
        if !matches!(msg, Msg::Fin) {
            let now = cx.now_ms;
            if let Some(h) = self.leading_mut().and_then(|l| l.learners.get_mut(&conn)) {
                h.last_heard_ms = now;
            }
        }
        match msg {
            Msg::Syn => self.accept(cx, conn, from),
            Msg::Connect {
                last_zxid_seen,
                timeout_ms,
                session_id,
                passwd,
            } => self.process_connect_request(
                cx,
                conn,
                last_zxid_seen,
                timeout_ms,
                session_id,
                passwd,
            ),
            Msg::Request { xid, req } => self.process_packet(cx, conn, xid, req),
            Msg::Fin => self.peer_closed(cx, conn, from),
            Msg::FollowerInfo { .. } => self.leader_on_follower_info(cx, conn, from),
            Msg::NewLeader { epoch, image } => self.follower_on_new_leader(cx, conn, epoch, *image),
            Msg::AckNewLeader => self.leader_on_ack_new_leader(cx, conn),
            Msg::UpToDate => self.follower_on_uptodate(cx, conn),
            Msg::Proposal { hdr, txn } => self.follower_on_proposal(cx, conn, hdr, txn),
            Msg::Ack { zxid } => self.leader_on_ack(cx, conn, zxid),
            Msg::Commit { zxid } => self.follower_on_commit(cx, conn, zxid),
            Msg::Ping { touches } => self.on_quorum_ping(cx, conn, touches),
            Msg::LearnerRequest {
                session_id,
                cxid,
                req,
            } => self.leader_on_learner_request(cx, conn, session_id, cxid, req),
            Msg::Revalidate {
                session_id,
                timeout_ms,
            } => self.leader_on_revalidate(cx, conn, session_id, timeout_ms),
            Msg::RevalidateReply { session_id, valid } => {
                self.follower_on_revalidate_reply(cx, conn, session_id, valid)
            }
            Msg::Sync { session_id, cxid } => self.follower_on_sync(cx, conn, session_id, cxid),
            Msg::SynAck | Msg::Rst | Msg::ConnectResponse { .. } | Msg::Reply { .. } => {}
        }
    }

    pub(super) fn accept(&mut self, cx: &mut Cx, conn: ConnId, from: Node) {
        let Node::Client(client) = from else {
            return;
        };
        self.cnxns.insert(
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
        cx.out.send(conn, Msg::SynAck);
    }

    /// Closes a client connection from the server side, with the log line ZooKeeper prints.
    pub(crate) fn server_close_cnxn(&mut self, cx: &mut Cx, conn: ConnId, why: &'static str) {
        let Some(c) = self.cnxns.remove(&conn) else {
            return;
        };
        let level = cx.profile.closed_socket_log_level;
        let sid = c.session_id;
        cx.out.log(
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
        cx.out.close(conn);
    }

    pub(super) fn peer_closed(&mut self, cx: &mut Cx, conn: ConnId, from: Node) {
        if let Some(c) = self.cnxns.get_mut(&conn)
            && c.state == CnxnState::Establishing
        {
            // processConnectRequest called cnxn.disableRecv(): the selector does not read this
            // socket, so the end of stream waits in the kernel until finishSessionInit.
            c.eof_unread = true;
            let sid = c.session_id;
            cx.out.emit(EventKind::Note, move |_| {
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
        if self.cnxns.contains_key(&conn) {
            let sid = self.cnxns[&conn].session_id;
            let style = cx.profile.server_eof_log;
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
            cx.out.log(
                EventKind::Note,
                level,
                "NIOServerCnxn",
                move || text,
                || "The client closed its socket; the session itself lives on until it expires or is closed.".into(),
            );
            self.server_close_cnxn(cx, conn, "the client closed its end");
            return;
        }
        if self.leader_conn() == Some(conn) {
            cx.out.log(
                EventKind::Note,
                Level::Warn,
                "Follower",
                || "Exception when following the leader java.io.EOFException".into(),
                || "The leader's connection ended: the follower shuts down its server and looks for a leader.".into(),
            );
            cx.out.close_side(conn);
            self.go_looking(cx);
            return;
        }
        let _ = from;
        self.learner_handler_goodbye(cx, conn);
        cx.out.close_side(conn);
    }

    pub(super) fn process_connect_request(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        last_zxid_seen: Zxid,
        timeout_ms: i32,
        session_id: SessionId,
        passwd: crate::ids::Password,
    ) {
        if !self.cnxns.contains_key(&conn) {
            return;
        }
        if !self.serving {
            cx.out.log(
                EventKind::Note,
                Level::Warn,
                "NIOServerCnxn",
                || "Exception causing close of session 0x0 due to java.io.IOException: ZooKeeperServer not running".into(),
                || "A server that is not serving (looking, or syncing) closes client connections.".into(),
            );
            self.server_close_cnxn(cx, conn, "ZooKeeperServer not running");
            return;
        }
        let our_zxid = self.last_zxid();
        if last_zxid_seen > our_zxid {
            cx.out.log(
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
            self.server_close_cnxn(cx, conn, "the client has seen a newer zxid");
            return;
        }
        let (min, max) = (cx.cfg.min_session_timeout_ms, cx.cfg.max_session_timeout_ms);
        let t = timeout_ms.clamp(min, max.max(min));
        if let Some(c) = self.cnxns.get_mut(&conn) {
            c.timeout_ms = t;
            c.state = CnxnState::Establishing;
        }
        if session_id != 0 {
            self.connect_renew(cx, conn, session_id, passwd, t, timeout_ms, last_zxid_seen);
        } else {
            self.connect_new(cx, conn, t, timeout_ms, last_zxid_seen);
        }
    }

    /// A ConnectRequest with a session id: the renewal (`reopenSession`); any other connection
    /// here with that session is closed first. `requested_ms` is what the client asked for (the
    /// line prints it), `t` the negotiated timeout.
    #[allow(clippy::too_many_arguments)] // the ConnectRequest's fields, as Java passes them
    fn connect_renew(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        session_id: SessionId,
        passwd: crate::ids::Password,
        t: i32,
        requested_ms: i32,
        last_zxid_seen: Zxid,
    ) {
        let timeout_ms = requested_ms;
        let level = cx.profile.session_setup_log_level;
        let modern = cx.profile.server_setup_lines_3_5;
        cx.out.log(
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
        let others: Vec<ConnId> = self
            .cnxns
            .values()
            .filter(|c| c.session_id == session_id && c.conn != conn)
            .map(|c| c.conn)
            .collect();
        for o in others {
            self.server_close_cnxn(cx, o, "a newer connection renews its session here");
        }
        if let Some(c) = self.cnxns.get_mut(&conn) {
            c.session_id = session_id;
        }
        self.reopen_session(cx, conn, session_id, passwd, t);
    }

    /// A ConnectRequest with session id 0: `createSession` mints an id and submits the
    /// createSession request (3.5.5+ log the attempt after the id exists, and name it).
    fn connect_new(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        t: i32,
        requested_ms: i32,
        last_zxid_seen: Zxid,
    ) {
        let timeout_ms = requested_ms;
        let level = cx.profile.session_setup_log_level;
        if cx.profile.server_setup_lines_3_5 {
            // 3.5.5+ log the attempt after createSession has minted the id, and name it.
            let Some(id) = self.mint_session(cx, conn, t) else {
                return;
            };
            cx.out.log(
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
            self.submit_request(cx, conn, 0, ClientRequest::CreateSession { timeout_ms: t });
        } else {
            cx.out.log(
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
            if self.mint_session(cx, conn, t).is_some() {
                self.submit_request(cx, conn, 0, ClientRequest::CreateSession { timeout_ms: t });
            }
        }
    }

    /// `ZooKeeperServer.createSession`, its first half: mint an ID and give it to the
    /// connection (the caller then submits the createSession request).
    pub(super) fn mint_session(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        timeout_ms: i32,
    ) -> Option<SessionId> {
        let now_clock = cx.tracker_clock_ms(self);
        let id = if self.is_leader_like() {
            let t = self.tracker_mut()?;
            t.create_session(timeout_ms, now_clock)
        } else {
            let t = self.touch_table_mut()?;
            t.create_session(timeout_ms)
        };
        cx.out.session(id, SessionNote::Minted { timeout_ms });
        let leader = self.is_leader_like();
        cx.out.emit(
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
            self.note_touch(cx, id, None);
        }
        if let Some(c) = self.cnxns.get_mut(&conn) {
            c.session_id = id;
        }
        Some(id)
    }

    /// `ZooKeeperServer.reopenSession`.
    pub(super) fn reopen_session(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        id: SessionId,
        passwd: crate::ids::Password,
        timeout_ms: i32,
    ) {
        if !check_password(id, &passwd) {
            if cx.profile.warns_incorrect_password {
                cx.out.log(
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
            self.finish_session_init(cx, conn, false);
            return;
        }
        if self.is_leader_like() {
            // LeaderZooKeeperServer.revalidateSession: touch, answer, then setOwner(me).
            let clock = cx.tracker_clock_ms(self);
            let touch = self
                .tracker_mut()
                .map(|t| t.touch_session(id, timeout_ms, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(cx, id, Some(touch));
            self.finish_session_init(cx, conn, touch.ok());
            if self.role() == Role::Leading {
                self.set_owner(
                    cx,
                    id,
                    Some(Owner::Me),
                    "LeaderZooKeeperServer.revalidateSession",
                );
            }
        } else {
            cx.out.log(
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
            let leader_conn = self.following_mut().map(|f| {
                f.pending_revalidations.insert(id, conn);
                f.leader_conn
            });
            if let Some(lc) = leader_conn {
                cx.out.send(
                    lc,
                    Msg::Revalidate {
                        session_id: id,
                        timeout_ms,
                    },
                );
            }
        }
    }

    /// `ZooKeeperServer.finishSessionInit`.
    pub(crate) fn finish_session_init(&mut self, cx: &mut Cx, conn: ConnId, valid: bool) {
        let Some(c) = self.cnxns.get(&conn) else {
            return;
        };
        let (id, t) = (c.session_id, c.timeout_ms);
        if valid {
            if let Some(c) = self.cnxns.get_mut(&conn) {
                c.state = CnxnState::Established;
            }
            cx.out.send(
                conn,
                Msg::ConnectResponse {
                    timeout_ms: t,
                    session_id: id,
                    passwd: generate_password(id),
                },
            );
            let level = cx.profile.session_setup_log_level;
            cx.out.log(
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
            self.flush_slots(cx, conn);
            // enableRecv(): now the server reads what waited, the client's end of stream too.
            if let Some(c) = self.cnxns.get(&conn)
                && c.eof_unread
            {
                let client = Node::Client(c.client as u32);
                self.peer_closed(cx, conn, client);
            }
        } else {
            cx.out.send(
                conn,
                Msg::ConnectResponse {
                    timeout_ms: 0,
                    session_id: 0,
                    passwd: [0; 16],
                },
            );
            cx.out.log(
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
            if cx.profile.invalid_session_reads_client_eof {
                // 3.4.5 calls enableRecv() for an invalid session too: its selector reads the
                // client's end of stream (the client closes on timeout 0) before it acts on
                // the queued close, so it logs the end of stream, then the close.
                if let Some(c) = self.cnxns.get_mut(&conn) {
                    c.state = CnxnState::Established;
                }
                return;
            }
            self.server_close_cnxn(cx, conn, "the session is invalid");
        }
    }

    /// `NIOServerCnxn` read a request packet: `ZooKeeperServer.processPacket` + `submitRequest`.
    pub(super) fn process_packet(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        xid: i32,
        req: ClientRequest,
    ) {
        let Some(c) = self.cnxns.get(&conn) else {
            return;
        };
        if c.state != CnxnState::Established {
            return;
        }
        self.submit_request(cx, conn, xid, req);
    }

    pub(super) fn submit_request(
        &mut self,
        cx: &mut Cx,
        conn: ConnId,
        xid: i32,
        req: ClientRequest,
    ) {
        let Some(c) = self.cnxns.get(&conn) else {
            return;
        };
        let (id, timeout) = (c.session_id, c.timeout_ms);
        if !self.touch(cx, id, timeout) {
            let modern = cx.profile.server_setup_lines_3_5;
            cx.out.log(
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
        if !is_create && let Some(c) = self.cnxns.get_mut(&conn) {
            c.slots.push_back(Slot {
                xid,
                req: req.clone(),
                state: SlotState::Waiting,
            });
        }
        if self.is_leader_like() {
            // processPacket sets owner `me` on every request; a createSession carries none.
            let owner = if is_create { None } else { Some(Owner::Me) };
            self.leader_submit(cx, Origin::Local { conn, xid }, id, xid, req, owner);
        } else if req.is_forwarded() {
            // FollowerRequestProcessor: forward to the leader; CommitProcessor waits for the
            // commit (or, for a sync, for the leader's SYNC).
            let is_sync = matches!(req, ClientRequest::Sync(_));
            let leader_conn = self.following_mut().map(|f| {
                if is_sync {
                    f.pending_syncs.push_back((id, xid, conn));
                } else {
                    f.pending_local.push_back((id, xid, conn));
                }
                f.leader_conn
            });
            if let Some(lc) = leader_conn {
                cx.out.send(
                    lc,
                    Msg::LearnerRequest {
                        session_id: id,
                        cxid: xid,
                        req,
                    },
                );
            }
        } else {
            // Reads and pings stay local on a learner and are never owner-checked.
            self.set_slot(conn, xid, SlotState::Read);
            self.flush_slots(cx, conn);
        }
    }

    pub(super) fn set_slot(&mut self, conn: ConnId, xid: i32, state: SlotState) {
        if let Some(c) = self.cnxns.get_mut(&conn)
            && let Some(slot) = c
                .slots
                .iter_mut()
                .find(|sl| sl.xid == xid && matches!(sl.state, SlotState::Waiting))
        {
            slot.state = state;
        }
    }
}
