//! ZAB's broadcast as the leader runs it: `Leader.propose`, the ACK quorum (`tryToCommit`), and
//! the local commit that hands a txn to the final processor (`CommitProcessor`).

use super::*;

impl World {
    /// `ProposalRequestProcessor` + `Leader.propose`; standalone commits at once.
    pub(super) fn propose(&mut self, s: usize, hdr: TxnHeader, txn: Txn, origin: Origin) {
        if self.servers[s].role() == Role::Standalone {
            self.commit_locally(s, hdr, txn, origin);
            return;
        }
        let node = self.snode(s);
        let conns: Vec<ConnId> = self.servers[s].learner_conns();
        for conn in conns {
            self.send(
                conn,
                node.clone(),
                Msg::Proposal {
                    hdr,
                    txn: txn.clone(),
                },
            );
        }
        let zxid = hdr.zxid;
        let Some(leading) = self.servers[s].leading_mut() else {
            return; // Prep runs only on a leader or a standalone server
        };
        leading.proposals.insert(
            zxid,
            Proposal {
                hdr,
                txn,
                acks: vec![s],
                origin,
            },
        );
        self.try_commit(s);
    }

    pub(super) fn try_commit(&mut self, s: usize) {
        loop {
            let quorum = self.cfg.quorum;
            let Some(leading) = self.servers[s].leading_mut() else {
                return;
            };
            let ready = leading
                .proposals
                .first_key_value()
                .map(|(z, p)| (*z, p.acks.len() >= quorum));
            let Some((zxid, true)) = ready else {
                return;
            };
            let Some(p) = leading.proposals.remove(&zxid) else {
                return;
            };
            let node = self.snode(s);
            let conns: Vec<ConnId> = self.servers[s].learner_conns();
            for conn in conns {
                self.send(conn, node.clone(), Msg::Commit { zxid });
            }
            self.commit_locally(s, p.hdr, p.txn, p.origin);
            self.leader_flush_syncs(s, zxid);
        }
    }

    /// `FinalRequestProcessor` on any server: apply the txn, then answer if the connection is here.
    pub(super) fn commit_locally(&mut self, s: usize, hdr: TxnHeader, txn: Txn, origin: Origin) {
        let res = self.apply_txn(s, &hdr, &txn);
        self.final_request(s, &hdr, &txn, res, origin);
    }
}
