//! Prep's view of the future: `ZooKeeperServer.outstandingChanges` (the change records of txns
//! proposed but not yet applied) and the `PrepRequestProcessor` checks that read them.

use super::*;

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
