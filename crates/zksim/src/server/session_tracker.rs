//! The session tracker as a server drives it: `SessionTrackerImpl` on the leader or a
//! standalone server (built at startup, its expirer thread woken at each bucket), and the
//! learner's touch table (`LearnerSessionTracker`); touches and owners (`touchSession`,
//! `setOwner`). The bucket arithmetic itself is in tracker.rs.

use super::*;

impl World {
    /// `LeaderZooKeeperServer.startup` (and the standalone `ZooKeeperServer.startup`): build the
    /// tracker and reload every session in the database with owner null and a full timeout.
    pub(super) fn tracker_startup(&mut self, s: usize, sid: i64) {
        let clock = self.tracker_clock_ms(s);
        let first = seed_session_id(self.profile, sid, clock);
        let mut tracker = LeaderTracker::new(self.profile, self.cfg.tick_ms as i64, clock, first);
        let sessions: Vec<(SessionId, i32)> = self.servers[s]
            .db_sessions
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        let node = self.snode(s);
        for (id, to) in &sessions {
            tracker.add_session(*id, *to, clock);
        }
        if let Some(slot) = self.servers[s].tracker_slot() {
            *slot = Some(tracker);
        }
        let n = sessions.len();
        self.emit(
            node.clone(),
            EventKind::TrackerSeeded {
                next_session_id: first,
                clock_ms: clock,
                leader: true,
            },
            move |_| {
                (
                    None,
                    format!(
                        "SessionTrackerImpl constructor: initializeNextSession(sid {sid}) at clock \
                         {clock} gives {}; {n} session(s) from the database re-armed with owner null \
                         and a full timeout.",
                        hex(first)
                    ),
                )
            },
        );
        for (id, _) in sessions {
            if let Some(e) = self.servers[s].tracker().and_then(|t| t.get(id)) {
                let to = e.expires_at_ms.unwrap_or(0);
                self.emit(
                    node.clone(),
                    EventKind::BucketMoved {
                        session: id,
                        from_ms: None,
                        to_ms: to,
                    },
                    move |_| {
                        (
                            None,
                            format!(
                                "The new tracker's addSession put {} in bucket {to}.",
                                hex(id)
                            ),
                        )
                    },
                );
            }
        }
        // The new tracker's expirer thread starts; an old tracker's wake-up went with it.
        self.schedule_tracker_wake(s);
    }

    pub(super) fn schedule_tracker_wake(&mut self, s: usize) {
        let Some(t) = self.servers[s].tracker() else {
            return;
        };
        let clock = self.tracker_clock_ms(s);
        let wait = (t.next_expiration_ms() - clock).max(0) as u64;
        let at_ms = self.now_ms() + wait;
        self.arm(s, Timer::TrackerWake, at_ms);
    }

    /// The "SessionTracker" thread: expire every due bucket (one per loop), then wait.
    pub(crate) fn tracker_wake(&mut self, s: usize) {
        let clock = self.tracker_clock_ms(s);
        let node = self.snode(s);
        let mut expired = Vec::new();
        while let Some(bucket) = self.servers[s]
            .tracker_mut()
            .and_then(|t| t.poll_expired(clock))
        {
            let n = bucket.sessions.len() as u32;
            let bucket_ms = bucket.bucket_ms;
            self.emit(
                node.clone(),
                EventKind::BucketExpired {
                    bucket_ms,
                    sessions: n,
                },
                move |_| {
                    (
                        None,
                        format!(
                            "SessionTrackerImpl.run: the clock reached bucket {bucket_ms}; \
                             {n} session(s) in it are marked closing and expired."
                        ),
                    )
                },
            );
            for id in bucket.sessions {
                self.expire_session(s, id);
                expired.push(id);
            }
        }
        // ZooKeeperServer.expire queued a closeSession for each on Prep's request queue; the
        // PrepRequestProcessor thread takes them in that order once the tracker's loop has run
        // (real logs show every "Expiring session" of a bucket before Prep's lines for them).
        for id in expired {
            self.leader_submit(s, Origin::Remote, id, 0, ClientRequest::CloseSession, None);
        }
        self.schedule_tracker_wake(s);
    }

    /// `ZooKeeperServer.expire`: the log line; its `close(id)` (a closeSession with no
    /// connection) is submitted by the caller once the bucket's loop is done.
    pub(super) fn expire_session(&mut self, s: usize, id: SessionId) {
        let timeout = self.servers[s]
            .tracker()
            .and_then(|t| t.get(id))
            .map(|e| e.timeout_ms)
            .unwrap_or(0);
        let now = self.now_ms();
        for r in self.session_records_mut(id) {
            r.closing = true;
            r.expired_ms.get_or_insert(now);
        }
        let node = self.snode(s);
        self.log(
            node,
            EventKind::SessionExpiring {
                session: id,
                timeout_ms: timeout,
            },
            Level::Info,
            "ZooKeeperServer",
            || {
                format!(
                    "Expiring session {}, timeout of {timeout}ms exceeded",
                    hex(id)
                )
            },
            || {
                "SessionTrackerImpl.run marked it closing; ZooKeeperServer.expire submits a \
                 closeSession request with no connection."
                    .into()
            },
        );
    }

    /// Records a touch's effect on the leader's buckets in the trace.
    pub(super) fn note_touch(&mut self, s: usize, id: SessionId, touch: Option<Touch>) {
        let touch = match touch {
            Some(t) => t,
            None => match self.servers[s].tracker().and_then(|t| t.get(id)) {
                Some(e) => Touch::Moved {
                    from_ms: None,
                    to_ms: e.expires_at_ms.unwrap_or(0),
                },
                None => return,
            },
        };
        if let Touch::Moved { from_ms, to_ms } = touch {
            let node = self.snode(s);
            let ex = self.profile.expiry;
            self.emit(
                node,
                EventKind::BucketMoved {
                    session: id,
                    from_ms,
                    to_ms,
                },
                move |_| {
                    let method = match ex {
                        crate::profile::ExpiryStructure::LaterBucketsOnly => {
                            "SessionTrackerImpl.touchSession"
                        }
                        crate::profile::ExpiryStructure::AnyBucket => "ExpiryQueue.update",
                    };
                    (
                        None,
                        match from_ms {
                            Some(f) => {
                                format!("{method} moved {} from bucket {f} to {to_ms}.", hex(id))
                            }
                            None => format!("{method} put {} in bucket {to_ms}.", hex(id)),
                        },
                    )
                },
            );
        }
    }

    /// `ZooKeeperServer.touch`: the leader's tracker, or a learner's touch table.
    pub(super) fn touch(&mut self, s: usize, id: SessionId, timeout_ms: i32) -> bool {
        if self.servers[s].is_leader_like() {
            let clock = self.tracker_clock_ms(s);
            let t = self.servers[s]
                .tracker_mut()
                .map(|t| t.touch_session(id, timeout_ms, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(s, id, Some(t));
            t.ok()
        } else {
            self.servers[s]
                .touch_table_mut()
                .map(|t| t.touch_session(id, timeout_ms))
                .unwrap_or(false)
        }
    }

    pub(super) fn set_owner(
        &mut self,
        s: usize,
        id: SessionId,
        owner: Option<Owner>,
        why: &'static str,
    ) {
        let before = self.servers[s]
            .tracker()
            .and_then(|t| t.get(id))
            .map(|e| e.owner);
        let ok = self.servers[s]
            .tracker_mut()
            .map(|t| t.set_owner(id, owner).is_ok())
            .unwrap_or(false);
        if let (true, Some(before)) = (ok, before)
            && before != owner
        {
            let (from, to) = (self.owner_name(before), self.owner_name(owner));
            let node = self.snode(s);
            self.emit(
                node,
                EventKind::OwnerChanged {
                    session: id,
                    from: from.clone(),
                    to: to.clone(),
                    why,
                },
                move |_| {
                    (
                        None,
                        format!(
                            "{why}: setOwner({}) changed the owner from {from} to {to}.",
                            hex(id)
                        ),
                    )
                },
            );
        }
    }

    // ----- requests -----
}
