//! The znode tree and the leader's view of it: `DataTree`, `DataNode`, `Stat`, and the
//! `PrepRequestProcessor` bookkeeping (`outstandingChanges`) that turns client writes into txns.
//!
//! # What this models
//!
//! ZooKeeper keeps the same tree on every server. Only the leader decides whether a write can
//! succeed: its `PrepRequestProcessor` ("Prep") checks each request against the tree *plus every
//! write it has already accepted but not yet applied*, and turns it into a txn (or into an error
//! txn, which still takes a zxid). The txn is proposed, committed, and then applied by every
//! server's `FinalRequestProcessor` through `DataTree.processTxn`, which no longer checks
//! versions: Prep did that.
//!
//! Because Prep runs ahead of the tree, it needs to know what the tree *will* look like. Java keeps
//! `outstandingChanges` (a list of `ChangeRecord`s in zxid order) and `outstandingChangesForPath`
//! (the newest record per path). A record says "after zxid Z, this path exists with this version,
//! this stored cversion, this owner and this many children", or "after zxid Z, this path is gone".
//! [`PrepState`] is that pair; [`DataTree`] is the tree.
//!
//! ```text
//!   client write                 leader only                           every server
//!  ─────────────▶ Prep ──────────────────────────▶ proposal/commit ─────▶ DataTree.processTxn
//!                  │  PrepState::prep_op / prep_multi / prep_close_session      DataTree::apply
//!                  │      reads: outstanding record for the path,                  │
//!                  │             else the tree                                      │
//!                  │      writes: ChangeRecords keyed by the txn's zxid             │
//!                  ▼                                                                ▼
//!        outstandingChanges  [z=7 /a ][z=7 ""  ][z=8 /a/b][z=9 /a/b ✗]   tree, lastProcessedZxid
//!                  ▲                                                                │
//!                  └──────────── PrepState::applied(z): drop records with zxid <= z ◀┘
//!                                (FinalRequestProcessor, leader, before processTxn)
//! ```
//!
//! Two writes prepped back to back therefore see each other: a second create of the same path
//! fails with NodeExists before the first has been applied, and a child can be created under a
//! parent that so far exists only as a record. A failed multi removes every record carrying its
//! zxid and puts back the records it displaced (`rollbackPendingChanges`).
//!
//! # Stat
//!
//! The stored stat (`StatPersisted`, here [`StatPersisted`]) counts in `cversion` the *creates* of
//! children only. What clients see ([`Stat`], `DataNode.copyStat`) has `cversion = 2 * stored -
//! numChildren`, which equals creates plus deletes. A create sets the parent's cversion to the
//! value Prep computed (`parentCVersion`) and its pzxid to the create's zxid; a delete changes only
//! the parent's pzxid (from 3.5.5 only if larger) and child set; neither touches the parent's
//! mzxid, mtime or version. Error txns change nothing but still advance `lastProcessedZxid`.
//!
//! # Versions
//!
//! Differences between the releases the simulator models are data in [`TreeRules`]; each field
//! names the JIRA and the first release with the newer behaviour.
//!
//! # Not modelled
//!
//! ACLs (except that `/zookeeper/config`, read-only from 3.5, answers NoAuth to writes), quotas,
//! watches (the caller fires them from [`ApplyResult`]), TTL nodes, the digest, and setACL.
//! Java iterates `HashSet`s where order is unspecified (children, a session's ephemerals); here
//! every such order is sorted, so runs are reproducible.
//!
//! ```text
//!   mod.rs         the types a txn and a reply carry (Op, Txn, Stat, ...), paths, TreeRules
//!   tree.rs        DataTree and processTxn
//!   prep_state.rs  outstandingChanges and Prep's checks against them
//!   tests.rs       against ZooKeeper's tests and the spec
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::codes::{
    BADARGUMENTS, BADVERSION, Code, NOAUTH, NOCHILDRENFOREPHEMERALS, NODEEXISTS, NONODE, NOTEMPTY,
    OK, RUNTIMEINCONSISTENCY,
};
use crate::ids::{CONTAINER_EPHEMERAL_OWNER, SessionId};
use crate::profile::Version;

mod prep_state;
#[cfg(test)]
mod tests;
mod tree;

pub use prep_state::{ChangeRecord, PrepState, RecordStat};
pub use tree::DataTree;

/// A ZooKeeper transaction id: a Java `long` (epoch in the high 32 bits, counter in the low 32).
pub type Zxid = i64;

/// `DataTree.rootZookeeper`.
pub const ROOT_PATH: &str = "/";
/// `Quotas.procZookeeper`: the system node every tree starts with.
pub const PROC_PATH: &str = "/zookeeper";
/// `Quotas.quotaZookeeper`.
pub const QUOTA_PATH: &str = "/zookeeper/quota";
/// `ZooDefs.CONFIG_NODE` (3.5.0+, ZOOKEEPER-107): the dynamic-reconfig node.
pub const CONFIG_PATH: &str = "/zookeeper/config";

// ---------------------------------------------------------------------------------------------
// Version rules
// ---------------------------------------------------------------------------------------------

/// Which prior change records a failed multi puts back (`PrepRequestProcessor.getPendingChanges`
/// plus `rollbackPendingChanges`).
/// A `KeeperException` as Prep throws it: its code and the path it names (`getPath()`, null
/// for session errors). Prep's INFO line prints both: `"Error Path:<path> Error:<message>"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeeperError {
    pub code: Code,
    pub path: Option<String>,
}

impl KeeperError {
    /// An exception without a path (`SessionExpiredException`, `SessionMovedException`, ...).
    pub fn new(code: Code) -> Self {
        KeeperError { code, path: None }
    }

    /// An exception about `path` (`NoNodeException(path)`, `NodeExistsException(path)`, ...).
    pub fn at(code: Code, path: &str) -> Self {
        KeeperError {
            code,
            path: Some(path.to_string()),
        }
    }

    /// `KeeperException.getMessage()`: `"KeeperErrorCode = <text>"` and `" for <path>"` if any.
    pub fn message(&self) -> String {
        match &self.path {
            Some(p) => format!(
                "KeeperErrorCode = {} for {p}",
                crate::codes::message(self.code)
            ),
            None => format!("KeeperErrorCode = {}", crate::codes::message(self.code)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PendingChanges {
    /// 3.4.0-3.4.5: for each op's path, `getRecordForPath` (an outstanding record, or one built from
    /// the tree with zxid -1). If no other txn is in flight after the rollback, *all* of them are
    /// put back, tree-built ones included, and those stay until the next change to that path: the
    /// ZOOKEEPER-2052 stale-child-count bug.
    OpPathsFromTree,
    /// 3.4.6 (ZOOKEEPER-1624, first try): as above, plus each op's parent when the op's own path
    /// resolved.
    OpAndParentFromTree,
    /// 3.4.7+ and 3.5 (ZOOKEEPER-2052): only *outstanding* records of each op's path and parent are
    /// remembered, and nothing is put back when no other txn is in flight.
    Outstanding,
}

/// The behaviours of `DataTree` and Prep that differ between the modelled releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeRules {
    /// 3.5.0+ (ZOOKEEPER-107, `DataTree.addConfigNode`): `/zookeeper/config` exists from the start
    /// (empty, aversion -1 from its `setACL(..., -1)`), is a special path for delete, and its
    /// read-only ACL makes creates under it and setData on it fail with NoAuth.
    pub config_node: bool,
    /// 3.5.3+ (`EphemeralType`): owner `CONTAINER_EPHEMERAL_OWNER` marks a container, not an
    /// ephemeral: it is not in the session's ephemerals, may have children, and `Stat` shows owner 0.
    pub containers: bool,
    /// 3.4.7+ (ZOOKEEPER-2213): Prep runs `PathUtils.validatePath` on setData, setACL and check
    /// paths (BadArguments). Before, only creates were validated and a bad path was NoNode.
    pub validate_update_paths: bool,
    /// 3.5+: `PathUtils.validatePath`'s forbidden character ranges include their end points
    /// (3.4.x: `c > '\u0000' && c < '\u001f' ...`; 3.5: `c <= '\u001f'`, `c >= '\u007f'` ...).
    pub inclusive_char_ranges: bool,
    /// How a failed multi restores displaced change records.
    pub pending_changes: PendingChanges,
    /// 3.5.5+ (ZOOKEEPER-3125, `DataTree.deleteNode`): the parent is updated first (so a delete of a
    /// missing child still bumps the parent's pzxid) and its pzxid only moves forward.
    pub pzxid_only_if_larger: bool,
    /// 3.6.0+ (ZOOKEEPER-3249, `DataTree.createNode`): the parent's cversion and pzxid change only
    /// if the txn's `parentCVersion` is larger than the stored cversion.
    pub cversion_only_if_larger: bool,
}

impl TreeRules {
    /// release-3.4.5.
    pub const V3_4_5: TreeRules = TreeRules {
        config_node: false,
        containers: false,
        validate_update_paths: false,
        inclusive_char_ranges: false,
        pending_changes: PendingChanges::OpPathsFromTree,
        pzxid_only_if_larger: false,
        cversion_only_if_larger: false,
    };
    /// release-3.4.6.
    pub const V3_4_6: TreeRules = TreeRules {
        pending_changes: PendingChanges::OpAndParentFromTree,
        ..TreeRules::V3_4_5
    };
    /// release-3.4.14.
    pub const V3_4_14: TreeRules = TreeRules {
        validate_update_paths: true,
        pending_changes: PendingChanges::Outstanding,
        ..TreeRules::V3_4_6
    };
    /// release-3.5.10.
    pub const V3_5_10: TreeRules = TreeRules {
        config_node: true,
        containers: true,
        inclusive_char_ranges: true,
        pzxid_only_if_larger: true,
        ..TreeRules::V3_4_14
    };
    /// release-3.6.0 and later (3.7, 3.8, up to 3.9).
    pub const V3_6: TreeRules = TreeRules {
        cversion_only_if_larger: true,
        ..TreeRules::V3_5_10
    };

    /// The rules of a version profile.
    pub fn for_version(version: Version) -> TreeRules {
        match version {
            Version::V3_4_5 => TreeRules::V3_4_5,
            Version::V3_4_6 => TreeRules::V3_4_6,
            Version::V3_4_14 => TreeRules::V3_4_14,
            Version::V3_5_10 => TreeRules::V3_5_10,
            Version::V3_6 | Version::V3_9_3 | Version::V3_9_4 => TreeRules::V3_6,
        }
    }

    /// `EphemeralType.get(owner) == NORMAL` (3.5.3+), or `owner != 0` before containers existed.
    pub fn is_ephemeral_owner(&self, owner: SessionId) -> bool {
        owner != 0 && !(self.containers && owner == CONTAINER_EPHEMERAL_OWNER)
    }

    /// `DataNode.getClientEphemeralOwner` (3.5.3+): what `Stat.ephemeralOwner` shows.
    pub fn client_owner(&self, owner: SessionId) -> SessionId {
        if self.containers && owner == CONTAINER_EPHEMERAL_OWNER {
            0
        } else {
            owner
        }
    }
}

impl Default for TreeRules {
    fn default() -> Self {
        TreeRules::for_version(Version::default())
    }
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/// `PathUtils.validatePath(String)`: `Err` carries the `IllegalArgumentException` message.
///
/// Java checks UTF-16 code units, so any character outside the Basic Multilingual Plane (a
/// surrogate pair) is rejected, as are the control and private-use ranges.
pub fn validate_path(path: &str, inclusive_char_ranges: bool) -> Result<(), String> {
    let units: Vec<u16> = path.encode_utf16().collect();
    if units.is_empty() {
        return Err("Path length must be > 0".to_string());
    }
    if units[0] != u16::from(b'/') {
        return Err("Path must start with / character".to_string());
    }
    if units.len() == 1 {
        return Ok(());
    }
    if units[units.len() - 1] == u16::from(b'/') {
        return Err("Path must not end with / character".to_string());
    }
    let slash = u16::from(b'/');
    let dot = u16::from(b'.');
    let mut reason = None;
    let mut lastc = slash;
    for i in 1..units.len() {
        let c = units[i];
        let ends_component = i + 1 == units.len() || units[i + 1] == slash;
        if c == 0 {
            reason = Some(format!("null character not allowed @{i}"));
        } else if c == slash && lastc == slash {
            reason = Some(format!("empty node name specified @{i}"));
        } else if c == dot && lastc == dot {
            if i >= 2 && units[i - 2] == slash && ends_component {
                reason = Some(format!("relative paths not allowed @{i}"));
            }
        } else if c == dot {
            if units[i - 1] == slash && ends_component {
                reason = Some(format!("relative paths not allowed @{i}"));
            }
        } else if forbidden_unit(c, inclusive_char_ranges) {
            reason = Some(format!("invalid character @{i}"));
        }
        if reason.is_some() {
            break;
        }
        lastc = c;
    }
    match reason {
        None => Ok(()),
        Some(r) => Err(format!("Invalid path string \"{path}\" caused by {r}")),
    }
}

fn forbidden_unit(c: u16, inclusive: bool) -> bool {
    if inclusive {
        (c > 0 && c <= 0x1f)
            || (0x7f..=0x9f).contains(&c)
            || (0xd800..=0xf8ff).contains(&c)
            || c >= 0xfff0
    } else {
        (c > 0 && c < 0x1f)
            || (c > 0x7f && c < 0x9f)
            || (c > 0xd800 && c < 0xf8ff)
            || (c > 0xfff0 && c < 0xffff)
    }
}

/// The parent a watch event names: `path.substring(0, lastSlash)`, with `""` read as `"/"` (as
/// `createNode`/`deleteNode` do when they fire NodeChildrenChanged). `None` for `"/"` and for a
/// path without a slash.
pub fn parent_path(path: &str) -> Option<&str> {
    if path == ROOT_PATH {
        return None;
    }
    let slash = path.rfind('/')?;
    Some(if slash == 0 {
        ROOT_PATH
    } else {
        &path[..slash]
    })
}

/// The tree's `nodes` map answers `""` with the root ("Rather than fight it, let root have an
/// alias"); here the root is stored once, under `"/"`.
fn node_key(path: &str) -> &str {
    if path.is_empty() { ROOT_PATH } else { path }
}

/// `(parent as Java computes it, child name)`, split at the last slash.
fn split_path(path: &str) -> Option<(&str, &str)> {
    let slash = path.rfind('/')?;
    Some((&path[..slash], &path[slash + 1..]))
}

// ---------------------------------------------------------------------------------------------
// Stat and nodes
// ---------------------------------------------------------------------------------------------

/// `org.apache.zookeeper.data.Stat`: a node's metadata as clients see it (`DataNode.copyStat`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stat {
    /// zxid of the create.
    pub czxid: Zxid,
    /// zxid of the last setData (or the create).
    pub mzxid: Zxid,
    /// Leader wall-clock ms of the create (the txn header's time).
    pub ctime: i64,
    /// Leader wall-clock ms of the last setData (or the create).
    pub mtime: i64,
    /// Data version: setData count.
    pub version: i32,
    /// Client-visible child version: `2 * stored - numChildren` = creates + deletes of children.
    pub cversion: i32,
    /// ACL version.
    pub aversion: i32,
    /// The owning session of an ephemeral, else 0 (3.5.3+: 0 for containers too).
    pub ephemeral_owner: SessionId,
    /// Length of the data in bytes (UTF-8 here).
    pub data_length: i32,
    /// Number of children.
    pub num_children: i32,
    /// zxid of the last create or delete of a child (or the create).
    pub pzxid: Zxid,
}

/// `org.apache.zookeeper.data.StatPersisted`: what a `DataNode` stores. `cversion` counts child
/// creates only; `Stat` derives the client value from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatPersisted {
    pub czxid: Zxid,
    pub mzxid: Zxid,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    /// Creates of children (the parentCVersion of the newest create).
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: SessionId,
    pub pzxid: Zxid,
}

impl StatPersisted {
    /// `DataTree.createStat(zxid, time, ephemeralOwner)`.
    fn created(zxid: Zxid, time: i64, ephemeral_owner: SessionId) -> StatPersisted {
        StatPersisted {
            czxid: zxid,
            mzxid: zxid,
            ctime: time,
            mtime: time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner,
            pzxid: zxid,
        }
    }
}

/// `org.apache.zookeeper.server.DataNode`: data, stored stat and child names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataNode {
    data: String,
    stat: StatPersisted,
    children: BTreeSet<String>,
}

impl DataNode {
    /// `DataNode.data`.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// `DataNode.stat`: the stored stat (raw owner, create-only cversion).
    pub fn persisted(&self) -> &StatPersisted {
        &self.stat
    }

    /// `DataNode.getChildren`: child names (not paths), sorted.
    pub fn children(&self) -> impl Iterator<Item = &str> {
        self.children.iter().map(String::as_str)
    }

    /// `DataNode.copyStat` under the given rules.
    pub fn stat(&self, rules: &TreeRules) -> Stat {
        let num_children = self.children.len() as i32;
        Stat {
            czxid: self.stat.czxid,
            mzxid: self.stat.mzxid,
            ctime: self.stat.ctime,
            mtime: self.stat.mtime,
            version: self.stat.version,
            cversion: self
                .stat
                .cversion
                .wrapping_mul(2)
                .wrapping_sub(num_children),
            aversion: self.stat.aversion,
            ephemeral_owner: rules.client_owner(self.stat.ephemeral_owner),
            data_length: self.data.len() as i32,
            num_children,
            pzxid: self.stat.pzxid,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests, txns, results
// ---------------------------------------------------------------------------------------------

/// A client write as it arrives at Prep (`CreateRequest`, `SetDataRequest`, `DeleteRequest`,
/// `CheckVersionRequest`; in a multi, the `Op` subclasses). ACLs are not modelled.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `create(path, data, acl, mode)`: mode = `ephemeral` x `sequential`.
    Create {
        path: String,
        data: String,
        ephemeral: bool,
        sequential: bool,
    },
    /// `setData(path, data, version)`; version -1 matches any.
    SetData {
        path: String,
        data: String,
        version: i32,
    },
    /// `delete(path, version)`; version -1 matches any.
    Delete { path: String, version: i32 },
    /// `Op.check(path, version)` (multi only in the client API).
    Check { path: String, version: i32 },
}

impl Op {
    /// `Op.getPath()`: the path as requested (without a sequence suffix).
    pub fn path(&self) -> &str {
        match self {
            Op::Create { path, .. }
            | Op::SetData { path, .. }
            | Op::Delete { path, .. }
            | Op::Check { path, .. } => path,
        }
    }
}

/// A txn as Prep produces it and every server applies it (`org.apache.zookeeper.txn.*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Txn {
    /// `CreateSessionTxn`: nothing happens in the tree.
    CreateSession { timeout_ms: i32 },
    /// closeSession: no body before 3.6; 3.6+ `CloseSessionTxn` lists the paths Prep found.
    CloseSession { paths: Option<Vec<String>> },
    /// `CreateTxn`: `path` is final (with any sequence suffix); `parent_cversion` is the stored
    /// cversion the parent gets (-1: stored + 1). The owner is the txn header's session.
    Create {
        path: String,
        data: String,
        ephemeral: bool,
        parent_cversion: i32,
    },
    /// `SetDataTxn`: `version` is the node's *new* version.
    SetData {
        path: String,
        data: String,
        version: i32,
    },
    /// `DeleteTxn`.
    Delete { path: String },
    /// `CheckVersionTxn`: `version` is current + 1, as Prep writes it; applying it changes nothing.
    Check { path: String, version: i32 },
    /// `MultiTxn`: sub-txns, each with the multi's zxid.
    Multi(Vec<Txn>),
    /// `ErrorTxn`: a header of type `error` (-1) carrying the code.
    Error { code: Code },
}

impl Txn {
    /// `Request.op2String` of the txn header's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Txn::CreateSession { .. } => "createSession",
            Txn::CloseSession { .. } => "closeSession",
            Txn::Create { .. } => "create",
            Txn::SetData { .. } => "setData",
            Txn::Delete { .. } => "delete",
            Txn::Check { .. } => "check",
            Txn::Multi(_) => "multi",
            Txn::Error { .. } => "error",
        }
    }
}

/// `org.apache.zookeeper.txn.TxnHeader` (the type is the [`Txn`] variant).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TxnHeader {
    /// `clientId`: the session the request came from (the owner of any ephemeral it creates).
    pub session_id: SessionId,
    pub cxid: i32,
    pub zxid: Zxid,
    /// The leader's wall clock at Prep; becomes ctime/mtime.
    pub time_ms: i64,
}

/// One entry of `ProcessTxnResult.multiResult` (what becomes a `OpResult` in the MultiResponse).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct OpResult {
    /// 0, or the code of an `ErrorResult`.
    pub err: Code,
    /// Set for create, delete, setData and check; `None` for errors.
    pub path: Option<String>,
    /// setData: the new stat. create: the new node's stat (Java fills it only for create2).
    pub stat: Option<Stat>,
}

/// `DataTree.ProcessTxnResult`, plus the tree changes the caller turns into watch events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ApplyResult {
    /// `rc.err`: the txn's error, or a multi's first non-zero sub-result.
    pub err: Code,
    pub path: Option<String>,
    pub stat: Option<Stat>,
    /// Multi only: one result per sub-txn.
    pub multi: Vec<OpResult>,
    /// Paths removed, in order (delete, closeSession, multi).
    pub deleted: Vec<String>,
    /// Paths created, in order.
    pub created: Vec<String>,
    /// Paths whose data was set, in order.
    pub changed: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// DataTree
// ---------------------------------------------------------------------------------------------
