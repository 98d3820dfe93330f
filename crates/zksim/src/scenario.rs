//! Scenarios: scenario format v1, read with every error naming its field, and written back in
//! one canonical form.
//!
//! A scenario is everything a run needs: the version profile, the seed, the ensemble, the clients
//! and a timeline of actions. Files, links, the built-in gallery, the CLI and the browser's own
//! action log are all scenarios, so this module is the one door through which outside input
//! reaches the simulator, and it trusts nothing that comes through it.
//!
//! ```text
//!   text ──► strict JSON parse ──► field-by-field read ──► Scenario ──► World
//!            (depth ≤ 128,          (path of every error,     (every default
//!             no duplicate keys)     limits, cross-refs)        resolved)
//!                                     │ each action: its shape here, then
//!                                     ▼ the one validator (check.rs)
//!   ActionKind (World::apply) ──► Scenario::check_actions ──┘
//!   Scenario ──► to_json / to_json_pretty ──► canonical text (from_json gives it back)
//! ```
//!
//! # Scenario format, version 1
//!
//! The public contract is in `DESIGN.md`; this is how this module reads it. Fields keep their
//! meaning forever; new optional fields may be added. Times are virtual milliseconds from the
//! start of the run unless a name says otherwise; `*_ms` fields are milliseconds.
//!
//! ```text
//! format        1 (required)
//! name          string, optional (one line, ≤ 200 bytes)
//! description   string, optional (markdown, ≤ 64 KiB)
//! version       "3.4.5" | "3.4.6" | "3.4.14" | "3.5.10" | "3.6"      (default "3.6")
//! seed          unsigned 64-bit integer                                (default 1)
//! tick_ms       tickTime, 1..=3600000                                  (default 2000)
//! min_session_timeout_ms, max_session_timeout_ms                       (defaults 2 and 20 ticks)
//! epoch_ms      every server's wall clock at virtual time 0, ms since 1970 (default 1700000000000)
//! latency_ms    [min, max], one-way delay of every message, uniform   (default [1, 1])
//! init_limit    extension: initLimit in ticks, 1..=1000                 (default 10)
//! sync_limit    extension: syncLimit in ticks, 1..=1000                 (default 5)
//! servers       [{id, clock_offset_ms?, uptime_ms?, start_ms?}]         (required, at least one)
//! clients       [{name, servers, session_timeout_ms}]                   (required, may be empty)
//! actions       [{at_ms, do, ...}] in time order                        (required, may be empty)
//! until_ms      where a run stops                       (default: 60000 past the last action)
//! narration     extension: [{at_ms, text}] key moments for the gallery, in time order (optional)
//! ```
//!
//! Actions (`do`) are those of `DESIGN.md` (see [`ActionKind`] for each one's fields and
//! meaning) plus four extensions that make races happen on demand rather than by seed:
//!
//! ```text
//! hold     {from, to, kind?, count?}         matching messages wait in the network
//! release  {from?, to?}                      held messages go on; hold/drop/delay rules end
//! drop     {from, to, kind?, count?}         matching messages are lost
//! delay    {from, to, kind?, by_ms, count?}  matching messages take by_ms longer
//! ```
//!
//! `from` and `to` are endpoints (`"s3"` or a client name), `kind` a message kind name as the
//! network names it (`"REVALIDATE"`, `"PING"`, ...: `net::MESSAGE_KINDS`), `count` how many of the next matching
//! messages the rule takes (default: all, until a `release`).
//!
//! # How strictly it reads
//!
//! A typo must never pass silently, and a rule relaxed later never breaks an old file, so this
//! version is strict wherever strictness is free:
//!
//! * An unknown field is an error (with a "did you mean" when one is close), except fields whose
//!   name starts with `x_`, in any object: they are left for tools (editor state, gallery tags),
//!   ignored, and not written back by [`Scenario::to_json`].
//! * A duplicate key in one object is an error (JSON parsers otherwise keep one silently).
//! * `null` for an optional field means the same as leaving it out, except `start_ms`, where
//!   `null` means "started only by a `start_server` action".
//! * Integers must be written as integers (`2000`, not `2000.0` or `2e3`).
//! * Client names are 1 to 64 bytes of `A-Z a-z 0-9 - _ . :`, unique, and never `s<digits>`
//!   (that form names a server: `"s3"`; a server is always written without leading zeros).
//! * Server ids are unique; every server or client an action names exists; a client is
//!   connected (an earlier `connect`) before anything else is done with it, and `session_of`
//!   names a client connected earlier (possibly itself: a restarted process reclaiming its
//!   session).
//! * Paths are ZooKeeper paths as `PathUtils.validatePath` checks them (a sequential create's
//!   path may end in `/`, as in ZooKeeper), and at most 1024 bytes. Data is a UTF-8 string whose
//!   bytes are the znode data, at most 1048575 bytes (`jute.maxbuffer`'s default).
//! * Every server's wall clock (`epoch_ms` + `clock_offset_ms` + its clock jumps so far) stays
//!   within ±2^53 ms, so no clock arithmetic in the simulator can overflow.
//! * Actions are in time order, none after `until_ms`.
//!
//! The first error found is returned, in a fixed order (top-level fields in the order above,
//! then each list in order), as `path: message`, e.g.
//! `actions[3].client: no client named "app-9"`.
//!
//! # Canonical form
//!
//! [`Scenario::to_json`] writes `format`, `version`, `servers`, `clients` and `actions` always,
//! and every other field only when it differs from its default (so links stay short), with keys
//! in the order of the tables above. `from_json(to_json(s)) == s` for every scenario `from_json`
//! returns.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::profile::Version;

mod check;
use check::multi_ops_count;

// ------------------------------------------------------------------------------------------------
// The scenario
// ------------------------------------------------------------------------------------------------

/// A scenario with every default resolved: what the simulator runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// A title for the gallery and the page; one line.
    pub name: Option<String>,
    /// Markdown shown beside the scenario.
    pub description: Option<String>,
    /// The version profile every server and client follows.
    pub version: Version,
    /// The one seed every random stream of the run is derived from.
    pub seed: u64,
    /// ZooKeeper's `tickTime`, in ms.
    pub tick_ms: u64,
    /// `minSessionTimeout`, in ms (default resolved: 2 ticks).
    pub min_session_timeout_ms: u64,
    /// `maxSessionTimeout`, in ms (default resolved: 20 ticks).
    pub max_session_timeout_ms: u64,
    /// Every server's wall clock at virtual time 0, in ms since 1970-01-01T00:00:00Z (before its
    /// own `clock_offset_ms`).
    pub epoch_ms: i64,
    /// `(min, max)`: every message's one-way delay is drawn uniformly from `min..=max` ms.
    pub latency_ms: (u64, u64),
    /// Extension: `initLimit`, in ticks (how long a learner may take to connect and sync).
    pub init_limit: u32,
    /// Extension: `syncLimit`, in ticks (how far a follower may fall behind the leader).
    pub sync_limit: u32,
    /// The ensemble, in the order given.
    pub servers: Vec<ServerSpec>,
    /// The client processes, in the order given; each holds at most one handle at a time.
    pub clients: Vec<ClientSpec>,
    /// The timeline, in time order; equal times run in list order.
    pub actions: Vec<Action>,
    /// Where a run stops, in virtual ms (default resolved: the last action's time + 60000).
    pub until_ms: u64,
    /// Extension: key moments for the gallery, in time order.
    pub narration: Vec<Narration>,
}

/// One server of the ensemble.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    /// `myid`, 1..=255 (it becomes the high byte of the session IDs this server mints).
    pub id: u8,
    /// Added to `epoch_ms` for this server's wall clock, in ms (a server whose clock is off).
    pub clock_offset_ms: i64,
    /// This server's elapsed clock (`System.nanoTime() / 1e6`, roughly its uptime) at virtual
    /// time 0, in ms.
    pub uptime_ms: i64,
    /// When the server starts, in virtual ms; `None`: only a `start_server` action starts it.
    /// A time after `until_ms` is allowed: the server just never starts in that run.
    pub start_ms: Option<u64>,
}

/// One client process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSpec {
    /// The process's name: unique, 1..=64 bytes of `A-Za-z0-9-_.:`, never `s<digits>`.
    pub name: String,
    /// The connect string, as myids, in the order written (the host provider shuffles it).
    pub servers: Vec<u8>,
    /// The session timeout the client asks for, in ms (the server negotiates it into
    /// `[min_session_timeout_ms, max_session_timeout_ms]`; 0 is a legal request and gets the
    /// minimum, as REAL-ZOOKEEPER.md measured).
    pub session_timeout_ms: u64,
}

/// A key moment for the gallery: a caption shown when the run reaches `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narration {
    /// When, in virtual ms.
    pub at_ms: u64,
    /// What to say (markdown), at most [`NARRATION_TEXT_BYTES_MAX`] bytes.
    pub text: String,
}

/// One step of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// When it happens, in virtual ms. Ops are issued then and answered whenever the simulated
    /// system answers them.
    pub at_ms: u64,
    /// What happens.
    pub kind: ActionKind,
}

/// What an action does (the `do` field). Every `client` names a [`ClientSpec`], every `server`
/// a [`ServerSpec`] id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `start_server {server}`: the server starts (again: a restart keeps its data).
    StartServer { server: u8 },
    /// `crash_server {server}`: the server process dies; its connections reset.
    CrashServer { server: u8 },
    /// `connect {client, session_of?, servers?}`: a new ZooKeeper handle. With `session_of`,
    /// it reuses that client's current session id and password (the renew constructor), which
    /// is how a session is moved. `servers` replaces the client's connect string for this handle.
    Connect {
        client: String,
        session_of: Option<String>,
        servers: Option<Vec<u8>>,
        /// Extension: the 16-byte password to send (32 hex digits in JSON) instead of the one
        /// the handle would use, to see a wrong password refused like an expired session.
        password: Option<[u8; 16]>,
    },
    /// `close {client}`: graceful close of the session.
    Close { client: String },
    /// `kill {client}`: the process dies: its sockets close, its session is left to expire.
    Kill { client: String },
    /// `freeze {client, for_ms}`: the process stops for `for_ms` (a GC pause): no reads, no
    /// writes, sockets stay open.
    Freeze { client: String, for_ms: u64 },
    /// `create {client, path, data?, ephemeral?, sequential?}`.
    Create {
        client: String,
        path: String,
        data: String,
        ephemeral: bool,
        sequential: bool,
    },
    /// `set_data {client, path, data?, version?}`; `version` -1 (the default) matches any.
    SetData {
        client: String,
        path: String,
        data: String,
        version: i32,
    },
    /// `delete {client, path, version?}`; `version` -1 (the default) matches any.
    Delete {
        client: String,
        path: String,
        version: i32,
    },
    /// `exists {client, path}`.
    Exists { client: String, path: String },
    /// `get_data {client, path}`.
    GetData { client: String, path: String },
    /// Extension `sync {client, path}`: `ZooKeeper.sync`, which a follower forwards to the
    /// leader and always answers OK (spec 6.3, ZOOKEEPER-915).
    Sync { client: String, path: String },
    /// `multi {client, ops}`: one transaction of several ops.
    Multi { client: String, ops: Vec<MultiOp> },
    /// `register {client, path, data?, style}`: the service-registration recipe on an ephemeral
    /// node: `exists`, then `create` (ephemeral) or `set_data`; or `delete`, then `create`.
    Register {
        client: String,
        path: String,
        data: String,
        style: RegisterStyle,
    },
    /// `partition {a, b, one_way?}`: messages between every endpoint of `a` and every endpoint
    /// of `b` stop getting through; with `one_way`, only those from `a` to `b`. Like TCP, the
    /// network does not lose them: they wait and arrive, in order, after the heal (by then
    /// ZooKeeper's own timeouts have usually closed the connection).
    Partition {
        a: Vec<Endpoint>,
        b: Vec<Endpoint>,
        one_way: bool,
    },
    /// `heal {a?, b?}`: ends the partitions between every endpoint of `a` and every endpoint of
    /// `b`, both ways; a side left out means every endpoint (no sides: heal all).
    Heal {
        a: Option<Vec<Endpoint>>,
        b: Option<Vec<Endpoint>>,
    },
    /// `clock_jump {server, by_ms}`: the server's wall clock jumps (its elapsed clock does not).
    ClockJump { server: u8, by_ms: i64 },
    /// Extension `hold {from, to, kind?, count?}`: from now on, messages from `from` to `to` (of
    /// message kind `kind`, or of any kind) wait in the network, neither delivered nor lost,
    /// until a `release`; with `count`, only the next `count` of them.
    Hold {
        from: Endpoint,
        to: Endpoint,
        kind: Option<String>,
        count: Option<u32>,
    },
    /// Extension `release {from?, to?}`: the hold, drop and delay rules between `from` and `to`
    /// (a side left out: every endpoint) end, and their held messages go on, in the order they
    /// were sent.
    Release {
        from: Option<Endpoint>,
        to: Option<Endpoint>,
    },
    /// Extension `drop {from, to, kind?, count?}`: matching messages are lost.
    Drop {
        from: Endpoint,
        to: Endpoint,
        kind: Option<String>,
        count: Option<u32>,
    },
    /// Extension `delay {from, to, kind?, by_ms, count?}`: matching messages take `by_ms` longer.
    Delay {
        from: Endpoint,
        to: Endpoint,
        kind: Option<String>,
        by_ms: u64,
        count: Option<u32>,
    },
}

/// One op of a `multi` (`{"op": "create" | "set_data" | "delete" | "check", ...}`), with the
/// fields and defaults of the action of the same name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultiOp {
    Create {
        path: String,
        data: String,
        ephemeral: bool,
        sequential: bool,
    },
    SetData {
        path: String,
        data: String,
        version: i32,
    },
    Delete {
        path: String,
        version: i32,
    },
    /// `Op.check(path, version)`: the transaction fails unless the node has this version.
    Check {
        path: String,
        version: i32,
    },
}

/// How `register` goes about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegisterStyle {
    /// `"exists-then-set"`: `exists`; if the node is there `set_data`, else `create`.
    ExistsThenSet,
    /// `"delete-then-create"`: `delete` (any version), then `create`.
    DeleteThenCreate,
}

impl RegisterStyle {
    pub fn name(self) -> &'static str {
        match self {
            RegisterStyle::ExistsThenSet => "exists-then-set",
            RegisterStyle::DeleteThenCreate => "delete-then-create",
        }
    }
}

/// Something messages go to and from: a server (`"s3"`) or a client (its name).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Server(u8),
    Client(String),
}

impl Endpoint {
    /// Reads the form only: `"s<myid>"` (1..=255, no leading zero) is a server, a valid client
    /// name is a client. Whether it exists is the scenario's question.
    pub fn parse(s: &str) -> Option<Endpoint> {
        match server_ref(s) {
            Some(Ok(id)) => Some(Endpoint::Server(id)),
            Some(Err(_)) => None,
            None => client_name_problem(s)
                .is_none()
                .then(|| Endpoint::Client(s.to_string())),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Server(id) => write!(f, "s{id}"),
            Endpoint::Client(name) => f.write_str(name),
        }
    }
}

impl ActionKind {
    /// The `do` name.
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::StartServer { .. } => "start_server",
            ActionKind::CrashServer { .. } => "crash_server",
            ActionKind::Connect { .. } => "connect",
            ActionKind::Close { .. } => "close",
            ActionKind::Kill { .. } => "kill",
            ActionKind::Freeze { .. } => "freeze",
            ActionKind::Create { .. } => "create",
            ActionKind::SetData { .. } => "set_data",
            ActionKind::Delete { .. } => "delete",
            ActionKind::Exists { .. } => "exists",
            ActionKind::GetData { .. } => "get_data",
            ActionKind::Sync { .. } => "sync",
            ActionKind::Multi { .. } => "multi",
            ActionKind::Register { .. } => "register",
            ActionKind::Partition { .. } => "partition",
            ActionKind::Heal { .. } => "heal",
            ActionKind::ClockJump { .. } => "clock_jump",
            ActionKind::Hold { .. } => "hold",
            ActionKind::Release { .. } => "release",
            ActionKind::Drop { .. } => "drop",
            ActionKind::Delay { .. } => "delay",
        }
    }

    /// The client this action is done by or to, if any (`session_of` is not counted).
    pub fn client(&self) -> Option<&str> {
        match self {
            ActionKind::Connect { client, .. }
            | ActionKind::Close { client }
            | ActionKind::Kill { client }
            | ActionKind::Freeze { client, .. }
            | ActionKind::Create { client, .. }
            | ActionKind::SetData { client, .. }
            | ActionKind::Delete { client, .. }
            | ActionKind::Exists { client, .. }
            | ActionKind::GetData { client, .. }
            | ActionKind::Sync { client, .. }
            | ActionKind::Multi { client, .. }
            | ActionKind::Register { client, .. } => Some(client),
            _ => None,
        }
    }
}

impl MultiOp {
    /// The `op` name.
    pub fn name(&self) -> &'static str {
        match self {
            MultiOp::Create { .. } => "create",
            MultiOp::SetData { .. } => "set_data",
            MultiOp::Delete { .. } => "delete",
            MultiOp::Check { .. } => "check",
        }
    }

    pub fn path(&self) -> &str {
        match self {
            MultiOp::Create { path, .. }
            | MultiOp::SetData { path, .. }
            | MultiOp::Delete { path, .. }
            | MultiOp::Check { path, .. } => path,
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Defaults and format rules (the same everywhere: they are part of format v1)
// ------------------------------------------------------------------------------------------------

/// The defaults of scenario format v1. They are part of the contract: a field left out of a file
/// written today must mean the same thing in every later version.
pub mod defaults {
    use crate::profile::Version;

    pub const VERSION: Version = Version::V3_6;
    pub const SEED: u64 = 1;
    pub const TICK_MS: u64 = 2000;
    /// `minSessionTimeout` when not set: this many ticks (`ZooKeeperServer`'s `tickTime * 2`).
    pub const MIN_SESSION_TIMEOUT_TICKS: u64 = 2;
    /// `maxSessionTimeout` when not set: this many ticks (`tickTime * 20`).
    pub const MAX_SESSION_TIMEOUT_TICKS: u64 = 20;
    /// 2023-11-14T22:13:20Z.
    pub const EPOCH_MS: i64 = 1_700_000_000_000;
    pub const LATENCY_MS: (u64, u64) = (1, 1);
    pub const INIT_LIMIT: u32 = 10;
    pub const SYNC_LIMIT: u32 = 5;
    pub const SERVER_START_MS: Option<u64> = Some(0);
    /// `until_ms` when not set: this long after the last action.
    pub const UNTIL_AFTER_LAST_ACTION_MS: u64 = 60_000;
    /// A znode version that matches any version.
    pub const ANY_VERSION: i32 = -1;
}

/// The only scenario format this version reads and writes.
pub const FORMAT: u64 = 1;

/// Longest scenario name: a title, not a text.
pub const NAME_BYTES_MAX: usize = 200;
/// Longest description: a page of markdown.
pub const DESCRIPTION_BYTES_MAX: usize = 64 * 1024;
/// Longest client name: names appear in every log line and trace event.
pub const CLIENT_NAME_BYTES_MAX: usize = 64;
/// Longest znode path. ZooKeeper itself bounds a path only by `jute.maxbuffer`; paths this long
/// teach nothing and cost on every op.
pub const PATH_BYTES_MAX: usize = 1024;
/// Largest znode data: `jute.maxbuffer`'s default (`0xfffff`), beyond which ZooKeeper refuses
/// the packet.
pub const DATA_BYTES_MAX: usize = 0xfffff;
/// Longest narration caption.
pub const NARRATION_TEXT_BYTES_MAX: usize = 4096;
/// Longest message kind name in hold/drop/delay.
pub const MESSAGE_KIND_BYTES_MAX: usize = 32;
/// Largest `tickTime`: an hour. Twenty of them (the default max session timeout) still fit the
/// Java `int` ZooKeeper keeps timeouts in.
pub const TICK_MS_MAX: u64 = 3_600_000;
/// Largest session timeout: ZooKeeper keeps it in a Java `int`.
pub const SESSION_TIMEOUT_MS_MAX: u64 = i32::MAX as u64;
/// Largest one-way latency: an hour, beyond any timeout worth modelling.
pub const LATENCY_MS_MAX: u64 = 3_600_000;
/// Largest `initLimit` / `syncLimit`, in ticks.
pub const TICK_LIMIT_MAX: u32 = 1000;
/// Every wall clock and elapsed clock stays within ±2^53 ms (285,000 years; also the largest
/// integer a JavaScript number holds exactly), so that adding virtual time to it never overflows.
pub const CLOCK_ABS_MAX_MS: i64 = 1 << 53;

// ------------------------------------------------------------------------------------------------
// Limits (how much a runtime takes on)
// ------------------------------------------------------------------------------------------------

/// How much of a scenario a runtime accepts. The format rules above are the same everywhere; a
/// `Limits` is about cost, so the browser and the command line differ. Every list and every
/// length that comes from outside is bounded by one of these or by a format rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of JSON read at all, checked before parsing (a parsed value costs several times its
    /// text in memory).
    pub json_bytes_max: usize,
    /// Servers in the ensemble. Every write is proposed to every server and every server keeps
    /// the whole tree, so cost grows with the square of servers times writes.
    pub servers_max: usize,
    /// Client processes. Each pings every third of its timeout for the whole run.
    pub clients_max: usize,
    /// Actions in the timeline.
    pub actions_max: usize,
    /// The latest `until_ms` (and so every `at_ms`). Run time is proportional to virtual time:
    /// pings and ticks never stop.
    pub until_ms_max: u64,
    /// Ops in one `multi`. ZooKeeper bounds a multi only by `jute.maxbuffer` (tens of thousands
    /// of small ops); every op of it is replayed on every server.
    pub multi_ops_max: usize,
    /// Narration entries.
    pub narration_max: usize,
}

impl Limits {
    /// What a browser tab runs comfortably. The JSON cap equals the link format's inflated-size
    /// cap, so every link that inflates fits. 15 servers is past any real ensemble (3 to 7 is
    /// the practice) and still fits a screen; 500 clients, 10,000 actions and a virtual day keep
    /// a fast-forward to the end within seconds to a minute in wasm.
    pub const BROWSER: Limits = Limits {
        json_bytes_max: 1024 * 1024,
        servers_max: 15,
        clients_max: 500,
        actions_max: 10_000,
        until_ms_max: 24 * 3_600_000,
        multi_ops_max: 1_000,
        narration_max: 200,
    };

    /// What the command line takes on: the whole myid space, load-test sized client counts,
    /// a million actions and 30 virtual days (a batch run of minutes to hours). The JSON cap
    /// keeps a parsed scenario to a few GiB at worst.
    pub const NATIVE: Limits = Limits {
        json_bytes_max: 256 * 1024 * 1024,
        servers_max: 255,
        clients_max: 200_000,
        actions_max: 1_000_000,
        until_ms_max: 30 * 24 * 3_600_000,
        multi_ops_max: 10_000,
        narration_max: 10_000,
    };
}

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

/// What is wrong with a scenario, and where: `path` is the field (`actions[3].client`), or
/// `json` when the text is not JSON at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ScenarioError {}

type R<T> = Result<T, ScenarioError>;

fn err<T>(path: &str, message: impl Into<String>) -> R<T> {
    Err(ScenarioError {
        path: path.to_string(),
        message: message.into(),
    })
}

// ------------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------------

impl Scenario {
    /// Reads a scenario (format v1) and resolves its defaults. Every error names the field it is
    /// about. Never panics, whatever the input.
    pub fn from_json(text: &str, limits: &Limits) -> Result<Scenario, ScenarioError> {
        // Editors on some systems start a UTF-8 file with a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        check_json_bytes(text.len(), limits)?;
        let value = parse_strict(text)?;
        Reader { limits }.scenario(&value)
    }

    /// Checks a scenario built in code (the browser's action log, say) against the format and
    /// `limits`, exactly as if it had been read from its JSON.
    pub fn validate(&self, limits: &Limits) -> Result<(), ScenarioError> {
        let back = Scenario::from_json(&self.to_json(), limits)?;
        if back == *self {
            Ok(())
        } else {
            err(
                "scenario",
                "does not survive its own JSON (a resolved default was changed by hand?)",
            )
        }
    }

    /// `until_ms` when it is not given: 60000 after the last action (or after 0).
    pub fn default_until_ms(actions: &[Action]) -> u64 {
        actions
            .last()
            .map_or(0, |a| a.at_ms)
            .saturating_add(defaults::UNTIL_AFTER_LAST_ACTION_MS)
    }
}

/// JSON to a `Value`, refusing duplicate keys. serde_json's recursion limit (128 levels) still
/// applies, so deep nesting is an error, not a stack overflow.
fn parse_strict(text: &str) -> R<Value> {
    match serde_json::from_str::<StrictValue>(text) {
        Ok(StrictValue(v)) => Ok(v),
        Err(e) => err("json", e.to_string()),
    }
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate field {}",
                    quote(&key)
                )));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

const TOP_FIELDS: &[&str] = &[
    "format",
    "name",
    "description",
    "version",
    "seed",
    "tick_ms",
    "min_session_timeout_ms",
    "max_session_timeout_ms",
    "epoch_ms",
    "latency_ms",
    "init_limit",
    "sync_limit",
    "servers",
    "clients",
    "actions",
    "until_ms",
    "narration",
];
const SERVER_FIELDS: &[&str] = &["id", "clock_offset_ms", "uptime_ms", "start_ms"];
const CLIENT_FIELDS: &[&str] = &["name", "servers", "session_timeout_ms"];
const NARRATION_FIELDS: &[&str] = &["at_ms", "text"];

/// 32 hex digits as 16 bytes.
fn parse_password(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Each `do`, with the fields it takes besides `at_ms` and `do`.
const ACTIONS: &[(&str, &[&str])] = &[
    ("start_server", &["server"]),
    ("crash_server", &["server"]),
    ("connect", &["client", "session_of", "servers", "password"]),
    ("close", &["client"]),
    ("kill", &["client"]),
    ("freeze", &["client", "for_ms"]),
    (
        "create",
        &["client", "path", "data", "ephemeral", "sequential"],
    ),
    ("set_data", &["client", "path", "data", "version"]),
    ("delete", &["client", "path", "version"]),
    ("exists", &["client", "path"]),
    ("get_data", &["client", "path"]),
    ("sync", &["client", "path"]),
    ("multi", &["client", "ops"]),
    ("register", &["client", "path", "data", "style"]),
    ("partition", &["a", "b", "one_way"]),
    ("heal", &["a", "b"]),
    ("clock_jump", &["server", "by_ms"]),
    ("hold", &["from", "to", "kind", "count"]),
    ("release", &["from", "to"]),
    ("drop", &["from", "to", "kind", "count"]),
    ("delay", &["from", "to", "kind", "by_ms", "count"]),
];

/// Each multi `op`, with the fields it takes besides `op`.
const MULTI_OPS: &[(&str, &[&str])] = &[
    ("create", &["path", "data", "ephemeral", "sequential"]),
    ("set_data", &["path", "data", "version"]),
    ("delete", &["path", "version"]),
    ("check", &["path", "version"]),
];

/// `path.key`, or `path["key"]` for a key that is not a plain name (so a path is never empty
/// and never ambiguous).
fn join(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match (plain, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", quote(key)),
    }
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A JSON string literal for messages, cut short when long.
fn quote(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut out = String::from("\"");
    for (n, c) in s.chars().enumerate() {
        if n == MAX_CHARS {
            out.push_str("...");
            break;
        }
        escape_char(c, &mut out);
    }
    out.push('"');
    out
}

/// How a value looks in "got ..." messages.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The integer a JSON number holds, if it holds one.
fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(i128::from)
            .or_else(|| n.as_i64().map(i128::from)),
        _ => None,
    }
}

/// Suggestions are looked for among at most this many names: an error message must stay cheap
/// when a scenario has 200,000 clients.
const SUGGEST_AMONG_MAX: usize = 1000;

/// The closest known name to a misspelt one, if any is close.
fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let known: Vec<&str> = known.into_iter().take(SUGGEST_AMONG_MAX + 1).collect();
    if known.len() > SUGGEST_AMONG_MAX {
        return None;
    }
    known
        .into_iter()
        .map(|k| (edit_distance(word, k), k))
        .filter(|&(d, k)| {
            let prefix = word.len() >= 3 && (k.starts_with(word) || word.starts_with(k));
            d <= (k.len() / 3).clamp(1, 2) || prefix
        })
        // Ties go to the alphabetically first, so the message never depends on hash order.
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    // Names worth suggesting for are short; a long word is simply not close.
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `Some(Ok(id))` for a well-formed server reference, `Some(Err(why))` for something of the form
/// `s<digits>` that is not one, `None` for anything else.
fn server_ref(s: &str) -> Option<Result<u8, String>> {
    let digits = s.strip_prefix('s')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        let trimmed = digits.trim_start_matches('0');
        return Some(Err(format!(
            "write servers without leading zeros (\"s{}\")",
            if trimmed.is_empty() { "0" } else { trimmed }
        )));
    }
    match digits.parse::<u16>() {
        Ok(id @ 1..=255) => Some(Ok(id as u8)),
        _ => Some(Err(format!("server ids are 1..=255, got {}", quote(s)))),
    }
}

/// Why a string is not a valid client name, if it is not.
fn client_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if name.len() > CLIENT_NAME_BYTES_MAX {
        return Some(format!(
            "{} bytes long, the limit is {CLIENT_NAME_BYTES_MAX}",
            name.len()
        ));
    }
    if let Some((i, c)) = name
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Some(format!(
            "{} has {:?} at byte {i}; names use only A-Z a-z 0-9 - _ . :",
            quote(name),
            c
        ));
    }
    if server_ref(name).is_some() {
        return Some(format!(
            "{} has the form of a server (s<myid>); pick another name",
            quote(name)
        ));
    }
    None
}

/// ZooKeeper's `PathUtils.validatePath(path, isSequential)`: why `path` is refused, if it is.
/// Positions are in UTF-16 units, as ZooKeeper reports them.
fn path_problem(path: &str, sequential: bool) -> Option<String> {
    if path.len() > PATH_BYTES_MAX {
        return Some(format!(
            "{} bytes long, the limit is {PATH_BYTES_MAX}",
            path.len()
        ));
    }
    // A sequential create's path gets a counter appended, so ZooKeeper checks it with one.
    let checked;
    let p: &str = if sequential {
        checked = format!("{path}1");
        &checked
    } else {
        path
    };
    let units: Vec<u16> = p.encode_utf16().collect();
    let bad = |why: &str| Some(format!("{why} (ZooKeeper's PathUtils.validatePath)"));
    if units.is_empty() {
        return bad("path length must be > 0");
    }
    if units[0] != u16::from(b'/') {
        return bad("path must start with / character");
    }
    if units.len() == 1 {
        return None;
    }
    if units[units.len() - 1] == u16::from(b'/') {
        return bad("path must not end with / character");
    }
    let slash = u16::from(b'/');
    let dot = u16::from(b'.');
    for i in 1..units.len() {
        let c = units[i];
        let last = units[i - 1];
        let next_ends = i + 1 == units.len() || units[i + 1] == slash;
        if c == 0 {
            return bad(&format!("null character not allowed @{i}"));
        } else if c == slash && last == slash {
            return bad(&format!("empty node name specified @{i}"));
        } else if c == dot && last == dot {
            if i >= 2 && units[i - 2] == slash && next_ends {
                return bad(&format!("relative paths not allowed @{i}"));
            }
        } else if c == dot {
            if last == slash && next_ends {
                return bad(&format!("relative paths not allowed @{i}"));
            }
        } else if (0x0001..=0x001f).contains(&c)
            || (0x007f..=0x009f).contains(&c)
            || (0xd800..=0xf8ff).contains(&c)
            || c >= 0xfff0
        {
            return bad(&format!("invalid character @{i}"));
        }
    }
    None
}

/// An object's fields, with unknown ones refused.
struct Obj<'v> {
    map: &'v Map<String, Value>,
    path: String,
}

impl<'v> Obj<'v> {
    fn new(v: &'v Value, path: &str, what: &str) -> R<Obj<'v>> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                path: path.to_string(),
            }),
            other => err(
                path,
                format!("{what} is a JSON object, got {}", show(other)),
            ),
        }
    }

    /// Refuses fields not in `allowed` (and not `x_...`), naming the first in sorted order.
    fn only(&self, allowed: &[&str], context: &str) -> R<()> {
        let unknown = self
            .map
            .keys()
            .filter(|k| !k.starts_with("x_") && !allowed.contains(&k.as_str()))
            .min();
        match unknown {
            None => Ok(()),
            Some(k) => {
                let hint = match did_you_mean(k, allowed.iter().copied()) {
                    Some(m) => format!(" (did you mean \"{m}\"?)"),
                    None => format!(" ({context} takes {})", allowed.join(", ")),
                };
                err(&self.at(k), format!("unknown field{hint}"))
            }
        }
    }

    fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field's value; `null` counts as absent.
    fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn required(&self, key: &str) -> R<&'v Value> {
        match self.get(key) {
            Some(v) => Ok(v),
            None => err(&self.at(key), "required"),
        }
    }

    fn int(&self, key: &str, min: i128, max: i128, default: Option<i128>) -> R<i128> {
        let v = match (self.get(key), default) {
            (Some(v), _) => v,
            (None, Some(d)) => return Ok(d),
            (None, None) => return err(&self.at(key), "required"),
        };
        match integer(v) {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            Some(n) => err(&self.at(key), format!("must be {min}..={max}, got {n}")),
            None => err(
                &self.at(key),
                format!("must be an integer in {min}..={max}, got {}", show(v)),
            ),
        }
    }

    fn u64(&self, key: &str, min: u64, max: u64, default: Option<u64>) -> R<u64> {
        let n = self.int(key, min.into(), max.into(), default.map(i128::from))?;
        // In range by the check above.
        Ok(u64::try_from(n).unwrap_or(max))
    }

    fn i64(&self, key: &str, min: i64, max: i64, default: Option<i64>) -> R<i64> {
        let n = self.int(key, min.into(), max.into(), default.map(i128::from))?;
        Ok(i64::try_from(n).unwrap_or(max))
    }

    fn u32(&self, key: &str, min: u32, max: u32, default: Option<u32>) -> R<u32> {
        let n = self.int(key, min.into(), max.into(), default.map(i128::from))?;
        Ok(u32::try_from(n).unwrap_or(max))
    }

    fn version_field(&self, key: &str) -> R<i32> {
        let n = self.int(
            key,
            defaults::ANY_VERSION.into(),
            i32::MAX.into(),
            Some(defaults::ANY_VERSION.into()),
        )?;
        Ok(i32::try_from(n).unwrap_or(defaults::ANY_VERSION))
    }

    fn bool(&self, key: &str, default: bool) -> R<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => err(
                &self.at(key),
                format!("must be true or false, got {}", show(v)),
            ),
        }
    }

    fn opt_str(&self, key: &str) -> R<Option<&'v str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => err(&self.at(key), format!("must be a string, got {}", show(v))),
        }
    }

    fn str(&self, key: &str) -> R<&'v str> {
        match self.opt_str(key)? {
            Some(s) => Ok(s),
            None => err(&self.at(key), "required"),
        }
    }

    fn opt_array(&self, key: &str) -> R<Option<&'v Vec<Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => err(&self.at(key), format!("must be an array, got {}", show(v))),
        }
    }

    fn array(&self, key: &str) -> R<&'v Vec<Value>> {
        match self.opt_array(key)? {
            Some(a) => Ok(a),
            None => err(&self.at(key), "required"),
        }
    }
}

/// What the action list knows while it is read.
struct Ctx<'s> {
    servers: [bool; 256],
    clients: HashMap<&'s str, usize>,
    /// Per client: has a `connect` come before?
    connected: Vec<bool>,
    /// Per server id: epoch + offset + clock jumps so far.
    wall_ms: [i128; 256],
}

impl<'s> Ctx<'s> {
    /// What the actions of `scenario` start from: its servers, clients and wall clocks.
    fn of(scenario: &'s Scenario) -> Ctx<'s> {
        let mut ctx = Ctx {
            servers: [false; 256],
            clients: HashMap::with_capacity(scenario.clients.len()),
            connected: vec![false; scenario.clients.len()],
            wall_ms: [0; 256],
        };
        ctx.add_servers(&scenario.servers, scenario.epoch_ms);
        for (i, c) in scenario.clients.iter().enumerate() {
            ctx.clients.insert(&c.name, i);
        }
        ctx
    }

    fn add_servers(&mut self, servers: &[ServerSpec], epoch_ms: i64) {
        for s in servers {
            self.servers[usize::from(s.id)] = true;
            self.wall_ms[usize::from(s.id)] = i128::from(epoch_ms) + i128::from(s.clock_offset_ms);
        }
    }
}

impl Ctx<'_> {
    fn client_index(&self, name: &str, path: &str) -> R<usize> {
        if let Some(&i) = self.clients.get(name) {
            return Ok(i);
        }
        if let Some(Ok(_)) = server_ref(name) {
            return err(
                path,
                format!(
                    "{} is a server; a client name is expected here",
                    quote(name)
                ),
            );
        }
        let hint = match did_you_mean(name, self.clients.keys().copied()) {
            Some(m) => format!(" (did you mean \"{m}\"?)"),
            None => String::new(),
        };
        err(path, format!("no client named {}{hint}", quote(name)))
    }

    /// A list of server ids, read and then checked.
    fn server_list(&self, items: &[Value], path: &str) -> R<Vec<u8>> {
        let ids = server_ids(items, path)?;
        self.check_server_list(&ids, path)?;
        Ok(ids)
    }
}

// The shape of an action's fields: the JSON types, and what fits the Rust types. Whether a
// server or a client exists, whether a path is a path, is the one validator's question
// (`check.rs`), asked of the typed action.

/// A server id as written: any integer a `u8` holds (0 is the validator's to refuse).
fn server_id(v: &Value, path: &str) -> R<u8> {
    match integer(v) {
        Some(n @ 0..=255) => Ok(n as u8),
        Some(n) => err(path, format!("must be 1..=255, got {n}")),
        None => err(
            path,
            format!("must be a server id (1..=255), got {}", show(v)),
        ),
    }
}

fn server_ids(items: &[Value], path: &str) -> R<Vec<u8>> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| server_id(v, &index(path, i)))
        .collect()
}

/// An endpoint as written: `"s<myid>"` is a server, anything else a client's name.
fn endpoint(v: &Value, path: &str) -> R<Endpoint> {
    let Value::String(s) = v else {
        return err(
            path,
            format!(
                "must be an endpoint (\"s<myid>\" or a client name), got {}",
                show(v)
            ),
        );
    };
    match server_ref(s) {
        Some(Ok(id)) => Ok(Endpoint::Server(id)),
        Some(Err(why)) => err(path, why),
        None => Ok(Endpoint::Client(s.clone())),
    }
}

impl Obj<'_> {
    fn endpoint(&self, key: &str) -> R<Option<Endpoint>> {
        self.get(key)
            .map(|v| endpoint(v, &self.at(key)))
            .transpose()
    }

    fn required_endpoint(&self, key: &str) -> R<Endpoint> {
        endpoint(self.required(key)?, &self.at(key))
    }

    /// A partition side as written: a list of endpoints.
    fn side(&self, key: &str) -> R<Option<Vec<Endpoint>>> {
        let Some(items) = self.opt_array(key)? else {
            return Ok(None);
        };
        let path = self.at(key);
        let side = items
            .iter()
            .enumerate()
            .map(|(i, v)| endpoint(v, &index(&path, i)))
            .collect::<R<Vec<_>>>()?;
        Ok(Some(side))
    }

    fn required_side(&self, key: &str) -> R<Vec<Endpoint>> {
        match self.side(key)? {
            Some(side) => Ok(side),
            None => err(&self.at(key), "required"),
        }
    }

    fn count(&self) -> R<Option<u32>> {
        match self.get("count") {
            None => Ok(None),
            Some(_) => self.u32("count", 1, u32::MAX, None).map(Some),
        }
    }

    fn kind(&self) -> R<Option<String>> {
        Ok(self.opt_str("kind")?.map(str::to_string))
    }

    fn data_str(&self, key: &str) -> R<String> {
        Ok(self.opt_str(key)?.unwrap_or("").to_string())
    }

    fn string(&self, key: &str) -> R<String> {
        self.str(key).map(str::to_string)
    }
}

/// The text's size, checked before parsing (a parsed value costs several times its text).
fn check_json_bytes(bytes: usize, limits: &Limits) -> R<()> {
    if bytes > limits.json_bytes_max {
        return err(
            "json",
            format!(
                "{bytes} bytes, more than the {} this runtime reads",
                limits.json_bytes_max
            ),
        );
    }
    Ok(())
}

/// An action's place in the timeline: in time order, none after a given `until_ms`.
fn check_timeline(at_ms: u64, prev_ms: Option<u64>, until: Option<u64>, path: &str) -> R<()> {
    if let Some(prev) = prev_ms
        && at_ms < prev
    {
        return err(
            &join(path, "at_ms"),
            format!("actions must be in time order ({at_ms} < {prev})"),
        );
    }
    if let Some(u) = until
        && at_ms > u
    {
        return err(
            &join(path, "at_ms"),
            format!("after until_ms ({at_ms} > {u})"),
        );
    }
    Ok(())
}

/// A defaulted `until_ms` must fit the runtime too.
fn check_default_until(until_ms: u64, limits: &Limits) -> R<()> {
    if until_ms > limits.until_ms_max {
        return err(
            "until_ms",
            format!(
                "the default (the last action + {}) is {until_ms}, past the limit of {} \
                 here; give until_ms",
                defaults::UNTIL_AFTER_LAST_ACTION_MS,
                limits.until_ms_max
            ),
        );
    }
    Ok(())
}

struct Reader<'l> {
    limits: &'l Limits,
}

impl Reader<'_> {
    fn scenario(&self, root: &Value) -> R<Scenario> {
        let Value::Object(map) = root else {
            return err(
                "json",
                format!("a scenario is a JSON object, got {}", show(root)),
            );
        };
        match map.get("format") {
            None => {
                return err(
                    "format",
                    format!("required (this zksim reads format {FORMAT})"),
                );
            }
            Some(v) => match integer(v) {
                Some(1) => {}
                Some(n) if n > 1 => {
                    return err(
                        "format",
                        format!("format {n} is from a newer zksim; this one reads format {FORMAT}"),
                    );
                }
                _ => return err("format", format!("must be {FORMAT}, got {}", show(v))),
            },
        }
        let top = Obj::new(root, "", "a scenario")?;
        top.only(TOP_FIELDS, "a scenario")?;

        let name = top.opt_str("name")?;
        if let Some(name) = name {
            if name.len() > NAME_BYTES_MAX {
                return err(
                    "name",
                    format!("{} bytes long, the limit is {NAME_BYTES_MAX}", name.len()),
                );
            }
            if name.chars().any(char::is_control) {
                return err("name", "must be one line without control characters");
            }
        }
        let description = top.opt_str("description")?;
        if let Some(d) = description
            && d.len() > DESCRIPTION_BYTES_MAX
        {
            return err(
                "description",
                format!(
                    "{} bytes long, the limit is {DESCRIPTION_BYTES_MAX}",
                    d.len()
                ),
            );
        }
        let version = match top.get("version") {
            None => defaults::VERSION,
            Some(Value::String(s)) => match Version::parse(s) {
                Some(v) => v,
                None => {
                    let known: Vec<&str> = Version::ALL.iter().map(|v| v.name()).collect();
                    return err(
                        "version",
                        format!(
                            "unknown version {} (expected one of {})",
                            quote(s),
                            known.join(", ")
                        ),
                    );
                }
            },
            Some(v) => {
                return err(
                    "version",
                    format!("must be a string such as \"3.6\", got {}", show(v)),
                );
            }
        };
        let seed = top.u64("seed", 0, u64::MAX, Some(defaults::SEED))?;
        let tick_ms = top.u64("tick_ms", 1, TICK_MS_MAX, Some(defaults::TICK_MS))?;
        let min_session_timeout_ms = top.u64(
            "min_session_timeout_ms",
            1,
            SESSION_TIMEOUT_MS_MAX,
            Some(tick_ms * defaults::MIN_SESSION_TIMEOUT_TICKS),
        )?;
        let max_session_timeout_ms = top.u64(
            "max_session_timeout_ms",
            1,
            SESSION_TIMEOUT_MS_MAX,
            Some(tick_ms * defaults::MAX_SESSION_TIMEOUT_TICKS),
        )?;
        if min_session_timeout_ms > max_session_timeout_ms {
            // QuorumPeerConfig refuses this too.
            let which = if top.get("max_session_timeout_ms").is_some() {
                "max_session_timeout_ms"
            } else {
                "min_session_timeout_ms"
            };
            return err(
                which,
                format!(
                    "min_session_timeout_ms ({min_session_timeout_ms}) is larger than \
                     max_session_timeout_ms ({max_session_timeout_ms})"
                ),
            );
        }
        let epoch_ms = top.i64(
            "epoch_ms",
            -CLOCK_ABS_MAX_MS,
            CLOCK_ABS_MAX_MS,
            Some(defaults::EPOCH_MS),
        )?;
        let latency_ms = match top.opt_array("latency_ms")? {
            None => defaults::LATENCY_MS,
            Some(pair) => {
                let [lo, hi] = pair.as_slice() else {
                    return err(
                        "latency_ms",
                        format!("must be [min, max], got {} values", pair.len()),
                    );
                };
                let bound = |v: &Value, p: &str| -> R<u64> {
                    match integer(v) {
                        Some(n) if (0..=i128::from(LATENCY_MS_MAX)).contains(&n) => Ok(n as u64),
                        _ => err(p, format!("must be 0..={LATENCY_MS_MAX}, got {}", show(v))),
                    }
                };
                let lo = bound(lo, "latency_ms[0]")?;
                let hi = bound(hi, "latency_ms[1]")?;
                if lo > hi {
                    return err("latency_ms", format!("min {lo} is larger than max {hi}"));
                }
                (lo, hi)
            }
        };
        let init_limit = top.u32("init_limit", 1, TICK_LIMIT_MAX, Some(defaults::INIT_LIMIT))?;
        let sync_limit = top.u32("sync_limit", 1, TICK_LIMIT_MAX, Some(defaults::SYNC_LIMIT))?;
        let until_given = match top.get("until_ms") {
            None => None,
            Some(_) => Some(top.u64("until_ms", 0, self.limits.until_ms_max, None)?),
        };

        let servers = self.servers(&top, epoch_ms)?;
        let mut ctx = Ctx {
            servers: [false; 256],
            clients: HashMap::new(),
            connected: Vec::new(),
            wall_ms: [0; 256],
        };
        ctx.add_servers(&servers, epoch_ms);
        let clients = self.clients(&top, &mut ctx)?;
        let actions = self.actions(&top, &mut ctx, until_given)?;
        let until_ms = match until_given {
            Some(u) => u,
            None => {
                let u = Scenario::default_until_ms(&actions);
                check_default_until(u, self.limits)?;
                u
            }
        };
        let narration = self.narration(&top, until_ms)?;

        Ok(Scenario {
            name: name.map(str::to_string),
            description: description.map(str::to_string),
            version,
            seed,
            tick_ms,
            min_session_timeout_ms,
            max_session_timeout_ms,
            epoch_ms,
            latency_ms,
            init_limit,
            sync_limit,
            servers,
            clients,
            actions,
            until_ms,
            narration,
        })
    }

    fn servers(&self, top: &Obj, epoch_ms: i64) -> R<Vec<ServerSpec>> {
        let items = top.array("servers")?;
        if items.is_empty() {
            return err("servers", "an ensemble needs at least one server");
        }
        if items.len() > self.limits.servers_max {
            return err(
                "servers",
                format!(
                    "{} servers, more than the {} this runtime runs",
                    items.len(),
                    self.limits.servers_max
                ),
            );
        }
        let mut first_at: [Option<usize>; 256] = [None; 256];
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("servers", i);
            let o = Obj::new(v, &path, "a server")?;
            o.only(SERVER_FIELDS, "a server")?;
            let id = o.u32("id", 1, 255, None)? as u8;
            if let Some(j) = first_at[usize::from(id)] {
                return err(
                    &o.at("id"),
                    format!("duplicate server id {id} (also servers[{j}])"),
                );
            }
            first_at[usize::from(id)] = Some(i);
            let clock_offset_ms = o.i64(
                "clock_offset_ms",
                -CLOCK_ABS_MAX_MS,
                CLOCK_ABS_MAX_MS,
                Some(0),
            )?;
            let wall = i128::from(epoch_ms) + i128::from(clock_offset_ms);
            if wall.abs() > i128::from(CLOCK_ABS_MAX_MS) {
                return err(
                    &o.at("clock_offset_ms"),
                    format!(
                        "puts this server's wall clock at {wall} ms, beyond ±{CLOCK_ABS_MAX_MS}"
                    ),
                );
            }
            let uptime_ms = o.i64("uptime_ms", -CLOCK_ABS_MAX_MS, CLOCK_ABS_MAX_MS, Some(0))?;
            // Here null has a meaning of its own: not started until a start_server action.
            let start_ms = match o.map.get("start_ms") {
                None => defaults::SERVER_START_MS,
                Some(Value::Null) => None,
                Some(_) => Some(o.u64("start_ms", 0, self.limits.until_ms_max, None)?),
            };
            out.push(ServerSpec {
                id,
                clock_offset_ms,
                uptime_ms,
                start_ms,
            });
        }
        Ok(out)
    }

    fn clients<'v>(&self, top: &Obj<'v>, ctx: &mut Ctx<'v>) -> R<Vec<ClientSpec>> {
        let items = top.array("clients")?;
        if items.len() > self.limits.clients_max {
            return err(
                "clients",
                format!(
                    "{} clients, more than the {} this runtime runs",
                    items.len(),
                    self.limits.clients_max
                ),
            );
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("clients", i);
            let o = Obj::new(v, &path, "a client")?;
            o.only(CLIENT_FIELDS, "a client")?;
            let name = o.str("name")?;
            if let Some(why) = client_name_problem(name) {
                return err(&o.at("name"), why);
            }
            if let Some(&j) = ctx.clients.get(name) {
                return err(
                    &o.at("name"),
                    format!("duplicate client name {} (also clients[{j}])", quote(name)),
                );
            }
            ctx.clients.insert(name, i);
            let servers = ctx.server_list(o.array("servers")?, &o.at("servers"))?;
            let session_timeout_ms =
                o.u64("session_timeout_ms", 0, SESSION_TIMEOUT_MS_MAX, None)?;
            out.push(ClientSpec {
                name: name.to_string(),
                servers,
                session_timeout_ms,
            });
        }
        ctx.connected = vec![false; out.len()];
        Ok(out)
    }

    fn actions(&self, top: &Obj, ctx: &mut Ctx, until: Option<u64>) -> R<Vec<Action>> {
        let items = top.array("actions")?;
        if items.len() > self.limits.actions_max {
            return err(
                "actions",
                format!(
                    "{} actions, more than the {} this runtime runs",
                    items.len(),
                    self.limits.actions_max
                ),
            );
        }
        let mut out: Vec<Action> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("actions", i);
            let action = self.action(v, &path, ctx)?;
            check_timeline(action.at_ms, out.last().map(|a| a.at_ms), until, &path)?;
            out.push(action);
        }
        Ok(out)
    }

    fn action(&self, v: &Value, path: &str, ctx: &mut Ctx) -> R<Action> {
        let o = Obj::new(v, path, "an action")?;
        let what = o.str("do")?;
        let Some(&(what, fields)) = ACTIONS.iter().find(|(n, _)| *n == what) else {
            let hint = match did_you_mean(what, ACTIONS.iter().map(|(n, _)| *n)) {
                Some(m) => format!("did you mean \"{m}\"? "),
                None => String::new(),
            };
            let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
            return err(
                &o.at("do"),
                format!(
                    "unknown action {} ({hint}expected one of {})",
                    quote(what),
                    names.join(", ")
                ),
            );
        };
        let mut allowed = vec!["at_ms", "do"];
        allowed.extend_from_slice(fields);
        o.only(&allowed, what)?;
        let at_ms = o.u64("at_ms", 0, self.limits.until_ms_max, None)?;
        let kind = self.action_kind(&o, what)?;
        ctx.check_action(&kind, path, self.limits)?;
        Ok(Action { at_ms, kind })
    }

    /// The typed action `do` names, from `o`'s fields as written (JSON types and what fits
    /// the Rust types only; `check_action` judges the rest).
    fn action_kind(&self, o: &Obj, what: &str) -> R<ActionKind> {
        let server = |o: &Obj| server_id(o.required("server")?, &o.at("server"));
        Ok(match what {
            "start_server" => ActionKind::StartServer { server: server(o)? },
            "crash_server" => ActionKind::CrashServer { server: server(o)? },
            "connect" => ActionKind::Connect {
                client: o.string("client")?,
                session_of: o.opt_str("session_of")?.map(str::to_string),
                servers: match o.opt_array("servers")? {
                    None => None,
                    Some(items) => Some(server_ids(items, &o.at("servers"))?),
                },
                password: match o.opt_str("password")? {
                    None => None,
                    Some(hex) => Some(parse_password(hex).ok_or_else(|| ScenarioError {
                        path: o.at("password"),
                        message: format!("expected 32 hex digits (16 bytes), got {}", quote(hex)),
                    })?),
                },
            },
            "close" => ActionKind::Close {
                client: o.string("client")?,
            },
            "kill" => ActionKind::Kill {
                client: o.string("client")?,
            },
            "freeze" => ActionKind::Freeze {
                client: o.string("client")?,
                for_ms: o.u64("for_ms", 1, self.limits.until_ms_max, None)?,
            },
            "create" => ActionKind::Create {
                client: o.string("client")?,
                sequential: o.bool("sequential", false)?,
                path: o.string("path")?,
                data: o.data_str("data")?,
                ephemeral: o.bool("ephemeral", false)?,
            },
            "set_data" => ActionKind::SetData {
                client: o.string("client")?,
                path: o.string("path")?,
                data: o.data_str("data")?,
                version: o.version_field("version")?,
            },
            "delete" => ActionKind::Delete {
                client: o.string("client")?,
                path: o.string("path")?,
                version: o.version_field("version")?,
            },
            "exists" => ActionKind::Exists {
                client: o.string("client")?,
                path: o.string("path")?,
            },
            "get_data" => ActionKind::GetData {
                client: o.string("client")?,
                path: o.string("path")?,
            },
            "sync" => ActionKind::Sync {
                client: o.string("client")?,
                path: o.string("path")?,
            },
            "multi" => {
                let client = o.string("client")?;
                let items = o.array("ops")?;
                let ops_path = o.at("ops");
                // Before reading them: a limit on what is read at all.
                multi_ops_count(items.len(), &ops_path, self.limits)?;
                let ops = items
                    .iter()
                    .enumerate()
                    .map(|(j, v)| multi_op(v, &index(&ops_path, j)))
                    .collect::<R<Vec<_>>>()?;
                ActionKind::Multi { client, ops }
            }
            "register" => ActionKind::Register {
                client: o.string("client")?,
                path: o.string("path")?,
                data: o.data_str("data")?,
                style: match o.str("style")? {
                    "exists-then-set" => RegisterStyle::ExistsThenSet,
                    "delete-then-create" => RegisterStyle::DeleteThenCreate,
                    other => {
                        return err(
                            &o.at("style"),
                            format!(
                                "unknown style {} (expected \"exists-then-set\" or \
                                 \"delete-then-create\")",
                                quote(other)
                            ),
                        );
                    }
                },
            },
            "partition" => ActionKind::Partition {
                a: o.required_side("a")?,
                b: o.required_side("b")?,
                one_way: o.bool("one_way", false)?,
            },
            "heal" => ActionKind::Heal {
                a: o.side("a")?,
                b: o.side("b")?,
            },
            "clock_jump" => ActionKind::ClockJump {
                server: server(o)?,
                by_ms: o.i64("by_ms", -CLOCK_ABS_MAX_MS, CLOCK_ABS_MAX_MS, None)?,
            },
            "hold" => ActionKind::Hold {
                from: o.required_endpoint("from")?,
                to: o.required_endpoint("to")?,
                kind: o.kind()?,
                count: o.count()?,
            },
            "release" => ActionKind::Release {
                from: o.endpoint("from")?,
                to: o.endpoint("to")?,
            },
            "drop" => ActionKind::Drop {
                from: o.required_endpoint("from")?,
                to: o.required_endpoint("to")?,
                kind: o.kind()?,
                count: o.count()?,
            },
            "delay" => ActionKind::Delay {
                from: o.required_endpoint("from")?,
                to: o.required_endpoint("to")?,
                kind: o.kind()?,
                by_ms: o.u64("by_ms", 1, self.limits.until_ms_max, None)?,
                count: o.count()?,
            },
            // Every name in ACTIONS is matched above.
            other => return err(&o.at("do"), format!("unknown action {}", quote(other))),
        })
    }

    fn narration(&self, top: &Obj, until_ms: u64) -> R<Vec<Narration>> {
        let Some(items) = top.opt_array("narration")? else {
            return Ok(Vec::new());
        };
        if items.len() > self.limits.narration_max {
            return err(
                "narration",
                format!(
                    "{} entries, more than the {} this runtime shows",
                    items.len(),
                    self.limits.narration_max
                ),
            );
        }
        let mut out: Vec<Narration> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let path = index("narration", i);
            let o = Obj::new(v, &path, "a narration entry")?;
            o.only(NARRATION_FIELDS, "a narration entry")?;
            let at_ms = o.u64("at_ms", 0, until_ms, None)?;
            if let Some(prev) = out.last()
                && at_ms < prev.at_ms
            {
                return err(
                    &o.at("at_ms"),
                    format!("narration must be in time order ({at_ms} < {})", prev.at_ms),
                );
            }
            let text = o.str("text")?;
            if text.is_empty() {
                return err(&o.at("text"), "must not be empty");
            }
            if text.len() > NARRATION_TEXT_BYTES_MAX {
                return err(
                    &o.at("text"),
                    format!(
                        "{} bytes long, the limit is {NARRATION_TEXT_BYTES_MAX}",
                        text.len()
                    ),
                );
            }
            out.push(Narration {
                at_ms,
                text: text.to_string(),
            });
        }
        Ok(out)
    }
}

fn multi_op(v: &Value, path: &str) -> R<MultiOp> {
    let o = Obj::new(v, path, "a multi op")?;
    let what = o.str("op")?;
    let Some(&(what, fields)) = MULTI_OPS.iter().find(|(n, _)| *n == what) else {
        return err(
            &o.at("op"),
            format!(
                "unknown op {} (expected one of create, set_data, delete, check)",
                quote(what)
            ),
        );
    };
    let mut allowed = vec!["op"];
    allowed.extend_from_slice(fields);
    o.only(&allowed, &format!("a multi {what}"))?;
    Ok(match what {
        "create" => {
            let sequential = o.bool("sequential", false)?;
            MultiOp::Create {
                path: o.string("path")?,
                data: o.data_str("data")?,
                ephemeral: o.bool("ephemeral", false)?,
                sequential,
            }
        }
        "set_data" => MultiOp::SetData {
            path: o.string("path")?,
            data: o.data_str("data")?,
            version: o.version_field("version")?,
        },
        "delete" => MultiOp::Delete {
            path: o.string("path")?,
            version: o.version_field("version")?,
        },
        _ => MultiOp::Check {
            path: o.string("path")?,
            version: o.version_field("version")?,
        },
    })
}

// ------------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------------

/// A JSON value with its keys in the order they are written.
enum J {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    S(String),
    A(Vec<J>),
    O(Vec<(&'static str, J)>),
}

/// Builds an object, leaving out fields equal to their default.
struct ObjOut(Vec<(&'static str, J)>);

impl ObjOut {
    fn new() -> ObjOut {
        ObjOut(Vec::new())
    }
    fn put(&mut self, key: &'static str, v: J) -> &mut Self {
        self.0.push((key, v));
        self
    }
    fn put_if(&mut self, cond: bool, key: &'static str, v: impl FnOnce() -> J) -> &mut Self {
        if cond {
            self.0.push((key, v()));
        }
        self
    }
    fn done(&mut self) -> J {
        J::O(std::mem::take(&mut self.0))
    }
}

fn s(v: &str) -> J {
    J::S(v.to_string())
}

fn ids(v: &[u8]) -> J {
    J::A(v.iter().map(|&id| J::U(id.into())).collect())
}

fn endpoints(v: &[Endpoint]) -> J {
    J::A(v.iter().map(|e| J::S(e.to_string())).collect())
}

impl Scenario {
    /// The canonical JSON of this scenario, on one line (what links carry).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_compact(&self.to_j(), &mut out);
        out
    }

    /// The canonical JSON, indented for people: objects and arrays that fit in 100 columns stay
    /// on one line, so each action reads as one line.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        write_pretty(&self.to_j(), 0, 0, &mut out);
        out.push('\n');
        out
    }

    fn to_j(&self) -> J {
        let tick = self.tick_ms;
        let mut o = ObjOut::new();
        o.put("format", J::U(FORMAT))
            .put_if(self.name.is_some(), "name", || {
                s(self.name.as_deref().unwrap_or_default())
            })
            .put_if(self.description.is_some(), "description", || {
                s(self.description.as_deref().unwrap_or_default())
            })
            .put("version", s(self.version.name()))
            .put_if(self.seed != defaults::SEED, "seed", || J::U(self.seed))
            .put_if(tick != defaults::TICK_MS, "tick_ms", || J::U(tick))
            .put_if(
                self.min_session_timeout_ms
                    != tick.saturating_mul(defaults::MIN_SESSION_TIMEOUT_TICKS),
                "min_session_timeout_ms",
                || J::U(self.min_session_timeout_ms),
            )
            .put_if(
                self.max_session_timeout_ms
                    != tick.saturating_mul(defaults::MAX_SESSION_TIMEOUT_TICKS),
                "max_session_timeout_ms",
                || J::U(self.max_session_timeout_ms),
            )
            .put_if(self.epoch_ms != defaults::EPOCH_MS, "epoch_ms", || {
                J::I(self.epoch_ms)
            })
            .put_if(
                self.latency_ms != defaults::LATENCY_MS,
                "latency_ms",
                || J::A(vec![J::U(self.latency_ms.0), J::U(self.latency_ms.1)]),
            )
            .put_if(
                self.init_limit != defaults::INIT_LIMIT,
                "init_limit",
                || J::U(self.init_limit.into()),
            )
            .put_if(
                self.sync_limit != defaults::SYNC_LIMIT,
                "sync_limit",
                || J::U(self.sync_limit.into()),
            )
            .put(
                "servers",
                J::A(self.servers.iter().map(ServerSpec::to_j).collect()),
            )
            .put(
                "clients",
                J::A(self.clients.iter().map(ClientSpec::to_j).collect()),
            )
            .put(
                "actions",
                J::A(self.actions.iter().map(Action::to_j).collect()),
            )
            .put_if(
                self.until_ms != Scenario::default_until_ms(&self.actions),
                "until_ms",
                || J::U(self.until_ms),
            )
            .put_if(!self.narration.is_empty(), "narration", || {
                J::A(
                    self.narration
                        .iter()
                        .map(|n| {
                            ObjOut::new()
                                .put("at_ms", J::U(n.at_ms))
                                .put("text", s(&n.text))
                                .done()
                        })
                        .collect(),
                )
            })
            .done()
    }
}

impl ServerSpec {
    fn to_j(&self) -> J {
        ObjOut::new()
            .put("id", J::U(self.id.into()))
            .put_if(self.clock_offset_ms != 0, "clock_offset_ms", || {
                J::I(self.clock_offset_ms)
            })
            .put_if(self.uptime_ms != 0, "uptime_ms", || J::I(self.uptime_ms))
            .put_if(
                self.start_ms != defaults::SERVER_START_MS,
                "start_ms",
                || self.start_ms.map_or(J::Null, J::U),
            )
            .done()
    }
}

impl ClientSpec {
    fn to_j(&self) -> J {
        ObjOut::new()
            .put("name", s(&self.name))
            .put("servers", ids(&self.servers))
            .put("session_timeout_ms", J::U(self.session_timeout_ms))
            .done()
    }
}

fn put_data(o: &mut ObjOut, data: &str) {
    o.put_if(!data.is_empty(), "data", || s(data));
}

fn put_version(o: &mut ObjOut, version: i32) {
    o.put_if(version != defaults::ANY_VERSION, "version", || {
        J::I(version.into())
    });
}

fn put_rule(o: &mut ObjOut, from: &Endpoint, to: &Endpoint, kind: &Option<String>) {
    o.put("from", s(&from.to_string()))
        .put("to", s(&to.to_string()))
        .put_if(kind.is_some(), "kind", || {
            s(kind.as_deref().unwrap_or_default())
        });
}

fn put_count(o: &mut ObjOut, count: Option<u32>) {
    o.put_if(count.is_some(), "count", || {
        J::U(count.unwrap_or_default().into())
    });
}

impl Action {
    fn to_j(&self) -> J {
        let mut o = ObjOut::new();
        o.put("at_ms", J::U(self.at_ms))
            .put("do", s(self.kind.name()));
        match &self.kind {
            ActionKind::StartServer { server } | ActionKind::CrashServer { server } => {
                o.put("server", J::U((*server).into()));
            }
            ActionKind::Connect {
                client,
                session_of,
                servers,
                password,
            } => {
                o.put("client", s(client))
                    .put_if(session_of.is_some(), "session_of", || {
                        s(session_of.as_deref().unwrap_or_default())
                    })
                    .put_if(servers.is_some(), "servers", || {
                        ids(servers.as_deref().unwrap_or_default())
                    })
                    .put_if(password.is_some(), "password", || {
                        s(&password
                            .map(|p| crate::ids::password_hex(&p))
                            .unwrap_or_default())
                    });
            }
            ActionKind::Close { client } | ActionKind::Kill { client } => {
                o.put("client", s(client));
            }
            ActionKind::Freeze { client, for_ms } => {
                o.put("client", s(client)).put("for_ms", J::U(*for_ms));
            }
            ActionKind::Create {
                client,
                path,
                data,
                ephemeral,
                sequential,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_data(&mut o, data);
                o.put_if(*ephemeral, "ephemeral", || J::Bool(true)).put_if(
                    *sequential,
                    "sequential",
                    || J::Bool(true),
                );
            }
            ActionKind::SetData {
                client,
                path,
                data,
                version,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_data(&mut o, data);
                put_version(&mut o, *version);
            }
            ActionKind::Delete {
                client,
                path,
                version,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_version(&mut o, *version);
            }
            ActionKind::Exists { client, path }
            | ActionKind::GetData { client, path }
            | ActionKind::Sync { client, path } => {
                o.put("client", s(client)).put("path", s(path));
            }
            ActionKind::Multi { client, ops } => {
                o.put("client", s(client))
                    .put("ops", J::A(ops.iter().map(MultiOp::to_j).collect()));
            }
            ActionKind::Register {
                client,
                path,
                data,
                style,
            } => {
                o.put("client", s(client)).put("path", s(path));
                put_data(&mut o, data);
                o.put("style", s(style.name()));
            }
            ActionKind::Partition { a, b, one_way } => {
                o.put("a", endpoints(a))
                    .put("b", endpoints(b))
                    .put_if(*one_way, "one_way", || J::Bool(true));
            }
            ActionKind::Heal { a, b } => {
                o.put_if(a.is_some(), "a", || {
                    endpoints(a.as_deref().unwrap_or_default())
                })
                .put_if(b.is_some(), "b", || {
                    endpoints(b.as_deref().unwrap_or_default())
                });
            }
            ActionKind::ClockJump { server, by_ms } => {
                o.put("server", J::U((*server).into()))
                    .put("by_ms", J::I(*by_ms));
            }
            ActionKind::Hold {
                from,
                to,
                kind,
                count,
            }
            | ActionKind::Drop {
                from,
                to,
                kind,
                count,
            } => {
                put_rule(&mut o, from, to, kind);
                put_count(&mut o, *count);
            }
            ActionKind::Delay {
                from,
                to,
                kind,
                by_ms,
                count,
            } => {
                put_rule(&mut o, from, to, kind);
                o.put("by_ms", J::U(*by_ms));
                put_count(&mut o, *count);
            }
            ActionKind::Release { from, to } => {
                o.put_if(from.is_some(), "from", || {
                    J::S(from.as_ref().map(Endpoint::to_string).unwrap_or_default())
                })
                .put_if(to.is_some(), "to", || {
                    J::S(to.as_ref().map(Endpoint::to_string).unwrap_or_default())
                });
            }
        }
        o.done()
    }
}

impl MultiOp {
    fn to_j(&self) -> J {
        let mut o = ObjOut::new();
        o.put("op", s(self.name())).put("path", s(self.path()));
        match self {
            MultiOp::Create {
                data,
                ephemeral,
                sequential,
                ..
            } => {
                put_data(&mut o, data);
                o.put_if(*ephemeral, "ephemeral", || J::Bool(true)).put_if(
                    *sequential,
                    "sequential",
                    || J::Bool(true),
                );
            }
            MultiOp::SetData { data, version, .. } => {
                put_data(&mut o, data);
                put_version(&mut o, *version);
            }
            MultiOp::Delete { version, .. } | MultiOp::Check { version, .. } => {
                put_version(&mut o, *version);
            }
        }
        o.done()
    }
}

fn escape_char(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if u32::from(c) < 0x20 => {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        }
        c => out.push(c),
    }
}

fn write_str(v: &str, out: &mut String) {
    out.push('"');
    for c in v.chars() {
        escape_char(c, out);
    }
    out.push('"');
}

fn write_compact(j: &J, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::U(n) => out.push_str(&n.to_string()),
        J::I(n) => out.push_str(&n.to_string()),
        J::S(v) => write_str(v, out),
        J::A(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        J::O(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_compact(v, out);
            }
            out.push('}');
        }
    }
}

/// One-line form with spaces after `,` and `:` (and inside non-empty objects' braces). Gives up
/// (returns false) as soon as the line would be longer than `limit` bytes.
fn write_inline(j: &J, out: &mut String, limit: usize) -> bool {
    match j {
        J::A(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_inline(item, out, limit) {
                    return false;
                }
            }
            out.push(']');
        }
        J::O(fields) if !fields.is_empty() => {
            out.push_str("{ ");
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(k, out);
                out.push_str(": ");
                if !write_inline(v, out, limit) {
                    return false;
                }
            }
            out.push_str(" }");
        }
        other => write_compact(other, out),
    }
    out.len() <= limit
}

const PRETTY_WIDTH: usize = 100;

/// `column` is where the value starts on its line; `indent` the current indentation.
fn write_pretty(j: &J, indent: usize, column: usize, out: &mut String) {
    // The top level is always broken up; anything else stays on one line if it fits.
    if indent > 0 {
        let mut inline = String::new();
        if write_inline(j, &mut inline, PRETTY_WIDTH.saturating_sub(column)) {
            out.push_str(&inline);
            return;
        }
    }
    let pad = " ".repeat(indent + 2);
    match j {
        J::A(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write_pretty(item, indent + 2, indent + 2, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        J::O(fields) if !fields.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in fields.iter().enumerate() {
                out.push_str(&pad);
                let before = out.len();
                write_str(k, out);
                out.push_str(": ");
                let key_len = out.len() - before;
                write_pretty(v, indent + 2, indent + 2 + key_len, out);
                if i + 1 < fields.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        // A scalar too long for its line (a long string) stays whole.
        other => write_compact(other, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MINIMAL: &str = r#"{"format": 1, "servers": [{"id": 1}], "clients": [], "actions": []}"#;

    /// Every action kind, every optional field used at least once.
    const EVERYTHING: &str = include_str!("../tests/fixtures/everything.json");

    fn read(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(text, &Limits::BROWSER)
    }

    #[test]
    fn design_md_defaults_are_resolved() {
        let s = read(MINIMAL).unwrap();
        assert_eq!(s.name, None);
        assert_eq!(s.description, None);
        assert_eq!(s.version, Version::V3_6);
        assert_eq!(s.seed, 1);
        assert_eq!(s.tick_ms, 2000);
        assert_eq!(s.min_session_timeout_ms, 4000);
        assert_eq!(s.max_session_timeout_ms, 40000);
        assert_eq!(s.epoch_ms, 1_700_000_000_000);
        assert_eq!(s.latency_ms, (1, 1));
        assert_eq!((s.init_limit, s.sync_limit), (10, 5));
        assert_eq!(
            s.servers,
            vec![ServerSpec {
                id: 1,
                clock_offset_ms: 0,
                uptime_ms: 0,
                start_ms: Some(0)
            }]
        );
        assert_eq!(s.until_ms, 60_000);
        assert!(s.narration.is_empty());
    }

    #[test]
    fn session_timeout_defaults_follow_tick_ms() {
        let s =
            read(r#"{"format":1,"tick_ms":500,"servers":[{"id":3}],"clients":[],"actions":[]}"#)
                .unwrap();
        assert_eq!(
            (s.min_session_timeout_ms, s.max_session_timeout_ms),
            (1000, 10000)
        );
    }

    #[test]
    fn until_defaults_to_60000_past_the_last_action() {
        let s = read(
            r#"{"format":1,"servers":[{"id":1}],"clients":[],
                "actions":[{"at_ms":1000,"do":"crash_server","server":1},
                           {"at_ms":7000,"do":"start_server","server":1}]}"#,
        )
        .unwrap();
        assert_eq!(s.until_ms, 67_000);
    }

    #[test]
    fn everything_reads_and_round_trips() {
        let s = read(EVERYTHING).unwrap();
        assert_eq!(s.seed, u64::MAX);
        assert_eq!(s.version, Version::V3_4_6);
        assert_eq!(s.servers[2].start_ms, None);
        assert_eq!(s.servers[3].start_ms, Some(3000));
        assert_eq!(s.actions.len(), 30);
        assert_eq!(
            s.actions[2].kind,
            ActionKind::Connect {
                client: "app.2:x_Y".into(),
                session_of: Some("app-1".into()),
                servers: Some(vec![4, 1]),
                password: None,
            }
        );
        assert_eq!(
            s.actions[4].kind,
            ActionKind::Create {
                client: "app-1".into(),
                path: "/a/".into(),
                data: String::new(),
                ephemeral: false,
                sequential: true,
            }
        );
        assert_eq!(
            s.actions[13].kind,
            ActionKind::Partition {
                a: vec![Endpoint::Server(1)],
                b: vec![Endpoint::Server(2), Endpoint::Client("app-1".into())],
                one_way: true,
            }
        );
        assert_eq!(
            s.actions[14].kind,
            ActionKind::Heal {
                a: Some(vec![Endpoint::Server(1)]),
                b: None
            }
        );
        assert_eq!(
            s.actions[17].kind,
            ActionKind::Hold {
                from: Endpoint::Server(2),
                to: Endpoint::Server(1),
                kind: Some("REVALIDATE".into()),
                count: Some(1),
            }
        );
        let names: std::collections::BTreeSet<&str> =
            s.actions.iter().map(|a| a.kind.name()).collect();
        assert_eq!(names.len(), ACTIONS.len(), "every action kind is exercised");

        let compact = s.to_json();
        let pretty = s.to_json_pretty();
        assert_eq!(read(&compact).unwrap(), s);
        assert_eq!(read(&pretty).unwrap(), s);
        // Canonical: writing what was read gives the same text.
        assert_eq!(read(&compact).unwrap().to_json(), compact);
        // The pretty form is the compact form with whitespace.
        let a: Value = serde_json::from_str(&compact).unwrap();
        let b: Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(a, b);
        s.validate(&Limits::BROWSER).unwrap();
    }

    #[test]
    fn canonical_json_leaves_defaults_out() {
        let s = read(MINIMAL).unwrap();
        assert_eq!(
            s.to_json(),
            r#"{"format":1,"version":"3.6","servers":[{"id":1}],"clients":[],"actions":[]}"#
        );
        let mut moved = s.clone();
        moved.until_ms = 5;
        moved.servers[0].start_ms = None;
        assert_eq!(
            moved.to_json(),
            r#"{"format":1,"version":"3.6","servers":[{"id":1,"start_ms":null}],"clients":[],"actions":[],"until_ms":5}"#
        );
        assert_eq!(read(&moved.to_json()).unwrap(), moved);
    }

    #[test]
    fn pretty_json_puts_each_action_on_one_line() {
        let s = read(EVERYTHING).unwrap();
        let pretty = s.to_json_pretty();
        assert!(
            pretty
                .contains("\n    { \"at_ms\": 2000, \"do\": \"crash_server\", \"server\": 2 },\n")
        );
        assert!(pretty.contains("\n  \"latency_ms\": [1, 5],\n"));
        assert!(pretty.lines().all(|l| l.len() <= PRETTY_WIDTH), "{pretty}");
        assert!(pretty.ends_with("}\n"));
    }

    #[test]
    fn null_means_absent_except_for_start_ms() {
        let s = read(
            r#"{"format":1,"name":null,"seed":null,"servers":[{"id":1,"start_ms":null,"uptime_ms":null}],
                "clients":[{"name":"c","servers":[1],"session_timeout_ms":4000}],
                "actions":[{"at_ms":0,"do":"connect","client":"c","session_of":null,"servers":null}],
                "until_ms":null}"#,
        )
        .unwrap();
        assert_eq!(s.name, None);
        assert_eq!(s.seed, 1);
        assert_eq!(s.servers[0].start_ms, None);
        assert_eq!(
            s.actions[0].kind,
            ActionKind::Connect {
                client: "c".into(),
                session_of: None,
                servers: None,
                password: None,
            }
        );
        assert_eq!(s.until_ms, 60_000);
    }

    #[test]
    fn x_fields_are_ignored_anywhere() {
        let s = read(
            r#"{"format":1,"x_editor":{"zoom":2},"servers":[{"id":1,"x_color":"red"}],
                "clients":[{"name":"c","servers":[1],"session_timeout_ms":4000,"x_":1}],
                "actions":[{"at_ms":0,"do":"connect","client":"c","x_note":"hi"},
                           {"at_ms":0,"do":"multi","client":"c","ops":[{"op":"check","path":"/","x_y":[]}]}]}"#,
        )
        .unwrap();
        assert!(!s.to_json().contains("x_"));
    }

    #[test]
    fn odd_keys_get_bracketed_paths() {
        let e = read(r#"{"format": 1, "": 1}"#).unwrap_err();
        assert!(e.to_string().starts_with(r#"[""]: unknown field"#), "{e}");
        let e = read(r#"{"format": 1, "servers": [{"id": 1, "my id": 2}]}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(r#"servers[0]["my id"]: unknown field"#),
            "{e}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert!(read(&format!("\u{feff}{MINIMAL}")).is_ok());
    }

    /// `(top-level fields replaced, expected error prefix)`. Every field path is named.
    const BAD: &[(&str, &str)] = &[
        (r#"{"format": 2}"#, "format: format 2 is from a newer zksim"),
        (r#"{"format": "1"}"#, r#"format: must be 1, got "1""#),
        (r#"{"format": null}"#, "format: must be 1, got null"),
        (
            r#"{"version": "3.7"}"#,
            r#"version: unknown version "3.7" (expected one of 3.4.5, 3.4.6, 3.4.14, 3.5.10, 3.6)"#,
        ),
        (r#"{"version": 3.6}"#, "version: must be a string"),
        (
            r#"{"seeds": 5}"#,
            r#"seeds: unknown field (did you mean "seed"?)"#,
        ),
        (
            r#"{"seed": -1}"#,
            "seed: must be 0..=18446744073709551615, got -1",
        ),
        (r#"{"tick_ms": 0}"#, "tick_ms: must be 1..=3600000, got 0"),
        (
            r#"{"tick_ms": 2000.0}"#,
            "tick_ms: must be an integer in 1..=3600000, got 2000.0",
        ),
        (
            r#"{"min_session_timeout_ms": 50000}"#,
            "min_session_timeout_ms: min_session_timeout_ms (50000) is larger than max_session_timeout_ms (40000)",
        ),
        (
            r#"{"epoch_ms": 9007199254740993}"#,
            "epoch_ms: must be -9007199254740992..=9007199254740992",
        ),
        (
            r#"{"latency_ms": [5, 1]}"#,
            "latency_ms: min 5 is larger than max 1",
        ),
        (
            r#"{"latency_ms": [1]}"#,
            "latency_ms: must be [min, max], got 1 values",
        ),
        (
            r#"{"latency_ms": [1, -1]}"#,
            "latency_ms[1]: must be 0..=3600000, got -1",
        ),
        (
            r#"{"init_limit": 0}"#,
            "init_limit: must be 1..=1000, got 0",
        ),
        (r#"{"name": "a\nb"}"#, "name: must be one line"),
        (
            r#"{"servers": []}"#,
            "servers: an ensemble needs at least one server",
        ),
        (
            r#"{"servers": {"id": 1}}"#,
            "servers: must be an array, got an object",
        ),
        (
            r#"{"servers": [{"id": 0}]}"#,
            "servers[0].id: must be 1..=255, got 0",
        ),
        (
            r#"{"servers": [{"id": 1}, {"id": 1}]}"#,
            "servers[1].id: duplicate server id 1 (also servers[0])",
        ),
        (
            r#"{"servers": [1]}"#,
            "servers[0]: a server is a JSON object, got 1",
        ),
        (
            r#"{"servers": [{"id": 1, "start": 5}]}"#,
            r#"servers[0].start: unknown field (did you mean "start_ms"?)"#,
        ),
        (
            r#"{"servers": [{"id": 1, "clock_offset_ms": 9007199254740992}]}"#,
            "servers[0].clock_offset_ms: puts this server's wall clock at",
        ),
        (
            r#"{"clients": [{"name": "s3", "servers": [1], "session_timeout_ms": 4000}]}"#,
            r#"clients[0].name: "s3" has the form of a server"#,
        ),
        (
            r#"{"clients": [{"name": "", "servers": [1], "session_timeout_ms": 4000}]}"#,
            "clients[0].name: must not be empty",
        ),
        (
            r#"{"clients": [{"name": "app 1", "servers": [1], "session_timeout_ms": 4000}]}"#,
            r#"clients[0].name: "app 1" has ' ' at byte 3"#,
        ),
        (
            r#"{"clients": [{"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "servers": [1], "session_timeout_ms": 4000}]}"#,
            "clients[0].name: 65 bytes long, the limit is 64",
        ),
        (
            r#"{"clients": [{"name": "a", "servers": [1], "session_timeout_ms": 4000},
                            {"name": "a", "servers": [1], "session_timeout_ms": 4000}]}"#,
            r#"clients[1].name: duplicate client name "a" (also clients[0])"#,
        ),
        (
            r#"{"clients": [{"name": "a", "servers": [1, 4], "session_timeout_ms": 4000}]}"#,
            "clients[0].servers[1]: no server with id 4",
        ),
        (
            r#"{"clients": [{"name": "a", "servers": [2, 2], "session_timeout_ms": 4000}]}"#,
            "clients[0].servers[1]: server 2 is listed twice",
        ),
        (
            r#"{"clients": [{"name": "a", "servers": [], "session_timeout_ms": 4000}]}"#,
            "clients[0].servers: must list at least one server",
        ),
        (
            r#"{"clients": [{"name": "a", "servers": [1]}]}"#,
            "clients[0].session_timeout_ms: required",
        ),
        (
            r#"{"clients": [{"name": "a", "servers": [1], "session_timeout_ms": 2147483648}]}"#,
            "clients[0].session_timeout_ms: must be 0..=2147483647",
        ),
        (
            r#"{"actions": [{"do": "kill", "client": "app-1"}]}"#,
            "actions[0].at_ms: required",
        ),
        (r#"{"actions": [{"at_ms": 0}]}"#, "actions[0].do: required"),
        (
            r#"{"actions": [{"at_ms": 0, "do": "conect", "client": "app-1"}]}"#,
            r#"actions[0].do: unknown action "conect" (did you mean "connect"? expected one of start_server,"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "sesion_of": "app-1"}]}"#,
            r#"actions[0].sesion_of: unknown field (did you mean "session_of"?)"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "path": "/a"}]}"#,
            "actions[0].path: unknown field (connect takes at_ms, do, client, session_of, servers, password)",
        ),
        (
            r#"{"actions": [{"at_ms": 2000, "do": "connect", "client": "app-1"},
                            {"at_ms": 1500, "do": "kill", "client": "app-1"}]}"#,
            "actions[1].at_ms: actions must be in time order (1500 < 2000)",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-9"}]}"#,
            r#"actions[0].client: no client named "app-9" (did you mean "app-1"?)"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "s1"}]}"#,
            r#"actions[0].client: "s1" is a server; a client name is expected here"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "exists", "client": "app-1", "path": "/"}]}"#,
            r#"actions[0].client: "app-1" has no handle yet (no connect before this action)"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "session_of": "app-2"}]}"#,
            r#"actions[0].session_of: "app-2" has no session to reuse yet"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1", "servers": [1, 1]}]}"#,
            "actions[0].servers[1]: server 1 is listed twice",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "crash_server", "server": 7}]}"#,
            "actions[0].server: no server with id 7",
        ),
        (
            r#"{"actions": [{"at_ms": 86400001, "do": "crash_server", "server": 1}]}"#,
            "actions[0].at_ms: must be 0..=86400000, got 86400001",
        ),
        (
            r#"{"actions": [{"at_ms": 86390000, "do": "crash_server", "server": 1}]}"#,
            "until_ms: the default (the last action + 60000) is 86450000, past the limit of 86400000",
        ),
        (
            r#"{"until_ms": 1000, "actions": [{"at_ms": 1001, "do": "crash_server", "server": 1}]}"#,
            "actions[0].at_ms: after until_ms (1001 > 1000)",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "create", "client": "app-1", "path": "a/b"}]}"#,
            r#"actions[1].path: "a/b": path must start with / character (ZooKeeper's PathUtils.validatePath)"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "create", "client": "app-1", "path": "/a/"}]}"#,
            r#"actions[1].path: "/a/": path must not end with / character"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "delete", "client": "app-1", "path": "/a//b"}]}"#,
            r#"actions[1].path: "/a//b": empty node name specified @3"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "get_data", "client": "app-1", "path": "/a/../b"}]}"#,
            r#"actions[1].path: "/a/../b": relative paths not allowed @4"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "exists", "client": "app-1"}]}"#,
            "actions[1].path: required",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "set_data", "client": "app-1", "path": "/a", "version": -2}]}"#,
            "actions[1].version: must be -1..=2147483647, got -2",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "create", "client": "app-1", "path": "/a", "ephemeral": 1}]}"#,
            "actions[1].ephemeral: must be true or false, got 1",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "freeze", "client": "app-1", "for_ms": 0}]}"#,
            "actions[1].for_ms: must be 1..=86400000, got 0",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "copy", "path": "/a"}]}]}"#,
            r#"actions[1].ops[0].op: unknown op "copy""#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "delete", "path": "/a", "data": "x"}]}]}"#,
            "actions[1].ops[0].data: unknown field (a multi delete takes op, path, version)",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "multi", "client": "app-1", "ops": [{"op": "check", "path": "/a"}, {"op": "create", "path": "//"}]}]}"#,
            r#"actions[1].ops[1].path: "//": path must not end with / character"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                            {"at_ms": 0, "do": "register", "client": "app-1", "path": "/s", "style": "upsert"}]}"#,
            r#"actions[1].style: unknown style "upsert""#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s1", "app-1"], "b": ["s2", "s1"]}]}"#,
            "actions[0].b[1]: s1 is on both sides of the partition",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s9"], "b": ["s2"]}]}"#,
            "actions[0].a[0]: no server s9",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s01"], "b": ["s2"]}]}"#,
            r#"actions[0].a[0]: write servers without leading zeros ("s1")"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "partition", "a": ["s1"]}]}"#,
            "actions[0].b: required",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "heal", "a": []}]}"#,
            "actions[0].a: must not be empty",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "clock_jump", "server": 1, "by_ms": 9007199254740992}]}"#,
            "actions[0].by_ms: puts s1's wall clock at",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "hold", "from": "s1", "to": "s1"}]}"#,
            "actions[0].to: from and to are both s1",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "drop", "from": "app-1", "to": "app-2"}]}"#,
            "actions[0].to: no messages flow between two clients",
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "hold", "from": "s1", "to": "s2", "kind": "RE VALIDATE"}]}"#,
            r#"actions[0].kind: "RE VALIDATE" is not a message kind name"#,
        ),
        (
            r#"{"actions": [{"at_ms": 0, "do": "delay", "from": "s1", "to": "s2", "by_ms": 5, "count": 0}]}"#,
            "actions[0].count: must be 1..=4294967295, got 0",
        ),
        (
            r#"{"until_ms": 86400001}"#,
            "until_ms: must be 0..=86400000, got 86400001",
        ),
        (
            r#"{"narration": [{"at_ms": 5, "text": "b"}, {"at_ms": 4, "text": "a"}]}"#,
            "narration[1].at_ms: narration must be in time order (4 < 5)",
        ),
        (
            r#"{"narration": [{"at_ms": 5, "text": ""}]}"#,
            "narration[0].text: must not be empty",
        ),
        (
            r#"{"narration": [{"at_ms": 60001, "text": "late"}]}"#,
            "narration[0].at_ms: must be 0..=60000, got 60001",
        ),
    ];

    fn base() -> Value {
        json!({
            "format": 1,
            "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
            "clients": [
                {"name": "app-1", "servers": [1, 2, 3], "session_timeout_ms": 4000},
                {"name": "app-2", "servers": [1, 2, 3], "session_timeout_ms": 4000}
            ],
            "actions": []
        })
    }

    #[test]
    fn every_error_names_its_field() {
        assert!(read(&base().to_string()).is_ok());
        for (patch, expected) in BAD {
            let mut v = base();
            let patch: Value = serde_json::from_str(patch).expect(patch);
            for (k, x) in patch.as_object().unwrap() {
                v[k] = x.clone();
            }
            let e = read(&v.to_string()).expect_err(patch.to_string().as_str());
            let shown = e.to_string();
            assert!(
                shown.starts_with(expected),
                "\n  patch    {patch}\n  expected {expected}\n  got      {shown}"
            );
            assert!(shown.starts_with(&format!("{}: ", e.path)));
        }
    }

    #[test]
    fn missing_format_and_non_objects_are_refused() {
        let e = read(r#"{"servers": [{"id": 1}], "clients": [], "actions": []}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "format: required (this zksim reads format 1)"
        );
        let e = read("[1, 2]").unwrap_err();
        assert_eq!(
            e.to_string(),
            "json: a scenario is a JSON object, got an array"
        );
        let e = read("\"hi\"").unwrap_err();
        assert_eq!(e.path, "json");
        let e = read("").unwrap_err();
        assert_eq!(e.path, "json");
        let e = read(r#"{"format": 1,"#).unwrap_err();
        assert!(e.to_string().starts_with("json: EOF while parsing"), "{e}");
        let e = read(&format!("{MINIMAL} x")).unwrap_err();
        assert!(
            e.to_string().starts_with("json: trailing characters"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = read(r#"{"format": 1, "seed": 1, "seed": 2, "servers": [{"id": 1}], "clients": [], "actions": []}"#)
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("json: duplicate field \"seed\" at line 1"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for open in ["[", "{\"a\":"] {
            let text = open.repeat(100_000);
            let e = read(&text).unwrap_err();
            assert!(e.message.contains("recursion limit exceeded"), "{e}");
        }
        // Nesting inside an otherwise valid scenario.
        let text = format!(
            r#"{{"format": 1, "seed": {}1{}, "servers": [{{"id": 1}}], "clients": [], "actions": []}}"#,
            "[".repeat(126),
            "]".repeat(126)
        );
        assert_eq!(read(&text).unwrap_err().path, "seed");
        let text = text.replace("[[", "[[[");
        assert_eq!(read(&text).unwrap_err().path, "json");
    }

    #[test]
    fn limits_differ_between_browser_and_native() {
        let mut v = base();
        v["servers"] = json!((1..=16).map(|id| json!({"id": id})).collect::<Vec<_>>());
        let text = v.to_string();
        let e = Scenario::from_json(&text, &Limits::BROWSER).unwrap_err();
        assert_eq!(
            e.to_string(),
            "servers: 16 servers, more than the 15 this runtime runs"
        );
        assert!(Scenario::from_json(&text, &Limits::NATIVE).is_ok());

        let mut v = base();
        v["actions"] = json!(
            (0..10_001)
                .map(|_| json!({"at_ms": 0, "do": "start_server", "server": 1}))
                .collect::<Vec<_>>()
        );
        let text = v.to_string();
        assert_eq!(
            Scenario::from_json(&text, &Limits::BROWSER)
                .unwrap_err()
                .path,
            "actions"
        );
        assert!(Scenario::from_json(&text, &Limits::NATIVE).is_ok());

        let tiny = Limits {
            json_bytes_max: 10,
            ..Limits::BROWSER
        };
        let e = Scenario::from_json(MINIMAL, &tiny).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("json: 67 bytes, more than the 10"),
            "{e}"
        );
    }

    /// Native limits allow 200,000 clients; nothing in reading may be quadratic in them.
    #[test]
    fn many_clients_in_one_partition_read_in_linear_time() {
        let n = 20_000;
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let mut v = base();
        v["clients"] = json!(
            names
                .iter()
                .map(|c| json!({"name": c, "servers": [1], "session_timeout_ms": 4000}))
                .collect::<Vec<_>>()
        );
        v["actions"] = json!([
            {"at_ms": 0, "do": "partition", "a": names, "b": ["s1"]},
            {"at_ms": 0, "do": "heal", "a": names},
        ]);
        let started = std::time::Instant::now();
        let s = Scenario::from_json(&v.to_string(), &Limits::NATIVE).unwrap();
        assert_eq!(s.clients.len(), n);
        // A typo among many names: refused quickly, without a suggestion search.
        v["actions"][0]["a"][5] = json!("c5x");
        let e = Scenario::from_json(&v.to_string(), &Limits::NATIVE).unwrap_err();
        assert_eq!(e.to_string(), r#"actions[0].a[5]: no client named "c5x""#);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn data_is_capped_at_jute_maxbuffer() {
        let mut v = base();
        v["actions"] = json!([
            {"at_ms": 0, "do": "connect", "client": "app-1"},
            {"at_ms": 0, "do": "create", "client": "app-1", "path": "/a", "data": "x".repeat(DATA_BYTES_MAX)},
        ]);
        assert!(Scenario::from_json(&v.to_string(), &Limits::NATIVE).is_ok());
        v["actions"][1]["data"] = json!("x".repeat(DATA_BYTES_MAX + 1));
        let e = Scenario::from_json(&v.to_string(), &Limits::NATIVE).unwrap_err();
        assert_eq!(
            e.to_string(),
            "actions[1].data: 1048576 bytes, more than jute.maxbuffer (1048575)"
        );
    }

    /// Cases from ZooKeeper's `PathUtilsTest` (`testValidatePath_*`).
    #[test]
    fn paths_are_checked_like_path_utils_validate_path() {
        for ok in [
            "/", "/a", "/a/b", "/a.b", "/..a", "/.a.", "/a/...", "/\u{e9}", "/a b",
        ] {
            assert_eq!(path_problem(ok, false), None, "{ok:?}");
        }
        for bad in [
            "",
            "a",
            "/a/",
            "//",
            "/a//b",
            "/.",
            "/..",
            "/a/./b",
            "/a/../b",
            "/a\u{0}",
            "/a\u{1}",
            "/\u{7f}",
            "/\u{9f}",
            "/\u{e000}",
            "/\u{fff0}",
            "/\u{1f600}",
        ] {
            assert!(path_problem(bad, false).is_some(), "{bad:?}");
        }
        // A sequential create checks the path with the counter appended.
        assert_eq!(path_problem("/a/", true), None);
        assert_eq!(path_problem("/", true), None);
        assert!(path_problem("//", true).is_some());
        assert!(path_problem(&format!("/{}", "a".repeat(PATH_BYTES_MAX)), false).is_some());
        assert_eq!(
            path_problem(&format!("/{}", "a".repeat(PATH_BYTES_MAX - 1)), false),
            None
        );
    }

    #[test]
    fn endpoints_read_and_print() {
        assert_eq!(Endpoint::parse("s3"), Some(Endpoint::Server(3)));
        assert_eq!(Endpoint::parse("s255"), Some(Endpoint::Server(255)));
        assert_eq!(Endpoint::parse("s256"), None);
        assert_eq!(Endpoint::parse("s0"), None);
        assert_eq!(Endpoint::parse("s03"), None);
        assert_eq!(Endpoint::parse("s3x"), Some(Endpoint::Client("s3x".into())));
        assert_eq!(Endpoint::parse("sx"), Some(Endpoint::Client("sx".into())));
        assert_eq!(Endpoint::parse(""), None);
        assert_eq!(Endpoint::Server(7).to_string(), "s7");
    }

    #[test]
    fn validate_catches_a_hand_built_mistake() {
        let mut s = read(MINIMAL).unwrap();
        assert!(s.validate(&Limits::BROWSER).is_ok());
        s.clients.push(ClientSpec {
            name: "s4".into(),
            servers: vec![1],
            session_timeout_ms: 4000,
        });
        assert_eq!(
            s.validate(&Limits::BROWSER).unwrap_err().path,
            "clients[0].name"
        );
    }

    #[test]
    fn error_messages_quote_long_strings_briefly() {
        let long = "v".repeat(10_000);
        let e = read(&format!(r#"{{"format":1,"version":"{long}"}}"#)).unwrap_err();
        assert!(e.message.len() < 200, "{}", e.message);
    }

    #[test]
    fn sync_and_connect_password_extensions_round_trip() {
        let text = r#"{"format": 1, "servers": [{"id": 1}],
            "clients": [{"name": "a", "servers": [1], "session_timeout_ms": 4000},
                        {"name": "b", "servers": [1], "session_timeout_ms": 4000}],
            "actions": [{"at_ms": 0, "do": "connect", "client": "a"},
                        {"at_ms": 1, "do": "sync", "client": "a", "path": "/"},
                        {"at_ms": 2, "do": "connect", "client": "b", "session_of": "a",
                         "password": "000102030405060708090a0b0c0d0e0f"}]}"#;
        let s = Scenario::from_json(text, &Limits::BROWSER).unwrap();
        assert_eq!(
            s.actions[1].kind,
            ActionKind::Sync {
                client: "a".into(),
                path: "/".into()
            }
        );
        let ActionKind::Connect { password, .. } = &s.actions[2].kind else {
            panic!("not a connect");
        };
        assert_eq!(*password, Some(core::array::from_fn(|i| i as u8)));
        assert_eq!(
            Scenario::from_json(&s.to_json(), &Limits::BROWSER).unwrap(),
            s
        );
        let bad = text.replace("0e0f", "0e0g");
        let e = Scenario::from_json(&bad, &Limits::BROWSER).unwrap_err();
        assert_eq!(e.path, "actions[2].password");
    }
}
