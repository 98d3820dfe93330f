//! The tracker against ZooKeeper's own tests and the spec (each test names which).

use super::*;
use crate::ids::{IdAnatomy, seed_session_id};
use crate::profile::{V3_4_5, V3_4_6, V3_4_14, V3_5_10, V3_6, Version};

const ME: Owner = Owner::Me;
const LH1: Owner = Owner::Handler(1);
const LH2: Owner = Owner::Handler(2);

fn profiles() -> [&'static Profile; 5] {
    [&V3_4_5, &V3_4_6, &V3_4_14, &V3_5_10, &V3_6]
}

/// Polls until the clock `now`, returning every expired session in order.
fn drain(t: &mut LeaderTracker, now: i64) -> Vec<(i64, SessionId)> {
    let mut out = Vec::new();
    while let Some(b) = t.poll_expired(now) {
        out.extend(b.sessions.iter().map(|&id| (b.bucket_ms, id)));
    }
    out
}

fn bucket_view(t: &LeaderTracker) -> Vec<(i64, Vec<SessionId>)> {
    t.buckets().map(|(at, ids)| (at, ids.collect())).collect()
}

// SessionTrackerTest (10.1): tickTime 3000, sessionId 339900, timeout 3000.
const TEST_ID: SessionId = 339900;
const TEST_TIMEOUT: i32 = 3000;

#[test]
fn session_tracker_test_add_session_after_session_expiry() {
    for p in [&V3_4_5, &V3_6] {
        let mut t = LeaderTracker::new(p, 3000, 0, 1);
        let mut expiries = 0;
        // 1. addSession / trackSession, then checkSession adopts the caller's owner.
        let tracked = t.add_session(TEST_ID, TEST_TIMEOUT, 0);
        assert!(tracked.created);
        assert_eq!(
            tracked.touch,
            Touch::Moved {
                from_ms: None,
                to_ms: 6000
            }
        );
        let owner = Owner::Handler(77); // the test's `new Object()`
        assert_eq!(t.check_session(TEST_ID, owner), Ok(Check::Adopted));
        assert_eq!(t.get(TEST_ID).unwrap().owner, Some(owner));
        // 2. wait up to 2 x timeout for the expirer: it fires at 6000, not before.
        for now in 0..6000 {
            assert!(t.poll_expired(now).is_none_or(|b| b.sessions.is_empty()));
        }
        let b = t.poll_expired(6000).unwrap();
        assert_eq!(b.sessions, vec![TEST_ID], "{}", p.name);
        expiries += b.sessions.len();
        // 3. the delayed createSession reaches the final processor: add again.
        let again = t.add_session(TEST_ID, TEST_TIMEOUT, 6000);
        assert!(!again.created);
        // 4. checkSession throws SessionExpired.
        assert_eq!(t.check_session(TEST_ID, owner), Err(CheckError::Expired));
        // 5. still closing.
        assert!(t.get(TEST_ID).unwrap().closing);
        // 6. touchSession is false.
        assert!(!t.touch_session(TEST_ID, TEST_TIMEOUT, 6000).ok());
        // 7. exactly one expiry so far (the Java test ends here).
        expiries += drain(&mut t, 6000).len();
        assert_eq!(expiries, 1, "{}", p.name);
    }
}

#[test]
fn session_tracker_test_close_session_request_after_session_expiry() {
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 3000, 0, 1);
        t.add_session(TEST_ID, TEST_TIMEOUT, 0);
        assert_eq!(t.check_session(TEST_ID, LH1), Ok(Check::Adopted));
        assert_eq!(drain(&mut t, 6000), vec![(6000, TEST_ID)]);
        let removed = t.remove_session(TEST_ID).unwrap();
        assert!(removed.closing);
        assert!(t.get(TEST_ID).is_none());
        assert!(t.is_empty());
        assert_eq!(t.touch_session(TEST_ID, TEST_TIMEOUT, 6000), Touch::Missing);
        assert!(t.remove_session(TEST_ID).is_none());
    }
}

#[test]
fn expiry_queue_requeues_a_closing_session_on_re_add() {
    // 3.5+ addSession/trackSession skip the closing check, so the re-added session is queued
    // again and expired a second time if nothing removes it. 3.4 goes through touchSession.
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 3000, 0, 1);
        t.add_session(TEST_ID, TEST_TIMEOUT, 0);
        assert_eq!(drain(&mut t, 6000), vec![(6000, TEST_ID)]);
        let again = t.add_session(TEST_ID, TEST_TIMEOUT, 6000);
        let e = t.get(TEST_ID).unwrap();
        assert!(e.closing);
        match p.expiry {
            ExpiryStructure::LaterBucketsOnly => {
                assert_eq!(again.touch, Touch::Closing);
                assert!(!e.queued);
                assert_eq!(e.expires_at_ms, Some(6000));
                assert_eq!(drain(&mut t, 60_000), vec![]);
            }
            ExpiryStructure::AnyBucket => {
                assert_eq!(
                    again.touch,
                    Touch::Moved {
                        from_ms: Some(6000),
                        to_ms: 12_000
                    }
                );
                assert!(e.queued);
                assert_eq!(drain(&mut t, 60_000), vec![(12_000, TEST_ID)]);
            }
        }
    }
}

#[test]
fn expiry_table_spec_4_4() {
    let rows = [(0, 6000), (1999, 6000), (2000, 8000), (10_500, 16_000)];
    for p in profiles() {
        for (t0, e) in rows {
            let mut t = LeaderTracker::new(p, 2000, 0, 1);
            assert_eq!(t.next_expiration_ms(), 2000);
            assert_eq!(t.round_to_interval(t0 + 4000), e);
            // Bounds: T < E - t <= T + tick.
            assert!(e - t0 > 4000 && e - t0 <= 6000);
            // The expirer keeps up until the session is touched.
            assert_eq!(drain(&mut t, t0), vec![]);
            let id = t.create_session(4000, t0);
            assert_eq!(t.get(id).unwrap().expires_at_ms, Some(e));
            assert_eq!(drain(&mut t, e - 1), vec![], "{} t={t0}", p.name);
            assert!(!t.get(id).unwrap().closing);
            assert_eq!(t.wait_time_ms(e - 1), 1);
            assert_eq!(t.wait_time_ms(e), 0);
            assert_eq!(drain(&mut t, e), vec![(e, id)], "{} t={t0}", p.name);
            assert!(t.get(id).unwrap().closing);
        }
    }
}

#[test]
fn round_to_interval_gives_a_full_tick_of_grace_on_exact_multiples() {
    let t = LeaderTracker::new(&V3_6, 2000, 0, 1);
    assert_eq!(t.round_to_interval(0), 2000);
    assert_eq!(t.round_to_interval(1), 2000);
    assert_eq!(t.round_to_interval(1999), 2000);
    assert_eq!(t.round_to_interval(2000), 4000);
    // Java's long division truncates toward zero.
    assert_eq!(t.round_to_interval(-1), 2000);
    assert_eq!(t.round_to_interval(-2000), 0);
    // The cursor starts rounded up, an exact multiple included.
    assert_eq!(
        LeaderTracker::new(&V3_4_5, 2000, 4000, 1).next_expiration_ms(),
        6000
    );
    assert_eq!(
        LeaderTracker::new(&V3_4_5, 2000, 4001, 1).next_expiration_ms(),
        6000
    );
}

#[test]
fn three_four_moves_only_to_later_buckets() {
    for p in [&V3_4_5, &V3_4_6, &V3_4_14] {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let id = t.create_session(10_000, 0);
        assert_eq!(t.get(id).unwrap().expires_at_ms, Some(12_000));
        // A smaller timeout would give 6000: ignored, still true.
        let touch = t.touch_session(id, 4000, 1000);
        assert_eq!(touch, Touch::Unchanged { bucket_ms: 12_000 });
        assert!(touch.ok());
        // The same bucket: unchanged too.
        assert_eq!(
            t.touch_session(id, 10_000, 1500),
            Touch::Unchanged { bucket_ms: 12_000 }
        );
        // A later one: moves.
        assert_eq!(
            t.touch_session(id, 10_000, 2000),
            Touch::Moved {
                from_ms: Some(12_000),
                to_ms: 14_000
            }
        );
        assert_eq!(drain(&mut t, 13_999), vec![]);
        assert_eq!(drain(&mut t, 14_000), vec![(14_000, id)]);
    }
}

#[test]
fn expiry_queue_moves_to_earlier_bucket() {
    for p in [&V3_5_10, &V3_6] {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let id = t.create_session(10_000, 0);
        assert_eq!(t.get(id).unwrap().expires_at_ms, Some(12_000));
        assert_eq!(
            t.touch_session(id, 4000, 1000),
            Touch::Moved {
                from_ms: Some(12_000),
                to_ms: 6000
            }
        );
        assert_eq!(
            t.touch_session(id, 4000, 1500),
            Touch::Unchanged { bucket_ms: 6000 }
        );
        assert_eq!(t.bucket(12_000).unwrap().len(), 0, "emptied bucket kept");
        assert_eq!(drain(&mut t, 5999), vec![]);
        assert_eq!(drain(&mut t, 6000), vec![(6000, id)]);
    }
}

#[test]
fn re_add_keeps_the_first_timeout_but_moves_the_bucket() {
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        assert!(t.add_session(5, 4000, 0).created);
        let again = t.add_session(5, 30_000, 100);
        assert!(!again.created);
        assert_eq!(
            again.touch,
            Touch::Moved {
                from_ms: Some(6000),
                to_ms: 32_000
            }
        );
        assert_eq!(t.get(5).unwrap().timeout_ms, 4000);
    }
}

#[test]
fn owner_adopted_when_null_then_moved_on_other_owner() {
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let id = t.create_session(4000, 0);
        assert_eq!(t.get(id).unwrap().owner, None);
        assert_eq!(t.check_session(id, LH1), Ok(Check::Adopted));
        assert_eq!(t.check_session(id, LH1), Ok(Check::Ok));
        let moved = t.check_session(id, LH2);
        assert_eq!(moved, Err(CheckError::Moved { owner: Some(LH1) }));
        assert_eq!(moved.unwrap_err().code(), codes::SESSIONMOVED);
        assert_eq!(
            t.check_session(id, ME),
            Err(CheckError::Moved { owner: Some(LH1) })
        );
        // REVALIDATE via another handler: setOwner overwrites, the old one is now moved.
        assert_eq!(t.set_owner(id, Some(LH2)), Ok(()));
        assert_eq!(t.check_session(id, LH2), Ok(Check::Ok));
        assert!(matches!(
            t.check_session(id, LH1),
            Err(CheckError::Moved { .. })
        ));
        // Setting it back to null lets the next checker adopt it.
        assert_eq!(t.set_owner(id, None), Ok(()));
        assert_eq!(t.check_session(id, ME), Ok(Check::Adopted));
        // A check never touches the expiry.
        assert_eq!(t.get(id).unwrap().expires_at_ms, Some(6000));
    }
}

#[test]
fn closing_session_fails_check_and_set_owner_but_keeps_its_bucket() {
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let id = t.create_session(4000, 0);
        t.check_session(id, ME).unwrap();
        assert!(t.set_session_closing(id));
        assert!(!t.set_session_closing(id + 1));
        assert_eq!(t.check_session(id, ME), Err(CheckError::Expired));
        assert_eq!(t.set_owner(id, Some(ME)), Err(CheckError::Expired));
        assert_eq!(t.touch_session(id, 4000, 10), Touch::Closing);
        assert!(t.get(id).unwrap().queued);
        // The expirer still reaches it (Prep's closeSession normally removes it first).
        assert_eq!(drain(&mut t, 6000), vec![(6000, id)]);
    }
}

#[test]
fn missing_session_is_unknown_in_3_5_and_expired_in_3_4() {
    for v in Version::ALL {
        let p = v.profile();
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let err = t.check_session(42, ME).unwrap_err();
        let is_3_4 = p.expiry == ExpiryStructure::LaterBucketsOnly;
        assert_eq!(
            err,
            if is_3_4 {
                CheckError::Expired
            } else {
                CheckError::Unknown
            },
            "{}",
            p.name
        );
        let internal = if is_3_4 {
            codes::SESSIONEXPIRED
        } else {
            codes::UNKNOWNSESSION
        };
        assert_eq!(err.code(), internal);
        assert_eq!(err.client_code(), codes::SESSIONEXPIRED);
        // setOwner always throws SessionExpired, touch is false, closing is a no-op.
        assert_eq!(t.set_owner(42, Some(ME)), Err(CheckError::Expired));
        assert_eq!(t.touch_session(42, 4000, 0), Touch::Missing);
        assert!(!t.touch_session(42, 4000, 0).ok());
        assert!(!t.set_session_closing(42));
        assert!(t.is_empty());
    }
}

#[test]
fn late_poller_catches_up_one_bucket_per_call() {
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let a = t.create_session(1000, 0); // 2000
        let b = t.create_session(4000, 0); // 6000
        let c = t.create_session(4000, 100); // 6000
        let d = t.create_session(8000, 0); // 10000
        assert_eq!(t.next_expiration_ms(), 2000);
        // The expirer wakes at 11000, five buckets late.
        let mut seen = Vec::new();
        while let Some(bucket) = t.poll_expired(11_000) {
            seen.push((bucket.bucket_ms, bucket.sessions));
        }
        assert_eq!(
            seen,
            vec![
                (2000, vec![a]),
                (4000, vec![]),
                (6000, vec![b, c]),
                (8000, vec![]),
                (10_000, vec![d]),
            ]
        );
        assert_eq!(t.next_expiration_ms(), 12_000);
        assert!(t.poll_expired(11_999).is_none());
        assert!(t.sessions().all(|s| s.closing && !s.queued));
        assert_eq!(t.bucket_count(), 0);
    }
}

#[test]
fn a_bucket_behind_the_cursor_is_never_expired() {
    // Only a clock that goes backwards (3.4 wall clock) can do this; Java strands the session.
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 2000, 10_000, 1);
        assert_eq!(t.next_expiration_ms(), 12_000);
        let id = t.create_session(2000, 0); // clock set back: bucket 4000
        assert_eq!(t.get(id).unwrap().expires_at_ms, Some(4000));
        assert_eq!(drain(&mut t, 100_000), vec![]);
        assert!(t.get(id).unwrap().queued);
        assert_eq!(bucket_view(&t), vec![(4000, vec![id])]);
    }
}

#[test]
fn remove_session_takes_it_out_of_its_bucket() {
    for p in profiles() {
        let mut t = LeaderTracker::new(p, 2000, 0, 1);
        let a = t.create_session(4000, 0);
        let b = t.create_session(4000, 0);
        let removed = t.remove_session(a).unwrap();
        assert_eq!(removed.id, a);
        assert_eq!(bucket_view(&t), vec![(6000, vec![b])]);
        assert_eq!(drain(&mut t, 6000), vec![(6000, b)]);
        assert!(t.get(a).is_none());
    }
}

#[test]
fn sessions_and_buckets_iterate_ascending() {
    let mut t = LeaderTracker::new(&V3_6, 1000, 0, 0);
    for (id, to) in [(9, 3000), (3, 1000), (7, 3000), (1, 2000), (5, 1000)] {
        t.add_session(id, to, 0);
    }
    let ids: Vec<_> = t.sessions().map(|s| s.id).collect();
    assert_eq!(ids, vec![1, 3, 5, 7, 9]);
    assert_eq!(
        bucket_view(&t),
        vec![(2000, vec![3, 5]), (3000, vec![1]), (4000, vec![7, 9])]
    );
    assert_eq!(t.len(), 5);
}

#[test]
fn counter_is_not_masked() {
    for p in [&V3_4_5, &V3_6] {
        let seed = seed_session_id(p, 1, 1_700_000_000_000);
        let mut t = LeaderTracker::new(p, 2000, 0, seed);
        let first = t.create_session(4000, 0);
        assert_eq!(first, seed);
        let mut last = first;
        for _ in 1..65_536 {
            last = t.create_session(4000, 0);
        }
        assert_eq!(IdAnatomy::of(last).counter, 0xffff);
        let carried = t.create_session(4000, 0);
        assert_eq!(carried, seed + 65_536);
        let a = IdAnatomy::of(carried);
        assert_eq!(a.counter, 0);
        assert_eq!(a.time_field, IdAnatomy::of(seed).time_field + 1);
        assert_eq!(t.len(), 65_537);
        assert_eq!(t.next_session_id(), seed + 65_537);
    }
    // And it wraps like a Java long.
    let mut t = LeaderTracker::new(&V3_6, 2000, 0, i64::MAX);
    assert_eq!(t.create_session(4000, 0), i64::MAX);
    assert_eq!(t.next_session_id(), i64::MIN);
}

#[test]
fn poll_work_proportional_to_expiring() {
    const N: i64 = 100_000;
    for p in [&V3_4_14, &V3_6] {
        let mut t = LeaderTracker::new(p, 2000, 0, 0);
        // Timeouts 4000..=40000 in steps of 4000 (every other bucket): 10 buckets of 10,000.
        for id in 0..N {
            let to = 4000 * (1 + (id % 10) as i32);
            t.add_session(id, to, 0);
        }
        assert_eq!(t.len(), N as usize);
        assert_eq!(t.bucket_count(), 10);
        let before: Vec<(i64, usize)> = t.buckets().map(|(at, ids)| (at, ids.len())).collect();
        // The cursor's first buckets (2000, 4000) are empty: nothing is visited.
        for expected in [2000, 4000] {
            let polled = t.polled;
            let b = t.poll_expired(expected).unwrap();
            assert_eq!((b.bucket_ms, b.sessions.len()), (expected, 0));
            assert_eq!(t.polled, polled, "an empty poll visits nothing");
        }
        let after: Vec<(i64, usize)> = t.buckets().map(|(at, ids)| (at, ids.len())).collect();
        assert_eq!(before, after, "other buckets untouched");
        // A full bucket hands out exactly its members and leaves the others alone.
        let polled = t.polled;
        let b = t.poll_expired(6000).unwrap();
        assert_eq!(b.bucket_ms, 6000);
        assert_eq!(b.sessions.len(), 10_000);
        assert_eq!(t.polled - polled, 10_000);
        assert!(b.sessions.windows(2).all(|w| w[0] < w[1]));
        assert!(b.sessions.iter().all(|&id| id % 10 == 0));
        assert_eq!(t.bucket_count(), 9);
        assert_eq!(
            t.sessions().filter(|s| s.closing).count(),
            10_000,
            "only that bucket's sessions are closing"
        );
        // Touching every session once more moves each in O(log n); still 100,000 entries.
        for id in 0..N {
            t.touch_session(id, 4000, 7000);
        }
        assert_eq!(t.len(), N as usize);
    }
}

#[test]
fn session_entry_is_small() {
    // One BTreeMap slot for the entry plus one BTreeSet slot in its bucket: far under 1 KB.
    assert!(std::mem::size_of::<SessionEntry>() <= 64);
    assert!(std::mem::size_of::<SessionEntry>() + std::mem::size_of::<SessionId>() * 3 < 256);
}

#[test]
fn learner_touch_table_snapshot_swaps() {
    let seed = seed_session_id(&V3_4_6, 2, 1_700_000_000_000);
    let mut l = LearnerTouchTable::new(seed);
    // createSession hands out IDs and tracks nothing.
    assert_eq!(l.create_session(30_000), seed);
    assert_eq!(l.create_session(30_000), seed + 1);
    assert_eq!(l.next_session_id(), seed + 2);
    assert_eq!(l.pending().len(), 0);
    // Touches of unknown sessions are accepted too (the leader decides).
    assert!(l.touch_session(0x30, 4000));
    assert!(l.touch_session(0x10, 4000));
    assert!(l.add_session(0x20, 6000));
    assert!(!l.add_session(0x20, 6000));
    assert!(l.touch_session(0x10, 5000)); // last put wins
    assert_eq!(
        l.pending().collect::<Vec<_>>(),
        vec![(0x10, 5000), (0x20, 6000), (0x30, 4000)]
    );
    let snap = l.snapshot();
    assert_eq!(snap, vec![(0x10, 5000), (0x20, 6000), (0x30, 4000)]);
    assert_eq!(l.pending().len(), 0, "a fresh table was swapped in");
    assert_eq!(l.snapshot(), vec![]);
    // The known-session map survives the swap; removal clears both.
    assert_eq!(l.known_sessions().collect::<Vec<_>>(), vec![(0x20, 6000)]);
    l.touch_session(0x20, 6000);
    l.remove_session(0x20);
    assert_eq!(l.pending().len(), 0);
    assert_eq!(l.known_sessions().len(), 0);
}

#[test]
fn learner_touches_keep_a_session_alive_at_the_leader() {
    // Spec 4.3: the PING reply's pairs become leader touches, with no owner check.
    let mut leader = LeaderTracker::new(&V3_4_5, 2000, 0, 1);
    let mut follower = LearnerTouchTable::new(2);
    let id = leader.create_session(4000, 0);
    leader.set_owner(id, Some(LH1)).unwrap();
    for now in (1000..=20_000).step_by(1000) {
        follower.touch_session(id, 4000);
        for (sid, to) in follower.snapshot() {
            assert!(leader.touch_session(sid, to, now).ok());
        }
        assert_eq!(drain(&mut leader, now), vec![]);
    }
    // Last touch at 20000: bucket ((20000 + 4000) / 2000 + 1) * 2000 = 26000.
    assert_eq!(drain(&mut leader, 25_999), vec![]);
    assert_eq!(drain(&mut leader, 26_000), vec![(26_000, id)]);
}

// ---- Randomized comparison against a naive transliteration of the Java. ----

/// splitmix64: tiny, seeded, and good enough to drive a model test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Naive reference: the Java data structures spelled out with vectors and linear scans.
/// `tick_time` is 3.4's `SessionImpl.tickTime` (0 at creation); `elem` is 3.5's
/// `ExpiryQueue.elemMap` entry. `sets` is `sessionSets` / `expiryMap`.
#[derive(Clone, Debug)]
struct NaiveSession {
    id: SessionId,
    timeout: i32,
    tick_time: i64,
    elem: Option<i64>,
    closing: bool,
    owner: Option<Owner>,
}

struct Naive {
    three_four: bool,
    unknown_internal: bool,
    tick: i64,
    next_exp: i64,
    next_id: SessionId,
    sessions: Vec<NaiveSession>,
    sets: Vec<(i64, Vec<SessionId>)>,
}

impl Naive {
    fn new(p: &Profile, tick: i64, now: i64, first: SessionId) -> Naive {
        Naive {
            three_four: p.expiry == ExpiryStructure::LaterBucketsOnly,
            unknown_internal: p.unknown_session_internal,
            tick,
            next_exp: (now / tick + 1) * tick,
            next_id: first,
            sessions: Vec::new(),
            sets: Vec::new(),
        }
    }

    fn find(&self, id: SessionId) -> Option<usize> {
        self.sessions.iter().position(|s| s.id == id)
    }

    fn set_remove(&mut self, at: i64, id: SessionId) {
        if let Some((_, v)) = self.sets.iter_mut().find(|(t, _)| *t == at) {
            v.retain(|&x| x != id);
        }
    }

    fn set_add(&mut self, at: i64, id: SessionId) {
        match self.sets.iter_mut().find(|(t, _)| *t == at) {
            Some((_, v)) => {
                if !v.contains(&id) {
                    v.push(id)
                }
            }
            None => self.sets.push((at, vec![id])),
        }
    }

    /// 3.4 touchSession after the null/closing check; 3.5 ExpiryQueue.update.
    fn update(&mut self, i: usize, timeout: i32, now: i64) -> Touch {
        let e = ((now + timeout as i64) / self.tick + 1) * self.tick;
        let id = self.sessions[i].id;
        if self.three_four {
            let cur = self.sessions[i].tick_time;
            if cur >= e {
                return Touch::Unchanged { bucket_ms: cur };
            }
            self.set_remove(cur, id);
            self.sessions[i].tick_time = e;
            self.set_add(e, id);
            Touch::Moved {
                from_ms: Some(cur),
                to_ms: e,
            }
        } else {
            let prev = self.sessions[i].elem;
            if prev == Some(e) {
                return Touch::Unchanged { bucket_ms: e };
            }
            self.set_add(e, id);
            self.sessions[i].elem = Some(e);
            if let Some(p) = prev {
                self.set_remove(p, id);
            }
            Touch::Moved {
                from_ms: prev,
                to_ms: e,
            }
        }
    }

    fn touch(&mut self, id: SessionId, timeout: i32, now: i64) -> Touch {
        match self.find(id) {
            None => Touch::Missing,
            Some(i) if self.sessions[i].closing => Touch::Closing,
            Some(i) => self.update(i, timeout, now),
        }
    }

    fn add(&mut self, id: SessionId, timeout: i32, now: i64) -> Tracked {
        let created = self.find(id).is_none();
        if created {
            self.sessions.push(NaiveSession {
                id,
                timeout,
                tick_time: 0,
                elem: None,
                closing: false,
                owner: None,
            });
        }
        let touch = if self.three_four {
            self.touch(id, timeout, now)
        } else {
            let i = self.find(id).unwrap();
            self.update(i, timeout, now)
        };
        Tracked { created, touch }
    }

    fn create(&mut self, timeout: i32, now: i64) -> SessionId {
        let id = self.next_id;
        self.add(id, timeout, now);
        self.next_id += 1;
        id
    }

    fn check(&mut self, id: SessionId, owner: Owner) -> Result<Check, CheckError> {
        let Some(i) = self.find(id) else {
            return Err(if self.unknown_internal {
                CheckError::Unknown
            } else {
                CheckError::Expired
            });
        };
        let s = &mut self.sessions[i];
        if s.closing {
            Err(CheckError::Expired)
        } else if s.owner.is_none() {
            s.owner = Some(owner);
            Ok(Check::Adopted)
        } else if s.owner != Some(owner) {
            Err(CheckError::Moved { owner: s.owner })
        } else {
            Ok(Check::Ok)
        }
    }

    fn set_owner(&mut self, id: SessionId, owner: Option<Owner>) -> Result<(), CheckError> {
        match self.find(id) {
            Some(i) if !self.sessions[i].closing => {
                self.sessions[i].owner = owner;
                Ok(())
            }
            _ => Err(CheckError::Expired),
        }
    }

    fn closing(&mut self, id: SessionId) -> bool {
        match self.find(id) {
            Some(i) => {
                self.sessions[i].closing = true;
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, id: SessionId) -> bool {
        let Some(i) = self.find(id) else {
            return false;
        };
        let s = self.sessions.remove(i);
        if self.three_four {
            self.set_remove(s.tick_time, id);
        } else if let Some(p) = s.elem {
            self.set_remove(p, id);
        }
        true
    }

    fn poll(&mut self, now: i64) -> Option<ExpiredBucket> {
        if self.next_exp > now {
            return None;
        }
        let at = self.next_exp;
        let mut ids = match self.sets.iter().position(|(t, _)| *t == at) {
            Some(k) => self.sets.remove(k).1,
            None => Vec::new(),
        };
        ids.sort();
        for &id in &ids {
            self.closing(id);
        }
        self.next_exp += self.tick;
        Some(ExpiredBucket {
            bucket_ms: at,
            sessions: ids,
        })
    }

    fn recorded(&self, s: &NaiveSession) -> Option<i64> {
        if self.three_four {
            Some(s.tick_time)
        } else {
            s.elem
        }
    }

    fn in_set(&self, at: i64, id: SessionId) -> bool {
        self.sets.iter().any(|(t, v)| *t == at && v.contains(&id))
    }
}

/// 3.4 reports `from_ms: None` where the naive model has tickTime 0.
fn normalize(touch: Touch, three_four: bool) -> Touch {
    match touch {
        Touch::Moved {
            from_ms: None,
            to_ms,
        } if three_four => Touch::Moved {
            from_ms: Some(0),
            to_ms,
        },
        other => other,
    }
}

fn assert_same_state(t: &LeaderTracker, n: &Naive, step: usize) {
    assert_eq!(t.next_expiration_ms(), n.next_exp, "step {step}");
    assert_eq!(t.next_session_id(), n.next_id, "step {step}");
    let mut naive_sessions = n.sessions.clone();
    naive_sessions.sort_by_key(|s| s.id);
    assert_eq!(t.len(), naive_sessions.len(), "step {step}");
    for (e, s) in t.sessions().zip(&naive_sessions) {
        assert_eq!(e.id, s.id, "step {step}");
        assert_eq!(e.timeout_ms, s.timeout, "step {step}");
        assert_eq!(e.closing, s.closing, "step {step}");
        assert_eq!(e.owner, s.owner, "step {step}");
        let recorded = if n.three_four {
            Some(e.expires_at_ms.unwrap_or(0))
        } else {
            e.expires_at_ms
        };
        assert_eq!(recorded, n.recorded(s), "step {step} id {}", e.id);
        let member = n.recorded(s).is_some_and(|at| n.in_set(at, s.id));
        assert_eq!(e.queued, member, "step {step} id {}", e.id);
    }
    let mut naive_sets: Vec<(i64, Vec<SessionId>)> = n
        .sets
        .iter()
        .map(|(at, v)| {
            let mut v = v.clone();
            v.sort();
            (*at, v)
        })
        .collect();
    naive_sets.sort();
    assert_eq!(bucket_view(t), naive_sets, "step {step}");
}

#[test]
fn randomized_against_naive_java_model() {
    for (round, p) in profiles().into_iter().enumerate() {
        for seed in 0..4u64 {
            let mut rng = Rng(seed * 1000 + round as u64);
            let tick = [1000, 2000, 3000][rng.below(3) as usize];
            let mut now: i64 = 50_000 + rng.below(10_000) as i64;
            let first = 0x100 + rng.below(100) as i64;
            let mut t = LeaderTracker::new(p, tick, now, first);
            let mut n = Naive::new(p, tick, now, first);
            let three_four = n.three_four;
            let timeouts = [500, 2000, 4000, 6000, 9000, 20_000];
            let owners = [ME, LH1, LH2, Owner::Handler(3)];
            for step in 0..4000 {
                let id = first + rng.below(40) as i64;
                let to = timeouts[rng.below(timeouts.len() as u64) as usize];
                match rng.below(100) {
                    0..=24 => {
                        now += rng.below(tick as u64) as i64;
                    }
                    25..=26 => {
                        // The wall clock jumps back (3.4.5's tracker reads it).
                        now -= rng.below(3 * tick as u64) as i64;
                    }
                    27..=34 => {
                        assert_eq!(t.create_session(to, now), n.create(to, now));
                    }
                    35..=44 => {
                        let (a, b) = (t.add_session(id, to, now), n.add(id, to, now));
                        assert_eq!(a.created, b.created, "step {step}");
                        assert_eq!(normalize(a.touch, three_four), b.touch, "step {step}");
                    }
                    45..=64 => {
                        let (a, b) = (t.touch_session(id, to, now), n.touch(id, to, now));
                        assert_eq!(normalize(a, three_four), b, "step {step}");
                    }
                    65..=72 => {
                        let o = owners[rng.below(4) as usize];
                        assert_eq!(t.check_session(id, o), n.check(id, o), "step {step}");
                    }
                    73..=75 => {
                        let o = match rng.below(5) {
                            4 => None,
                            k => Some(owners[k as usize]),
                        };
                        assert_eq!(t.set_owner(id, o), n.set_owner(id, o), "step {step}");
                    }
                    76..=78 => {
                        assert_eq!(t.set_session_closing(id), n.closing(id));
                    }
                    79..=83 => {
                        assert_eq!(t.remove_session(id).is_some(), n.remove(id));
                    }
                    _ => {
                        assert_eq!(t.poll_expired(now), n.poll(now), "step {step}");
                    }
                }
                if step % 7 == 0 {
                    assert_same_state(&t, &n, step);
                }
            }
            // Let the expirer catch up completely and compare one last time.
            loop {
                let (a, b) = (t.poll_expired(now), n.poll(now));
                assert_eq!(a, b);
                if a.is_none() {
                    break;
                }
            }
            assert_same_state(&t, &n, usize::MAX);
        }
    }
}
