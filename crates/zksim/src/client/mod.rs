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
//! after every packet queued (each pass replaces the pending wait, as a new `select(to)` does).
//! `StaticHostProvider` cycles a seeded shuffle of the hosts and sleeps the 1000 ms spin delay
//! when it comes back round (spec 3.3).
//!
//! How it is driven: the client never sees the world. The world (`world/drive_client.rs`)
//! calls `Client::handle` with one `Input` (a scenario action, a message on one of its
//! connections, its wake-up timer) and a `Cx`: the time, the profile of the client's release,
//! the seed, the ids the world will hand out next, and an outbox. The handler changes only the
//! client and pushes [`Effect`]s (send, open, close, arm or stop a timer, a trace event with its
//! log line, op started and finished); the world applies them in order (`effect.rs` states the
//! contract). The wake-up is a deadline the client holds (`wake_at_ms`), armed and stopped as
//! [`Timer::ClientWake`], not a generation counter. The end of a pause goes through
//! `Client::client_unfreeze`, which hands the calls the pause held back to the world (it
//! resolves the client names they mention). `tests.rs` drives each handler alone.
//!
//! One file per Java class (or the part of one a client's session story goes through):
//!
//! ```text
//!   mod.rs            Client (the handle's state), its states and phases, queued packets
//!   zookeeper.rs      ZooKeeper: the API calls the scenario makes, close, kill, freeze
//!   send_thread.rs    ClientCnxn.SendThread: the loop, pings, connecting, timeouts
//!   read_response.rs  SendThread.readResponse + onConnected: what comes back
//!   catch.rs          SendThread.run's catch block, cleanup(), the disconnect
//!   event_thread.rs   ClientCnxn.EventThread: states and watcher events, in order
//!   host_provider.rs  StaticHostProvider: next(spinDelay)
//!   tests.rs          each handler alone: input in, the effects out
//! ```

use std::collections::VecDeque;

use crate::codes::{self, Code};
use crate::datatree::Op;
#[cfg(test)]
use crate::effect::Texts;
use crate::effect::{Effect, Outbox, Timer};
use crate::ids::{Password, SessionId, hex};
use crate::net::{ClientRequest, ConnId, ConnKind, Msg, ReplyBody};
use crate::profile::Profile;
use crate::profile::{ClientSideExpiry, Level, PingRule};
use crate::rng::Rng;
use crate::scenario::{ActionKind, ClientSpec, MultiOp, RegisterStyle};
use crate::trace::{EventKind, Node};

mod catch;
mod event_thread;
mod host_provider;
mod read_response;
mod send_thread;
mod zookeeper;

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
    /// scenario's). See `World::cprofile`.
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
    /// The deadline of [`Timer::ClientWake`], if armed (a later wake-up need not be armed).
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

/// What a client handler may read besides its own state, and where it puts its effects: the
/// time, its release's rules, the run's seed, the ids the world will hand out next, the outbox.
/// The world builds one for each input and applies `out` in order afterwards.
pub(crate) struct Cx {
    pub now_ms: u64,
    /// The profile of the client's own release (`clients[].version`, or the scenario's). Every
    /// client-side rule (pings, the send loop, its log lines, close, events, 3.9.3's expiry)
    /// reads this.
    pub profile: &'static Profile,
    /// The scenario seed (a new handle's host shuffle draws from a stream derived from it).
    pub seed: u64,
    /// The id the network gives the next connection opened ([`Effect::Open`]).
    pub next_conn: ConnId,
    /// The index the next op record gets ([`Effect::OpStarted`]).
    pub next_op: usize,
    pub out: Outbox,
}

impl Cx {
    /// Opens a connection to `to`: the id is the one the world will give it.
    fn open(&mut self, kind: ConnKind, to: Node) -> ConnId {
        let conn = self.next_conn;
        self.next_conn += 1;
        self.out.push(Effect::Open { conn, kind, to });
        conn
    }

    /// Starts an op record (at the current time) and returns its index.
    fn new_op(
        &mut self,
        name: &'static str,
        path: Option<String>,
        recipe: Option<&'static str>,
    ) -> usize {
        let op = self.next_op;
        self.next_op += 1;
        self.out.push(Effect::OpStarted {
            op,
            name,
            path,
            recipe,
        });
        op
    }
}

/// What the world hands a client.
#[derive(Clone, Debug)]
pub(crate) enum Input {
    /// A scenario action naming this client. `reuse` is, for a `Connect` with `session_of`,
    /// that client's session id and password as they are now.
    Action {
        kind: ActionKind,
        reuse: Option<(SessionId, Password)>,
    },
    /// A message arrived on one of the client's connections.
    Receive { conn: ConnId, msg: Msg },
    /// The armed [`Timer::ClientWake`] came due.
    Wake,
    /// After a pause ended and the calls it held back were replayed: one more pass of the loop.
    Resume,
}

impl Client {
    /// The one entry point besides [`Client::client_unfreeze`]: an input in, effects out (in
    /// `cx.out`).
    pub(crate) fn handle(&mut self, cx: &mut Cx, input: Input) {
        match input {
            Input::Action { kind, reuse } => self.client_action(cx, kind, reuse),
            Input::Receive { conn, msg } => self.client_receive(cx, conn, msg),
            Input::Wake => {
                self.wake_at_ms = None;
                self.client_loop(cx);
            }
            Input::Resume => self.client_loop(cx),
        }
    }
}

#[cfg(test)]
mod tests;
