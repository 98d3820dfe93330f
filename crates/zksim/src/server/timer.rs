//! A server's timers, each a deadline owned by what arms it: the leader's tick by [`Leading`]
//! (`Leader.lead()` sleeping tickTime / 2 between its pings), the follower's socket read timeout
//! by [`Following`] (`Learner`'s `sock.setSoTimeout`, initLimit ticks while syncing, syncLimit
//! once serving), the expirer's wake-up by the tracker (`SessionTrackerImpl.run` waiting for its
//! next bucket), itself owned by [`Leading`] or [`Standalone`]. In Java each is a sleeping thread or a blocked read that dies with its object;
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
//!        yes ─▶ is it the entry the last arming of (server, timer) queued?
//!               no  ─▶ stale: a later one is the live one (an old role's entry and a new
//!                      role's at the same instant; re-arming queues after what it replaces)
//!               yes ─▶ the timer fires
//! ```
//!
//! An entry is named by its queue sequence number, which the world keeps per server and timer
//! kind (`World::server_timer_entries`, written when it applies the arming); nothing is
//! counted, and the owner's deadline still decides whether the timer exists at all.

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

impl World {
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

#[cfg(test)]
mod tests {
    use super::Timer;
    use crate::scenario::{Limits, Scenario};
    use crate::server::Role;
    use crate::trace::Node;
    use crate::world::World;

    const KINDS: [Timer; 3] = [
        Timer::LeaderTick,
        Timer::FollowerTimeout,
        Timer::TrackerWake,
    ];

    /// initLimit 10, syncLimit 5.
    fn world(tick_ms: u64, servers: &str, clients: &str, actions: &str, until_ms: u64) -> World {
        let json = format!(
            r#"{{"format":1,"version":"3.6","tick_ms":{tick_ms},"init_limit":10,"sync_limit":5,
            "servers":[{servers}],"clients":[{clients}],"actions":[{actions}],
            "until_ms":{until_ms}}}"#
        );
        World::new(&Scenario::from_json(&json, &Limits::NATIVE).unwrap(), true)
    }

    /// Three servers, tickTime 200: a half tick is 100 ms, syncLimit 1 s.
    fn ensemble(actions: &str) -> World {
        world(200, r#"{"id":1},{"id":2},{"id":3}"#, "", actions, 20_000)
    }

    fn lines_of(w: &World, myid: u8, needle: &str) -> Vec<u64> {
        w.trace()
            .events()
            .iter()
            .filter(|e| e.node == Node::Server(myid))
            .filter(|e| e.log.as_ref().is_some_and(|l| l.text.contains(needle)))
            .map(|e| e.at_ms)
            .collect()
    }

    /// `Leader.lead()` sleeps tickTime / 2 per pass, and a leader that stops leading ends that
    /// loop. s3 leads, loses its quorum when both followers die, and is elected again once
    /// they restart: the new leadership ticks exactly once per half tick from its own start,
    /// whatever the old one had pending.
    #[test]
    fn leader_lead_loop_ticks_once_per_half_tick_after_losing_quorum_and_winning_again() {
        let mut w = ensemble(
            r#"{"at_ms":2000,"do":"crash_server","server":1},
               {"at_ms":2000,"do":"crash_server","server":2},
               {"at_ms":4000,"do":"start_server","server":1},
               {"at_ms":4000,"do":"start_server","server":2}"#,
        );
        w.run_until(1_999);
        let first_start_ms = w.servers[2].leading().expect("s3 leads").lead_start_ms;
        w.run_until(3_999);
        assert_eq!(w.servers[2].role(), Role::Looking, "s3 lost its quorum");
        assert!(KINDS.iter().all(|&k| w.servers[2].deadline_ms(k).is_none()));
        w.run_until(12_000);
        let l = w.servers[2].leading().expect("s3 leads again");
        assert!(l.lead_start_ms > 4_000 && l.lead_start_ms > first_start_ms);
        let half_ms = 100;
        assert_eq!(l.half_ticks, (12_000 - l.lead_start_ms) / half_ms);
        assert_eq!(l.tick_at_ms, l.lead_start_ms + (l.half_ticks + 1) * half_ms);
        assert_eq!(
            w.servers[2].deadline_ms(Timer::LeaderTick),
            Some(l.tick_at_ms)
        );
    }

    /// `Learner`'s read timeout on the leader's socket belongs to one following: when the
    /// leader dies, its followers look again and follow the new leader, and the syncLimit
    /// timeout the old following had armed (due about 1 s after the crash) never fires in the
    /// new one: s1 follows s2 to the end without a "Read timed out".
    #[test]
    fn learner_read_timeout_of_a_previous_following_never_fires_after_a_new_election() {
        let mut w = ensemble(r#"{"at_ms":2000,"do":"crash_server","server":3}"#);
        w.run_until(1_999);
        let old_ms = w.servers[0].deadline_ms(Timer::FollowerTimeout);
        assert!(old_ms.is_some_and(|t| t > 2_000), "{old_ms:?}");
        w.run_until(2_001);
        assert_eq!(
            w.servers[0].role(),
            Role::Looking,
            "EOF from the dead leader"
        );
        w.run_until(20_000);
        assert_eq!(w.servers[0].following().map(|f| f.leader), Some(1));
        assert_eq!(lines_of(&w, 1, "FOLLOWING").len(), 2, "s3, then s2");
        assert_eq!(lines_of(&w, 1, "Read timed out"), Vec::<u64>::new());
        let f = w.servers[0].following().unwrap();
        // Checked lazily: due within syncLimit of the leader's last packet, re-armed then.
        assert!(f.timeout_at_ms > 20_000);
        assert!(f.timeout_at_ms <= f.last_heard_leader_ms + 5 * 200);
    }

    /// `SessionTrackerImpl.run` (3.5+ with `ExpiryQueue`) is a thread of the process: a crash
    /// kills it. A standalone server crashes with a session whose bucket is 16 s
    /// (tests/pings.rs pins the arithmetic) and restarts at 7 s; its new tracker reloads the
    /// session from the database with a full timeout, and the old tracker's wake-ups (one
    /// due at 8 s, when the new tracker's first one is due too) expire nothing.
    #[test]
    fn session_tracker_of_a_crashed_server_expires_nothing_after_the_restart() {
        let mut w = world(
            2000,
            r#"{"id":1}"#,
            r#"{"name":"a","servers":[1],"session_timeout_ms":10000}"#,
            r#"{"at_ms":1000,"do":"connect","client":"a"},
               {"at_ms":5000,"do":"kill","client":"a"},
               {"at_ms":6000,"do":"crash_server","server":1},
               {"at_ms":7000,"do":"start_server","server":1}"#,
            30_000,
        );
        w.run_until(6_000);
        assert!(w.servers[0].deadline_ms(Timer::TrackerWake).is_none());
        w.run_until(7_000);
        let fresh_ms = w.servers[0].deadline_ms(Timer::TrackerWake);
        assert!(fresh_ms.is_some_and(|t| t >= 7_000), "{fresh_ms:?}");
        w.run();
        let expired: Vec<Option<u64>> = w.sessions().iter().map(|s| s.expired_ms).collect();
        assert_eq!(expired.len(), 1);
        let at_ms = expired[0].expect("the session expires once, on the new tracker");
        assert!(at_ms >= 17_000, "expired at {at_ms} ms");
        assert_eq!(lines_of(&w, 1, "Expiring session").len(), 1);
    }

    /// A crash drops every timer (`QuorumPeer` dies with its threads and sockets); a restarted
    /// server arms only the timers of the role it comes back in.
    #[test]
    fn quorum_peer_restarted_arms_fresh_timers_for_its_new_role() {
        let mut w = ensemble(
            r#"{"at_ms":2000,"do":"crash_server","server":1},
               {"at_ms":3000,"do":"start_server","server":1}"#,
        );
        w.run_until(2_000);
        assert_eq!(w.servers[0].role(), Role::Down);
        assert!(KINDS.iter().all(|&k| w.servers[0].deadline_ms(k).is_none()));
        w.run_until(8_000);
        let s1 = &w.servers[0];
        assert_eq!(s1.following().map(|f| f.leader), Some(2));
        assert!(s1.serving);
        assert!(
            s1.deadline_ms(Timer::FollowerTimeout)
                .is_some_and(|t| t > 8_000)
        );
        assert_eq!(s1.deadline_ms(Timer::LeaderTick), None);
        assert_eq!(s1.deadline_ms(Timer::TrackerWake), None);
        assert_eq!(lines_of(&w, 1, "Read timed out"), Vec::<u64>::new());
    }

    /// Two entries of one timer due at the same instant (an old role's and a new one's, or a
    /// re-arm): the later one is the live one, the one its latest arming queued, so a timer
    /// runs where that arming put it among the events of the instant. A standalone server
    /// without clients has nothing in its queue but its expirer's wake-up.
    #[test]
    fn of_two_entries_due_at_one_instant_the_later_is_live() {
        let mut w = world(200, r#"{"id":1}"#, "", "", 30_000);
        w.run_until(3_000);
        assert_eq!(w.queue_len(), 1, "only the expirer's wake-up");
        let next_ms = w.servers[0].deadline_ms(Timer::TrackerWake).unwrap();
        assert!(next_ms > 3_001);
        w.arm(0, Timer::TrackerWake, 3_001);
        w.arm(0, Timer::TrackerWake, 3_001);
        let processed = w.events_processed();
        w.step();
        assert_eq!(w.now_ms(), 3_001);
        assert_eq!(w.servers[0].deadline_ms(Timer::TrackerWake), Some(3_001));
        w.step();
        assert_eq!(w.now_ms(), 3_001);
        // It ran: nothing was due, and it sleeps until its cursor, where the entry it replaced
        // waits too (and comes first).
        assert_eq!(w.servers[0].deadline_ms(Timer::TrackerWake), Some(next_ms));
        w.step();
        assert_eq!(w.now_ms(), next_ms);
        assert_eq!(w.servers[0].deadline_ms(Timer::TrackerWake), Some(next_ms));
        w.step();
        assert_eq!(
            w.servers[0].deadline_ms(Timer::TrackerWake),
            Some(next_ms + 200)
        );
        // Stale entries are processed events all the same.
        assert_eq!(w.events_processed(), processed + 4);
        assert_eq!(w.queue_len(), 1);
    }
}
