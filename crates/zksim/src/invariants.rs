//! Invariants the simulated ensemble keeps after every event, checked by the property tests.
//!
//! Each says where it comes from. They are checked against the world's own state, so a
//! violation names the server, session or client involved.

use std::collections::BTreeMap;

use crate::client::{ClientState, Phase};
use crate::ids::hex;
use crate::tracker::Owner;
use crate::world::World;

/// What the checker remembers between steps (to check that things only move forward).
#[derive(Clone, Debug, Default)]
pub struct InvariantState {
    last_zxid: BTreeMap<u8, i64>,
    closed_handles: BTreeMap<usize, u32>,
}

impl World {
    /// Checks every invariant; returns the first violation found.
    pub fn check_invariants(&self, st: &mut InvariantState) -> Result<(), String> {
        self.zxids_only_increase(st)?;
        self.ephemeral_owners_are_live_sessions()?;
        self.no_session_both_tracked_and_gone()?;
        self.closed_clients_never_reconnect(st)?;
        self.owners_are_null_me_or_this_leaders_handlers()?;
        Ok(())
    }

    /// Every server applies txns in zxid order, and its database survives crashes
    /// (FinalRequestProcessor applies committed txns in order; the txn log is durable).
    fn zxids_only_increase(&self, st: &mut InvariantState) -> Result<(), String> {
        for s in &self.servers {
            let z = s.last_zxid();
            let prev = st.last_zxid.insert(s.myid, z).unwrap_or(0);
            if z < prev {
                return Err(format!(
                    "s{}: last processed zxid went back from {} to {}",
                    s.myid,
                    hex(prev),
                    hex(z)
                ));
            }
        }
        Ok(())
    }

    /// An ephemeral's owner is a session that is open or closing: `killSession` deletes a
    /// session's ephemerals in the same txn that ends it (DataTree.processTxn closeSession).
    fn ephemeral_owners_are_live_sessions(&self) -> Result<(), String> {
        for s in &self.servers {
            for (path, _, stat) in s.tree.nodes() {
                let owner = stat.ephemeral_owner;
                if owner == 0 {
                    continue;
                }
                if !s.db_sessions.contains_key(&owner) {
                    return Err(format!(
                        "s{}: ephemeral {path} is owned by {}, which this server's database no longer has",
                        s.myid,
                        hex(owner)
                    ));
                }
            }
        }
        Ok(())
    }

    /// No session is both tracked as live by a leader and recorded as closed
    /// (SessionTrackerImpl.removeSession runs with the closeSession txn).
    fn no_session_both_tracked_and_gone(&self) -> Result<(), String> {
        for s in &self.servers {
            let Some(t) = s.tracker() else {
                continue;
            };
            for e in t.sessions() {
                if e.closing {
                    continue;
                }
                let recs: Vec<_> = self.sessions.iter().filter(|r| r.id == e.id).collect();
                if !recs.is_empty() && recs.iter().all(|r| r.closed_ms.is_some()) {
                    return Err(format!(
                        "s{}: session {} is tracked and not closing, but it was closed",
                        s.myid,
                        hex(e.id)
                    ));
                }
            }
        }
        Ok(())
    }

    /// A CLOSED handle never opens another connection (ClientCnxn's loop exits once
    /// `state.isAlive()` is false).
    fn closed_clients_never_reconnect(&self, st: &mut InvariantState) -> Result<(), String> {
        for c in &self.clients {
            if c.state == ClientState::Closed {
                match st.closed_handles.get(&c.index) {
                    Some(&h) if h == c.handles && c.conn.is_some() => {
                        return Err(format!("{}: a CLOSED handle opened a connection", c.name));
                    }
                    Some(&h) if h == c.handles && !matches!(c.phase, Phase::Idle) => {
                        return Err(format!("{}: a CLOSED handle is trying to connect", c.name));
                    }
                    _ => {}
                }
                st.closed_handles.insert(c.index, c.handles);
            }
        }
        Ok(())
    }

    /// A session's owner on a leader is null, `ServerCnxn.me`, or one of the LearnerHandlers
    /// this leader created (spec 6.1; owners are never carried from one leader to the next).
    fn owners_are_null_me_or_this_leaders_handlers(&self) -> Result<(), String> {
        for s in &self.servers {
            let Some(t) = s.tracker() else {
                continue;
            };
            for e in t.sessions() {
                if let Some(Owner::Handler(h)) = e.owner
                    && !s.leading().is_some_and(|l| l.handlers_created.contains(&h))
                {
                    return Err(format!(
                        "s{}: session {} is owned by LearnerHandler #{h}, which this leader never had",
                        s.myid,
                        hex(e.id)
                    ));
                }
            }
        }
        Ok(())
    }
}
