//! ZAB's broadcast as the leader runs it: `Leader.propose`, the ACK quorum (`tryToCommit`), and
//! the local commit that hands a txn to the final processor (`CommitProcessor`).

use super::*;

impl Server {
    /// `ProposalRequestProcessor` + `Leader.propose`; standalone commits at once.
    pub(super) fn propose(&mut self, cx: &mut Cx, hdr: TxnHeader, txn: Txn, origin: Origin) {
        if self.role() == Role::Standalone {
            self.commit_locally(cx, hdr, txn, origin);
            return;
        }
        let conns: Vec<ConnId> = self.learner_conns();
        for conn in conns {
            cx.out.send(
                conn,
                Msg::Proposal {
                    hdr,
                    txn: txn.clone(),
                },
            );
        }
        let zxid = hdr.zxid;
        let me = self.index;
        let Some(leading) = self.leading_mut() else {
            return; // Prep runs only on a leader or a standalone server
        };
        leading.proposals.insert(
            zxid,
            Proposal {
                hdr,
                txn,
                acks: vec![me],
                origin,
            },
        );
        self.try_commit(cx);
    }

    pub(super) fn try_commit(&mut self, cx: &mut Cx) {
        loop {
            let quorum = cx.cfg.quorum;
            let Some(leading) = self.leading_mut() else {
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
            let conns: Vec<ConnId> = self.learner_conns();
            for conn in conns {
                cx.out.send(conn, Msg::Commit { zxid });
            }
            self.commit_locally(cx, p.hdr, p.txn, p.origin);
            self.leader_flush_syncs(cx, zxid);
        }
    }

    /// `FinalRequestProcessor` on any server: apply the txn, then answer if the connection is here.
    pub(super) fn commit_locally(&mut self, cx: &mut Cx, hdr: TxnHeader, txn: Txn, origin: Origin) {
        let res = self.apply_txn(cx, &hdr, &txn);
        self.final_request(cx, &hdr, &txn, res, origin);
    }
}
