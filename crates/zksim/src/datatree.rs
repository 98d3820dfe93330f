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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::codes::{
    BADARGUMENTS, BADVERSION, Code, NOAUTH, NOCHILDRENFOREPHEMERALS, NODEEXISTS, NONODE, NOTEMPTY,
    OK, RUNTIMEINCONSISTENCY,
};
use crate::ids::{CONTAINER_EPHEMERAL_OWNER, SessionId};
use crate::profile::Version;

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
/// for session errors). Prep's INFO line prints both: "Error Path:<path> Error:<message>".
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

    /// `KeeperException.getMessage()`: "KeeperErrorCode = <text>" and " for <path>" if any.
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

/// `org.apache.zookeeper.server.DataTree`: nodes by path, each session's ephemerals, and the
/// last applied zxid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataTree {
    rules: TreeRules,
    nodes: BTreeMap<String, DataNode>,
    /// `DataTree.ephemerals`. As in Java, a session keeps its (possibly empty) set until
    /// `killSession`.
    ephemerals: BTreeMap<SessionId, BTreeSet<String>>,
    last_processed_zxid: Zxid,
}

impl Default for DataTree {
    fn default() -> Self {
        DataTree::new()
    }
}

impl DataTree {
    /// `new DataTree()` with the rules of the default profile (3.6).
    pub fn new() -> DataTree {
        DataTree::with_rules(TreeRules::default())
    }

    /// `new DataTree()` as the given release builds it: `/`, `/zookeeper`, `/zookeeper/quota`
    /// (3.5+: `/zookeeper/config`), all with zeroed stats. Adding them does not count as creates,
    /// so `stat /` shows cversion -1 on a fresh tree.
    pub fn with_rules(rules: TreeRules) -> DataTree {
        let mut nodes = BTreeMap::new();
        let mut root = DataNode::default();
        root.children.insert("zookeeper".to_string());
        let mut proc_node = DataNode::default();
        proc_node.children.insert("quota".to_string());
        if rules.config_node {
            proc_node.children.insert("config".to_string());
            let mut config = DataNode::default();
            config.stat.aversion = -1;
            nodes.insert(CONFIG_PATH.to_string(), config);
        }
        nodes.insert(ROOT_PATH.to_string(), root);
        nodes.insert(PROC_PATH.to_string(), proc_node);
        nodes.insert(QUOTA_PATH.to_string(), DataNode::default());
        DataTree {
            rules,
            nodes,
            ephemerals: BTreeMap::new(),
            last_processed_zxid: 0,
        }
    }

    /// The version rules this tree (and any [`PrepState`] working on it) follows.
    pub fn rules(&self) -> &TreeRules {
        &self.rules
    }

    /// `DataTree.lastProcessedZxid`.
    pub fn last_processed_zxid(&self) -> Zxid {
        self.last_processed_zxid
    }

    /// `DataTree.isSpecialPath`: paths a delete refuses with BadArguments.
    pub fn is_special_path(&self, path: &str) -> bool {
        path == ROOT_PATH
            || path == PROC_PATH
            || path == QUOTA_PATH
            || (self.rules.config_node && path == CONFIG_PATH)
    }

    /// `DataTree.getNode` (`""` is the root, as in Java).
    pub fn node(&self, path: &str) -> Option<&DataNode> {
        self.nodes.get(node_key(path))
    }

    /// `DataTree.statNode`: the client-visible stat, if the node exists.
    pub fn exists(&self, path: &str) -> Option<Stat> {
        self.node(path).map(|n| n.stat(&self.rules))
    }

    /// `DataTree.getData`: data and stat, or NoNode.
    pub fn get_data(&self, path: &str) -> Result<(String, Stat), Code> {
        let n = self.node(path).ok_or(NONODE)?;
        Ok((n.data.clone(), n.stat(&self.rules)))
    }

    /// `DataTree.getChildren` with a stat (getChildren2): child names sorted, or NoNode.
    pub fn children(&self, path: &str) -> Result<(Vec<String>, Stat), Code> {
        let n = self.node(path).ok_or(NONODE)?;
        Ok((n.children.iter().cloned().collect(), n.stat(&self.rules)))
    }

    /// Every node in path order: `(path, data, client-visible stat)`, for views.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &str, Stat)> {
        self.nodes
            .iter()
            .map(|(p, n)| (p.as_str(), n.data.as_str(), n.stat(&self.rules)))
    }

    /// Every path, in order (`DataTree.nodes.keySet()` without the `""` alias).
    pub fn paths(&self) -> Vec<String> {
        self.nodes.keys().cloned().collect()
    }

    /// `DataTree.getNodeCount`: the size of Java's `nodes` map, which holds the root twice (under
    /// `""` and `"/"`): 4 on a fresh 3.4 tree, 5 from 3.5.
    pub fn node_count(&self) -> usize {
        self.nodes.len() + 1
    }

    /// `DataTree.getEphemerals(session)`: the session's ephemeral paths, sorted.
    pub fn ephemerals_of(&self, session_id: SessionId) -> Vec<String> {
        self.ephemerals
            .get(&session_id)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Sessions that own at least one ephemeral, in ID order. (Java's `getSessions` also lists
    /// sessions whose set has become empty.)
    pub fn sessions_with_ephemerals(&self) -> Vec<SessionId> {
        self.ephemerals
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(id, _)| *id)
            .collect()
    }

    /// `DataTree.setCversionPzxid` (ZOOKEEPER-1046): a trailing `/` is ignored; -1 means stored + 1;
    /// the pair changes only if the new cversion is larger.
    pub fn set_cversion_pzxid(
        &mut self,
        path: &str,
        new_cversion: i32,
        zxid: Zxid,
    ) -> Result<(), Code> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let node = self.nodes.get_mut(node_key(path)).ok_or(NONODE)?;
        let new_cversion = if new_cversion == -1 {
            node.stat.cversion.wrapping_add(1)
        } else {
            new_cversion
        };
        if new_cversion > node.stat.cversion {
            node.stat.cversion = new_cversion;
            node.stat.pzxid = zxid;
        }
        Ok(())
    }

    /// `DataTree.processTxn` (and `killSession` for closeSession): applies a committed txn, as
    /// every server does, and advances `lastProcessedZxid` (error txns included).
    ///
    /// * Multi: if any sub-txn is an error, nothing is applied; results are error 0 before the
    ///   first error sub-txn, its own code, then -2 (RUNTIMEINCONSISTENCY). `err` is the first
    ///   non-zero sub-result. A sub-txn that cannot be in a multi (session txns, nested multi)
    ///   stops processing there, as Java's "Invalid type of op" IOException does.
    /// * CloseSession: deletes the listed paths (3.6), then any remaining ephemerals of the
    ///   header's session, each with the close zxid; missing nodes are skipped.
    /// * Create that finds the node present (NodeExists): the parent still gets
    ///   `setCversionPzxid(parent, parentCVersion, zxid)`, as Java does for log replay.
    pub fn apply(&mut self, hdr: &TxnHeader, txn: &Txn) -> ApplyResult {
        let mut out = ApplyResult::default();
        match txn {
            Txn::Multi(subs) => self.apply_multi(hdr, subs, &mut out),
            _ => {
                let r = self.apply_one(hdr, txn, &mut out);
                out.err = r.err;
                out.path = r.path;
                out.stat = r.stat;
            }
        }
        if hdr.zxid > self.last_processed_zxid {
            self.last_processed_zxid = hdr.zxid;
        }
        out
    }

    fn apply_multi(&mut self, hdr: &TxnHeader, subs: &[Txn], out: &mut ApplyResult) {
        let failed = subs.iter().any(|t| matches!(t, Txn::Error { .. }));
        let mut post_failed = false;
        for sub in subs {
            match sub {
                Txn::Multi(_) | Txn::CreateSession { .. } | Txn::CloseSession { .. } => break,
                Txn::Error { .. } => post_failed = true,
                _ => {}
            }
            let replaced;
            let effective = if failed && !matches!(sub, Txn::Error { .. }) {
                let code = if post_failed {
                    RUNTIMEINCONSISTENCY
                } else {
                    OK
                };
                replaced = Txn::Error { code };
                &replaced
            } else {
                sub
            };
            let r = self.apply_one(hdr, effective, out);
            if r.err != OK && out.err == OK {
                out.err = r.err;
            }
            out.multi.push(r);
        }
    }

    fn apply_one(&mut self, hdr: &TxnHeader, txn: &Txn, out: &mut ApplyResult) -> OpResult {
        let mut r = OpResult::default();
        match txn {
            Txn::CreateSession { .. } => {}
            Txn::CloseSession { paths } => {
                self.kill_session(hdr.session_id, hdr.zxid, paths.as_deref(), out);
            }
            Txn::Create {
                path,
                data,
                ephemeral,
                parent_cversion,
            } => {
                r.path = Some(path.clone());
                let owner = if *ephemeral { hdr.session_id } else { 0 };
                match self.create_node(path, data, owner, *parent_cversion, hdr) {
                    Ok(stat) => {
                        r.stat = Some(stat);
                        out.created.push(path.clone());
                    }
                    Err(code) => {
                        r.err = code;
                        if code == NODEEXISTS {
                            let parent = split_path(path).map_or("", |(p, _)| p);
                            if let Err(e) =
                                self.set_cversion_pzxid(parent, *parent_cversion, hdr.zxid)
                            {
                                r.err = e;
                            }
                        }
                    }
                }
            }
            Txn::SetData {
                path,
                data,
                version,
            } => {
                r.path = Some(path.clone());
                match self.set_data(path, data, *version, hdr) {
                    Ok(stat) => {
                        r.stat = Some(stat);
                        out.changed.push(path.clone());
                    }
                    Err(code) => r.err = code,
                }
            }
            Txn::Delete { path } => {
                r.path = Some(path.clone());
                match self.delete_node(path, hdr.zxid) {
                    Ok(()) => out.deleted.push(path.clone()),
                    Err(code) => r.err = code,
                }
            }
            Txn::Check { path, .. } => r.path = Some(path.clone()),
            Txn::Error { code } => r.err = *code,
            Txn::Multi(_) => {}
        }
        r
    }

    /// `DataTree.createNode`.
    fn create_node(
        &mut self,
        path: &str,
        data: &str,
        owner: SessionId,
        parent_cversion: i32,
        hdr: &TxnHeader,
    ) -> Result<Stat, Code> {
        let (parent_name, child) = split_path(path).ok_or(NONODE)?;
        let rules = self.rules;
        let already = self.nodes.contains_key(path);
        let parent = self.nodes.get_mut(node_key(parent_name)).ok_or(NONODE)?;
        if already || parent.children.contains(child) {
            return Err(NODEEXISTS);
        }
        let parent_cversion = if parent_cversion == -1 {
            parent.stat.cversion.wrapping_add(1)
        } else {
            parent_cversion
        };
        if !rules.cversion_only_if_larger || parent_cversion > parent.stat.cversion {
            parent.stat.cversion = parent_cversion;
            parent.stat.pzxid = hdr.zxid;
        }
        parent.children.insert(child.to_string());
        let node = DataNode {
            data: data.to_string(),
            stat: StatPersisted::created(hdr.zxid, hdr.time_ms, owner),
            children: BTreeSet::new(),
        };
        let stat = node.stat(&rules);
        self.nodes.insert(path.to_string(), node);
        if rules.is_ephemeral_owner(owner) {
            self.ephemerals
                .entry(owner)
                .or_default()
                .insert(path.to_string());
        }
        Ok(stat)
    }

    /// `DataTree.deleteNode`. Deleting the root is refused (BadArguments); Prep never asks.
    fn delete_node(&mut self, path: &str, zxid: Zxid) -> Result<(), Code> {
        let (parent_name, child) = split_path(path).ok_or(NONODE)?;
        if node_key(path) == ROOT_PATH {
            return Err(BADARGUMENTS);
        }
        let parent_key = node_key(parent_name);
        let node = if self.rules.pzxid_only_if_larger {
            // ZOOKEEPER-3125: the parent first, even if the child turns out to be missing.
            let parent = self.nodes.get_mut(parent_key).ok_or(NONODE)?;
            parent.children.remove(child);
            if zxid > parent.stat.pzxid {
                parent.stat.pzxid = zxid;
            }
            self.nodes.remove(path).ok_or(NONODE)?
        } else {
            let node = self.nodes.remove(path).ok_or(NONODE)?;
            let parent = self.nodes.get_mut(parent_key).ok_or(NONODE)?;
            parent.children.remove(child);
            parent.stat.pzxid = zxid;
            node
        };
        let owner = node.stat.ephemeral_owner;
        if self.rules.is_ephemeral_owner(owner)
            && let Some(set) = self.ephemerals.get_mut(&owner)
        {
            set.remove(path);
        }
        Ok(())
    }

    /// `DataTree.setData`: the version comes from the txn; the owner is never touched.
    fn set_data(
        &mut self,
        path: &str,
        data: &str,
        version: i32,
        hdr: &TxnHeader,
    ) -> Result<Stat, Code> {
        let rules = self.rules;
        let node = self.nodes.get_mut(node_key(path)).ok_or(NONODE)?;
        node.data = data.to_string();
        node.stat.mtime = hdr.time_ms;
        node.stat.mzxid = hdr.zxid;
        node.stat.version = version;
        Ok(node.stat(&rules))
    }

    /// `DataTree.killSession(session, zxid[, paths2DeleteLocal, paths2DeleteInTxn])`.
    fn kill_session(
        &mut self,
        session_id: SessionId,
        zxid: Zxid,
        listed: Option<&[String]>,
        out: &mut ApplyResult,
    ) {
        let local = self.ephemerals.remove(&session_id);
        if let Some(paths) = listed {
            for p in paths {
                if self.delete_node(p, zxid).is_ok() {
                    out.deleted.push(p.clone());
                }
            }
        }
        let Some(mut local) = local else {
            return;
        };
        if let Some(paths) = listed {
            for p in paths {
                local.remove(p);
            }
        }
        for p in local {
            if self.delete_node(&p, zxid).is_ok() {
                out.deleted.push(p);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Prep: outstanding changes
// ---------------------------------------------------------------------------------------------

/// The part of `StatPersisted` Prep's decisions read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RecordStat {
    pub version: i32,
    /// Stored (create-only) cversion.
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: SessionId,
}

/// `ZooKeeperServer.ChangeRecord`: what a path will look like once the txn with `zxid` is
/// applied. Records built from the tree carry zxid -1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeRecord {
    /// Stands for Java's object identity (`outstandingChangesForPath.get(path) == cr`).
    #[serde(skip)]
    id: u64,
    pub zxid: Zxid,
    /// The path as Java computes it (the root's children have parent `""`).
    pub path: String,
    /// `None`: the path is being deleted (`stat == null`).
    pub stat: Option<RecordStat>,
    pub child_count: i32,
}

/// `ZooKeeperServer.outstandingChanges` and `outstandingChangesForPath`, with the
/// `PrepRequestProcessor` methods that read and write them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrepState {
    /// `outstandingChanges`, in the order Prep added them.
    list: VecDeque<ChangeRecord>,
    /// `outstandingChangesForPath`: the newest record per path (possibly one no longer in `list`).
    by_path: BTreeMap<String, ChangeRecord>,
    next_id: u64,
}

impl PrepState {
    /// Empty `outstandingChanges`, as a new `ZooKeeperServer` has.
    pub fn new() -> PrepState {
        PrepState::default()
    }

    /// `outstandingChanges`, oldest first.
    pub fn records(&self) -> impl Iterator<Item = &ChangeRecord> {
        self.list.iter()
    }

    /// `outstandingChangesForPath.get(path)`.
    pub fn record_for(&self, path: &str) -> Option<&ChangeRecord> {
        self.by_path.get(path)
    }

    /// Number of outstanding change records.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// No outstanding change records (and no stale per-path entries).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.by_path.is_empty()
    }

    /// `FinalRequestProcessor`: drop the records with zxid <= `zxid` from the front of the list,
    /// and from the per-path map where they are still the newest.
    pub fn applied(&mut self, zxid: Zxid) {
        while self.list.front().is_some_and(|c| c.zxid <= zxid) {
            let Some(cr) = self.list.pop_front() else {
                break;
            };
            if self.by_path.get(&cr.path).is_some_and(|c| c.id == cr.id) {
                self.by_path.remove(&cr.path);
            }
        }
    }

    /// Forget everything (a new leader starts with empty `outstandingChanges`).
    pub fn clear(&mut self) {
        self.list.clear();
        self.by_path.clear();
    }

    fn record(
        &mut self,
        zxid: Zxid,
        path: &str,
        stat: Option<RecordStat>,
        child_count: i32,
    ) -> ChangeRecord {
        self.next_id += 1;
        ChangeRecord {
            id: self.next_id,
            zxid,
            path: path.to_string(),
            stat,
            child_count,
        }
    }

    /// `addChangeRecord`.
    fn add(&mut self, c: ChangeRecord) {
        self.by_path.insert(c.path.clone(), c.clone());
        self.list.push_back(c);
    }

    /// `getRecordForPath`: the newest record, else one built from the tree (zxid -1, id 0);
    /// NoNode if neither exists or the record is a delete.
    fn get_record(&self, tree: &DataTree, path: &str) -> Result<ChangeRecord, Code> {
        let rec = match self.by_path.get(path) {
            Some(c) => c.clone(),
            None => {
                let n = tree.node(path).ok_or(NONODE)?;
                ChangeRecord {
                    id: 0,
                    zxid: -1,
                    path: path.to_string(),
                    stat: Some(RecordStat {
                        version: n.stat.version,
                        cversion: n.stat.cversion,
                        aversion: n.stat.aversion,
                        ephemeral_owner: n.stat.ephemeral_owner,
                    }),
                    child_count: n.children.len() as i32,
                }
            }
        };
        if rec.stat.is_none() {
            return Err(NONODE);
        }
        Ok(rec)
    }

    /// `pRequest2Txn` for one create, setData, delete or check against the tree and the
    /// outstanding changes. On success the txn's change records are added under `zxid`; on
    /// failure nothing is recorded. The session check (and SessionMoved) is the caller's.
    ///
    /// Order of checks, as in Java (3.4.5 and 3.6.0 agree):
    /// * create: no `/` or a NUL -> BadArguments; parent missing -> NoNode; parent is
    ///   `/zookeeper/config` (3.5+) -> NoAuth; append `%010d` of the parent's stored cversion if
    ///   sequential; `validatePath` -> BadArguments; path exists -> NodeExists; parent ephemeral ->
    ///   NoChildrenForEphemerals.
    /// * delete: no `/`, a NUL or a special path -> BadArguments; parent missing -> NoNode; node
    ///   missing -> NoNode; version mismatch -> BadVersion; children -> NotEmpty.
    /// * setData / check: (3.4.7+) `validatePath` -> BadArguments; missing -> NoNode; (setData on
    ///   `/zookeeper/config`, 3.5+ -> NoAuth); version mismatch -> BadVersion.
    pub fn prep_op(
        &mut self,
        tree: &DataTree,
        session_id: SessionId,
        zxid: Zxid,
        op: &Op,
    ) -> Result<Txn, KeeperError> {
        // Over 80 lines on purpose: one arm per op, as PrepRequestProcessor.pRequest2Txn's switch
        // has one case per type.
        let rules = *tree.rules();
        match op {
            Op::Create {
                path,
                data,
                ephemeral,
                sequential,
            } => {
                let (parent_path, _) =
                    split_path(path).ok_or_else(|| KeeperError::at(BADARGUMENTS, path))?;
                if path.contains('\0') {
                    return Err(KeeperError::at(BADARGUMENTS, path));
                }
                let parent = self
                    .get_record(tree, parent_path)
                    .map_err(|c| KeeperError::at(c, parent_path))?;
                if rules.config_node && parent_path == CONFIG_PATH {
                    return Err(KeeperError::new(NOAUTH));
                }
                let pstat = parent.stat.unwrap_or_default();
                let path = if *sequential {
                    format!("{path}{:010}", pstat.cversion)
                } else {
                    path.clone()
                };
                validate_path(&path, rules.inclusive_char_ranges)
                    .map_err(|_| KeeperError::at(BADARGUMENTS, &path))?;
                if self.get_record(tree, &path).is_ok() {
                    return Err(KeeperError::at(NODEEXISTS, &path));
                }
                if rules.is_ephemeral_owner(pstat.ephemeral_owner) {
                    return Err(KeeperError::at(NOCHILDRENFOREPHEMERALS, &path));
                }
                let new_cversion = pstat.cversion.wrapping_add(1);
                let owner = if *ephemeral { session_id } else { 0 };
                let parent_rec = self.record(
                    zxid,
                    parent_path,
                    Some(RecordStat {
                        cversion: new_cversion,
                        ..pstat
                    }),
                    parent.child_count.wrapping_add(1),
                );
                self.add(parent_rec);
                let node_rec = self.record(
                    zxid,
                    &path,
                    Some(RecordStat {
                        ephemeral_owner: owner,
                        ..RecordStat::default()
                    }),
                    0,
                );
                self.add(node_rec);
                Ok(Txn::Create {
                    path,
                    data: data.clone(),
                    ephemeral: *ephemeral,
                    parent_cversion: new_cversion,
                })
            }
            Op::Delete { path, version } => {
                let (parent_path, _) =
                    split_path(path).ok_or_else(|| KeeperError::at(BADARGUMENTS, path))?;
                if path.contains('\0') || tree.is_special_path(path) {
                    return Err(KeeperError::at(BADARGUMENTS, path));
                }
                let parent = self
                    .get_record(tree, parent_path)
                    .map_err(|c| KeeperError::at(c, parent_path))?;
                if rules.config_node && parent_path == CONFIG_PATH {
                    return Err(KeeperError::new(NOAUTH));
                }
                let node = self
                    .get_record(tree, path)
                    .map_err(|c| KeeperError::at(c, path))?;
                let nstat = node.stat.unwrap_or_default();
                if *version != -1 && nstat.version != *version {
                    return Err(KeeperError::at(BADVERSION, path));
                }
                if node.child_count > 0 {
                    return Err(KeeperError::at(NOTEMPTY, path));
                }
                let parent_rec = self.record(
                    zxid,
                    parent_path,
                    parent.stat,
                    parent.child_count.wrapping_sub(1),
                );
                self.add(parent_rec);
                let node_rec = self.record(zxid, path, None, -1);
                self.add(node_rec);
                Ok(Txn::Delete { path: path.clone() })
            }
            Op::SetData {
                path,
                data,
                version,
            } => {
                if rules.validate_update_paths {
                    validate_path(path, rules.inclusive_char_ranges)
                        .map_err(|_| KeeperError::at(BADARGUMENTS, path))?;
                }
                let node = self
                    .get_record(tree, path)
                    .map_err(|c| KeeperError::at(c, path))?;
                if rules.config_node && path == CONFIG_PATH {
                    return Err(KeeperError::new(NOAUTH));
                }
                let nstat = node.stat.unwrap_or_default();
                if *version != -1 && nstat.version != *version {
                    return Err(KeeperError::at(BADVERSION, path));
                }
                let new_version = nstat.version.wrapping_add(1);
                let rec = self.record(
                    zxid,
                    path,
                    Some(RecordStat {
                        version: new_version,
                        ..nstat
                    }),
                    node.child_count,
                );
                self.add(rec);
                Ok(Txn::SetData {
                    path: path.clone(),
                    data: data.clone(),
                    version: new_version,
                })
            }
            Op::Check { path, version } => {
                if rules.validate_update_paths {
                    validate_path(path, rules.inclusive_char_ranges)
                        .map_err(|_| KeeperError::at(BADARGUMENTS, path))?;
                }
                let node = self
                    .get_record(tree, path)
                    .map_err(|c| KeeperError::at(c, path))?;
                let nstat = node.stat.unwrap_or_default();
                if *version != -1 && nstat.version != *version {
                    return Err(KeeperError::at(BADVERSION, path));
                }
                Ok(Txn::Check {
                    path: path.clone(),
                    version: nstat.version.wrapping_add(1),
                })
            }
        }
    }

    /// `pRequest` case multi: every sub-op gets `zxid`. If `session_error` is set (the caller's
    /// `checkSession` failed, e.g. SESSIONMOVED), the first sub-op fails with it. The failing op
    /// becomes `Error{code}`, every later one `Error{RUNTIMEINCONSISTENCY}` without being looked at,
    /// and the multi's change records are rolled back (`rollbackPendingChanges`). Earlier ops keep
    /// their txns; `DataTree::apply` turns the whole multi into errors. Returns the `Multi` txn and
    /// the first failing code.
    pub fn prep_multi(
        &mut self,
        tree: &DataTree,
        session_id: SessionId,
        zxid: Zxid,
        ops: &[Op],
        session_error: Option<Code>,
    ) -> (Txn, Option<KeeperError>) {
        let pending = self.pending_changes(tree, ops);
        let mut failed = None;
        let mut txns = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            if failed.is_some() {
                txns.push(Txn::Error {
                    code: RUNTIMEINCONSISTENCY,
                });
                continue;
            }
            let prepped = match session_error {
                Some(code) if i == 0 => Err(KeeperError::new(code)),
                _ => self.prep_op(tree, session_id, zxid, op),
            };
            match prepped {
                Ok(txn) => txns.push(txn),
                Err(e) => {
                    txns.push(Txn::Error { code: e.code });
                    failed = Some(e);
                    self.rollback(tree, zxid, &pending);
                }
            }
        }
        (Txn::Multi(txns), failed)
    }

    /// `getPendingChanges`, per [`PendingChanges`].
    fn pending_changes(&mut self, tree: &DataTree, ops: &[Op]) -> BTreeMap<String, ChangeRecord> {
        let mut pending = BTreeMap::new();
        let mode = tree.rules().pending_changes;
        for op in ops {
            let path = op.path();
            let parent = match split_path(path) {
                Some((parent, _)) if !path.contains('\0') => Some(parent),
                _ => None,
            };
            match mode {
                PendingChanges::Outstanding => {
                    if let Some(c) = self.by_path.get(path) {
                        pending.insert(path.to_string(), c.clone());
                    }
                    if let Some(c) = parent.and_then(|p| self.by_path.get(p)) {
                        pending.insert(c.path.clone(), c.clone());
                    }
                }
                PendingChanges::OpPathsFromTree | PendingChanges::OpAndParentFromTree => {
                    let Ok(c) = self.get_record(tree, path) else {
                        continue;
                    };
                    let c = self.identify(c);
                    pending.insert(path.to_string(), c);
                    if mode == PendingChanges::OpAndParentFromTree
                        && let Some(Ok(pc)) = parent.map(|p| self.get_record(tree, p))
                    {
                        let pc = self.identify(pc);
                        pending.insert(pc.path.clone(), pc);
                    }
                }
            }
        }
        pending
    }

    /// Give a tree-built record its own identity, as a fresh Java object has.
    fn identify(&mut self, mut c: ChangeRecord) -> ChangeRecord {
        if c.id == 0 {
            self.next_id += 1;
            c.id = self.next_id;
        }
        c
    }

    /// `rollbackPendingChanges`.
    fn rollback(&mut self, tree: &DataTree, zxid: Zxid, pending: &BTreeMap<String, ChangeRecord>) {
        while self.list.back().is_some_and(|c| c.zxid == zxid) {
            if let Some(c) = self.list.pop_back() {
                self.by_path.remove(&c.path);
            }
        }
        let first = match self.list.front() {
            Some(c) => Some(c.zxid),
            None if tree.rules().pending_changes == PendingChanges::Outstanding => return,
            None => None,
        };
        for c in pending.values() {
            if first.is_some_and(|f| c.zxid < f) {
                continue;
            }
            self.by_path.insert(c.path.clone(), c.clone());
        }
    }

    /// `pRequest2Txn` case closeSession (no owner check): the session's ephemerals in the tree,
    /// minus paths an outstanding record deletes, plus paths an outstanding record gives this
    /// owner; records a delete for each under `zxid` and returns them sorted. (3.6 puts this list
    /// in the `CloseSessionTxn`; the parents get no child-count records, as in Java.)
    pub fn prep_close_session(
        &mut self,
        tree: &DataTree,
        session_id: SessionId,
        zxid: Zxid,
    ) -> Vec<String> {
        let mut es: BTreeSet<String> = tree
            .ephemerals
            .get(&session_id)
            .cloned()
            .unwrap_or_default();
        for c in &self.list {
            match &c.stat {
                None => {
                    es.remove(&c.path);
                }
                Some(s) if s.ephemeral_owner == session_id => {
                    es.insert(c.path.clone());
                }
                Some(_) => {}
            }
        }
        for p in &es {
            let rec = self.record(zxid, p, None, 0);
            self.add(rec);
        }
        es.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{NOAUTH, SESSIONMOVED};

    const S1: SessionId = 0x100000000000001;
    const S2: SessionId = 0x200000000000002;

    /// A leader in miniature: Prep, propose, apply, in one step or pipelined.
    struct Leader {
        tree: DataTree,
        prep: PrepState,
        zxid: Zxid,
        time: i64,
    }

    impl Leader {
        fn new(rules: TreeRules) -> Leader {
            Leader {
                tree: DataTree::with_rules(rules),
                prep: PrepState::new(),
                zxid: 0x100000000,
                time: 1_000_000,
            }
        }

        fn next(&mut self) -> TxnHeader {
            self.zxid += 1;
            self.time += 10;
            TxnHeader {
                session_id: 0,
                cxid: 0,
                zxid: self.zxid,
                time_ms: self.time,
            }
        }

        /// Prep one op; an error becomes an ErrorTxn, as pRequest's catch does.
        fn prep(&mut self, session: SessionId, op: Op) -> (TxnHeader, Txn) {
            let mut hdr = self.next();
            hdr.session_id = session;
            let txn = match self.prep.prep_op(&self.tree, session, hdr.zxid, &op) {
                Ok(t) => t,
                Err(e) => Txn::Error { code: e.code },
            };
            (hdr, txn)
        }

        fn commit(&mut self, hdr: TxnHeader, txn: &Txn) -> ApplyResult {
            self.prep.applied(hdr.zxid);
            self.tree.apply(&hdr, txn)
        }

        fn run(&mut self, session: SessionId, op: Op) -> ApplyResult {
            let (hdr, txn) = self.prep(session, op);
            self.commit(hdr, &txn)
        }

        fn multi(&mut self, session: SessionId, ops: &[Op], err: Option<Code>) -> ApplyResult {
            let mut hdr = self.next();
            hdr.session_id = session;
            let (txn, _) = self
                .prep
                .prep_multi(&self.tree, session, hdr.zxid, ops, err);
            self.commit(hdr, &txn)
        }

        fn close(&mut self, session: SessionId, list_paths: bool) -> (Zxid, ApplyResult) {
            let mut hdr = self.next();
            hdr.session_id = session;
            let paths = self.prep.prep_close_session(&self.tree, session, hdr.zxid);
            let txn = Txn::CloseSession {
                paths: list_paths.then_some(paths),
            };
            (hdr.zxid, self.commit(hdr, &txn))
        }

        fn stat(&self, path: &str) -> Stat {
            self.tree.exists(path).expect(path)
        }
    }

    fn create(path: &str, data: &str) -> Op {
        Op::Create {
            path: path.into(),
            data: data.into(),
            ephemeral: false,
            sequential: false,
        }
    }

    fn ephemeral(path: &str) -> Op {
        Op::Create {
            path: path.into(),
            data: path.into(),
            ephemeral: true,
            sequential: false,
        }
    }

    fn seq(path: &str, ephemeral: bool) -> Op {
        Op::Create {
            path: path.into(),
            data: String::new(),
            ephemeral,
            sequential: true,
        }
    }

    fn set(path: &str, data: &str, version: i32) -> Op {
        Op::SetData {
            path: path.into(),
            data: data.into(),
            version,
        }
    }

    fn delete(path: &str, version: i32) -> Op {
        Op::Delete {
            path: path.into(),
            version,
        }
    }

    fn check(path: &str, version: i32) -> Op {
        Op::Check {
            path: path.into(),
            version,
        }
    }

    fn all_rules() -> [TreeRules; Version::ALL.len()] {
        Version::ALL.map(TreeRules::for_version)
    }

    // --- StatTest (3.4.5 src/java/test/org/apache/zookeeper/test/StatTest.java) -----------------

    #[test]
    fn stat_test_basic() {
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            assert_eq!(l.run(S1, create("/foo", "/foo")).err, OK);
            let s = l.stat("/foo");
            assert_eq!(s.czxid, s.mzxid);
            assert_eq!(s.czxid, s.pzxid);
            assert_eq!(s.ctime, s.mtime);
            assert_eq!((s.cversion, s.version, s.aversion), (0, 0, 0));
            assert_eq!(s.ephemeral_owner, 0);
            assert_eq!(s.data_length, 4);
            assert_eq!(s.num_children, 0);
        }
    }

    #[test]
    fn stat_test_child() {
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            l.run(S1, create("/foo", "/foo"));
            assert_eq!(l.run(S1, ephemeral("/foo/bar")).err, OK);
            let p = l.stat("/foo");
            assert_eq!(p.czxid, p.mzxid);
            assert_eq!(p.czxid + 1, p.pzxid);
            assert_eq!(p.ctime, p.mtime);
            assert_eq!((p.cversion, p.version, p.aversion), (1, 0, 0));
            assert_eq!(p.ephemeral_owner, 0);
            assert_eq!(p.data_length, 4);
            assert_eq!(p.num_children, 1);
            let c = l.stat("/foo/bar");
            assert_eq!(c.czxid, c.mzxid);
            assert_eq!(c.czxid, c.pzxid);
            assert_eq!(c.ctime, c.mtime);
            assert_eq!((c.cversion, c.version, c.aversion), (0, 0, 0));
            assert_eq!(c.ephemeral_owner, S1);
            assert_eq!(c.data_length, "/foo/bar".len() as i32);
            assert_eq!(c.num_children, 0);
        }
    }

    #[test]
    fn stat_test_children() {
        let mut l = Leader::new(TreeRules::V3_4_5);
        l.run(S1, create("/foo", "/foo"));
        for i in 0..10 {
            assert_eq!(l.run(S1, ephemeral(&format!("/foo/bar{i}"))).err, OK);
            let s = l.stat("/foo");
            assert_eq!(s.czxid, s.mzxid);
            assert_eq!(s.czxid + i + 1, s.pzxid);
            assert_eq!(s.ctime, s.mtime);
            assert_eq!(s.cversion, i as i32 + 1);
            assert_eq!(s.num_children, i as i32 + 1);
            assert_eq!((s.version, s.aversion, s.ephemeral_owner), (0, 0, 0));
        }
    }

    #[test]
    fn stat_test_data_size_change() {
        let mut l = Leader::new(TreeRules::V3_6);
        l.run(S1, create("/foo", "/foo"));
        let before = l.stat("/foo");
        assert_eq!((before.version, before.data_length), (0, 4));
        let r = l.run(S1, set("/foo", "/foo/foo", -1));
        assert_eq!(r.err, OK);
        assert_eq!(r.changed, vec!["/foo".to_string()]);
        let s = l.stat("/foo");
        assert_eq!(r.stat, Some(s));
        assert_ne!(s.czxid, s.mzxid);
        assert_eq!(s.czxid, s.pzxid);
        assert_ne!(s.ctime, s.mtime);
        assert_eq!((s.cversion, s.version, s.aversion), (0, 1, 0));
        assert_eq!(s.data_length, 8);
        assert_eq!(s.num_children, 0);
    }

    // --- DataTreeTest (ZOOKEEPER-1046) ---------------------------------------------------------

    #[test]
    fn data_tree_test_increment_cversion() {
        let mut t = DataTree::with_rules(TreeRules::V3_4_5);
        let root_cv = t.node("/").map_or(0, |n| n.persisted().cversion);
        let hdr = TxnHeader {
            session_id: 0,
            cxid: 0,
            zxid: 1,
            time_ms: 1,
        };
        let txn = Txn::Create {
            path: "/test".into(),
            data: String::new(),
            ephemeral: false,
            parent_cversion: root_cv + 1,
        };
        assert_eq!(t.apply(&hdr, &txn).err, OK);
        let prev = *t.node("/test").map(|n| n.persisted()).expect("created");
        // A trailing slash is ignored.
        assert_eq!(
            t.set_cversion_pzxid("/test/", prev.cversion + 1, prev.pzxid + 1),
            Ok(())
        );
        let now = *t.node("/test").map(|n| n.persisted()).expect("still there");
        assert_eq!(
            (now.cversion, now.pzxid),
            (prev.cversion + 1, prev.pzxid + 1)
        );
        // A smaller cversion changes nothing; -1 means stored + 1.
        assert_eq!(t.set_cversion_pzxid("/test", 0, 99), Ok(()));
        assert_eq!(
            t.node("/test").map(|n| n.persisted().pzxid),
            Some(now.pzxid)
        );
        assert_eq!(t.set_cversion_pzxid("/test", -1, 50), Ok(()));
        let last = t.node("/test").map(|n| *n.persisted()).expect("there");
        assert_eq!((last.cversion, last.pzxid), (now.cversion + 1, 50));
        assert_eq!(t.set_cversion_pzxid("/nope", 5, 5), Err(NONODE));
    }

    #[test]
    fn replayed_create_of_existing_node_bumps_parent_cversion() {
        // processTxn: a create failing with NodeExists still applies setCversionPzxid to the
        // parent (log replay over a fuzzy snapshot).
        let mut l = Leader::new(TreeRules::V3_4_5);
        l.run(S1, create("/a", ""));
        l.run(S1, create("/a/b", ""));
        let hdr = l.next();
        let txn = Txn::Create {
            path: "/a/b".into(),
            data: String::new(),
            ephemeral: false,
            parent_cversion: 5,
        };
        let r = l.tree.apply(&hdr, &txn);
        assert_eq!(r.err, NODEEXISTS);
        let a = l.tree.node("/a").map(|n| *n.persisted()).expect("/a");
        assert_eq!((a.cversion, a.pzxid), (5, hdr.zxid));
    }

    // --- fresh tree, spec 7.2 ------------------------------------------------------------------

    #[test]
    fn fresh_tree_has_system_nodes_per_version() {
        let t = DataTree::with_rules(TreeRules::V3_4_5);
        let paths: Vec<&str> = t.nodes().map(|(p, _, _)| p).collect();
        assert_eq!(paths, vec!["/", "/zookeeper", "/zookeeper/quota"]);
        assert_eq!(t.paths(), paths);
        assert_eq!(t.node_count(), 4);
        let root = t.exists("/").expect("root");
        assert_eq!((root.cversion, root.num_children, root.czxid), (-1, 1, 0));
        assert_eq!(t.exists(""), Some(root));
        assert_eq!(t.last_processed_zxid(), 0);

        let t = DataTree::with_rules(TreeRules::V3_6);
        let paths: Vec<&str> = t.nodes().map(|(p, _, _)| p).collect();
        assert_eq!(
            paths,
            vec!["/", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"]
        );
        assert_eq!(t.node_count(), 5);
        assert_eq!(t.exists("/zookeeper/config").map(|s| s.aversion), Some(-1));
        assert_eq!(t.exists("/zookeeper").map(|s| s.cversion), Some(-2));
        assert_eq!(
            t.children("/zookeeper").map(|(c, _)| c),
            Ok(vec!["config".to_string(), "quota".to_string()])
        );
        assert_eq!(t.get_data("/nope"), Err(NONODE));
    }

    #[test]
    fn spec_7_2_cversion_counts_creates_and_deletes_parent_metadata_untouched() {
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            l.run(S1, create("/a", "x"));
            let a0 = l.stat("/a");
            let r = l.run(S1, create("/a/b", ""));
            assert_eq!(r.created, vec!["/a/b".to_string()]);
            let a1 = l.stat("/a");
            assert_eq!((a1.cversion, a1.num_children), (1, 1));
            let del = l.run(S1, delete("/a/b", -1));
            assert_eq!(del.deleted, vec!["/a/b".to_string()]);
            let a2 = l.stat("/a");
            assert_eq!((a2.cversion, a2.num_children), (2, 0));
            assert_eq!(a2.pzxid, l.zxid);
            assert_eq!(
                l.tree.node("/a").map(|n| n.persisted().cversion),
                Some(1),
                "stored cversion counts creates only"
            );
            for s in [a1, a2] {
                assert_eq!((s.mzxid, s.mtime, s.version), (a0.mzxid, a0.mtime, 0));
            }
            // An error txn changes no stat but consumes and records its zxid.
            let before: Vec<_> = l
                .tree
                .nodes()
                .map(|(p, d, s)| (p.to_string(), d.to_string(), s))
                .collect();
            let r = l.run(S1, set("/a", "y", 7));
            assert_eq!(r.err, BADVERSION);
            let after: Vec<_> = l
                .tree
                .nodes()
                .map(|(p, d, s)| (p.to_string(), d.to_string(), s))
                .collect();
            assert_eq!(before, after);
            assert_eq!(l.tree.last_processed_zxid(), l.zxid);
        }
    }

    #[test]
    fn zookeeper_3125_pzxid_only_if_larger_and_parent_first() {
        let hdr = |zxid| TxnHeader {
            session_id: 0,
            cxid: 0,
            zxid,
            time_ms: 0,
        };
        let mk = |path: &str, pcv| Txn::Create {
            path: path.into(),
            data: String::new(),
            ephemeral: false,
            parent_cversion: pcv,
        };
        for (rules, expect) in [(TreeRules::V3_4_14, 20), (TreeRules::V3_5_10, 30)] {
            let mut t = DataTree::with_rules(rules);
            t.apply(&hdr(10), &mk("/p", -1));
            t.apply(&hdr(20), &mk("/p/a", -1));
            t.apply(&hdr(30), &mk("/p/b", -1));
            // A delete replayed with an older zxid.
            assert_eq!(
                t.apply(
                    &hdr(20),
                    &Txn::Delete {
                        path: "/p/a".into()
                    }
                )
                .err,
                OK
            );
            assert_eq!(t.exists("/p").map(|s| s.pzxid), Some(expect), "{rules:?}");
        }
        // 3.5.5+: deleting a missing child still moves the parent's pzxid forward.
        let mut t = DataTree::with_rules(TreeRules::V3_6);
        t.apply(&hdr(10), &mk("/p", -1));
        let r = t.apply(
            &hdr(40),
            &Txn::Delete {
                path: "/p/zz".into(),
            },
        );
        assert_eq!(r.err, NONODE);
        assert!(r.deleted.is_empty());
        assert_eq!(t.exists("/p").map(|s| s.pzxid), Some(40));
        let mut t = DataTree::with_rules(TreeRules::V3_4_5);
        t.apply(&hdr(10), &mk("/p", -1));
        t.apply(
            &hdr(40),
            &Txn::Delete {
                path: "/p/zz".into(),
            },
        );
        assert_eq!(t.exists("/p").map(|s| s.pzxid), Some(10));
    }

    // --- ephemerals and closeSession -----------------------------------------------------------

    #[test]
    fn session_invalidation_close_session_removes_all_ephemerals_with_close_zxid() {
        for (rules, list_paths) in [(TreeRules::V3_4_5, false), (TreeRules::V3_6, true)] {
            let mut l = Leader::new(rules);
            l.run(S2, create("/d", ""));
            for i in 0..10 {
                assert_eq!(l.run(S1, ephemeral(&format!("/foo{i}"))).err, OK);
            }
            l.run(S1, ephemeral("/d/e"));
            l.run(S2, ephemeral("/other"));
            assert_eq!(l.tree.ephemerals_of(S1).len(), 11);
            assert_eq!(l.tree.sessions_with_ephemerals(), vec![S1, S2]);
            let (close_zxid, r) = l.close(S1, list_paths);
            assert_eq!(r.err, OK);
            assert_eq!(r.deleted.len(), 11);
            assert!(l.prep.is_empty());
            let (children, root) = l.tree.children("/").expect("root");
            assert_eq!(children, vec!["d", "other", "zookeeper"]);
            assert_eq!(root.pzxid, close_zxid);
            let d = l.stat("/d");
            assert_eq!((d.pzxid, d.num_children, d.cversion), (close_zxid, 0, 2));
            assert!(l.tree.ephemerals_of(S1).is_empty());
            assert_eq!(l.tree.sessions_with_ephemerals(), vec![S2]);
            assert_eq!(l.tree.last_processed_zxid(), close_zxid);
        }
    }

    #[test]
    fn close_session_after_prepped_ephemeral_create_includes_that_path() {
        let mut l = Leader::new(TreeRules::V3_6);
        l.run(S1, ephemeral("/applied"));
        // Pipelined: the create is prepped but not yet committed when the close is prepped.
        let (h1, t1) = l.prep(S1, ephemeral("/inflight"));
        let mut hc = l.next();
        hc.session_id = S1;
        let paths = l.prep.prep_close_session(&l.tree, S1, hc.zxid);
        assert_eq!(paths, vec!["/applied".to_string(), "/inflight".to_string()]);
        assert_eq!(l.commit(h1, &t1).err, OK);
        let r = l.commit(hc, &Txn::CloseSession { paths: Some(paths) });
        assert_eq!(
            r.deleted,
            vec!["/applied".to_string(), "/inflight".to_string()]
        );
        assert!(l.tree.exists("/inflight").is_none());
        assert!(l.prep.is_empty());
    }

    #[test]
    fn close_session_skips_ephemeral_with_prepped_delete() {
        let mut l = Leader::new(TreeRules::V3_4_5);
        l.run(S1, ephemeral("/a"));
        l.run(S1, ephemeral("/b"));
        let (hd, td) = l.prep(S2, delete("/a", -1));
        let mut hc = l.next();
        hc.session_id = S1;
        let paths = l.prep.prep_close_session(&l.tree, S1, hc.zxid);
        assert_eq!(paths, vec!["/b".to_string()]);
        l.commit(hd, &td);
        // 3.4: no list in the txn; killSession deletes whatever the session still owns.
        let r = l.commit(hc, &Txn::CloseSession { paths: None });
        assert_eq!(r.deleted, vec!["/b".to_string()]);
    }

    #[test]
    fn prepped_close_session_leaves_parent_child_count_until_applied() {
        // Prep closeSession records only the deletes, no parent records (3.4.5 and 3.6 alike), so
        // a delete of the parent prepped right behind it still counts the ephemeral: NotEmpty.
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            l.run(S2, create("/d", ""));
            l.run(S1, ephemeral("/d/e"));
            let mut hc = l.next();
            hc.session_id = S1;
            let paths = l.prep.prep_close_session(&l.tree, S1, hc.zxid);
            assert_eq!(paths, vec!["/d/e".to_string()]);
            assert_eq!(
                l.prep(S2, delete("/d", -1)).1,
                Txn::Error { code: NOTEMPTY }
            );
            // But a create of the closed path is free again.
            assert!(matches!(
                l.prep(S2, create("/d/e", "")).1,
                Txn::Create { .. }
            ));
        }
    }

    #[test]
    fn close_session_txn_paths_then_remaining_local_ones() {
        // killSession(session, zxid, local, inTxn): the txn's paths first, then the rest.
        let mut l = Leader::new(TreeRules::V3_6);
        l.run(S1, ephemeral("/x"));
        l.run(S1, ephemeral("/y"));
        l.run(S2, create("/plain", ""));
        let mut hdr = l.next();
        hdr.session_id = S1;
        let txn = Txn::CloseSession {
            paths: Some(vec!["/y".into(), "/gone".into(), "/plain".into()]),
        };
        let r = l.tree.apply(&hdr, &txn);
        assert_eq!(r.err, OK);
        assert_eq!(r.deleted, vec!["/y", "/plain", "/x"]);
    }

    #[test]
    fn ephemeral_trap_set_data_by_another_session_keeps_owner() {
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            l.run(S1, ephemeral("/e"));
            let r = l.run(S2, set("/e", "mine now", 0));
            assert_eq!(r.err, OK);
            let s = l.stat("/e");
            assert_eq!((s.version, s.ephemeral_owner), (1, S1));
            assert_eq!(l.tree.ephemerals_of(S1), vec!["/e".to_string()]);
            assert!(l.tree.ephemerals_of(S2).is_empty());
            let (_, r) = l.close(S2, true);
            assert!(r.deleted.is_empty());
            let (_, r) = l.close(S1, true);
            assert_eq!(r.deleted, vec!["/e".to_string()]);
        }
    }

    #[test]
    fn containers_owner_is_not_an_ephemeral_from_3_5() {
        let owner = CONTAINER_EPHEMERAL_OWNER;
        let mut l = Leader::new(TreeRules::V3_6);
        l.run(owner, ephemeral("/c"));
        assert_eq!(l.stat("/c").ephemeral_owner, 0);
        assert!(l.tree.ephemerals_of(owner).is_empty());
        assert_eq!(l.run(S1, create("/c/kid", "")).err, OK);
        let mut l = Leader::new(TreeRules::V3_4_5);
        l.run(owner, ephemeral("/c"));
        assert_eq!(l.stat("/c").ephemeral_owner, owner);
        assert_eq!(l.run(S1, create("/c/kid", "")).err, NOCHILDRENFOREPHEMERALS);
    }

    // --- sequential names ----------------------------------------------------------------------

    #[test]
    fn sequential_suffix_is_parents_create_count_010d() {
        let mut l = Leader::new(TreeRules::V3_4_5);
        l.run(S1, create("/q", ""));
        let r = l.run(S1, seq("/q/n-", false));
        assert_eq!(r.path.as_deref(), Some("/q/n-0000000000"));
        l.run(S1, create("/q/plain", ""));
        l.run(S1, delete("/q/plain", -1));
        // Deletes do not count; the earlier plain create does.
        let r = l.run(S1, seq("/q/n-", true));
        assert_eq!(r.path.as_deref(), Some("/q/n-0000000002"));
        // Pipelined: both prepped before either is applied, numbered from outstanding records.
        let (h1, t1) = l.prep(S1, seq("/q/n-", false));
        let (h2, t2) = l.prep(S1, seq("/q/n-", false));
        assert_eq!(l.commit(h1, &t1).path.as_deref(), Some("/q/n-0000000003"));
        assert_eq!(l.commit(h2, &t2).path.as_deref(), Some("/q/n-0000000004"));
        // The root's children: "/" + "n-" has a parent of "" (the root's alias).
        let r = l.run(S1, seq("/r-", false));
        assert_eq!(r.path.as_deref(), Some("/r-0000000001"));
        // Stored 2 (/q, /r-...), three children: 2 * 2 - 3.
        assert_eq!(l.stat("/").cversion, 1);
    }

    // --- error codes ---------------------------------------------------------------------------

    #[test]
    fn version_conditions_badversion() {
        let mut l = Leader::new(TreeRules::V3_6);
        l.run(S1, create("/v", ""));
        assert_eq!(l.run(S1, set("/v", "a", 1)).err, BADVERSION);
        assert_eq!(l.run(S1, set("/v", "a", 0)).err, OK);
        assert_eq!(l.run(S1, set("/v", "b", 0)).err, BADVERSION);
        assert_eq!(l.run(S1, set("/v", "b", -1)).err, OK);
        assert_eq!(l.stat("/v").version, 2);
        assert_eq!(l.run(S1, delete("/v", 1)).err, BADVERSION);
        let (_, t) = l.prep(S1, check("/v", 2));
        assert_eq!(
            t,
            Txn::Check {
                path: "/v".into(),
                version: 3
            }
        );
        let (_, t) = l.prep(S1, check("/v", 1));
        assert_eq!(t, Txn::Error { code: BADVERSION });
        assert_eq!(l.run(S1, delete("/v", 2)).err, OK);
    }

    #[test]
    fn error_codes_nonode_nodeexists_notempty_nochildrenforephemerals() {
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            assert_eq!(l.run(S1, create("/a/b", "")).err, NONODE);
            assert_eq!(l.run(S1, set("/a", "", -1)).err, NONODE);
            assert_eq!(l.run(S1, delete("/a", -1)).err, NONODE);
            assert_eq!(l.prep(S1, check("/a", -1)).1, Txn::Error { code: NONODE });
            assert_eq!(l.run(S1, create("/a", "")).err, OK);
            assert_eq!(l.run(S1, create("/a", "")).err, NODEEXISTS);
            assert_eq!(l.run(S1, create("/a/b", "")).err, OK);
            assert_eq!(l.run(S1, delete("/a", -1)).err, NOTEMPTY);
            assert_eq!(l.run(S1, ephemeral("/e")).err, OK);
            assert_eq!(l.run(S2, create("/e/kid", "")).err, NOCHILDRENFOREPHEMERALS);
            assert_eq!(l.run(S1, seq("/e/kid", true)).err, NOCHILDRENFOREPHEMERALS);
            // Java checks NodeExists before the ephemeral parent.
            l.tree = {
                let mut t = l.tree.clone();
                let h = TxnHeader {
                    session_id: S1,
                    cxid: 0,
                    zxid: l.zxid + 1,
                    time_ms: 0,
                };
                l.zxid += 1;
                // A child under an ephemeral can only come from a txn crafted by hand.
                let txn = Txn::Create {
                    path: "/e/k".into(),
                    data: String::new(),
                    ephemeral: false,
                    parent_cversion: -1,
                };
                assert_eq!(t.apply(&h, &txn).err, OK);
                t
            };
            assert_eq!(l.run(S1, create("/e/k", "")).err, NODEEXISTS);
            assert_eq!(l.run(S1, create("/e/j", "")).err, NOCHILDRENFOREPHEMERALS);
        }
    }

    #[test]
    fn bad_arguments_and_special_paths() {
        let mut l = Leader::new(TreeRules::V3_4_5);
        for p in [
            "",
            "noslash",
            "/a\0b",
            "/.",
            "/..",
            "/\u{1}",
            "/zookeeper/",
            "/zookeeper/..",
        ] {
            assert_eq!(l.run(S1, create(p, "")).err, BADARGUMENTS, "{p:?}");
        }
        // The parent is looked up before the final path is validated.
        for p in ["/x/", "/a//b", "/a/.."] {
            assert_eq!(l.run(S1, create(p, "")).err, NONODE, "{p:?}");
        }
        assert_eq!(l.run(S1, create("/", "")).err, NODEEXISTS);
        for p in ["/", "/zookeeper", "/zookeeper/quota", "x", "/a\0"] {
            assert_eq!(l.run(S1, delete(p, -1)).err, BADARGUMENTS, "{p:?}");
        }
        // 3.4.5: setData and check do not validate; a bad path is simply not there.
        assert_eq!(l.run(S1, set("/a//b", "", -1)).err, NONODE);
        assert_eq!(
            l.run(S1, set("", "", -1)).err,
            OK,
            "\"\" is the root's alias"
        );
        let mut l = Leader::new(TreeRules::V3_4_14);
        assert_eq!(l.run(S1, set("/a//b", "", -1)).err, BADARGUMENTS);
        assert_eq!(
            l.prep(S1, check("", -1)).1,
            Txn::Error { code: BADARGUMENTS }
        );
        // 3.5+: /zookeeper/config is special and read-only.
        let mut l = Leader::new(TreeRules::V3_5_10);
        assert_eq!(l.run(S1, delete("/zookeeper/config", -1)).err, BADARGUMENTS);
        assert_eq!(l.run(S1, set("/zookeeper/config", "x", -1)).err, NOAUTH);
        assert_eq!(l.run(S1, create("/zookeeper/config/x", "")).err, NOAUTH);
        assert_eq!(
            l.prep(S1, check("/zookeeper/config", -1)).1,
            Txn::Check {
                path: "/zookeeper/config".into(),
                version: 1
            }
        );
        assert_eq!(l.run(S1, create("/zookeeper/mine", "")).err, OK);
        assert_eq!(l.run(S1, delete("/zookeeper/mine", -1)).err, OK);
    }

    #[test]
    fn validate_path_matches_path_utils() {
        for ok in ["/", "/a", "/a/b.c", "/..a", "/a..", "/a/...", "/é", "/a b"] {
            assert_eq!(validate_path(ok, true), Ok(()), "{ok}");
        }
        let cases = [
            ("", "Path length must be > 0"),
            ("a", "Path must start with / character"),
            ("/a/", "Path must not end with / character"),
            (
                "/a//b",
                "Invalid path string \"/a//b\" caused by empty node name specified @3",
            ),
            (
                "/a/./b",
                "Invalid path string \"/a/./b\" caused by relative paths not allowed @3",
            ),
            (
                "/a/..",
                "Invalid path string \"/a/..\" caused by relative paths not allowed @4",
            ),
            (
                "/a\0",
                "Invalid path string \"/a\0\" caused by null character not allowed @2",
            ),
            (
                "/\u{7}",
                "Invalid path string \"/\u{7}\" caused by invalid character @1",
            ),
            (
                "/😀",
                "Invalid path string \"/😀\" caused by invalid character @1",
            ),
        ];
        for (p, msg) in cases {
            assert_eq!(validate_path(p, false), Err(msg.to_string()), "{p:?}");
        }
        // The range end points: allowed in 3.4, rejected from 3.5.
        for c in [
            '\u{1f}', '\u{7f}', '\u{9f}', '\u{f8ff}', '\u{fff0}', '\u{ffff}',
        ] {
            let p = format!("/{c}");
            assert!(validate_path(&p, false).is_ok(), "{c:?}");
            assert!(validate_path(&p, true).is_err(), "{c:?}");
        }
    }

    // --- pipelining ----------------------------------------------------------------------------

    #[test]
    fn pipelined_writes_see_each_other_via_outstanding_changes() {
        let mut l = Leader::new(TreeRules::V3_6);
        let (h1, t1) = l.prep(S1, create("/p", ""));
        let (h2, t2) = l.prep(S1, create("/p", ""));
        assert_eq!(t2, Txn::Error { code: NODEEXISTS });
        let (h3, t3) = l.prep(S1, ephemeral("/p/kid"));
        assert!(matches!(t3, Txn::Create { .. }));
        let (h4, t4) = l.prep(S1, delete("/p", -1));
        assert_eq!(t4, Txn::Error { code: NOTEMPTY });
        let (h5, t5) = l.prep(S2, set("/p/kid", "v", 0));
        assert_eq!(
            t5,
            Txn::SetData {
                path: "/p/kid".into(),
                data: "v".into(),
                version: 1
            }
        );
        let (h6, t6) = l.prep(S2, set("/p/kid", "w", 0));
        assert_eq!(t6, Txn::Error { code: BADVERSION });
        assert_eq!(l.prep.len(), 5);
        for (h, t) in [(h1, t1), (h2, t2), (h3, t3), (h4, t4), (h5, t5), (h6, t6)] {
            l.commit(h, &t);
        }
        assert!(l.prep.is_empty());
        assert_eq!(l.stat("/p/kid").version, 1);
        // A prepped delete makes the path free for the next create.
        let (h7, t7) = l.prep(S1, delete("/p/kid", -1));
        let (h8, t8) = l.prep(S1, create("/p/kid", "again"));
        assert!(matches!(t8, Txn::Create { .. }));
        l.commit(h7, &t7);
        assert_eq!(l.commit(h8, &t8).err, OK);
        assert_eq!(l.stat("/p").cversion, 3);
    }

    #[test]
    fn applied_drops_records_up_to_and_including_zxid() {
        let mut l = Leader::new(TreeRules::V3_6);
        let (h1, _) = l.prep(S1, create("/a", ""));
        let (h2, _) = l.prep(S1, create("/b", ""));
        assert_eq!(l.prep.len(), 4);
        assert_eq!(l.prep.record_for("").map(|c| c.zxid), Some(h2.zxid));
        l.prep.applied(h1.zxid);
        assert_eq!(l.prep.len(), 2);
        assert!(l.prep.record_for("/a").is_none());
        assert_eq!(l.prep.record_for("").map(|c| c.child_count), Some(3));
        l.prep.applied(h2.zxid);
        assert!(l.prep.is_empty());
        l.prep(S1, create("/c", ""));
        l.prep.clear();
        assert!(l.prep.is_empty());
    }

    // --- multi ---------------------------------------------------------------------------------

    #[test]
    fn multi_success_applies_all_with_one_zxid() {
        let mut l = Leader::new(TreeRules::V3_6);
        let ops = [
            create("/m", "0"),
            seq("/m/s-", true),
            set("/m", "1", 0),
            check("/m", 1),
            delete("/m/s-0000000000", 0),
        ];
        let r = l.multi(S1, &ops, None);
        assert_eq!(r.err, OK);
        let codes: Vec<Code> = r.multi.iter().map(|o| o.err).collect();
        assert_eq!(codes, vec![0; 5]);
        assert_eq!(r.multi[1].path.as_deref(), Some("/m/s-0000000000"));
        assert_eq!(r.multi[2].stat.map(|s| s.version), Some(1));
        assert_eq!(r.multi[3].path.as_deref(), Some("/m"));
        assert_eq!(r.created, vec!["/m", "/m/s-0000000000"]);
        assert_eq!(r.deleted, vec!["/m/s-0000000000"]);
        assert_eq!(r.changed, vec!["/m"]);
        let m = l.stat("/m");
        assert_eq!((m.czxid, m.mzxid, m.pzxid), (l.zxid, l.zxid, l.zxid));
        assert_eq!((m.cversion, m.num_children), (2, 0));
        assert!(l.tree.ephemerals_of(S1).is_empty());
        assert!(l.prep.is_empty());
    }

    #[test]
    fn multi_all_or_nothing_error_0_code_minus_2() {
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            l.run(S1, create("/x", ""));
            let mut hdr = l.next();
            hdr.session_id = S1;
            let ops = [
                create("/y", ""),
                set("/x", "new", -1),
                set("/x", "bad", 0),
                delete("/x", -1),
            ];
            let (txn, failed) = l.prep.prep_multi(&l.tree, S1, hdr.zxid, &ops, None);
            assert_eq!(failed, Some(KeeperError::at(BADVERSION, "/x")));
            let Txn::Multi(subs) = &txn else {
                panic!("not a multi: {txn:?}");
            };
            assert!(matches!(subs[0], Txn::Create { .. }));
            assert!(matches!(subs[1], Txn::SetData { version: 1, .. }));
            assert_eq!(subs[2], Txn::Error { code: BADVERSION });
            assert_eq!(
                subs[3],
                Txn::Error {
                    code: RUNTIMEINCONSISTENCY
                }
            );
            // Rolled back: Prep sees the tree again.
            assert!(l.prep.records().all(|c| c.zxid != hdr.zxid));
            assert!(l.prep.record_for("/y").is_none());
            let r = l.commit(hdr, &txn);
            let codes: Vec<Code> = r.multi.iter().map(|o| o.err).collect();
            assert_eq!(codes, vec![0, 0, BADVERSION, RUNTIMEINCONSISTENCY]);
            assert!(r.multi.iter().all(|o| o.path.is_none() && o.stat.is_none()));
            assert_eq!(r.err, BADVERSION);
            assert!(r.created.is_empty() && r.changed.is_empty() && r.deleted.is_empty());
            assert!(l.tree.exists("/y").is_none());
            assert_eq!(
                l.tree.get_data("/x").map(|(d, s)| (d, s.version)),
                Ok((String::new(), 0))
            );
            assert_eq!(l.tree.last_processed_zxid(), hdr.zxid);
            // The paths are usable afterwards.
            assert_eq!(l.run(S1, create("/y", "")).err, OK);
        }
    }

    #[test]
    fn multi_session_moved_yields_118_then_minus_2_and_applies_nothing() {
        let mut l = Leader::new(TreeRules::V3_4_5);
        l.run(S1, create("/x", ""));
        let ops = [create("/y", ""), set("/x", "z", -1), delete("/x", -1)];
        let mut hdr = l.next();
        hdr.session_id = S1;
        let (txn, failed) = l
            .prep
            .prep_multi(&l.tree, S1, hdr.zxid, &ops, Some(SESSIONMOVED));
        assert_eq!(failed, Some(KeeperError::new(SESSIONMOVED)));
        assert_eq!(
            txn,
            Txn::Multi(vec![
                Txn::Error { code: SESSIONMOVED },
                Txn::Error {
                    code: RUNTIMEINCONSISTENCY
                },
                Txn::Error {
                    code: RUNTIMEINCONSISTENCY
                },
            ])
        );
        let r = l.commit(hdr, &txn);
        assert_eq!(r.err, SESSIONMOVED);
        let codes: Vec<Code> = r.multi.iter().map(|o| o.err).collect();
        assert_eq!(codes, vec![-118, -2, -2]);
        assert!(l.tree.exists("/y").is_none());
        assert_eq!(l.tree.last_processed_zxid(), hdr.zxid);
        // An empty multi has nothing to fail.
        let (txn, failed) = l
            .prep
            .prep_multi(&l.tree, S1, l.zxid + 1, &[], Some(SESSIONMOVED));
        assert_eq!((txn, failed), (Txn::Multi(vec![]), None));
    }

    #[test]
    fn zookeeper_1624_failed_multi_restores_parent_record() {
        // An in-flight create under /p, then a failing multi that sequential-creates under /p.
        // 3.4.7+: /p's in-flight record is put back, so the next sequence number is right.
        // 3.4.5, and 3.4.6 (whose fix only looks at a parent when the op's own path exists): the
        // record is lost, Prep falls back to the tree, numbers from a stale cversion and hands
        // out a parentCVersion already used, so /p's stored cversion ends one create short.
        for (rules, expect, stored) in [
            (TreeRules::V3_4_14, "/p/s-0000000001", 2),
            (TreeRules::V3_6, "/p/s-0000000001", 2),
            (TreeRules::V3_4_6, "/p/s-0000000000", 1),
            (TreeRules::V3_4_5, "/p/s-0000000000", 1),
        ] {
            let mut l = Leader::new(rules);
            l.run(S1, create("/p", ""));
            let (h1, t1) = l.prep(S1, create("/p/a", ""));
            let mut hm = l.next();
            hm.session_id = S1;
            let ops = [seq("/p/s-", false), delete("/nope", -1)];
            let (tm, failed) = l.prep.prep_multi(&l.tree, S1, hm.zxid, &ops, None);
            assert_eq!(failed, Some(KeeperError::at(NONODE, "/nope")));
            let (h2, t2) = l.prep(S1, seq("/p/s-", false));
            let Txn::Create { path, .. } = &t2 else {
                panic!("{t2:?}");
            };
            assert_eq!(path, expect, "{rules:?}");
            l.commit(h1, &t1);
            l.commit(hm, &tm);
            assert_eq!(l.commit(h2, &t2).err, OK);
            let p = l.tree.node("/p").map(|n| n.persisted().cversion);
            assert_eq!(p, Some(stored), "{rules:?}");
            assert_eq!(l.stat("/p").cversion, 2 * stored - 2);
        }
    }

    #[test]
    fn zookeeper_2052_stale_child_count_after_failed_multi_in_3_4_5() {
        // 3.4.5/3.4.6: a multi failing with nothing else in flight leaves a tree-built record for
        // /x (child count 1) in outstandingChangesForPath. The ephemeral child then goes away with
        // its session (closeSession adds no parent record), and deleting /x says NotEmpty.
        for (rules, expect) in [
            (TreeRules::V3_4_5, NOTEMPTY),
            (TreeRules::V3_4_6, NOTEMPTY),
            (TreeRules::V3_4_14, OK),
            (TreeRules::V3_6, OK),
        ] {
            let mut l = Leader::new(rules);
            l.run(S2, create("/x", ""));
            l.run(S1, ephemeral("/x/e"));
            let r = l.multi(S2, &[set("/x", "a", -1), check("/x", 99)], None);
            assert_eq!(r.err, BADVERSION);
            let (_, r) = l.close(S1, false);
            assert_eq!(r.deleted, vec!["/x/e".to_string()]);
            assert_eq!(l.stat("/x").num_children, 0);
            assert_eq!(l.run(S2, delete("/x", -1)).err, expect, "{rules:?}");
        }
    }

    // --- robustness ----------------------------------------------------------------------------

    #[test]
    fn hand_made_txns_do_not_panic() {
        let mut t = DataTree::with_rules(TreeRules::V3_6);
        let h = TxnHeader {
            session_id: S1,
            cxid: 1,
            zxid: 5,
            time_ms: 0,
        };
        let weird = [
            Txn::Create {
                path: "noslash".into(),
                data: String::new(),
                ephemeral: true,
                parent_cversion: -1,
            },
            Txn::Create {
                path: "/".into(),
                data: String::new(),
                ephemeral: false,
                parent_cversion: 7,
            },
            Txn::Delete { path: "/".into() },
            Txn::Delete {
                path: String::new(),
            },
            Txn::Delete { path: "x".into() },
            Txn::SetData {
                path: "/nope".into(),
                data: String::new(),
                version: 3,
            },
            Txn::Multi(vec![
                Txn::Create {
                    path: "/m".into(),
                    data: String::new(),
                    ephemeral: false,
                    parent_cversion: -1,
                },
                Txn::CloseSession { paths: None },
                Txn::Delete { path: "/m".into() },
            ]),
            Txn::CloseSession {
                paths: Some(vec!["".into(), "/zookeeper".into(), "/".into()]),
            },
        ];
        for txn in &weird {
            let _ = t.apply(&h, txn);
        }
        assert!(t.exists("/").is_some());
        // The multi stopped at the invalid sub-txn: /m was created, the delete never ran.
        assert!(t.exists("/m").is_some());
        assert_eq!(t.last_processed_zxid(), 5);
    }

    #[test]
    fn random_pipelined_workload_keeps_tree_consistent() {
        let names = [
            "/a",
            "/a/b",
            "/a/b/c",
            "/b",
            "/a/",
            "",
            "x",
            "/a/.",
            "/zookeeper",
            "/é",
        ];
        for rules in all_rules() {
            let mut l = Leader::new(rules);
            let mut rng: u64 = 0x2545_F491_4F6C_DD1D;
            let mut next = |n: usize| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng % n as u64) as usize
            };
            let mut queue: VecDeque<(TxnHeader, Txn)> = VecDeque::new();
            for _ in 0..3000 {
                let session = [S1, S2, 3][next(3)];
                let path = names[next(names.len())].to_string();
                let version = next(3) as i32 - 1;
                let op = match next(5) {
                    0 => Op::Create {
                        path,
                        data: "d".into(),
                        ephemeral: next(2) == 0,
                        sequential: next(3) == 0,
                    },
                    1 => set(&path, "s", version),
                    2 => delete(&path, version),
                    3 => check(&path, version),
                    _ => create(&path, ""),
                };
                let mut hdr = l.next();
                hdr.session_id = session;
                let txn = match next(8) {
                    0 => Txn::CloseSession {
                        paths: Some(l.prep.prep_close_session(&l.tree, session, hdr.zxid)),
                    },
                    1 => {
                        let ops = [op.clone(), delete(names[next(names.len())], -1)];
                        let err = (next(4) == 0).then_some(SESSIONMOVED);
                        l.prep.prep_multi(&l.tree, session, hdr.zxid, &ops, err).0
                    }
                    _ => match l.prep.prep_op(&l.tree, session, hdr.zxid, &op) {
                        Ok(t) => t,
                        Err(e) => Txn::Error { code: e.code },
                    },
                };
                queue.push_back((hdr, txn));
                while queue.len() > next(4) {
                    let Some((h, t)) = queue.pop_front() else {
                        break;
                    };
                    let r = l.commit(h, &t);
                    if matches!(rules.pending_changes, PendingChanges::Outstanding) {
                        // With ZOOKEEPER-2052 fixed, Prep never lets an apply fail.
                        if !matches!(t, Txn::Error { .. } | Txn::Multi(_)) {
                            assert_eq!(r.err, OK, "{t:?}");
                        }
                    }
                }
            }
            // Invariants: children sets match the node map; ephemerals match owners.
            for (path, _, stat) in l.tree.nodes() {
                if let Some(parent) = parent_path(path) {
                    let (kids, _) = l.tree.children(parent).expect("parent exists");
                    let name = path.rsplit('/').next().unwrap_or_default();
                    assert!(kids.iter().any(|k| k == name), "{path}");
                }
                if stat.ephemeral_owner != 0 {
                    assert!(
                        l.tree
                            .ephemerals_of(stat.ephemeral_owner)
                            .contains(&path.to_string())
                    );
                    assert_eq!(stat.num_children, 0);
                }
            }
        }
    }
}
