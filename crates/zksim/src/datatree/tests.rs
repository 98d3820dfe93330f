//! The data tree and Prep against ZooKeeper's own tests and the spec (each test names which).

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

mod multi;
