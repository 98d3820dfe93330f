//! `ClientCnxn.SendThread`'s loop: its wake-ups, `to = readTimeout - idleRecv`, the ping rule of
//! the profile, writing queued packets, connecting (the host provider's next host, the random
//! reconnect sleep), and the timeouts that end a connection, 3.9.3's own expiry among them.

use super::*;

impl Client {
    /// `select(to)`: wake the loop at `at_ms` unless an earlier wake-up is already armed (the
    /// loop runs then and reschedules itself).
    pub(super) fn schedule_client_wake(&mut self, cx: &mut Cx, at_ms: u64) {
        if let Some(w) = self.wake_at_ms
            && w <= at_ms
            && w >= cx.now_ms
        {
            return;
        }
        self.wake_at_ms = Some(at_ms);
        cx.out.arm(Timer::ClientWake, at_ms);
    }

    /// No wake-up: the loop has ended (killed, closed, expired).
    pub(super) fn stop_client_wake(&mut self, cx: &mut Cx) {
        self.wake_at_ms = None;
        cx.out.stop(Timer::ClientWake);
    }

    pub(super) fn flush_outgoing(&mut self, cx: &mut Cx) {
        let Some(conn) = self.conn else {
            return;
        };
        let now = cx.now_ms;
        while let Some(mut p) = self.outgoing.pop_front() {
            p.xid = self.xid;
            self.xid += 1;
            self.last_send_ms = now;
            let msg = Msg::Request {
                xid: p.xid,
                req: p.req.clone(),
            };
            self.pending.push_back(p);
            cx.out.send(conn, msg);
        }
    }

    /// One pass of `SendThread.run`'s loop.
    pub(crate) fn client_loop(&mut self, cx: &mut Cx) {
        // Over 80 lines on purpose: one pass of SendThread.run's loop, kept whole so it reads
        // against the Java.
        let now = cx.now_ms;
        if self.killed || !self.state.is_alive() || self.frozen_until_ms.is_some() {
            return;
        }
        match self.phase {
            Phase::Idle => {}
            Phase::NeedConnect => {
                if !cx.profile.close_checked_after_reconnect_sleep && self.closing {
                    // 3.5+: `if (closing) break;` before the next host and its sleep.
                    self.send_loop_gives_up(cx);
                } else if self.is_first_connect
                    && cx.profile.close_checked_after_reconnect_sleep
                    && self.closing
                {
                    // 3.4: no sleep before the first connect, then the same check.
                    self.send_loop_gives_up(cx);
                } else if !self.is_first_connect {
                    // ClientCnxn: Thread.sleep(r.nextInt(1000)) before every reconnect.
                    let r = self.rng.below(1000);
                    self.phase = Phase::Sleeping {
                        until_ms: now + r,
                        then_host: None,
                    };
                    self.schedule_client_wake(cx, now + r);
                } else {
                    self.start_connect(cx);
                }
            }
            Phase::Sleeping {
                until_ms,
                then_host,
            } => {
                if now < until_ms {
                    self.schedule_client_wake(cx, until_ms);
                } else if let Some(h) = then_host {
                    self.open_socket(cx, h);
                } else if cx.profile.close_checked_after_reconnect_sleep && self.closing {
                    // 3.4: "don't re-establish connection if we are closing", checked after the
                    // random reconnect sleep: a close() called while disconnected ends here.
                    self.send_loop_gives_up(cx);
                } else {
                    self.start_connect(cx);
                }
            }
            Phase::TcpConnecting | Phase::AwaitingSession => {
                if self.expires_on_its_own(cx) {
                    self.client_expires_itself(cx);
                    return;
                }
                let idle_recv = now.saturating_sub(self.last_heard_ms);
                // `to = connectTimeout - idleRecv`; 3.9.3+ (ZOOKEEPER-4508) `- idleSend`.
                let since = if cx.profile.client_side_expiry == ClientSideExpiry::Never {
                    self.last_heard_ms
                } else {
                    self.last_send_ms
                };
                let timeout = self.connect_timeout_ms as u64;
                if now.saturating_sub(since) >= timeout {
                    self.client_timed_out(cx, idle_recv);
                } else {
                    self.schedule_client_wake(cx, since + timeout);
                }
            }
            Phase::Connected => {
                if self.expires_on_its_own(cx) {
                    self.client_expires_itself(cx);
                    return;
                }
                let idle_recv = now.saturating_sub(self.last_heard_ms);
                if idle_recv >= self.read_timeout_ms as u64 {
                    self.client_timed_out(cx, idle_recv);
                    return;
                }
                if self.ping_due(cx) {
                    self.send_ping(cx);
                }
                self.flush_outgoing(cx);
                self.client_reschedule(cx);
            }
        }
    }

    /// `SendThread.run` leaves its loop because `closing` is set while no socket is open: the
    /// closeSession never reaches a server. `cleanup()` fails it (and everything queued) with
    /// ConnectionLoss, `close()` returns and `disconnect()` makes the handle CLOSED; the session
    /// and its ephemerals live on the servers until they expire.
    pub(super) fn send_loop_gives_up(&mut self, cx: &mut Cx) {
        let sid = self.session_id;
        let names = cx.profile.send_thread_exit_names_session;
        cx.out.log(EventKind::Note,
            Level::Trace,
            "ClientCnxn",
            move || {
                if names {
                    format!("SendThread exited loop for session: {}", hex(sid))
                } else {
                    "SendThread exitedloop.".to_string()
                }
            },
            || "close() was called while disconnected: the send loop checks `closing` before it reconnects and stops, so the closeSession is never sent. It fails with ConnectionLoss and the session is left to expire on the servers.".into(),
        );
        self.phase = Phase::Idle;
        self.client_cleanup(cx, codes::CONNECTIONLOSS);
    }

    /// `timeToNextPing` as `SendThread.run` computes it on this pass of its loop, from the
    /// idle-send time *now*. Java evaluates the rule only when the loop wakes (its
    /// `selector.select(to)` returns on the timer, a packet read, or a packet queued), so the
    /// value depends on when it is asked: on an idle connection the loop wakes a few ms after
    /// each ping (its reply), sees `idleSend` under a second, and sleeps until
    /// `lastSend + readTimeout/2`; then `idleSend` is over a second and the ping goes. Idle pings
    /// therefore go every readTimeout/2 on every release; ZOOKEEPER-1751's 1000 ms of slack acts
    /// only when something else wakes the loop after a second of send idleness.
    pub(super) fn time_to_next_ping_ms(&self, cx: &Cx) -> i64 {
        let idle_send = cx.now_ms.saturating_sub(self.last_send_ms) as i64;
        let half = (self.read_timeout_ms / 2) as i64;
        match cx.profile.ping_rule {
            PingRule::HalfReadTimeout => half - idle_send,
            PingRule::HalfReadTimeoutWithSlack => {
                half - idle_send - if idle_send > 1000 { 1000 } else { 0 }
            }
        }
    }

    /// `if (timeToNextPing <= 0 || idleSend > MAX_SEND_PING_INTERVAL) sendPing()`.
    pub(super) fn ping_due(&self, cx: &Cx) -> bool {
        let idle_send = cx.now_ms.saturating_sub(self.last_send_ms) as i64;
        if idle_send == 0 {
            // Something was just written: a ping in the same millisecond would be a loop
            // spinning on a timeout of 0 (readTimeout/2 of a few ms); wait a ms instead.
            return false;
        }
        let forced = cx.profile.ping_rule == PingRule::HalfReadTimeoutWithSlack
            && idle_send > MAX_SEND_PING_INTERVAL_MS;
        self.time_to_next_ping_ms(cx) <= 0 || forced
    }

    /// The end of a pass of the loop: `doTransport(to)` with
    /// `to = min(readTimeout - idleRecv, timeToNextPing)`. The new wait replaces whatever wait was
    /// pending, as a new `select(to)` does.
    pub(super) fn client_reschedule(&mut self, cx: &mut Cx) {
        if self.phase != Phase::Connected {
            return;
        }
        let now = cx.now_ms;
        let read_deadline = self.last_heard_ms + self.read_timeout_ms as u64;
        // A wait of a few ms would have the Java loop spin; the simulation waits at least a ms.
        let ping_at = now + self.time_to_next_ping_ms(cx).max(1) as u64;
        let at = read_deadline.min(ping_at).max(now);
        // The new wait replaces the pending one, as a new `select(to)` does.
        self.wake_at_ms = None;
        self.schedule_client_wake(cx, at);
    }

    pub(super) fn send_ping(&mut self, cx: &mut Cx) {
        let Some(conn) = self.conn else {
            return;
        };
        let now = cx.now_ms;
        self.last_send_ms = now;
        self.last_ping_sent_ms = now;
        cx.out.send(
            conn,
            Msg::Request {
                xid: -2,
                req: ClientRequest::Ping,
            },
        );
    }

    /// `startConnect`: CONNECTING, next host (maybe after the spin delay), open the socket.
    pub(super) fn start_connect(&mut self, cx: &mut Cx) {
        self.set_client_state(cx, ClientState::Connecting);
        if self.hosts.is_empty() {
            return;
        }
        let (host, spin) = self.next_host();
        if spin {
            let until = cx.now_ms + 1000;
            self.phase = Phase::Sleeping {
                until_ms: until,
                then_host: Some(host),
            };
            self.schedule_client_wake(cx, until);
        } else {
            self.open_socket(cx, host);
        }
    }

    pub(super) fn open_socket(&mut self, cx: &mut Cx, host: u8) {
        let now = cx.now_ms;
        // logStartConnect: 3.4 and 3.5 append the SASL status; 3.6+ log it on a line of its own.
        let separate_sasl = cx.profile.client_logs_3_6;
        cx.out.log(
            EventKind::Note,
            Level::Info,
            "ClientCnxn",
            move || {
                if separate_sasl {
                    format!("Opening socket connection to server {}.", server_addr(host))
                } else {
                    format!(
                        "Opening socket connection to server {}. {SASL_STATUS}",
                        server_addr(host)
                    )
                }
            },
            || "SendThread.startConnect picked the next host from StaticHostProvider.".into(),
        );
        if separate_sasl {
            cx.out.log(
                EventKind::Note,
                Level::Info,
                "ClientCnxn",
                || format!("SASL config status: {SASL_STATUS}"),
                || "No JAAS configuration: the client connects without SASL.".into(),
            );
        }
        let conn = cx.open(ConnKind::Client, Node::Server(host));
        let keeps_heard = cx.profile.client_side_expiry != ClientSideExpiry::Never;
        self.conn = Some(conn);
        self.server = Some(host);
        self.phase = Phase::TcpConnecting;
        // After startConnect: updateLastSendAndHeard(); 3.9.3+ only updateLastSend(), so the
        // time since a server was last heard keeps growing across failed attempts.
        self.last_send_ms = now;
        if !keeps_heard {
            self.last_heard_ms = now;
        }
        cx.out.send(conn, Msg::Syn);
        // The same pass of the loop goes on to its timeout checks right after startConnect:
        // this is where 3.9.3's expiry finds a client that keeps failing to connect.
        if self.expires_on_its_own(cx) {
            self.client_expires_itself(cx);
            return;
        }
        let at = now + self.connect_timeout_ms as u64;
        self.schedule_client_wake(cx, at);
    }

    /// 3.9.3+ (ZOOKEEPER-4508): `expirationTimeout - idleRecv <= 0`, checked on every pass of
    /// the send loop before the connect or read timeout. 3.9.4 (ZOOKEEPER-4921) checks it only
    /// for a handle that has a session.
    pub(super) fn expires_on_its_own(&self, cx: &Cx) -> bool {
        let applies = match cx.profile.client_side_expiry {
            ClientSideExpiry::Never => false,
            ClientSideExpiry::AnyHandle => true,
            ClientSideExpiry::EstablishedOnly => self.session_id != 0,
        };
        applies
            && cx.now_ms.saturating_sub(self.last_heard_ms)
                >= self.expiration_timeout_ms.max(0) as u64
    }

    /// The client gives up on its session with no server involved: WARN "Client session timed
    /// out", state CLOSED, a SessionTimeoutException that the catch block logs; cleanup fails
    /// every pending call with SESSIONEXPIRED, and after the loop the watcher gets Expired.
    pub(super) fn client_expires_itself(&mut self, cx: &mut Cx) {
        let idle_recv = cx.now_ms.saturating_sub(self.last_heard_ms);
        let thrown = Thrown::SessionTimeout { idle_recv };
        self.log_thrown(cx, &thrown);
        self.set_client_state(cx, ClientState::Closed);
        self.log_caught(cx,
            &thrown,
            "ZOOKEEPER-4508: nothing heard from any server for 4/3 of the session timeout. The client closes the handle itself and tells the watcher Expired; the servers may still hold the session.",
        );
        self.client_cleanup(cx, codes::SESSIONEXPIRED);
        self.phase = Phase::Idle;
        self.wake_at_ms = None;
        cx.out.stop(Timer::ClientWake);
        self.queue_event(cx, "Expired");
        self.event_thread_shutdown(cx);
    }

    pub(super) fn client_timed_out(&mut self, cx: &mut Cx, idle_recv: u64) {
        let thrown = if cx.profile.client_side_expiry == ClientSideExpiry::Never {
            Thrown::SessionTimeout { idle_recv }
        } else {
            // 3.9.3+: a read or connect timeout is a ConnectionTimeoutException, not logged
            // where thrown; "session timed out" now means the client's own expiry.
            Thrown::ConnectionTimeout { idle_recv }
        };
        self.log_thrown(cx, &thrown);
        self.client_caught(cx,
            thrown,
            "SessionTimeoutException: nothing heard for readTimeout (2/3 of the timeout) or connectTimeout while connecting. This is connection loss, not expiry: the client reconnects.",
        );
    }
}
