//! The session tracker as a server drives it: `SessionTrackerImpl` on the leader or a
//! standalone server (built at startup, its expirer thread woken at each bucket), and the
//! learner's touch table (`LearnerSessionTracker`); touches and owners (`touchSession`,
//! `setOwner`). The bucket arithmetic itself is in tracker.rs.

use super::*;

impl Server {
    /// `LeaderZooKeeperServer.startup` (and the standalone `ZooKeeperServer.startup`): build the
    /// tracker and reload every session in the database with owner null and a full timeout.
    pub(super) fn tracker_startup(&mut self, cx: &mut Cx, sid: i64) {
        let clock = cx.tracker_clock_ms(self);
        let first = seed_session_id(cx.profile, sid, clock);
        let mut tracker = LeaderTracker::new(cx.profile, cx.cfg.tick_ms as i64, clock, first);
        let sessions: Vec<(SessionId, i32)> =
            self.db_sessions.iter().map(|(k, v)| (*k, *v)).collect();
        for (id, to) in &sessions {
            tracker.add_session(*id, *to, clock);
        }
        if let Some(slot) = self.tracker_slot() {
            *slot = Some(tracker);
        }
        let n = sessions.len();
        cx.out.emit(
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
            if let Some(e) = self.tracker().and_then(|t| t.get(id)) {
                let to = e.expires_at_ms.unwrap_or(0);
                cx.out.emit(
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
        self.schedule_tracker_wake(cx);
    }

    pub(super) fn schedule_tracker_wake(&mut self, cx: &mut Cx) {
        let Some(t) = self.tracker() else {
            return;
        };
        let clock = cx.tracker_clock_ms(self);
        let wait = (t.next_expiration_ms() - clock).max(0) as u64;
        let at_ms = cx.now_ms + wait;
        self.arm(cx, Timer::TrackerWake, at_ms);
    }

    /// The "SessionTracker" thread: expire every due bucket (one per loop), then wait.
    pub(crate) fn tracker_wake(&mut self, cx: &mut Cx) {
        let expired = self.expire_due(cx);
        // ZooKeeperServer.expire queued a closeSession for each on Prep's request queue; the
        // PrepRequestProcessor thread takes them in that order once the tracker's loop has run
        // (real logs show every "Expiring session" of a bucket before Prep's lines for them).
        for id in expired {
            self.leader_submit(cx, Origin::Remote, id, 0, ClientRequest::CloseSession, None);
        }
        self.schedule_tracker_wake(cx);
    }

    /// The "SessionTracker" thread's pass: expire every due bucket (one per loop), and return
    /// the sessions expired, in order (`tracker_wake` submits their closeSessions).
    fn expire_due(&mut self, cx: &mut Cx) -> Vec<SessionId> {
        let clock = cx.tracker_clock_ms(self);
        let mut expired = Vec::new();
        while let Some(bucket) = self.tracker_mut().and_then(|t| t.poll_expired(clock)) {
            let n = bucket.sessions.len() as u32;
            let bucket_ms = bucket.bucket_ms;
            cx.out.emit(
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
                self.expire_session(cx, id);
                expired.push(id);
            }
        }
        expired
    }

    /// `ZooKeeperServer.expire`: the log line; its `close(id)` (a closeSession with no
    /// connection) is submitted by the caller once the bucket's loop is done.
    pub(super) fn expire_session(&mut self, cx: &mut Cx, id: SessionId) {
        let timeout = self
            .tracker()
            .and_then(|t| t.get(id))
            .map(|e| e.timeout_ms)
            .unwrap_or(0);
        cx.out.session(id, SessionNote::Expired);
        cx.out.log(
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
    pub(super) fn note_touch(&mut self, cx: &mut Cx, id: SessionId, touch: Option<Touch>) {
        let touch = match touch {
            Some(t) => t,
            None => match self.tracker().and_then(|t| t.get(id)) {
                Some(e) => Touch::Moved {
                    from_ms: None,
                    to_ms: e.expires_at_ms.unwrap_or(0),
                },
                None => return,
            },
        };
        if let Touch::Moved { from_ms, to_ms } = touch {
            let ex = cx.profile.expiry;
            cx.out.emit(
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
    pub(super) fn touch(&mut self, cx: &mut Cx, id: SessionId, timeout_ms: i32) -> bool {
        if self.is_leader_like() {
            let clock = cx.tracker_clock_ms(self);
            let t = self
                .tracker_mut()
                .map(|t| t.touch_session(id, timeout_ms, clock))
                .unwrap_or(Touch::Missing);
            self.note_touch(cx, id, Some(t));
            t.ok()
        } else {
            self.touch_table_mut()
                .map(|t| t.touch_session(id, timeout_ms))
                .unwrap_or(false)
        }
    }

    pub(super) fn set_owner(
        &mut self,
        cx: &mut Cx,
        id: SessionId,
        owner: Option<Owner>,
        why: &'static str,
    ) {
        let before = self.tracker().and_then(|t| t.get(id)).map(|e| e.owner);
        let ok = self
            .tracker_mut()
            .map(|t| t.set_owner(id, owner).is_ok())
            .unwrap_or(false);
        if let (true, Some(before)) = (ok, before)
            && before != owner
        {
            let (from, to) = (cx.owner_name(before), cx.owner_name(owner));
            cx.out.emit(
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
}
