//! `ZooKeeper`, the handle's API: what a scenario's client actions do (connect = a new handle,
//! create, getData, multi, close, kill, freeze), each call queued as a packet with its xid, and
//! its answer (or ConnectionLoss / SessionExpired) delivered to the caller. The register recipe
//! (create, NodeExists, delete and create again) is here too.

use super::*;

impl World {
    pub(crate) fn client_action(&mut self, kind: ActionKind) {
        let Some(name) = kind.client().map(str::to_string) else {
            return;
        };
        let Some(c) = self.client_index(&name) else {
            return;
        };
        if self.clients[c].frozen_until_ms.is_some() && !matches!(kind, ActionKind::Kill { .. }) {
            // The whole process is paused: its application threads act when it resumes.
            self.clients[c].deferred.push(kind);
            return;
        }
        match kind {
            ActionKind::Connect {
                session_of,
                servers,
                password,
                ..
            } => self.client_connect(c, session_of, servers, password),
            ActionKind::Close { .. } => self.client_close(c),
            ActionKind::Kill { .. } => self.client_kill(c),
            ActionKind::Freeze { for_ms, .. } => self.client_freeze(c, for_ms),
            ActionKind::Create {
                path,
                data,
                ephemeral,
                sequential,
                ..
            } => self.issue_op(
                c,
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
                c,
                "set_data",
                ClientRequest::Write(Op::SetData {
                    path,
                    data,
                    version,
                }),
            ),
            ActionKind::Delete { path, version, .. } => self.issue_op(
                c,
                "delete",
                ClientRequest::Write(Op::Delete { path, version }),
            ),
            ActionKind::Exists { path, .. } => {
                self.issue_op(c, "exists", ClientRequest::Exists(path))
            }
            ActionKind::GetData { path, .. } => {
                self.issue_op(c, "get_data", ClientRequest::GetData(path))
            }
            ActionKind::Sync { path, .. } => self.issue_op(c, "sync", ClientRequest::Sync(path)),
            ActionKind::Multi { ops, .. } => {
                let ops: Vec<Op> = ops.iter().map(multi_op).collect();
                self.issue_op(c, "multi", ClientRequest::Multi(ops));
            }
            ActionKind::Register {
                path, data, style, ..
            } => self.client_register(c, path, data, style),
            _ => {}
        }
    }

    /// A stop-the-world pause of the client's process (a GC pause): its sockets stay open.
    fn client_freeze(&mut self, c: usize, for_ms: u64) {
        let until = self.now_ms().saturating_add(for_ms);
        self.clients[c].frozen_until_ms = Some(until);
        self.schedule(until, Event::ClientUnfreeze { client: c });
        let node = self.cnode(c);
        self.log(
            node,
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
    fn client_register(&mut self, c: usize, path: String, data: String, style: RegisterStyle) {
        match style {
            RegisterStyle::ExistsThenSet => {
                let recipe = Recipe::RegisterExists {
                    path: path.clone(),
                    data,
                };
                self.issue(
                    c,
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
                    c,
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
        c: usize,
        session_of: Option<String>,
        servers: Option<Vec<u8>>,
        password: Option<Password>,
    ) {
        // Over 80 lines on purpose: `new ZooKeeper(...)` in Java's order: the handle, its host
        // provider, the session it resumes.
        if self.clients[c].has_live_handle() {
            // One handle per client name: the old one is abandoned as if its process died.
            self.client_kill(c);
        }
        let reuse = session_of
            .and_then(|o| self.client_index(&o))
            .map(|o| (self.clients[o].session_id, self.clients[o].passwd));
        let seed = self.cfg.seed;
        let handle_no = self.clients[c].handles + 1;
        let now = self.now_ms();
        let cl = &mut self.clients[c];
        cl.handles = handle_no;
        cl.killed = false;
        cl.closing = false;
        let mut hosts = servers.unwrap_or_else(|| cl.configured_servers.clone());
        // Collections.shuffle with the handle's own seeded stream.
        let mut rng = Rng::for_entity(seed, &format!("{}/hosts/{handle_no}", cl.name));
        for i in (1..hosts.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            hosts.swap(i, j);
        }
        cl.hosts = hosts;
        cl.current_index = -1;
        cl.last_index = -1;
        let t = cl.requested_timeout_ms;
        cl.connect_timeout_ms = t / cl.hosts.len().max(1) as i32;
        cl.read_timeout_ms = t * 2 / 3;
        cl.expiration_timeout_ms = t * 4 / 3;
        cl.negotiated_timeout_ms = 0;
        cl.is_first_connect = true;
        // SendThread.run starts with updateLastSendAndHeard(): 3.9.3's expiry counts from here
        // until a server is heard.
        cl.last_send_ms = now;
        cl.last_heard_ms = now;
        cl.last_zxid = 0;
        cl.xid = 1;
        cl.pending.clear();
        cl.outgoing.clear();
        cl.last_event = "Disconnected";
        match reuse {
            Some((id, pw)) => {
                cl.session_id = id;
                cl.passwd = password.unwrap_or(pw);
                cl.seen_rw_server_before = true;
            }
            None => {
                cl.session_id = 0;
                cl.passwd = [0; 16];
                cl.seen_rw_server_before = false;
            }
        }
        let cs: Vec<String> = cl
            .hosts
            .iter()
            .map(|h| format!("127.0.0.1:{}", 2180 + *h as u32))
            .collect();
        let renew = reuse.map(|(id, _)| id);
        cl.phase = Phase::NeedConnect;
        let node = self.cnode(c);
        let modern = self.cprofile(c).client_logs_3_6;
        self.log(
            node,
            EventKind::Note,
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
        self.set_client_state(c, ClientState::Connecting);
        self.client_loop(c);
    }

    pub(super) fn client_kill(&mut self, c: usize) {
        if !self.clients[c].has_live_handle() {
            return;
        }
        let node = self.cnode(c);
        if let Some(conn) = self.clients[c].conn.take() {
            self.close_conn(conn, &node);
        }
        let cl = &mut self.clients[c];
        cl.killed = true;
        cl.phase = Phase::Idle;
        cl.frozen_until_ms = None;
        cl.inbox.clear();
        cl.wake_generation += 1;
        cl.wake_at_ms = None;
        cl.pending.clear();
        cl.outgoing.clear();
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "JVM",
            || "process killed".into(),
            || "The OS closes the sockets; no closeSession is sent, so the session lives until it expires.".into(),
        );
    }

    pub(super) fn client_close(&mut self, c: usize) {
        if !self.clients[c].has_live_handle() {
            return;
        }
        self.issue(
            c,
            "close",
            None,
            ClientRequest::CloseSession,
            Some(Recipe::Close),
            None,
        );
    }

    /// An application call with no recipe behind it; the op is recorded under its path (a
    /// multi under its first op's path).
    pub(super) fn issue_op(&mut self, c: usize, op: &'static str, req: ClientRequest) {
        let path = match &req {
            ClientRequest::Multi(ops) => ops.first().map(|o| o.path().to_string()),
            other => other.path().map(str::to_string),
        };
        self.issue(c, op, path, req, None, None);
    }

    /// `ClientCnxn.queuePacket`, or an immediate failure when the handle is not alive.
    pub(super) fn issue(
        &mut self,
        c: usize,
        op: &'static str,
        path: Option<String>,
        req: ClientRequest,
        recipe: Option<Recipe>,
        recipe_name: Option<&'static str>,
    ) {
        let idx = self.new_op(c, op, path, recipe_name);
        let cl = &self.clients[c];
        if cl.handles == 0 || cl.killed {
            // No handle to call: the op is recorded as never answered.
            return;
        }
        if !cl.state.is_alive() {
            self.finish_op(c, idx, codes::SESSIONEXPIRED, Vec::new());
            return;
        }
        if cl.closing {
            // queuePacket after close(): conLossPacket, CONNECTIONLOSS while the state is alive.
            self.finish_op(c, idx, codes::CONNECTIONLOSS, Vec::new());
            return;
        }
        if matches!(req, ClientRequest::CloseSession) {
            self.clients[c].closing = true;
        }
        self.clients[c].outgoing.push_back(Packet {
            xid: 0,
            op: idx,
            req,
            recipe,
        });
        if self.clients[c].phase == Phase::Connected {
            self.flush_outgoing(c);
            self.client_reschedule(c);
        }
    }

    pub(super) fn finish_op(&mut self, c: usize, op: usize, code: Code, results: Vec<Code>) {
        let now = self.now_ms();
        let rec = &mut self.ops[op];
        rec.done_ms = Some(now);
        rec.code = Some(code);
        rec.results = results;
        let name = rec.op.to_string();
        let path = rec.path.clone().unwrap_or_default();
        let node = self.cnode(c);
        self.emit(
            node,
            EventKind::OpDone {
                op: name.clone(),
                path: path.clone(),
                code,
            },
            move |_| {
                (
                    None,
                    if code == codes::OK {
                        format!("{name} {path}: OK")
                    } else {
                        format!(
                            "{name} {path}: KeeperErrorCode = {} ({code})",
                            codes::message(code)
                        )
                    },
                )
            },
        );
    }

    pub(super) fn continue_recipe(&mut self, c: usize, recipe: Recipe, code: Code) {
        match recipe {
            Recipe::Close => self.client_disconnect(c),
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
                self.issue(c, name, Some(path), req, None, Some("register"));
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
                self.issue(c, "create", Some(path), req, None, Some("register"));
            }
        }
    }

    pub(crate) fn client_unfreeze(&mut self, c: usize) {
        if self.clients[c].frozen_until_ms.take().is_none() {
            return;
        }
        // The loop's timeout check runs before the waiting packets are read.
        self.client_loop(c);
        let inbox: Vec<(ConnId, Msg)> = self.clients[c].inbox.drain(..).collect();
        for (conn, msg) in inbox {
            if self.clients[c].conn == Some(conn) {
                self.client_handle(c, msg);
            }
        }
        let deferred: Vec<ActionKind> = std::mem::take(&mut self.clients[c].deferred);
        for kind in deferred {
            self.client_action(kind);
        }
        self.client_loop(c);
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
