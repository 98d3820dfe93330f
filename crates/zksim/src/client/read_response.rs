//! `SendThread.readResponse` and `onConnected`: what the client does with each packet from the
//! server (a ConnectResponse, a ping's answer, a reply matched to its pending packet) and with
//! the end of stream.

use super::*;

impl Client {
    pub(crate) fn client_receive(&mut self, cx: &mut Cx, conn: ConnId, msg: Msg) {
        if self.conn != Some(conn) || self.killed {
            return;
        }
        if self.frozen_until_ms.is_some() {
            self.inbox.push_back((conn, msg));
            return;
        }
        self.client_handle(cx, msg);
    }

    pub(super) fn client_handle(&mut self, cx: &mut Cx, msg: Msg) {
        match msg {
            Msg::SynAck => self.on_socket_connected(cx),
            Msg::Rst => self.client_caught(cx,
                Thrown::ConnectRefused,
                "Nothing listens on that port (the server is down): the connect fails at once.",
            ),
            Msg::Fin => self.client_caught(cx,
                Thrown::EndOfStream,
                "End of stream: the server closed the socket. Pending calls get ConnectionLoss (-4); the client reconnects.",
            ),
            Msg::ConnectResponse {
                timeout_ms,
                session_id,
                passwd,
            } => {
                if self.phase != Phase::AwaitingSession {
                    return;
                }
                self.last_heard_ms = cx.now_ms;
                self.on_connected(cx, timeout_ms, session_id, passwd);
            }
            Msg::Reply {
                xid,
                zxid,
                err,
                body,
            } => self.read_reply(cx, xid, zxid, err, body),
            _ => {}
        }
    }

    /// The TCP connect completed: `primeConnection` sends the ConnectRequest first.
    fn on_socket_connected(&mut self, cx: &mut Cx) {
        let now = cx.now_ms;
        if self.phase != Phase::TcpConnecting {
            return;
        }
        let host = self.server.unwrap_or(0);
        let both_ends = cx.profile.client_socket_lines_3_5;
        let conn = self.conn;
        cx.out.log(EventKind::Note,
            Level::Info,
            "ClientCnxn",
            move || {
                if both_ends {
                    let local = conn.map(socket_local_addr).unwrap_or_default();
                    format!(
                        "Socket connection established, initiating session, client: {local}, server: {}",
                        server_addr(host)
                    )
                } else {
                    format!(
                        "Socket connection established to {}, initiating session",
                        socket_remote_addr(host)
                    )
                }
            },
            || {
                "primeConnection: the ConnectRequest goes first in the outgoing queue."
                    .into()
            },
        );
        self.is_first_connect = false;
        self.last_send_ms = now;
        self.last_heard_ms = now;
        self.phase = Phase::AwaitingSession;
        let msg = Msg::Connect {
            last_zxid_seen: self.last_zxid,
            timeout_ms: self.requested_timeout_ms,
            session_id: if self.seen_rw_server_before {
                self.session_id
            } else {
                0
            },
            passwd: self.passwd,
        };
        if let Some(conn) = self.conn {
            cx.out.send(conn, msg);
        }
    }

    /// `readResponse` for a reply: a ping's answer (xid -2), or the answer to the oldest pending
    /// packet (anything else is "Xid out of order" and resets the connection).
    fn read_reply(
        &mut self,
        cx: &mut Cx,
        xid: i32,
        zxid: crate::datatree::Zxid,
        err: Code,
        body: ReplyBody,
    ) {
        let now = cx.now_ms;
        if self.phase != Phase::Connected {
            return;
        }
        self.last_heard_ms = now;
        if xid == -2 {
            let sid = self.session_id;
            let after = now.saturating_sub(self.last_ping_sent_ms);
            let modern = cx.profile.client_logs_3_6;
            cx.out.log(
                EventKind::Note,
                Level::Debug,
                "ClientCnxn",
                move || {
                    if modern {
                        format!(
                            "Got ping response for session id: {} after {after}ms.",
                            hex(sid)
                        )
                    } else {
                        format!(
                            "Got ping response for sessionid: {} after {after}ms",
                            hex(sid)
                        )
                    }
                },
                || "readResponse: a reply with xid -2 answers a ping; nothing waits for it.".into(),
            );
            self.client_loop(cx);
            return;
        }
        let front = self.pending.front().map(|p| p.xid);
        if front != Some(xid) {
            let expected = front.unwrap_or(0);
            self.client_caught(
                cx,
                Thrown::Io(format!(
                    "Xid out of order. Got Xid {xid} with err {err} expected Xid {expected}"
                )),
                "Replies must come in request order; anything else resets the connection.",
            );
            return;
        }
        let Some(p) = self.pending.pop_front() else {
            return;
        };
        if zxid > 0 {
            self.last_zxid = zxid;
        }
        let (code, results) = match (&body, err) {
            (ReplyBody::Multi(rs), codes::OK) => {
                let codes: Vec<Code> = rs.iter().map(|(c, _)| *c).collect();
                let first = codes
                    .iter()
                    .copied()
                    .find(|c| *c != codes::OK)
                    .unwrap_or(codes::OK);
                (first, codes)
            }
            _ => (err, Vec::new()),
        };
        self.finish_op(cx, p.op, code, results);
        if let Some(r) = p.recipe {
            self.continue_recipe(cx, r, code);
        }
        self.client_loop(cx);
    }

    /// `SendThread.onConnected`.
    pub(super) fn on_connected(
        &mut self,
        cx: &mut Cx,
        timeout_ms: i32,
        session_id: SessionId,
        passwd: Password,
    ) {
        if timeout_ms <= 0 {
            // onConnected stores the answer's timeout before it looks at it:
            // getSessionTimeout() is 0 from now on (conformance against ZooKeeper 3.8).
            self.negotiated_timeout_ms = timeout_ms;
            self.set_client_state(cx, ClientState::Closed);
            self.queue_event(cx, "Expired");
            let thrown = Thrown::SessionExpired;
            self.log_thrown(cx, &thrown);
            let explain = "onConnected got timeout <= 0: the session is gone. State CLOSED, an Expired event, and every call from now on fails with SESSIONEXPIRED (-112). Only a new handle helps.";
            self.log_caught(cx, &thrown, explain);
            self.client_cleanup(cx, codes::SESSIONEXPIRED);
            self.phase = Phase::Idle;
            self.event_thread_shutdown(cx);
            // 3.6's SendThread queues Closed after its loop, but onConnected already queued the
            // EventThread's event of death: the Closed event is never delivered (a real 3.8
            // client showed it 0 times in 60 expiries). An explicit close() does deliver it.
            return;
        }
        let n = self.hosts.len().max(1) as i32;
        {
            self.negotiated_timeout_ms = timeout_ms;
            self.read_timeout_ms = timeout_ms * 2 / 3;
            self.connect_timeout_ms = timeout_ms / n;
            self.expiration_timeout_ms = timeout_ms * 4 / 3;
            self.last_index = self.current_index;
            self.session_id = session_id;
            self.passwd = passwd;
            self.seen_rw_server_before = true;
            self.phase = Phase::Connected;
        }
        self.set_client_state(cx, ClientState::Connected);
        let host = self.server.unwrap_or(0);
        let modern = cx.profile.client_logs_3_6;
        let remote = if cx.profile.client_socket_lines_3_5 {
            server_addr(host)
        } else {
            socket_remote_addr(host)
        };
        cx.out.log(EventKind::Note,
            Level::Info,
            "ClientCnxn",
            move || {
                let label = if modern { "session id" } else { "sessionid" };
                format!(
                    "Session establishment complete on server {remote}, {label} = {}, negotiated timeout = {timeout_ms}",
                    hex(session_id)
                )
            },
            move || {
                format!(
                    "onConnected: readTimeout = {} ms (2/3 of {timeout_ms}), connectTimeout = {} ms ({timeout_ms}/{n} hosts).",
                    timeout_ms * 2 / 3,
                    timeout_ms / n
                )
            },
        );
        self.queue_event(cx, "SyncConnected");
        self.flush_outgoing(cx);
        self.client_reschedule(cx);
    }
}
