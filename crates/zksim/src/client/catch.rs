//! `SendThread.run`'s catch block: what each thrown exception prints (per release line), and the
//! cleanup after it (`cleanup()` fails every pending packet with ConnectionLoss, Disconnected is
//! queued, and the loop goes on to reconnect unless the handle is closing).

use super::*;

impl Client {
    /// The message of an exception `SendThread.run` catches, as Java builds it.
    pub(super) fn thrown_message(&self, cx: &Cx, thrown: &Thrown) -> String {
        let sid = self.session_id;
        match thrown {
            Thrown::SessionTimeout { idle_recv } => {
                let label = if cx.profile.client_logs_3_6 {
                    "session id"
                } else {
                    "sessionid"
                };
                format!(
                    "Client session timed out, have not heard from server in {idle_recv}ms for {label} {}",
                    hex(sid)
                )
            }
            Thrown::ConnectionTimeout { idle_recv } => format!(
                "Client connection timed out, have not heard from server in {idle_recv}ms for session id {}",
                hex(sid)
            ),
            Thrown::SessionExpired => format!(
                "Unable to reconnect to ZooKeeper service, session {} has expired",
                hex(sid)
            ),
            Thrown::EndOfStream => format!(
                "Unable to read additional data from server sessionid {}, likely server has closed socket",
                hex(sid)
            ),
            Thrown::ConnectRefused => "Connection refused".to_string(),
            Thrown::Io(text) => text.clone(),
        }
    }

    /// 3.4.14+ WARN a session timeout or expiry where they throw it, before the catch block
    /// logs it again ("warnInfo").
    pub(super) fn log_thrown(&mut self, cx: &mut Cx, thrown: &Thrown) {
        if !cx.profile.client_warns_on_session_timeout
            || !matches!(
                thrown,
                Thrown::SessionTimeout { .. } | Thrown::SessionExpired
            )
        {
            return;
        }
        let text = self.thrown_message(cx, thrown);
        cx.out.log(EventKind::Note,
            Level::Warn,
            "ClientCnxn",
            move || text,
            || "Logged where the exception is thrown; the send loop's catch block logs it once more.".into(),
        );
    }

    /// The catch block of `SendThread.run`: its log line for what was thrown, per release. 3.4.5
    /// and 3.4.6 log the session and socket exceptions at INFO with a suffix and anything else as
    /// an "unexpected error" WARN; 3.4.14 and 3.5.x add an INFO for socket errors; 3.6+ WARN
    /// every exception alike. An exception's text follows the message as log4j prints its first
    /// line, the exception's `toString()`: class name, a colon and its message
    /// (`EndOfStreamException` overrides it to drop the package).
    pub(super) fn log_caught(&mut self, cx: &mut Cx, thrown: &Thrown, explain: &'static str) {
        let msg = self.thrown_message(cx, thrown);
        let sid = hex(self.session_id);
        let addr = server_addr(self.server.unwrap_or(0));
        let class = thrown.java_class();
        let (level, text) = if cx.profile.client_logs_3_6 {
            let or_timeout = if cx.profile.client_side_expiry == ClientSideExpiry::Never {
                ""
            } else {
                " or SessionTimeoutException"
            };
            (
                Level::Warn,
                format!(
                    "Session {sid} for server {addr}, Closing socket connection. Attempting reconnect except it is a SessionExpiredException{or_timeout}. {class}: {msg}"
                ),
            )
        } else {
            match thrown {
                Thrown::SessionExpired => {
                    (Level::Info, format!("{msg}, closing socket connection"))
                }
                Thrown::SessionTimeout { .. }
                | Thrown::ConnectionTimeout { .. }
                | Thrown::EndOfStream => (Level::Info, format!("{msg}{RETRY_CONN_MSG}")),
                Thrown::ConnectRefused if cx.profile.client_logs_socket_error => {
                    (Level::Info, format!("Socket error occurred: {addr}: {msg}"))
                }
                Thrown::ConnectRefused | Thrown::Io(_) => (
                    Level::Warn,
                    format!(
                        "Session {sid} for server {addr}, unexpected error{RETRY_CONN_MSG} {class}: {msg}"
                    ),
                ),
            }
        };
        cx.out.log(
            EventKind::Note,
            level,
            "ClientCnxn",
            move || text,
            move || explain.into(),
        );
    }

    /// Something thrown inside the send loop: its catch block logs it, cleans up (every pending
    /// call fails with ConnectionLoss), queues Disconnected and reconnects.
    pub(super) fn client_caught(&mut self, cx: &mut Cx, thrown: Thrown, explain: &'static str) {
        self.log_caught(cx, &thrown, explain);
        self.after_caught(cx);
    }

    /// The rest of the catch block: `cleanup()`, Disconnected, then reconnect.
    pub(super) fn after_caught(&mut self, cx: &mut Cx) {
        self.client_cleanup(cx, codes::CONNECTIONLOSS);
        if !self.state.is_alive() {
            // cleanup failed a pending close(): the handle is CLOSED and the loop ends.
            return;
        }
        self.queue_event(cx, "Disconnected");
        self.phase = Phase::NeedConnect;
        self.client_loop(cx);
    }

    /// `ClientCnxn.cleanup`: close the socket, fail every pending and queued packet.
    pub(super) fn client_cleanup(&mut self, cx: &mut Cx, code_if_alive: Code) {
        if let Some(conn) = self.conn.take() {
            cx.out.close(conn);
        }
        let code = if self.state.is_alive() {
            code_if_alive
        } else {
            codes::SESSIONEXPIRED
        };
        let mut failed: Vec<Packet> = self.pending.drain(..).collect();
        failed.extend(self.outgoing.drain(..));
        for p in failed {
            self.finish_op(cx, p.op, code, Vec::new());
            if let Some(Recipe::Close) = p.recipe {
                self.client_disconnect(cx);
            }
        }
    }

    /// `ClientCnxn.disconnect` after `close()`: CLOSED, socket closed, EventThread ends.
    pub(super) fn client_disconnect(&mut self, cx: &mut Cx) {
        if !self.state.is_alive() {
            return;
        }
        self.set_client_state(cx, ClientState::Closed);
        if let Some(conn) = self.conn.take() {
            cx.out.close(conn);
        }
        self.phase = Phase::Idle;
        self.stop_client_wake(cx);
        let sid = self.session_id;
        cx.out.log(
            EventKind::Note,
            Level::Info,
            "ZooKeeper",
            move || format!("Session: {} closed", hex(sid)),
            || "ZooKeeper.close(): closeSession answered, the handle is CLOSED.".into(),
        );
        let rest: Vec<Packet> = self.pending.drain(..).collect();
        for p in rest {
            self.finish_op(cx, p.op, codes::SESSIONEXPIRED, Vec::new());
        }
        self.event_thread_shutdown(cx);
        if cx.profile.closed_event_after_loop {
            self.queue_event(cx, "Closed");
        }
    }
}
