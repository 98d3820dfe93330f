//! `ClientCnxn.SendThread`'s loop: its wake-ups, `to = readTimeout - idleRecv`, the ping rule of
//! the profile, writing queued packets, connecting (the host provider's next host, the random
//! reconnect sleep), and the timeouts that end a connection, 3.9.3's own expiry among them.

use super::*;

impl World {
    pub(super) fn schedule_client_wake(&mut self, c: usize, at_ms: u64) {
        if let Some(w) = self.clients[c].wake_at_ms
            && w <= at_ms
            && w >= self.now_ms()
        {
            // An earlier wake-up is queued: the loop runs then and reschedules itself.
            return;
        }
        self.clients[c].wake_at_ms = Some(at_ms);
        self.clients[c].wake_generation += 1;
        let generation = self.clients[c].wake_generation;
        self.schedule(
            at_ms,
            Event::ClientWake {
                client: c,
                generation,
            },
        );
    }

    pub(super) fn flush_outgoing(&mut self, c: usize) {
        let node = self.cnode(c);
        let Some(conn) = self.clients[c].conn else {
            return;
        };
        let now = self.now_ms();
        while let Some(mut p) = self.clients[c].outgoing.pop_front() {
            let cl = &mut self.clients[c];
            p.xid = cl.xid;
            cl.xid += 1;
            cl.last_send_ms = now;
            let msg = Msg::Request {
                xid: p.xid,
                req: p.req.clone(),
            };
            cl.pending.push_back(p);
            self.send(conn, node.clone(), msg);
        }
    }

    /// One pass of `SendThread.run`'s loop.
    pub(crate) fn client_loop(&mut self, c: usize) {
        // Over 80 lines on purpose: one pass of SendThread.run's loop, kept whole so it reads
        // against the Java.
        let now = self.now_ms();
        {
            let cl = &self.clients[c];
            if cl.killed || !cl.state.is_alive() || cl.frozen_until_ms.is_some() {
                return;
            }
        }
        match self.clients[c].phase {
            Phase::Idle => {}
            Phase::NeedConnect => {
                if !self.cprofile(c).close_checked_after_reconnect_sleep && self.clients[c].closing
                {
                    // 3.5+: `if (closing) break;` before the next host and its sleep.
                    self.send_loop_gives_up(c);
                } else if self.clients[c].is_first_connect
                    && self.cprofile(c).close_checked_after_reconnect_sleep
                    && self.clients[c].closing
                {
                    // 3.4: no sleep before the first connect, then the same check.
                    self.send_loop_gives_up(c);
                } else if !self.clients[c].is_first_connect {
                    // ClientCnxn: Thread.sleep(r.nextInt(1000)) before every reconnect.
                    let r = self.clients[c].rng.below(1000);
                    self.clients[c].phase = Phase::Sleeping {
                        until_ms: now + r,
                        then_host: None,
                    };
                    self.schedule_client_wake(c, now + r);
                } else {
                    self.start_connect(c);
                }
            }
            Phase::Sleeping {
                until_ms,
                then_host,
            } => {
                if now < until_ms {
                    self.schedule_client_wake(c, until_ms);
                } else if let Some(h) = then_host {
                    self.open_socket(c, h);
                } else if self.cprofile(c).close_checked_after_reconnect_sleep
                    && self.clients[c].closing
                {
                    // 3.4: "don't re-establish connection if we are closing", checked after the
                    // random reconnect sleep: a close() called while disconnected ends here.
                    self.send_loop_gives_up(c);
                } else {
                    self.start_connect(c);
                }
            }
            Phase::TcpConnecting | Phase::AwaitingSession => {
                if self.expires_on_its_own(c) {
                    self.client_expires_itself(c);
                    return;
                }
                let idle_recv = now.saturating_sub(self.clients[c].last_heard_ms);
                // `to = connectTimeout - idleRecv`; 3.9.3+ (ZOOKEEPER-4508) `- idleSend`.
                let since = if self.cprofile(c).client_side_expiry == ClientSideExpiry::Never {
                    self.clients[c].last_heard_ms
                } else {
                    self.clients[c].last_send_ms
                };
                let timeout = self.clients[c].connect_timeout_ms as u64;
                if now.saturating_sub(since) >= timeout {
                    self.client_timed_out(c, idle_recv);
                } else {
                    self.schedule_client_wake(c, since + timeout);
                }
            }
            Phase::Connected => {
                if self.expires_on_its_own(c) {
                    self.client_expires_itself(c);
                    return;
                }
                let idle_recv = now.saturating_sub(self.clients[c].last_heard_ms);
                if idle_recv >= self.clients[c].read_timeout_ms as u64 {
                    self.client_timed_out(c, idle_recv);
                    return;
                }
                if self.ping_due(c) {
                    self.send_ping(c);
                }
                self.flush_outgoing(c);
                self.client_reschedule(c);
            }
        }
    }

    /// `SendThread.run` leaves its loop because `closing` is set while no socket is open: the
    /// closeSession never reaches a server. `cleanup()` fails it (and everything queued) with
    /// ConnectionLoss, `close()` returns and `disconnect()` makes the handle CLOSED; the session
    /// and its ephemerals live on the servers until they expire.
    pub(super) fn send_loop_gives_up(&mut self, c: usize) {
        let node = self.cnode(c);
        let sid = self.clients[c].session_id;
        let names = self.cprofile(c).send_thread_exit_names_session;
        self.log(
            node,
            EventKind::Note,
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
        self.clients[c].phase = Phase::Idle;
        self.client_cleanup(c, codes::CONNECTIONLOSS);
    }

    /// `timeToNextPing` as `SendThread.run` computes it on this pass of its loop, from the
    /// idle-send time *now*. Java evaluates the rule only when the loop wakes (its
    /// `selector.select(to)` returns on the timer, a packet read, or a packet queued), so the
    /// value depends on when it is asked: on an idle connection the loop wakes a few ms after
    /// each ping (its reply), sees `idleSend` under a second, and sleeps until
    /// `lastSend + readTimeout/2`; then `idleSend` is over a second and the ping goes. Idle pings
    /// therefore go every readTimeout/2 on every release; ZOOKEEPER-1751's 1000 ms of slack acts
    /// only when something else wakes the loop after a second of send idleness.
    pub(super) fn time_to_next_ping_ms(&self, c: usize) -> i64 {
        let cl = &self.clients[c];
        let idle_send = self.now_ms().saturating_sub(cl.last_send_ms) as i64;
        let half = (cl.read_timeout_ms / 2) as i64;
        match self.cprofile(c).ping_rule {
            PingRule::HalfReadTimeout => half - idle_send,
            PingRule::HalfReadTimeoutWithSlack => {
                half - idle_send - if idle_send > 1000 { 1000 } else { 0 }
            }
        }
    }

    /// `if (timeToNextPing <= 0 || idleSend > MAX_SEND_PING_INTERVAL) sendPing()`.
    pub(super) fn ping_due(&self, c: usize) -> bool {
        let idle_send = self.now_ms().saturating_sub(self.clients[c].last_send_ms) as i64;
        if idle_send == 0 {
            // Something was just written: a ping in the same millisecond would be a loop
            // spinning on a timeout of 0 (readTimeout/2 of a few ms); wait a ms instead.
            return false;
        }
        let forced = self.cprofile(c).ping_rule == PingRule::HalfReadTimeoutWithSlack
            && idle_send > MAX_SEND_PING_INTERVAL_MS;
        self.time_to_next_ping_ms(c) <= 0 || forced
    }

    /// The end of a pass of the loop: `doTransport(to)` with
    /// `to = min(readTimeout - idleRecv, timeToNextPing)`. The new wait replaces whatever wait was
    /// pending, as a new `select(to)` does.
    pub(super) fn client_reschedule(&mut self, c: usize) {
        let cl = &self.clients[c];
        if cl.phase != Phase::Connected {
            return;
        }
        let now = self.now_ms();
        let read_deadline = cl.last_heard_ms + cl.read_timeout_ms as u64;
        // A wait of a few ms would have the Java loop spin; the simulation waits at least a ms.
        let ping_at = now + self.time_to_next_ping_ms(c).max(1) as u64;
        let at = read_deadline.min(ping_at).max(now);
        let cl = &mut self.clients[c];
        cl.wake_at_ms = None;
        cl.wake_generation += 1;
        self.schedule_client_wake(c, at);
    }

    pub(super) fn send_ping(&mut self, c: usize) {
        let Some(conn) = self.clients[c].conn else {
            return;
        };
        let now = self.now_ms();
        self.clients[c].last_send_ms = now;
        self.clients[c].last_ping_sent_ms = now;
        let node = self.cnode(c);
        self.send(
            conn,
            node,
            Msg::Request {
                xid: -2,
                req: ClientRequest::Ping,
            },
        );
    }

    /// `startConnect`: CONNECTING, next host (maybe after the spin delay), open the socket.
    pub(super) fn start_connect(&mut self, c: usize) {
        self.set_client_state(c, ClientState::Connecting);
        if self.clients[c].hosts.is_empty() {
            return;
        }
        let (host, spin) = self.clients[c].next_host();
        if spin {
            let until = self.now_ms() + 1000;
            self.clients[c].phase = Phase::Sleeping {
                until_ms: until,
                then_host: Some(host),
            };
            self.schedule_client_wake(c, until);
        } else {
            self.open_socket(c, host);
        }
    }

    pub(super) fn open_socket(&mut self, c: usize, host: u8) {
        let node = self.cnode(c);
        let now = self.now_ms();
        // logStartConnect: 3.4 and 3.5 append the SASL status; 3.6+ log it on a line of its own.
        let separate_sasl = self.cprofile(c).client_logs_3_6;
        self.log(
            node.clone(),
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
            self.log(
                node.clone(),
                EventKind::Note,
                Level::Info,
                "ClientCnxn",
                || format!("SASL config status: {SASL_STATUS}"),
                || "No JAAS configuration: the client connects without SASL.".into(),
            );
        }
        let conn = self
            .net
            .open(ConnKind::Client, node.clone(), Node::Server(host));
        let keeps_heard = self.cprofile(c).client_side_expiry != ClientSideExpiry::Never;
        let cl = &mut self.clients[c];
        cl.conn = Some(conn);
        cl.server = Some(host);
        cl.phase = Phase::TcpConnecting;
        // After startConnect: updateLastSendAndHeard(); 3.9.3+ only updateLastSend(), so the
        // time since a server was last heard keeps growing across failed attempts.
        cl.last_send_ms = now;
        if !keeps_heard {
            cl.last_heard_ms = now;
        }
        self.send(conn, node, Msg::Syn);
        // The same pass of the loop goes on to its timeout checks right after startConnect:
        // this is where 3.9.3's expiry finds a client that keeps failing to connect.
        if self.expires_on_its_own(c) {
            self.client_expires_itself(c);
            return;
        }
        let at = now + self.clients[c].connect_timeout_ms as u64;
        self.schedule_client_wake(c, at);
    }

    /// 3.9.3+ (ZOOKEEPER-4508): `expirationTimeout - idleRecv <= 0`, checked on every pass of
    /// the send loop before the connect or read timeout. 3.9.4 (ZOOKEEPER-4921) checks it only
    /// for a handle that has a session.
    pub(super) fn expires_on_its_own(&self, c: usize) -> bool {
        let cl = &self.clients[c];
        let applies = match self.cprofile(c).client_side_expiry {
            ClientSideExpiry::Never => false,
            ClientSideExpiry::AnyHandle => true,
            ClientSideExpiry::EstablishedOnly => cl.session_id != 0,
        };
        applies
            && self.now_ms().saturating_sub(cl.last_heard_ms)
                >= cl.expiration_timeout_ms.max(0) as u64
    }

    /// The client gives up on its session with no server involved: WARN "Client session timed
    /// out", state CLOSED, a SessionTimeoutException that the catch block logs; cleanup fails
    /// every pending call with SESSIONEXPIRED, and after the loop the watcher gets Expired.
    pub(super) fn client_expires_itself(&mut self, c: usize) {
        let idle_recv = self.now_ms().saturating_sub(self.clients[c].last_heard_ms);
        let thrown = Thrown::SessionTimeout { idle_recv };
        self.log_thrown(c, &thrown);
        self.set_client_state(c, ClientState::Closed);
        self.log_caught(
            c,
            &thrown,
            "ZOOKEEPER-4508: nothing heard from any server for 4/3 of the session timeout. The client closes the handle itself and tells the watcher Expired; the servers may still hold the session.",
        );
        self.client_cleanup(c, codes::SESSIONEXPIRED);
        let cl = &mut self.clients[c];
        cl.phase = Phase::Idle;
        cl.wake_generation += 1;
        cl.wake_at_ms = None;
        self.queue_event(c, "Expired");
        self.event_thread_shutdown(c);
    }

    pub(super) fn client_timed_out(&mut self, c: usize, idle_recv: u64) {
        let thrown = if self.cprofile(c).client_side_expiry == ClientSideExpiry::Never {
            Thrown::SessionTimeout { idle_recv }
        } else {
            // 3.9.3+: a read or connect timeout is a ConnectionTimeoutException, not logged
            // where thrown; "session timed out" now means the client's own expiry.
            Thrown::ConnectionTimeout { idle_recv }
        };
        self.log_thrown(c, &thrown);
        self.client_caught(
            c,
            thrown,
            "SessionTimeoutException: nothing heard for readTimeout (2/3 of the timeout) or connectTimeout while connecting. This is connection loss, not expiry: the client reconnects.",
        );
    }
}
