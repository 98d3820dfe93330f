//! A server's timers, each a deadline owned by what arms it: the leader's tick by [`Leading`]
//! (`Leader.lead()` sleeping tickTime / 2 between its pings), the follower's socket read timeout
//! by [`Following`] (`Learner`'s `sock.setSoTimeout`, initLimit ticks while syncing, syncLimit
//! once serving), the expirer's wake-up by the tracker (`SessionTrackerImpl.run` waiting for its
//! next bucket). In Java each is a sleeping thread or a blocked read that dies with its object;
//! here it is a field of that object, so leaving a role, replacing a tracker or crashing drops
//! the timer with what owned it, and nothing has to be cancelled by hand.
//!
//! Arming a timer writes its deadline and queues one entry, [`Event::ServerTimer`], for that
//! instant. The queue keeps every entry it was given (they count as processed events, and a
//! replay must process the same ones), so an entry can outlive its deadline: a leader that
//! stopped leading, a follower re-armed at UPTODATE, a crashed server's tracker. When an entry
//! comes due, the server's state says whether it is live:
//!
//! ```text
//!   entry (server, timer) due at t ──▶ does the current state hold a deadline of that kind at t?
//!        no  ─▶ stale: its owner is gone or re-armed it for another instant
//!        yes ─▶ is another entry of (server, timer) still queued for t?
//!               yes ─▶ stale: that later one is the live one (an old role's entry and a new
//!                      role's at the same instant; re-arming queues after what it replaces)
//!               no  ─▶ the timer fires
//! ```
//!
//! That is the whole rule: no counter tells entries apart, only deadlines and the queue.

use super::*;

/// Which of a server's timers an entry wakes (quinn-proto's `Timer`: one kind, one deadline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Timer {
    /// `Leader.lead()`'s sleep of tickTime / 2, owned by [`Leading`].
    LeaderTick,
    /// The learner's read timeout on its socket to the leader, owned by [`Following`].
    FollowerTimeout,
    /// `SessionTrackerImpl.run`'s wait for its next bucket, owned by the tracker.
    TrackerWake,
}

impl Server {
    /// When the timer of that kind is due in the server's current state, if anything there
    /// holds one.
    pub(crate) fn deadline_ms(&self, timer: Timer) -> Option<u64> {
        match timer {
            Timer::LeaderTick => self.leading().map(|l| l.tick_at_ms),
            Timer::FollowerTimeout => self.following().map(|f| f.timeout_at_ms),
            Timer::TrackerWake => self.tracker.as_ref().and_then(|t| t.expirer_wake_at_ms()),
        }
    }
}

impl World {
    /// Arms `timer` for `at_ms` (not before now) if its owner exists: the owner holds the
    /// deadline, and the queue an entry to wake the server then.
    pub(super) fn arm(&mut self, s: usize, timer: Timer, at_ms: u64) {
        let at_ms = at_ms.max(self.now_ms());
        let srv = &mut self.servers[s];
        let armed = match timer {
            Timer::LeaderTick => srv.leading_mut().map(|l| l.tick_at_ms = at_ms),
            Timer::FollowerTimeout => srv.following_mut().map(|f| f.timeout_at_ms = at_ms),
            Timer::TrackerWake => srv
                .tracker
                .as_mut()
                .map(|t| t.set_expirer_wake_at_ms(at_ms)),
        };
        if armed.is_some() {
            self.schedule(at_ms, Event::ServerTimer { server: s, timer });
        }
    }

    /// A live timer entry: the server's deadline is now (the world has checked that no later
    /// entry for it waits at this instant).
    pub(crate) fn server_timer(&mut self, s: usize, timer: Timer) {
        match timer {
            Timer::LeaderTick => self.leader_tick(s),
            Timer::FollowerTimeout => self.follower_timeout(s),
            Timer::TrackerWake => self.tracker_wake(s),
        }
    }
}
