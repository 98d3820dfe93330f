//! Leader election, by its outcome: what `FastLeaderElection` decides over the whole ensemble
//! (the highest last zxid, then the highest myid, among a live majority that can talk, after the
//! 200 ms finalize wait). Its notifications are not simulated. This is world-level: it reads
//! every server's vote and the network's cuts, then tells each server its role as an input
//! (`Input::Lead`, `Input::Follow`) that the server handles as `QuorumPeer` does.
//!
//! ```text
//!   a server LOOKING (start, shutdown, partition, heal) ─▶ topology_changed ─▶ ElectionCheck
//!   ElectionCheck ─▶ joins a reachable leader ───────────────────────────▶ Input::Follow
//!                 └▶ a group that can all talk, a quorum: the best vote ─▶ Input::Lead, Follow
//! ```

use super::{Event, World};
use crate::server::{Input, Role};

impl World {
    /// Something that matters to an election changed: look again soon.
    pub(crate) fn topology_changed(&mut self) {
        if self.cfg.standalone || self.election_scheduled {
            return;
        }
        if self.servers.iter().any(|s| s.role() == Role::Looking) {
            self.election_scheduled = true;
            let at = self.now_ms() + self.cfg.election_ms;
            self.schedule(at, Event::ElectionCheck);
        }
    }

    fn reachable(&self, a: usize, b: usize) -> bool {
        let (na, nb) = (self.snode(a), self.snode(b));
        !self.net.is_cut(&na, &nb) && !self.net.is_cut(&nb, &na)
    }

    /// FastLeaderElection's outcome for everyone LOOKING.
    pub(crate) fn election_check(&mut self) {
        let looking: Vec<usize> = (0..self.servers.len())
            .filter(|&s| self.servers[s].role() == Role::Looking)
            .collect();
        if looking.is_empty() {
            return;
        }
        let mut decided: Vec<usize> = Vec::new();
        // A server that finds an established leader (with a quorum following it) joins it.
        for &s in &looking {
            let leader = (0..self.servers.len())
                .find(|&l| self.servers[l].role() == Role::Leading && self.reachable(s, l));
            if let Some(l) = leader {
                self.server_input(s, Input::Follow { leader: l });
                decided.push(s);
            }
        }
        let mut rest: Vec<usize> = looking
            .into_iter()
            .filter(|s| !decided.contains(s))
            .collect();
        while let Some(&first) = rest.first() {
            // The group of LOOKING servers that can all reach `first` and each other.
            let group: Vec<usize> = rest
                .iter()
                .copied()
                .filter(|&o| o == first || self.reachable(first, o))
                .collect();
            rest.retain(|s| !group.contains(s));
            if group.len() < self.cfg.quorum {
                continue;
            }
            let leader = *group
                .iter()
                .max_by_key(|&&s| (self.servers[s].last_logged_zxid(), self.servers[s].myid))
                .unwrap_or(&first);
            let epoch = group
                .iter()
                .map(|&s| self.servers[s].accepted_epoch)
                .max()
                .unwrap_or(0)
                + 1;
            self.server_input(leader, Input::Lead { epoch });
            for &s in &group {
                if s != leader {
                    self.server_input(s, Input::Follow { leader });
                }
            }
        }
    }
}
