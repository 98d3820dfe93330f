//! Whole ensembles driven by the world, pinning what a server's role owns and its timers
//! (server/timer.rs): that leaving a role, crashing or re-arming drops what it held, with the
//! queue's stale entries processed unseen. The handlers alone are tested in `server/tests.rs`.

/// The servers' timers (server/timer.rs) over whole runs.
mod timers {
    use crate::scenario::{Limits, Scenario};
    use crate::server::Role;
    use crate::server::Timer;
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

/// `QuorumPeer`'s roles over whole runs.
mod roles {
    use crate::scenario::{Limits, Scenario};
    use crate::server::{Peer, Role};
    use crate::world::World;

    fn ensemble(actions: &str) -> World {
        let json = format!(
            r#"{{"format":1,"version":"3.6","servers":[{{"id":1}},{{"id":2}},{{"id":3}}],
            "clients":[],"actions":[{actions}],"until_ms":20000}}"#
        );
        World::new(&Scenario::from_json(&json, &Limits::NATIVE).unwrap(), false)
    }

    /// QuorumPeer's role owns what only that role has: the leader its LearnerHandlers, each
    /// follower its connection to the leader; leaving the role drops them (Leader.shutdown,
    /// Learner.shutdown), and the next leader starts with none of the old one's handlers.
    #[test]
    fn a_role_owns_its_state_and_loses_it_with_the_role() {
        let mut w = ensemble(r#"{"at_ms":5000,"do":"crash_server","server":3}"#);
        w.run_until(4_000);
        let leader = w.servers.iter().position(|s| s.role() == Role::Leading);
        let leader = leader.expect("an elected leader");
        assert_eq!(w.servers[leader].myid, 3, "highest myid at equal zxids");
        let l = w.servers[leader].leading().unwrap();
        assert_eq!(l.learners.len(), 2);
        let old_handlers = l.handlers_created.clone();
        for (i, s) in w.servers.iter().enumerate() {
            if i != leader {
                let f = s.following().expect("the others follow");
                assert_eq!(f.leader, leader);
                assert!(s.leading().is_none());
            }
        }
        w.run_until(5_001);
        assert!(matches!(w.servers[leader].peer, Peer::Down));
        w.run_until(20_000);
        let new_leader = w
            .servers
            .iter()
            .position(|s| s.role() == Role::Leading)
            .expect("the two left elect a leader");
        let l = w.servers[new_leader].leading().unwrap();
        assert_eq!(l.learners.len(), 1);
        assert!(l.handlers_created.is_disjoint(&old_handlers));
        let other = 3 - new_leader - leader;
        assert_eq!(w.servers[other].following().unwrap().leader, new_leader);
    }
}
