//! `SendThread.readResponse` and `onConnected`: what the client does with each packet from the
//! server (a ConnectResponse, a ping's answer, a reply matched to its pending packet) and with
//! the end of stream.

use super::*;

impl World {
    pub(crate) fn client_receive(&mut self, c: usize, conn: ConnId, msg: Msg) {
        if self.clients[c].conn != Some(conn) || self.clients[c].killed {
            return;
        }
        if self.clients[c].frozen_until_ms.is_some() {
            self.clients[c].inbox.push_back((conn, msg));
            return;
        }
        self.client_handle(c, msg);
    }

    pub(super) fn client_handle(&mut self, c: usize, msg: Msg) {
        match msg {
            Msg::SynAck => self.on_socket_connected(c),
            Msg::Rst => self.client_caught(
                c,
                Thrown::ConnectRefused,
                "Nothing listens on that port (the server is down): the connect fails at once.",
            ),
            Msg::Fin => self.client_caught(
                c,
                Thrown::EndOfStream,
                "End of stream: the server closed the socket. Pending calls get ConnectionLoss (-4); the client reconnects.",
            ),
            Msg::ConnectResponse {
                timeout_ms,
                session_id,
                passwd,
            } => {
                if self.clients[c].phase != Phase::AwaitingSession {
                    return;
                }
                self.clients[c].last_heard_ms = self.now_ms();
                self.on_connected(c, timeout_ms, session_id, passwd);
            }
            Msg::Reply {
                xid,
                zxid,
                err,
                body,
            } => self.read_reply(c, xid, zxid, err, body),
            _ => {}
        }
    }

    /// The TCP connect completed: `primeConnection` sends the ConnectRequest first.
    fn on_socket_connected(&mut self, c: usize) {
        let now = self.now_ms();
        if self.clients[c].phase != Phase::TcpConnecting {
            return;
        }
        let host = self.clients[c].server.unwrap_or(0);
        let node = self.cnode(c);
        let both_ends = self.cprofile(c).client_socket_lines_3_5;
        let local = self.clients[c]
            .conn
            .map(socket_local_addr)
            .unwrap_or_default();
        self.log(
            node.clone(),
            EventKind::Note,
            Level::Info,
            "ClientCnxn",
            move || {
                if both_ends {
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
        let cl = &mut self.clients[c];
        cl.is_first_connect = false;
        cl.last_send_ms = now;
        cl.last_heard_ms = now;
        cl.phase = Phase::AwaitingSession;
        let msg = Msg::Connect {
            last_zxid_seen: cl.last_zxid,
            timeout_ms: cl.requested_timeout_ms,
            session_id: if cl.seen_rw_server_before {
                cl.session_id
            } else {
                0
            },
            passwd: cl.passwd,
        };
        if let Some(conn) = cl.conn {
            self.send(conn, node, msg);
        }
    }

    /// `readResponse` for a reply: a ping's answer (xid -2), or the answer to the oldest pending
    /// packet (anything else is "Xid out of order" and resets the connection).
    fn read_reply(
        &mut self,
        c: usize,
        xid: i32,
        zxid: crate::datatree::Zxid,
        err: Code,
        body: ReplyBody,
    ) {
        let now = self.now_ms();
        if self.clients[c].phase != Phase::Connected {
            return;
        }
        self.clients[c].last_heard_ms = now;
        if xid == -2 {
            let sid = self.clients[c].session_id;
            let after = now.saturating_sub(self.clients[c].last_ping_sent_ms);
            let modern = self.cprofile(c).client_logs_3_6;
            let node = self.cnode(c);
            self.log(
                node,
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
            self.client_loop(c);
            return;
        }
        let front = self.clients[c].pending.front().map(|p| p.xid);
        if front != Some(xid) {
            let expected = front.unwrap_or(0);
            self.client_caught(
                c,
                Thrown::Io(format!(
                    "Xid out of order. Got Xid {xid} with err {err} expected Xid {expected}"
                )),
                "Replies must come in request order; anything else resets the connection.",
            );
            return;
        }
        let Some(p) = self.clients[c].pending.pop_front() else {
            return;
        };
        if zxid > 0 {
            self.clients[c].last_zxid = zxid;
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
        self.finish_op(c, p.op, code, results);
        if let Some(r) = p.recipe {
            self.continue_recipe(c, r, code);
        }
        self.client_loop(c);
    }

    /// `SendThread.onConnected`.
    pub(super) fn on_connected(
        &mut self,
        c: usize,
        timeout_ms: i32,
        session_id: SessionId,
        passwd: Password,
    ) {
        let node = self.cnode(c);
        if timeout_ms <= 0 {
            // onConnected stores the answer's timeout before it looks at it:
            // getSessionTimeout() is 0 from now on (conformance against ZooKeeper 3.8).
            self.clients[c].negotiated_timeout_ms = timeout_ms;
            self.set_client_state(c, ClientState::Closed);
            self.queue_event(c, "Expired");
            let thrown = Thrown::SessionExpired;
            self.log_thrown(c, &thrown);
            let explain = "onConnected got timeout <= 0: the session is gone. State CLOSED, an Expired event, and every call from now on fails with SESSIONEXPIRED (-112). Only a new handle helps.";
            self.log_caught(c, &thrown, explain);
            self.client_cleanup(c, codes::SESSIONEXPIRED);
            self.clients[c].phase = Phase::Idle;
            self.event_thread_shutdown(c);
            // 3.6's SendThread queues Closed after its loop, but onConnected already queued the
            // EventThread's event of death: the Closed event is never delivered (a real 3.8
            // client showed it 0 times in 60 expiries). An explicit close() does deliver it.
            return;
        }
        let n = self.clients[c].hosts.len().max(1) as i32;
        {
            let cl = &mut self.clients[c];
            cl.negotiated_timeout_ms = timeout_ms;
            cl.read_timeout_ms = timeout_ms * 2 / 3;
            cl.connect_timeout_ms = timeout_ms / n;
            cl.expiration_timeout_ms = timeout_ms * 4 / 3;
            cl.last_index = cl.current_index;
            cl.session_id = session_id;
            cl.passwd = passwd;
            cl.seen_rw_server_before = true;
            cl.phase = Phase::Connected;
        }
        self.set_client_state(c, ClientState::Connected);
        let host = self.clients[c].server.unwrap_or(0);
        let modern = self.cprofile(c).client_logs_3_6;
        let remote = if self.cprofile(c).client_socket_lines_3_5 {
            server_addr(host)
        } else {
            socket_remote_addr(host)
        };
        self.log(
            node,
            EventKind::Note,
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
        self.queue_event(c, "SyncConnected");
        self.flush_outgoing(c);
        self.client_reschedule(c);
    }
}
