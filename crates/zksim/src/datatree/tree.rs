//! `DataTree`: the nodes by path, each session's ephemerals and the last applied zxid, and how
//! a txn changes them (`processTxn`).

use super::*;

/// `org.apache.zookeeper.server.DataTree`: nodes by path, each session's ephemerals, and the
/// last applied zxid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataTree {
    rules: TreeRules,
    nodes: BTreeMap<String, DataNode>,
    /// `DataTree.ephemerals`. As in Java, a session keeps its (possibly empty) set until
    /// `killSession`.
    pub(super) ephemerals: BTreeMap<SessionId, BTreeSet<String>>,
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
