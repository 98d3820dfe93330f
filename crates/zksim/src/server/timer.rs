//! A server's timers, each a deadline owned by what arms it: the leader's tick by [`Leading`]
//! (`Leader.lead()` sleeping tickTime / 2 between its pings), the follower's socket read timeout
//! by [`Following`] (`Learner`'s `sock.setSoTimeout`, initLimit ticks while syncing, syncLimit
//! once serving), the expirer's wake-up by the tracker (`SessionTrackerImpl.run` waiting for its
//! next bucket), itself owned by [`Leading`] or [`Standalone`]. In Java each is a sleeping
//! thread or a blocked read that dies with its object; here it is a field of that object, so
//! leaving a role, replacing a tracker or crashing drops the timer with what owned it, and
//! nothing has to be cancelled by hand.
//!
//! Arming a timer writes its deadline and asks the world to queue one entry (its
//! `Event::ServerTimer`) for that instant. The queue keeps every entry it was given (they count
//! as processed events, and a replay must process the same ones), so an entry can outlive its
//! deadline: a leader that stopped leading, a follower re-armed at UPTODATE, a crashed server's
//! tracker. When an entry comes due, the server's state says whether it is live:
//!
//! ```text
//!   entry (server, timer) due at t ──▶ does the current state hold a deadline of that kind at t?
//!        no  ─▶ stale: its owner is gone or re-armed it for another instant
//!        yes ─▶ is it the entry the last arming of (server, timer) queued?
//!               no  ─▶ stale: a later one is the live one (an old role's entry and a new
//!                      role's at the same instant; re-arming queues after what it replaces)
//!               yes ─▶ the timer fires
//! ```
//!
//! An entry is named by its queue sequence number, which the world keeps per server and timer
//! kind (its `server_timer_entries`, written when it applies the arming); nothing is
//! counted, and the owner's deadline still decides whether the timer exists at all.

use super::*;

/// Which of a server's timers an entry wakes (quinn-proto's `Timer`: one kind, one deadline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
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
            Timer::TrackerWake => self.tracker().and_then(|t| t.expirer_wake_at_ms()),
        }
    }

    /// Arms `timer` for `at_ms` (not before now) if its owner exists: the owner holds the
    /// deadline, and the world queues an entry to wake the server then.
    pub(crate) fn arm(&mut self, cx: &mut Cx, timer: Timer, at_ms: u64) {
        let at_ms = at_ms.max(cx.now_ms);
        let armed = match timer {
            Timer::LeaderTick => self.leading_mut().map(|l| l.tick_at_ms = at_ms),
            Timer::FollowerTimeout => self.following_mut().map(|f| f.timeout_at_ms = at_ms),
            Timer::TrackerWake => self.tracker_mut().map(|t| t.set_expirer_wake_at_ms(at_ms)),
        };
        if armed.is_some() {
            cx.out.arm(timer.into(), at_ms);
        }
    }
}

impl From<Timer> for crate::effect::Timer {
    fn from(timer: Timer) -> crate::effect::Timer {
        match timer {
            Timer::LeaderTick => crate::effect::Timer::LeaderTick,
            Timer::FollowerTimeout => crate::effect::Timer::FollowerTimeout,
            Timer::TrackerWake => crate::effect::Timer::TrackerWake,
        }
    }
}

impl Server {
    /// A live timer entry: the deadline is now (the world has checked that this is the entry
    /// the last arming queued).
    pub(crate) fn on_timer(&mut self, cx: &mut Cx, timer: Timer) {
        match timer {
            Timer::LeaderTick => self.leader_tick(cx),
            Timer::FollowerTimeout => self.follower_timeout(cx),
            Timer::TrackerWake => self.tracker_wake(cx),
        }
    }
}
