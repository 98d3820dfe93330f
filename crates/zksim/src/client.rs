//! A ZooKeeper client handle: `ZooKeeper` + `ClientCnxn` (SendThread and EventThread) as a state
//! machine on the virtual clock.
//!
//! ```text
//!  NOT_CONNECTED ─new handle─▶ CONNECTING ─ConnectResponse(t>0)─▶ CONNECTED
//!        ▲                       │   ▲                               │ EOF / read timeout:
//!        │                       │   └── random sleep 0-999 ms ◀─────┘ ConnectionLoss (-4),
//!        │                       │       (not before the first TCP connect ever)  Disconnected
//!        │                       └─ConnectResponse(t<=0)─▶ CLOSED + Expired (every later call -112)
//!        └─ close(): closeSession, then CLOSED
//! ```
//!
//! The SendThread loop is modelled by its decisions: `to = readTimeout - idleRecv` (or
//! `connectTimeout - idleRecv` while connecting) and the ping rule of the profile, evaluated at
//! each wake-up of the loop exactly as Java does: on its timer, after every packet read, and
//! after every packet queued (each pass replaces the pending wait, as a new `select(to)` does). `StaticHostProvider` cycles a seeded shuffle of the
//! hosts and sleeps the 1000 ms spin delay when it comes back round (spec 3.3).

use std::collections::VecDeque;

use crate::codes::{self, Code};
use crate::datatree::Op;
use crate::ids::{Password, SessionId, hex};
use crate::net::{ClientRequest, ConnId, ConnKind, Msg, ReplyBody};
use crate::profile::{ClientSideExpiry, Level, PingRule};
use crate::scenario::{ActionKind, ClientSpec, MultiOp, RegisterStyle};
use crate::trace::{EventKind, Node};
use crate::world::{Event, Rng, World};

/// `RETRY_CONN_MSG`, appended by 3.4/3.5's catch block.
const RETRY_CONN_MSG: &str = ", closing socket connection and attempting reconnect";

/// What `SendThread.run`'s loop can throw, as far as its catch block tells them apart.
#[derive(Clone, Debug)]
enum Thrown {
    /// `SessionTimeoutException`: nothing heard for readTimeout (connectTimeout while
    /// connecting); from 3.9.3 only the client's own expiry.
    SessionTimeout { idle_recv: u64 },
    /// 3.9.3+ `ConnectionTimeoutException`: the read or connect timeout.
    ConnectionTimeout { idle_recv: u64 },
    /// `SessionExpiredException` from `onConnected` (a ConnectResponse with timeout <= 0).
    SessionExpired,
    /// `EndOfStreamException`: the server closed the socket.
    EndOfStream,
    /// `java.net.ConnectException: Connection refused` (a `SocketException`).
    ConnectRefused,
    /// Any other `IOException`, with its message.
    Io(String),
}

impl Thrown {
    fn java_class(&self) -> &'static str {
        match self {
            Thrown::SessionTimeout { .. } => {
                "org.apache.zookeeper.ClientCnxn$SessionTimeoutException"
            }
            Thrown::ConnectionTimeout { .. } => {
                "org.apache.zookeeper.ClientCnxn$ConnectionTimeoutException"
            }
            Thrown::SessionExpired => "org.apache.zookeeper.ClientCnxn$SessionExpiredException",
            Thrown::EndOfStream => "EndOfStreamException",
            Thrown::ConnectRefused => "java.net.ConnectException",
            Thrown::Io(_) => "java.io.IOException",
        }
    }
}

/// `MAX_SEND_PING_INTERVAL` in `SendThread.run` (3.4.6+, ZOOKEEPER-1751).
const MAX_SEND_PING_INTERVAL_MS: i64 = 10_000;

/// `ZooKeeper.States`, as far as a client without auth can go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientState {
    NotConnected,
    Connecting,
    Connected,
    Closed,
}

impl ClientState {
    pub fn name(self) -> &'static str {
        match self {
            ClientState::NotConnected => "NOT_CONNECTED",
            ClientState::Connecting => "CONNECTING",
            ClientState::Connected => "CONNECTED",
            ClientState::Closed => "CLOSED",
        }
    }
    pub fn is_alive(self) -> bool {
        !matches!(self, ClientState::Closed)
    }
}

/// Where the SendThread is in its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No handle (never connected, killed, or closed).
    Idle,
    /// Socket closed; the next loop iteration starts a connect.
    NeedConnect,
    /// Sleeping (random reconnect delay or host-provider spin) until `until_ms`.
    Sleeping {
        until_ms: u64,
        then_host: Option<u8>,
    },
    /// TCP SYN sent to this server.
    TcpConnecting,
    /// ConnectRequest sent; waiting for the ConnectResponse.
    AwaitingSession,
    Connected,
}

#[derive(Clone, Debug)]
pub(crate) enum Recipe {
    /// `register` with exists-then-set: the exists answer decides create or setData.
    RegisterExists { path: String, data: String },
    /// `register` with delete-then-create: after the delete, create.
    RegisterDelete { path: String, data: String },
    /// `ZooKeeper.close()`: after the closeSession reply (or its failure), disconnect.
    Close,
}

#[derive(Clone, Debug)]
pub(crate) struct Packet {
    pub xid: i32,
    pub op: usize,
    pub req: ClientRequest,
    pub recipe: Option<Recipe>,
}

#[derive(Clone, Debug)]
pub struct Client {
    pub index: usize,
    pub name: String,
    /// `clients[].version`: the release whose client-side rules this client follows (None: the
    /// scenario's). See [`World::cprofile`].
    pub own_version: Option<crate::profile::Version>,
    pub configured_servers: Vec<u8>,
    pub requested_timeout_ms: i32,
    /// The host provider's shuffled list of myids.
    pub hosts: Vec<u8>,
    current_index: i64,
    last_index: i64,
    pub state: ClientState,
    pub session_id: SessionId,
    pub passwd: Password,
    seen_rw_server_before: bool,
    pub last_zxid: i64,
    pub negotiated_timeout_ms: i32,
    pub read_timeout_ms: i32,
    pub connect_timeout_ms: i32,
    /// 3.9.3+ `expirationTimeout`: 4/3 of the requested, then of the negotiated, timeout.
    pub expiration_timeout_ms: i32,
    is_first_connect: bool,
    pub conn: Option<ConnId>,
    pub phase: Phase,
    pub server: Option<u8>,
    pub last_send_ms: u64,
    pub last_heard_ms: u64,
    /// `lastPingSentNs`, for the "Got ping response ... after Nms" line.
    last_ping_sent_ms: u64,
    xid: i32,
    pub(crate) pending: VecDeque<Packet>,
    pub(crate) outgoing: VecDeque<Packet>,
    /// None-type watcher events delivered, in order.
    pub events: Vec<&'static str>,
    last_event: &'static str,
    pub frozen_until_ms: Option<u64>,
    inbox: VecDeque<(ConnId, Msg)>,
    deferred: Vec<ActionKind>,
    pub killed: bool,
    /// `ClientCnxn.closing`: set when closeSession is queued; later calls fail at once.
    closing: bool,
    pub handles: u32,
    pub(crate) wake_generation: u64,
    /// When the pending wake-up fires, if one is pending (later ones need not be queued).
    pub(crate) wake_at_ms: Option<u64>,
    rng: Rng,
    pub(crate) net_rng: Rng,
}

impl Client {
    pub(crate) fn new(index: usize, spec: &ClientSpec, seed: u64) -> Client {
        Client {
            index,
            name: spec.name.clone(),
            own_version: spec.version,
            configured_servers: spec.servers.clone(),
            requested_timeout_ms: spec.session_timeout_ms.min(i32::MAX as u64) as i32,
            hosts: Vec::new(),
            current_index: -1,
            last_index: -1,
            state: ClientState::NotConnected,
            session_id: 0,
            passwd: [0; 16],
            seen_rw_server_before: false,
            last_zxid: 0,
            negotiated_timeout_ms: 0,
            read_timeout_ms: 0,
            connect_timeout_ms: 0,
            expiration_timeout_ms: 0,
            is_first_connect: true,
            conn: None,
            phase: Phase::Idle,
            server: None,
            last_send_ms: 0,
            last_heard_ms: 0,
            last_ping_sent_ms: 0,
            xid: 1,
            pending: VecDeque::new(),
            outgoing: VecDeque::new(),
            events: Vec::new(),
            last_event: "Disconnected",
            frozen_until_ms: None,
            inbox: VecDeque::new(),
            deferred: Vec::new(),
            killed: false,
            closing: false,
            handles: 0,
            wake_generation: 0,
            wake_at_ms: None,
            rng: Rng::for_entity(seed, &spec.name),
            net_rng: Rng::for_entity(seed, &format!("{}/net", spec.name)),
        }
    }

    pub fn node(&self) -> Node {
        Node::Client(self.index as u32)
    }

    /// A live handle: created, not closed, not killed.
    pub fn has_live_handle(&self) -> bool {
        self.handles > 0 && !self.killed && self.state.is_alive()
    }

    pub fn pending_ops(&self) -> usize {
        self.pending.len() + self.outgoing.len()
    }

    /// `StaticHostProvider.next(spinDelay)`: the host and whether it sleeps the spin delay.
    fn next_host(&mut self) -> (u8, bool) {
        let n = self.hosts.len() as i64;
        self.current_index = (self.current_index + 1) % n;
        let spin = if self.current_index == self.last_index {
            true
        } else {
            if self.last_index == -1 {
                self.last_index = 0;
            }
            false
        };
        (self.hosts[self.current_index as usize], spin)
    }
}

/// A server's address as the host provider holds it: `InetSocketAddress.toString` of a resolved
/// 127.0.0.1, "localhost/127.0.0.1:<port>" (what real clients print here).
fn server_addr(myid: u8) -> String {
    format!("localhost/127.0.0.1:{}", 2180 + myid as u32)
}

/// The connected socket's remote address as 3.4's `getRemoteSocketAddress()` prints it: no
/// host name ("/127.0.0.1:<port>"). 3.5+ print the host provider's address instead.
fn socket_remote_addr(myid: u8) -> String {
    format!("/127.0.0.1:{}", 2180 + myid as u32)
}

/// The client socket's own address (`getLocalSocketAddress()`); the server names the same
/// connection by it.
fn socket_local_addr(conn: ConnId) -> String {
    crate::server::client_addr(conn)
}

/// The SASL part of "Opening socket connection": no JAAS configuration, as in these tests.
const SASL_STATUS: &str = "Will not attempt to authenticate using SASL (unknown error)";

impl World {
    /// The profile of client `c`'s own release: its `clients[].version`, or the scenario's.
    /// Every client-side rule (pings, the send loop, its log lines, close, events, 3.9.3's
    /// expiry) reads this; the servers read `self.profile`.
    pub(crate) fn cprofile(&self, c: usize) -> &'static crate::profile::Profile {
        self.clients[c]
            .own_version
            .map(|v| v.profile())
            .unwrap_or(self.profile)
    }

    fn cnode(&self, c: usize) -> Node {
        self.clients[c].node()
    }

    fn schedule_client_wake(&mut self, c: usize, at_ms: u64) {
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

    fn set_client_state(&mut self, c: usize, state: ClientState) {
        if self.clients[c].state == state {
            return;
        }
        self.clients[c].state = state;
        let node = self.cnode(c);
        self.emit(
            node,
            EventKind::ClientState {
                state: state.name(),
            },
            move |_| (None, format!("ZooKeeper.States is now {}.", state.name())),
        );
    }

    /// `EventThread.queueEvent` for a None-type event, with its de-duplication.
    fn queue_event(&mut self, c: usize, event: &'static str) {
        if self.clients[c].last_event == event {
            return;
        }
        self.clients[c].last_event = event;
        self.clients[c].events.push(event);
        let node = self.cnode(c);
        self.emit(node, EventKind::ClientEvent { event }, move |_| {
            (
                None,
                format!("The watcher receives WatchedEvent state:{event} type:None path:null."),
            )
        });
    }

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
            ActionKind::Freeze { for_ms, .. } => {
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
                    || "A stop-the-world pause: no reads, no writes, no pings; the server cannot tell.".into(),
                );
            }
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
            } => match style {
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
            },
            _ => {}
        }
    }

    /// `new ZooKeeper(connectString, sessionTimeout, watcher[, sessionId, passwd])`.
    fn client_connect(
        &mut self,
        c: usize,
        session_of: Option<String>,
        servers: Option<Vec<u8>>,
        password: Option<Password>,
    ) {
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

    fn client_kill(&mut self, c: usize) {
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

    fn client_close(&mut self, c: usize) {
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
    fn issue_op(&mut self, c: usize, op: &'static str, req: ClientRequest) {
        let path = match &req {
            ClientRequest::Multi(ops) => ops.first().map(|o| o.path().to_string()),
            other => other.path().map(str::to_string),
        };
        self.issue(c, op, path, req, None, None);
    }

    /// `ClientCnxn.queuePacket`, or an immediate failure when the handle is not alive.
    fn issue(
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

    fn finish_op(&mut self, c: usize, op: usize, code: Code, results: Vec<Code>) {
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

    fn flush_outgoing(&mut self, c: usize) {
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
    fn send_loop_gives_up(&mut self, c: usize) {
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
    fn time_to_next_ping_ms(&self, c: usize) -> i64 {
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
    fn ping_due(&self, c: usize) -> bool {
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
    fn client_reschedule(&mut self, c: usize) {
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

    fn send_ping(&mut self, c: usize) {
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
    fn start_connect(&mut self, c: usize) {
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

    fn open_socket(&mut self, c: usize, host: u8) {
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

    fn client_handle(&mut self, c: usize, msg: Msg) {
        let now = self.now_ms();
        match msg {
            Msg::SynAck => {
                if self.clients[c].phase != Phase::TcpConnecting {
                    return;
                }
                let host = self.clients[c].server.unwrap_or(0);
                let node = self.cnode(c);
                let both_ends = self.cprofile(c).client_socket_lines_3_5;
                let local = self.clients[c].conn.map(socket_local_addr).unwrap_or_default();
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
                self.clients[c].last_heard_ms = now;
                self.on_connected(c, timeout_ms, session_id, passwd);
            }
            Msg::Reply {
                xid,
                zxid,
                err,
                body,
            } => {
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
                                format!("Got ping response for session id: {} after {after}ms.", hex(sid))
                            } else {
                                format!("Got ping response for sessionid: {} after {after}ms", hex(sid))
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
            _ => {}
        }
    }

    /// `SendThread.onConnected`.
    fn on_connected(&mut self, c: usize, timeout_ms: i32, session_id: SessionId, passwd: Password) {
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

    fn event_thread_shutdown(&mut self, c: usize) {
        let node = self.cnode(c);
        let sid = self.clients[c].session_id;
        let names = self.cprofile(c).event_thread_log_names_session;
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "ClientCnxn",
            move || {
                if names {
                    format!("EventThread shut down for session: {}", hex(sid))
                } else {
                    "EventThread shut down".to_string()
                }
            },
            || "The EventThread delivered its last event and ended.".into(),
        );
    }

    /// 3.9.3+ (ZOOKEEPER-4508): `expirationTimeout - idleRecv <= 0`, checked on every pass of
    /// the send loop before the connect or read timeout. 3.9.4 (ZOOKEEPER-4921) checks it only
    /// for a handle that has a session.
    fn expires_on_its_own(&self, c: usize) -> bool {
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
    fn client_expires_itself(&mut self, c: usize) {
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

    fn client_timed_out(&mut self, c: usize, idle_recv: u64) {
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

    /// The message of an exception `SendThread.run` catches, as Java builds it.
    fn thrown_message(&self, c: usize, thrown: &Thrown) -> String {
        let sid = self.clients[c].session_id;
        match thrown {
            Thrown::SessionTimeout { idle_recv } => {
                let label = if self.cprofile(c).client_logs_3_6 {
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
    fn log_thrown(&mut self, c: usize, thrown: &Thrown) {
        if !self.cprofile(c).client_warns_on_session_timeout
            || !matches!(
                thrown,
                Thrown::SessionTimeout { .. } | Thrown::SessionExpired
            )
        {
            return;
        }
        let text = self.thrown_message(c, thrown);
        let node = self.cnode(c);
        self.log(
            node,
            EventKind::Note,
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
    fn log_caught(&mut self, c: usize, thrown: &Thrown, explain: &'static str) {
        let msg = self.thrown_message(c, thrown);
        let sid = hex(self.clients[c].session_id);
        let addr = server_addr(self.clients[c].server.unwrap_or(0));
        let class = thrown.java_class();
        let (level, text) = if self.cprofile(c).client_logs_3_6 {
            let or_timeout = if self.cprofile(c).client_side_expiry == ClientSideExpiry::Never {
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
                Thrown::ConnectRefused if self.cprofile(c).client_logs_socket_error => {
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
        let node = self.cnode(c);
        self.log(
            node,
            EventKind::Note,
            level,
            "ClientCnxn",
            move || text,
            move || explain.into(),
        );
    }

    /// Something thrown inside the send loop: its catch block logs it, cleans up (every pending
    /// call fails with ConnectionLoss), queues Disconnected and reconnects.
    fn client_caught(&mut self, c: usize, thrown: Thrown, explain: &'static str) {
        self.log_caught(c, &thrown, explain);
        self.after_caught(c);
    }

    /// The rest of the catch block: `cleanup()`, Disconnected, then reconnect.
    fn after_caught(&mut self, c: usize) {
        self.client_cleanup(c, codes::CONNECTIONLOSS);
        if !self.clients[c].state.is_alive() {
            // cleanup failed a pending close(): the handle is CLOSED and the loop ends.
            return;
        }
        self.queue_event(c, "Disconnected");
        self.clients[c].phase = Phase::NeedConnect;
        self.client_loop(c);
    }

    /// `ClientCnxn.cleanup`: close the socket, fail every pending and queued packet.
    fn client_cleanup(&mut self, c: usize, code_if_alive: Code) {
        let node = self.cnode(c);
        if let Some(conn) = self.clients[c].conn.take() {
            self.close_conn(conn, &node);
        }
        let code = if self.clients[c].state.is_alive() {
            code_if_alive
        } else {
            codes::SESSIONEXPIRED
        };
        let mut failed: Vec<Packet> = self.clients[c].pending.drain(..).collect();
        failed.extend(self.clients[c].outgoing.drain(..));
        for p in failed {
            self.finish_op(c, p.op, code, Vec::new());
            if let Some(Recipe::Close) = p.recipe {
                self.client_disconnect(c);
            }
        }
    }

    fn continue_recipe(&mut self, c: usize, recipe: Recipe, code: Code) {
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

    /// `ClientCnxn.disconnect` after `close()`: CLOSED, socket closed, EventThread ends.
    fn client_disconnect(&mut self, c: usize) {
        if !self.clients[c].state.is_alive() {
            return;
        }
        self.set_client_state(c, ClientState::Closed);
        let node = self.cnode(c);
        if let Some(conn) = self.clients[c].conn.take() {
            self.close_conn(conn, &node);
        }
        self.clients[c].phase = Phase::Idle;
        self.clients[c].wake_generation += 1;
        self.clients[c].wake_at_ms = None;
        let sid = self.clients[c].session_id;
        self.log(
            node,
            EventKind::Note,
            Level::Info,
            "ZooKeeper",
            move || format!("Session: {} closed", hex(sid)),
            || "ZooKeeper.close(): closeSession answered, the handle is CLOSED.".into(),
        );
        let rest: Vec<Packet> = self.clients[c].pending.drain(..).collect();
        for p in rest {
            self.finish_op(c, p.op, codes::SESSIONEXPIRED, Vec::new());
        }
        self.event_thread_shutdown(c);
        if self.cprofile(c).closed_event_after_loop {
            self.queue_event(c, "Closed");
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

fn multi_op(o: &MultiOp) -> Op {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn client_with_hosts(hosts: Vec<u8>) -> Client {
        let spec = ClientSpec {
            name: "c".into(),
            servers: hosts.clone(),
            session_timeout_ms: 4000,
            version: None,
        };
        let mut c = Client::new(0, &spec, 1);
        c.hosts = hosts;
        c
    }

    #[test]
    fn static_host_provider_test_next_cycles_and_the_third_equals_the_first() {
        // StaticHostProviderTest.testNextGoesRound / testNextDoesNotSleepForZero (2 hosts).
        let mut c = client_with_hosts(vec![7, 9]);
        let (a, spin_a) = c.next_host();
        let (b, spin_b) = c.next_host();
        assert_ne!(a, b, "two consecutive next() calls differ");
        assert!(!spin_a && !spin_b, "no sleep before the cycle wraps");
        let (third, spin) = c.next_host();
        assert_eq!(third, a);
        assert!(spin, "coming back round to index 0 sleeps the spin delay");
    }

    #[test]
    fn static_host_provider_test_on_connected_moves_the_sleep_point() {
        // StaticHostProviderTest.testNextGoesRoundAndSleeps / testNextDoesNotSleepAfterOnConnected.
        let mut c = client_with_hosts(vec![1, 2, 3]);
        let (first, _) = c.next_host();
        let (second, _) = c.next_host();
        c.last_index = c.current_index; // onConnected() on `second`
        let (next, spin) = c.next_host();
        assert_ne!(
            next, second,
            "after onConnected the next host is a different one"
        );
        assert!(!spin);
        let (again, _) = c.next_host();
        assert_eq!(again, first);
        let (back, spin) = c.next_host();
        assert_eq!(back, second);
        assert!(
            spin,
            "the sleep comes when the cycle returns to the host last connected to"
        );
    }
}
