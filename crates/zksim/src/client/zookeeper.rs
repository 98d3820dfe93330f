//! `ZooKeeper`, the handle's API: what a scenario's client actions do (connect = a new handle,
//! create, getData, multi, close, kill, freeze), each call queued as a packet with its xid, and
//! its answer (or ConnectionLoss / SessionExpired) delivered to the caller. The register recipe
//! (create, NodeExists, delete and create again) is here too.

use super::*;

impl Client {
    /// A scenario action for this client. `reuse` is what the world found for a `Connect`'s
    /// `session_of` (that client's session id and password) when the action came.
    pub(crate) fn client_action(
        &mut self,
        cx: &mut Cx,
        kind: ActionKind,
        reuse: Option<(SessionId, Password)>,
    ) {
        if self.frozen_until_ms.is_some() && !matches!(kind, ActionKind::Kill { .. }) {
            // The whole process is paused: its application threads act when it resumes.
            self.deferred.push(kind);
            return;
        }
        match kind {
            ActionKind::Connect {
                servers, password, ..
            } => self.client_connect(cx, reuse, servers, password),
            ActionKind::Close { .. } => self.client_close(cx),
            ActionKind::Kill { .. } => self.client_kill(cx),
            ActionKind::Freeze { for_ms, .. } => self.client_freeze(cx, for_ms),
            ActionKind::Create {
                path,
                data,
                ephemeral,
                sequential,
                ..
            } => self.issue_op(
                cx,
                "create",
                ClientRequest::Write(Op::Create {
                    path,
                    data,
                    ephemeral,
                    sequential,
                }),
            ),
            ActionKind::SetData {
                path,
                data,
                version,
                ..
            } => self.issue_op(
                cx,
                "set_data",
                ClientRequest::Write(Op::SetData {
                    path,
                    data,
                    version,
                }),
            ),
            ActionKind::Delete { path, version, .. } => self.issue_op(
                cx,
                "delete",
                ClientRequest::Write(Op::Delete { path, version }),
            ),
            ActionKind::Exists { path, .. } => {
                self.issue_op(cx, "exists", ClientRequest::Exists(path))
            }
            ActionKind::GetData { path, .. } => {
                self.issue_op(cx, "get_data", ClientRequest::GetData(path))
            }
            ActionKind::Sync { path, .. } => self.issue_op(cx, "sync", ClientRequest::Sync(path)),
            ActionKind::Multi { ops, .. } => {
                let ops: Vec<Op> = ops.iter().map(multi_op).collect();
                self.issue_op(cx, "multi", ClientRequest::Multi(ops));
            }
            ActionKind::Register {
                path, data, style, ..
            } => self.client_register(cx, path, data, style),
            _ => {}
        }
    }

    /// A stop-the-world pause of the client's process (a GC pause): its sockets stay open.
    fn client_freeze(&mut self, cx: &mut Cx, for_ms: u64) {
        let until = cx.now_ms.saturating_add(for_ms);
        self.frozen_until_ms = Some(until);
        cx.out.arm(Timer::ClientUnfreeze, until);
        cx.out.log(
            EventKind::Note,
            Level::Info,
            "JVM",
            move || format!("process paused for {for_ms} ms (sockets stay open)"),
            || {
                "A stop-the-world pause: no reads, no writes, no pings; the server cannot tell."
                    .into()
            },
        );
    }

    /// The register recipe's first call (the answer decides the next, `continue_recipe`).
    fn client_register(&mut self, cx: &mut Cx, path: String, data: String, style: RegisterStyle) {
        match style {
            RegisterStyle::ExistsThenSet => {
                let recipe = Recipe::RegisterExists {
                    path: path.clone(),
                    data,
                };
                self.issue(
                    cx,
                    "exists",
                    Some(path.clone()),
                    ClientRequest::Exists(path),
                    Some(recipe),
                    Some("register"),
                );
            }
            RegisterStyle::DeleteThenCreate => {
                let recipe = Recipe::RegisterDelete {
                    path: path.clone(),
                    data,
                };
                self.issue(
                    cx,
                    "delete",
                    Some(path.clone()),
                    ClientRequest::Write(Op::Delete { path, version: -1 }),
                    Some(recipe),
                    Some("register"),
                );
            }
        }
    }

    /// `new ZooKeeper(connectString, sessionTimeout, watcher[, sessionId, passwd])`.
    pub(super) fn client_connect(
        &mut self,
        cx: &mut Cx,
        reuse: Option<(SessionId, Password)>,
        servers: Option<Vec<u8>>,
        password: Option<Password>,
    ) {
        // Over 80 lines on purpose: `new ZooKeeper(...)` in Java's order: the handle, its host
        // provider, the session it resumes.
        if self.has_live_handle() {
            // One handle per client name: the old one is abandoned as if its process died.
            self.client_kill(cx);
        }
        let seed = cx.seed;
        let handle_no = self.handles + 1;
        let now = cx.now_ms;
        self.handles = handle_no;
        self.killed = false;
        self.closing = false;
        let mut hosts = servers.unwrap_or_else(|| self.configured_servers.clone());
        // Collections.shuffle with the handle's own seeded stream.
        let mut rng = Rng::for_entity(seed, &format!("{}/hosts/{handle_no}", self.name));
        for i in (1..hosts.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            hosts.swap(i, j);
        }
        self.hosts = hosts;
        self.current_index = -1;
        self.last_index = -1;
        let t = self.requested_timeout_ms;
        self.connect_timeout_ms = t / self.hosts.len().max(1) as i32;
        self.read_timeout_ms = t * 2 / 3;
        self.expiration_timeout_ms = t * 4 / 3;
        self.negotiated_timeout_ms = 0;
        self.is_first_connect = true;
        // SendThread.run starts with updateLastSendAndHeard(): 3.9.3's expiry counts from here
        // until a server is heard.
        self.last_send_ms = now;
        self.last_heard_ms = now;
        self.last_zxid = 0;
        self.xid = 1;
        self.pending.clear();
        self.outgoing.clear();
        self.last_event = "Disconnected";
        match reuse {
            Some((id, pw)) => {
                self.session_id = id;
                self.passwd = password.unwrap_or(pw);
                self.seen_rw_server_before = true;
            }
            None => {
                self.session_id = 0;
                self.passwd = [0; 16];
                self.seen_rw_server_before = false;
            }
        }
        let cs: Vec<String> = self
            .hosts
            .iter()
            .map(|h| format!("127.0.0.1:{}", 2180 + *h as u32))
            .collect();
        let renew = reuse.map(|(id, _)| id);
        self.phase = Phase::NeedConnect;
        let modern = cx.profile.client_logs_3_6;
        cx.out.log(EventKind::Note,
            Level::Info,
            "ZooKeeper",
            move || {
                let mut s = format!(
                    "Initiating client connection, connectString={} sessionTimeout={t} watcher=zksim.Watcher",
                    cs.join(",")
                );
                if let Some(id) = renew {
                    if modern {
                        s.push_str(&format!(" sessionId={} sessionPasswd=<hidden>", hex(id)));
                    } else {
                        s.push_str(&format!(" sessionId={:x} sessionPasswd=<hidden>", id as u64));
                    }
                }
                s
            },
            move || match renew {
                Some(id) => format!(
                    "A new handle with the renew constructor: it will send session {} and its password.",
                    hex(id)
                ),
                None => "A new handle: ClientCnxn starts the SendThread in CONNECTING.".into(),
            },
        );
        self.set_client_state(cx, ClientState::Connecting);
        self.client_loop(cx);
    }

    pub(super) fn client_kill(&mut self, cx: &mut Cx) {
        if !self.has_live_handle() {
            return;
        }
        if let Some(conn) = self.conn.take() {
            cx.out.close(conn);
        }
        self.killed = true;
        self.phase = Phase::Idle;
        self.frozen_until_ms = None;
        self.inbox.clear();
        self.wake_at_ms = None;
        cx.out.stop(Timer::ClientWake);
        self.pending.clear();
        self.outgoing.clear();
        cx.out.log(EventKind::Note,
            Level::Info,
            "JVM",
            || "process killed".into(),
            || "The OS closes the sockets; no closeSession is sent, so the session lives until it expires.".into(),
        );
    }

    pub(super) fn client_close(&mut self, cx: &mut Cx) {
        if !self.has_live_handle() {
            return;
        }
        self.issue(
            cx,
            "close",
            None,
            ClientRequest::CloseSession,
            Some(Recipe::Close),
            None,
        );
    }

    /// An application call with no recipe behind it; the op is recorded under its path (a
    /// multi under its first op's path).
    pub(super) fn issue_op(&mut self, cx: &mut Cx, op: &'static str, req: ClientRequest) {
        let path = match &req {
            ClientRequest::Multi(ops) => ops.first().map(|o| o.path().to_string()),
            other => other.path().map(str::to_string),
        };
        self.issue(cx, op, path, req, None, None);
    }

    /// `ClientCnxn.queuePacket`, or an immediate failure when the handle is not alive.
    pub(super) fn issue(
        &mut self,
        cx: &mut Cx,
        op: &'static str,
        path: Option<String>,
        req: ClientRequest,
        recipe: Option<Recipe>,
        recipe_name: Option<&'static str>,
    ) {
        let idx = cx.new_op(op, path, recipe_name);
        if self.handles == 0 || self.killed {
            // No handle to call: the op is recorded as never answered.
            return;
        }
        if !self.state.is_alive() {
            self.finish_op(cx, idx, codes::SESSIONEXPIRED, Vec::new());
            return;
        }
        if self.closing {
            // queuePacket after close(): conLossPacket, CONNECTIONLOSS while the state is alive.
            self.finish_op(cx, idx, codes::CONNECTIONLOSS, Vec::new());
            return;
        }
        if matches!(req, ClientRequest::CloseSession) {
            self.closing = true;
        }
        self.outgoing.push_back(Packet {
            xid: 0,
            op: idx,
            req,
            recipe,
        });
        if self.phase == Phase::Connected {
            self.flush_outgoing(cx);
            self.client_reschedule(cx);
        }
    }

    /// The call's answer: the world records it on op `op` and traces it.
    pub(super) fn finish_op(&mut self, cx: &mut Cx, op: usize, code: Code, results: Vec<Code>) {
        cx.out.push(Effect::OpFinished { op, code, results });
    }

    pub(super) fn continue_recipe(&mut self, cx: &mut Cx, recipe: Recipe, code: Code) {
        match recipe {
            Recipe::Close => self.client_disconnect(cx),
            Recipe::RegisterExists { path, data } => {
                let req = if code == codes::OK {
                    ClientRequest::Write(Op::SetData {
                        path: path.clone(),
                        data,
                        version: -1,
                    })
                } else if code == codes::NONODE {
                    ClientRequest::Write(Op::Create {
                        path: path.clone(),
                        data,
                        ephemeral: true,
                        sequential: false,
                    })
                } else {
                    return;
                };
                let name = if code == codes::OK {
                    "set_data"
                } else {
                    "create"
                };
                self.issue(cx, name, Some(path), req, None, Some("register"));
            }
            Recipe::RegisterDelete { path, data } => {
                if code != codes::OK && code != codes::NONODE {
                    return;
                }
                let req = ClientRequest::Write(Op::Create {
                    path: path.clone(),
                    data,
                    ephemeral: true,
                    sequential: false,
                });
                self.issue(cx, "create", Some(path), req, None, Some("register"));
            }
        }
    }

    /// The pause ends: the loop's timeout check runs before the waiting packets are read.
    /// Returns the application calls the pause held back (None if the process was not paused):
    /// the world hands them back as actions (it resolves the names they mention), then feeds
    /// [`Input::Resume`] for the loop's next pass.
    pub(crate) fn client_unfreeze(&mut self, cx: &mut Cx) -> Option<Vec<ActionKind>> {
        self.frozen_until_ms.take()?;
        self.client_loop(cx);
        let inbox: Vec<(ConnId, Msg)> = self.inbox.drain(..).collect();
        for (conn, msg) in inbox {
            if self.conn == Some(conn) {
                self.client_handle(cx, msg);
            }
        }
        Some(std::mem::take(&mut self.deferred))
    }
}

pub(super) fn multi_op(o: &MultiOp) -> Op {
    match o {
        MultiOp::Create {
            path,
            data,
            ephemeral,
            sequential,
        } => Op::Create {
            path: path.clone(),
            data: data.clone(),
            ephemeral: *ephemeral,
            sequential: *sequential,
        },
        MultiOp::SetData {
            path,
            data,
            version,
        } => Op::SetData {
            path: path.clone(),
            data: data.clone(),
            version: *version,
        },
        MultiOp::Delete { path, version } => Op::Delete {
            path: path.clone(),
            version: *version,
        },
        MultiOp::Check { path, version } => Op::Check {
            path: path.clone(),
            version: *version,
        },
    }
}
