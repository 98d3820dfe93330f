//! Scenarios: scenario format v1, read with every error naming its field, and written back in
//! one canonical form.
//!
//! A scenario is everything a run needs: the version profile, the seed, the ensemble, the clients
//! and a timeline of actions. Files, links, the built-in gallery, the CLI and the browser's own
//! action log are all scenarios, so this module is the one door through which outside input
//! reaches the simulator, and it trusts nothing that comes through it.
//!
//! ```text
//!   text ──► strict JSON parse ──► serde, field by field ──► Scenario ──► World
//!            (depth ≤ 128,          (derived Deserialize over     (every default
//!             no duplicate keys)     de::ValueDe: every error's    resolved)
//!                                    path; then each field's rule)
//!                                     │ each action: its shape (serde), then
//!                                     ▼ the one validator (check.rs)
//!   ActionKind (World::apply) ──► Scenario::check_actions ──┘
//!   Scenario (built in code) ──► Scenario::validate: the same rules, on the typed values
//!   Scenario ──► to_json (derived Serialize) / to_json_pretty ──► canonical text
//! ```
//!
//! The format's enumerations are written once: [`ActionKind`] and [`MultiOp`] come out of one
//! macro (`tagged_enum!`) that gives each its variants' names (`ActionKind::NAMES`, `name()`),
//! its `Serialize` and its `Deserialize`; [`RegisterStyle::NAMES`] and
//! [`Version::ALL`](crate::profile::Version::ALL) are the others. Every other list of names
//! (the reader's "expected one of", the page's palette) reads these.
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
//! clients       [{name, servers, session_timeout_ms, version?}]         (required, may be empty)
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
//! then each list in order; within one object, the shapes of its fields in sorted key order,
//! then its rules in the order of its fields), as `path: message`, e.g.
//! `actions[3].client: no client named "app-9"`.
//!
//! # Canonical form
//!
//! [`Scenario::to_json`] writes `format`, `version`, `servers`, `clients` and `actions` always,
//! and every other field only when it differs from its default (so links stay short), with keys
//! in the order of the tables above. `from_json(to_json(s)) == s` for every scenario `from_json`
//! returns.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::profile::Version;

mod check;
mod de;
mod read;
mod rules;
#[cfg(test)]
mod tests;
mod write;

use check::*;
use read::*;
use rules::*;
use write::*;

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "a server")]
pub struct ServerSpec {
    /// `myid`, 1..=255 (it becomes the high byte of the session IDs this server mints).
    #[serde(deserialize_with = "de::int::<_, u8, 1, 255>")]
    pub id: u8,
    /// Added to `epoch_ms` for this server's wall clock, in ms (a server whose clock is off).
    #[serde(
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "de::clock_ms"
    )]
    pub clock_offset_ms: i64,
    /// This server's elapsed clock (`System.nanoTime() / 1e6`, roughly its uptime) at virtual
    /// time 0, in ms.
    #[serde(
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "de::clock_ms"
    )]
    pub uptime_ms: i64,
    /// When the server starts, in virtual ms; `None`: only a `start_server` action starts it.
    /// A time after `until_ms` is allowed: the server just never starts in that run.
    #[serde(
        default = "de::default_start_ms",
        skip_serializing_if = "is_default_start",
        deserialize_with = "de::start_ms"
    )]
    pub start_ms: Option<u64>,
}

/// One client process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "a client")]
pub struct ClientSpec {
    /// The process's name: unique, 1..=64 bytes of `A-Za-z0-9-_.:`, never `s<digits>`.
    pub name: String,
    /// The connect string, as myids, in the order written (the host provider shuffles it).
    #[serde(deserialize_with = "de::server_ids")]
    pub servers: Vec<u8>,
    /// The session timeout the client asks for, in ms (the server negotiates it into
    /// `[min_session_timeout_ms, max_session_timeout_ms]`; 0 is a legal request and gets the
    /// minimum, as REAL-ZOOKEEPER.md measured).
    #[serde(deserialize_with = "de::session_timeout_ms")]
    pub session_timeout_ms: u64,
    /// The client's own release (second-round contract): its client-side rules (pings, the
    /// catch block and its log lines, close, events, 3.9.3's expiry) follow this profile; the
    /// servers follow the scenario's. None: the scenario's version.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_version"
    )]
    pub version: Option<Version>,
}

/// A key moment for the gallery: a caption shown when the run reaches `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(expecting = "a narration entry")]
pub struct Narration {
    /// When, in virtual ms.
    #[serde(deserialize_with = "de::ms")]
    pub at_ms: u64,
    /// What to say (markdown), at most [`NARRATION_TEXT_BYTES_MAX`] bytes.
    pub text: String,
}

/// One step of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Action {
    /// When it happens, in virtual ms. Ops are issued then and answered whenever the simulated
    /// system answers them.
    pub at_ms: u64,
    /// What happens (its `do` and fields sit beside `at_ms` in the JSON).
    #[serde(flatten)]
    pub kind: ActionKind,
}

/// An enum of the format whose variant is named by a tag field (`do`, `op`), written once: the
/// variants with their names and fields give the enum (with `Serialize`), its `NAMES` in the
/// format's order, `name()`, and a `Deserialize` that reads the tag, then the variant's fields
/// with the attributes written on them (each variant's fields become a derived struct).
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident, tag $tag:literal, expecting $what:literal {
            $(
                $(#[$vmeta:meta])*
                $name:literal => $Variant:ident {
                    $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
                }
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Serialize)]
        #[serde(tag = $tag)]
        pub enum $Enum {
            $(
                $(#[$vmeta])*
                #[serde(rename = $name)]
                $Variant { $( $(#[$fmeta])* $field: $ty ),* }
            ),*
        }

        impl $Enum {
            /// Every name the tag takes, in the format's order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The tag's value.
            pub fn name(&self) -> &'static str {
                match self {
                    $( $Enum::$Variant { .. } => $name ),*
                }
            }
        }

        impl<'de> Deserialize<'de> for $Enum {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $Enum;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_enum<A: serde::de::EnumAccess<'de>>(
                        self,
                        data: A,
                    ) -> Result<$Enum, A::Error> {
                        use serde::de::VariantAccess;
                        let (name, fields) = data.variant::<&str>()?;
                        $(
                            if name == $name {
                                #[derive(Deserialize)]
                                struct Fields { $( $(#[$fmeta])* $field: $ty ),* }
                                let f = fields.newtype_variant::<Fields>()?;
                                return Ok($Enum::$Variant { $( $field: f.$field ),* });
                            }
                        )*
                        Err(serde::de::Error::unknown_variant(name, $Enum::NAMES))
                    }
                }
                d.deserialize_enum($tag, $Enum::NAMES, V)
            }
        }
    };
}

tagged_enum! {
/// What an action does (the `do` field). Every `client` names a [`ClientSpec`], every `server`
/// a [`ServerSpec`] id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind, tag "do", expecting "an action" {
    /// `start_server {server}`: the server starts (again: a restart keeps its data).
    "start_server" => StartServer {
        #[serde(deserialize_with = "de::server_id")]
        server: u8,
    },
    /// `crash_server {server}`: the server process dies; its connections reset.
    "crash_server" => CrashServer {
        #[serde(deserialize_with = "de::server_id")]
        server: u8,
    },
    /// `connect {client, session_of?, servers?}`: a new ZooKeeper handle. With `session_of`,
    /// it reuses that client's current session id and password (the renew constructor), which
    /// is how a session is moved. `servers` replaces the client's connect string for this handle.
    "connect" => Connect {
        client: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        session_of: Option<String>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "de::opt_server_ids"
        )]
        servers: Option<Vec<u8>>,
        /// Extension: the 16-byte password to send (32 hex digits in JSON) instead of the one
        /// the handle would use, to see a wrong password refused like an expired session.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "password_hex",
            deserialize_with = "de::password"
        )]
        password: Option<[u8; 16]>,
    },
    /// `close {client}`: graceful close of the session.
    "close" => Close { client: String },
    /// `kill {client}`: the process dies: its sockets close, its session is left to expire.
    "kill" => Kill { client: String },
    /// `freeze {client, for_ms}`: the process stops for `for_ms` (a GC pause): no reads, no
    /// writes, sockets stay open.
    "freeze" => Freeze {
        client: String,
        #[serde(deserialize_with = "de::ms")]
        for_ms: u64,
    },
    /// `create {client, path, data?, ephemeral?, sequential?}`.
    "create" => Create {
        client: String,
        path: String,
        #[serde(default, skip_serializing_if = "str::is_empty", deserialize_with = "de::or_default")]
        data: String,
        #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::or_default")]
        ephemeral: bool,
        #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::or_default")]
        sequential: bool,
    },
    /// `set_data {client, path, data?, version?}`; `version` -1 (the default) matches any.
    "set_data" => SetData {
        client: String,
        path: String,
        #[serde(default, skip_serializing_if = "str::is_empty", deserialize_with = "de::or_default")]
        data: String,
        #[serde(
            default = "de::any_version",
            skip_serializing_if = "is_any_version",
            deserialize_with = "de::znode_version"
        )]
        version: i32,
    },
    /// `delete {client, path, version?}`; `version` -1 (the default) matches any.
    "delete" => Delete {
        client: String,
        path: String,
        #[serde(
            default = "de::any_version",
            skip_serializing_if = "is_any_version",
            deserialize_with = "de::znode_version"
        )]
        version: i32,
    },
    /// `exists {client, path}`.
    "exists" => Exists { client: String, path: String },
    /// `get_data {client, path}`.
    "get_data" => GetData { client: String, path: String },
    /// Extension `sync {client, path}`: `ZooKeeper.sync`, which a follower forwards to the
    /// leader and always answers OK (spec 6.3, ZOOKEEPER-915).
    "sync" => Sync { client: String, path: String },
    /// `multi {client, ops}`: one transaction of several ops.
    "multi" => Multi { client: String, ops: Vec<MultiOp> },
    /// `register {client, path, data?, style}`: the service-registration recipe on an ephemeral
    /// node: `exists`, then `create` (ephemeral) or `set_data`; or `delete`, then `create`.
    "register" => Register {
        client: String,
        path: String,
        #[serde(default, skip_serializing_if = "str::is_empty", deserialize_with = "de::or_default")]
        data: String,
        style: RegisterStyle,
    },
    /// `partition {a, b, one_way?}`: messages between every endpoint of `a` and every endpoint
    /// of `b` stop getting through; with `one_way`, only those from `a` to `b`. Like TCP, the
    /// network does not lose them: they wait and arrive, in order, after the heal (by then
    /// ZooKeeper's own timeouts have usually closed the connection).
    "partition" => Partition {
        a: Vec<Endpoint>,
        b: Vec<Endpoint>,
        #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::or_default")]
        one_way: bool,
    },
    /// `heal {a?, b?}`: ends the partitions between every endpoint of `a` and every endpoint of
    /// `b`, both ways; a side left out means every endpoint (no sides: heal all).
    "heal" => Heal {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<Vec<Endpoint>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<Vec<Endpoint>>,
    },
    /// `clock_jump {server, by_ms}`: the server's wall clock jumps (its elapsed clock does not).
    "clock_jump" => ClockJump {
        #[serde(deserialize_with = "de::server_id")]
        server: u8,
        #[serde(deserialize_with = "de::clock_by_ms")]
        by_ms: i64,
    },
    /// Extension `hold {from, to, kind?, count?}`: from now on, messages from `from` to `to` (of
    /// message kind `kind`, or of any kind) wait in the network, neither delivered nor lost,
    /// until a `release`; with `count`, only the next `count` of them.
    "hold" => Hold {
        from: Endpoint,
        to: Endpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::count")]
        count: Option<u32>,
    },
    /// Extension `release {from?, to?}`: the hold, drop and delay rules between `from` and `to`
    /// (a side left out: every endpoint) end, and their held messages go on, in the order they
    /// were sent.
    "release" => Release {
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<Endpoint>,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<Endpoint>,
    },
    /// Extension `drop {from, to, kind?, count?}`: matching messages are lost.
    "drop" => Drop {
        from: Endpoint,
        to: Endpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::count")]
        count: Option<u32>,
    },
    /// Extension `delay {from, to, kind?, by_ms, count?}`: matching messages take `by_ms` longer.
    "delay" => Delay {
        from: Endpoint,
        to: Endpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(deserialize_with = "de::ms")]
        by_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de::count")]
        count: Option<u32>,
    },
}
}

tagged_enum! {
/// One op of a `multi` (`{"op": "create" | "set_data" | "delete" | "check", ...}`), with the
/// fields and defaults of the action of the same name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultiOp, tag "op", expecting "a multi op" {
    "create" => Create {
        path: String,
        #[serde(default, skip_serializing_if = "str::is_empty", deserialize_with = "de::or_default")]
        data: String,
        #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::or_default")]
        ephemeral: bool,
        #[serde(default, skip_serializing_if = "is_false", deserialize_with = "de::or_default")]
        sequential: bool,
    },
    "set_data" => SetData {
        path: String,
        #[serde(default, skip_serializing_if = "str::is_empty", deserialize_with = "de::or_default")]
        data: String,
        #[serde(
            default = "de::any_version",
            skip_serializing_if = "is_any_version",
            deserialize_with = "de::znode_version"
        )]
        version: i32,
    },
    "delete" => Delete {
        path: String,
        #[serde(
            default = "de::any_version",
            skip_serializing_if = "is_any_version",
            deserialize_with = "de::znode_version"
        )]
        version: i32,
    },
    /// `Op.check(path, version)`: the transaction fails unless the node has this version.
    "check" => Check {
        path: String,
        #[serde(
            default = "de::any_version",
            skip_serializing_if = "is_any_version",
            deserialize_with = "de::znode_version"
        )]
        version: i32,
    },
}
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
    /// Every style, in the order of [`RegisterStyle::NAMES`].
    pub const ALL: [RegisterStyle; 2] = [
        RegisterStyle::ExistsThenSet,
        RegisterStyle::DeleteThenCreate,
    ];
    /// Every style's name, as the format writes it.
    pub const NAMES: &'static [&'static str] = &["exists-then-set", "delete-then-create"];

    pub fn name(self) -> &'static str {
        RegisterStyle::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<RegisterStyle> {
        RegisterStyle::ALL.into_iter().find(|r| r.name() == s)
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

    /// `until_ms` when it is not given: 60000 after the last action (or after 0).
    pub fn default_until_ms(actions: &[Action]) -> u64 {
        actions
            .last()
            .map_or(0, |a| a.at_ms)
            .saturating_add(defaults::UNTIL_AFTER_LAST_ACTION_MS)
    }
}
