//! Session trackers: who is alive, who owns it, and when it expires.
//!
//! # What this models
//!
//! Every ZooKeeper server holds a *session tracker*. On the leader (and on a standalone server) it
//! is the real thing; on followers and observers it is little more than a notebook.
//!
//! * [`LeaderTracker`] is the leader's `SessionTrackerImpl`. In 3.4 that class keeps
//!   `sessionsById` (id → `SessionImpl`) and `sessionSets` (bucket time → set of sessions) itself,
//!   and runs the "SessionTracker" thread that expires them. From 3.5.0 (ZOOKEEPER-1504) the
//!   bucket bookkeeping moved into a generic `ExpiryQueue<E>` (`elemMap` + `expiryMap`), which
//!   `SessionTrackerImpl` wraps; 3.5 calls the entry point `addSession`, 3.6+ `trackSession`
//!   (ZOOKEEPER-2926). The two generations differ in exactly the ways the profile's
//!   [`ExpiryStructure`] names, and we follow the profile rather than the version number:
//!   * [`ExpiryStructure::LaterBucketsOnly`] (3.4): a touch moves a session only to a *later*
//!     bucket; touching it with a smaller timeout leaves it where it is. `addSession` ends in
//!     `touchSession`, so re-adding a closing session does nothing to its expiry.
//!   * [`ExpiryStructure::AnyBucket`] (3.5+): `ExpiryQueue.update` moves a session to any
//!     *different* bucket, earlier ones included. `addSession`/`trackSession` call the queue
//!     update directly, *without* the closing check, so re-adding a closing session queues it
//!     again (and the expirer will expire it a second time unless it is removed first).
//! * [`LearnerTouchTable`] is `LearnerSessionTracker` on followers and observers (3.4; 3.5+ with
//!   local sessions off, the only configuration zksim models). It never expires anything: it
//!   records which sessions its clients touched (`touchTable`) and hands the table to the leader
//!   in the reply to each leader PING, where every pair becomes a `touchSession` on the leader.
//!
//! # Buckets
//!
//! Expiry is quantised to multiples of `tickTime`. A touch at tracker time `now` with timeout `T`
//! puts the session in bucket
//!
//! ```text
//! E = roundToInterval(now + T) = ((now + T) / tick + 1) * tick      (Java long division)
//! ```
//!
//! which always rounds *up*, an exact multiple included ("one interval grace period"), so
//! `T < E - now <= T + tick`. The expirer keeps a cursor, `nextExpirationTime`, that starts at
//! `roundToInterval(now)` when the tracker is built and walks forward one tick per iteration:
//! when the clock reaches the cursor it removes the whole bucket at the cursor, marks each session
//! in it closing and hands it to `ZooKeeperServer.expire`, then advances the cursor by one tick.
//! A late expirer catches up one bucket per iteration; no bucket is skipped, and a bucket behind
//! the cursor (possible only if the clock went backwards) is never expired.
//!
//! ```text
//!   tick = 2000 ms; a session touched at now = 10500 with T = 4000: now + T = 14500, E = 16000
//!
//!                    now          now+T
//!                     |             |
//!   ---+--------+-----|--+--------+-|------+--------+----->  tracker clock (ms)
//!    10000    12000      14000    16000    18000    20000
//!      ^                            ^
//!      cursor (nextExpirationTime)  E: this session's bucket
//!
//!   buckets: 12000 {0x..01}   14000 {}   16000 {0x..02, 0x..05}   18000 {0x..03}
//!   poll at 12000 expires {0x..01}; at 14000 nothing; at 16000 {0x..02, 0x..05}; ...
//! ```
//!
//! # Determinism and cost
//!
//! Time is always an argument (`now_ms`, on the tracker clock the profile names: wall or elapsed
//! milliseconds); nothing here reads a clock. Sessions live in a `BTreeMap` by id and buckets in
//! a `BTreeMap` of `BTreeSet`s by time, so every iteration order is defined (ascending), a touch
//! costs O(log n), and polling a bucket costs O(k log n) for the k sessions in it, never a scan of
//! all sessions. Java's `HashSet` hands out a bucket's sessions in an unspecified order; we
//! always use ascending id.
//!
//! Not modelled here: `sessionsWithTimeout`, the id → timeout map shared with `ZKDatabase` (the
//! one that is snapshotted). 3.4 and 3.5 `addSession` overwrite it on every call, 3.6
//! `commitSession` does; the caller keeps it next to the data tree.

use std::collections::{BTreeMap, BTreeSet};

use crate::codes::{self, Code};
use crate::ids::SessionId;
use crate::profile::{ExpiryStructure, Profile};

/// The owner of a session, compared by identity (spec 6.1). `None` (as `Option<Owner>`) is Java's
/// `null` owner: a freshly tracked session, or one reloaded into a new leader's tracker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// `ServerCnxn.me`: one JVM-wide object shared by every connection local to the leader.
    Me,
    /// One `LearnerHandler` object (a follower's or observer's connection to the current
    /// leader), by an id the caller allocates; a reconnecting learner gets a new one.
    Handler(u64),
}

/// One tracked session: `SessionTrackerImpl.SessionImpl` plus its place in the expiry structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEntry {
    /// `SessionImpl.sessionId`.
    pub id: SessionId,
    /// `SessionImpl.timeout`: fixed when the entry is created (re-adding with another timeout
    /// changes the bucket, not this). It is what "Expiring session 0x…, timeout of …ms exceeded"
    /// prints.
    pub timeout_ms: i32,
    /// The bucket the session was last put in: 3.4 `SessionImpl.tickTime`, 3.5+ the session's
    /// `ExpiryQueue.elemMap` value. `None` before the first placement (3.4 holds 0 there, and
    /// compares 0 against the new bucket). It keeps its value after the bucket is polled.
    pub expires_at_ms: Option<i64>,
    /// True while the session is a member of the bucket at `expires_at_ms`; false before its
    /// first placement and once the expirer has taken its bucket.
    pub queued: bool,
    /// `SessionImpl.isClosing`: set by the expirer and by `setSessionClosing`; never cleared.
    pub closing: bool,
    /// `SessionImpl.owner`.
    pub owner: Option<Owner>,
}

/// What a touch did: `touchSession`'s boolean, with the detail behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touch {
    /// No such session: `touchSession` returns false.
    Missing,
    /// The session is closing: `touchSession` returns false.
    Closing,
    /// Returns true, nothing moved: the new bucket equals the current one (3.5+) or is not later
    /// than it (3.4). `bucket_ms` is the session's current bucket.
    Unchanged { bucket_ms: i64 },
    /// Returns true; the session moved from `from_ms` (`None`: never placed before) to `to_ms`.
    Moved { from_ms: Option<i64>, to_ms: i64 },
}

impl Touch {
    /// `touchSession`'s return value.
    pub fn ok(&self) -> bool {
        matches!(self, Touch::Unchanged { .. } | Touch::Moved { .. })
    }
}

/// What [`LeaderTracker::add_session`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// A new entry was created (3.5+ `addSession`/`trackSession` return this).
    pub created: bool,
    /// The expiry update. 3.4 goes through `touchSession`, so a closing session gives
    /// [`Touch::Closing`]; 3.5+ updates the queue even for a closing session.
    pub touch: Touch,
}

/// Why `checkSession` / `setOwner` threw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// 3.5+ `UnknownSessionException` for a session the tracker does not know.
    Unknown,
    /// `SessionExpiredException`: a missing session in 3.4 (and in `setOwner`), or a closing one.
    Expired,
    /// `SessionMovedException`: the session is owned by someone else (`owner`).
    Moved { owner: Option<Owner> },
}

impl CheckError {
    /// The `KeeperException.Code` thrown inside `SessionTrackerImpl`.
    pub fn code(self) -> Code {
        match self {
            CheckError::Unknown => codes::UNKNOWNSESSION,
            CheckError::Expired => codes::SESSIONEXPIRED,
            CheckError::Moved { .. } => codes::SESSIONMOVED,
        }
    }

    /// The code as `PrepRequestProcessor` sees it: 3.5+ `LeaderSessionTracker.checkSession` maps
    /// `UnknownSession` to `SessionExpired` when local sessions are off (always, in zksim).
    pub fn client_code(self) -> Code {
        match self {
            CheckError::Unknown | CheckError::Expired => codes::SESSIONEXPIRED,
            CheckError::Moved { .. } => codes::SESSIONMOVED,
        }
    }
}

/// A successful `checkSession`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The stored owner is the caller's.
    Ok,
    /// The stored owner was null and is now the caller's.
    Adopted,
}

/// One iteration of the expirer that found its cursor due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiredBucket {
    /// The bucket time (the cursor before it advanced).
    pub bucket_ms: i64,
    /// The sessions that were in the bucket, now marked closing, in ascending id order (Java's
    /// `HashSet` order is unspecified). Empty when the bucket held none or did not exist. Each is
    /// still tracked: `expire` is the caller's to run, and `removeSession` comes with the
    /// closeSession txn.
    pub sessions: Vec<SessionId>,
}

/// The leader's session tracker: 3.4 `SessionTrackerImpl`, 3.5+ `SessionTrackerImpl` +
/// `ExpiryQueue` (the global tracker inside `LeaderSessionTracker`, local sessions off).
#[derive(Clone, Debug)]
pub struct LeaderTracker {
    structure: ExpiryStructure,
    unknown_session_internal: bool,
    tick_ms: i64,
    next_expiration_ms: i64,
    next_session_id: SessionId,
    sessions: BTreeMap<SessionId, SessionEntry>,
    /// Bucket time → members. Like Java, a bucket emptied by moves or removals stays until the
    /// expirer reaches it.
    buckets: BTreeMap<i64, BTreeSet<SessionId>>,
    /// Sessions handed out by polls, ever: lets the tests check that a poll only looks at its
    /// own bucket.
    polled: u64,
}

impl LeaderTracker {
    /// The `SessionTrackerImpl` constructor (3.5+: and the `ExpiryQueue` one): the expirer's
    /// cursor starts at `nextExpirationTime = roundToInterval(now)`, and `nextSessionId` at
    /// `first_session_id` (`initializeNextSession(myid)`, see [`crate::ids::seed_session_id`]).
    /// The constructor's `addSession`/`trackSession` of every session already in the database
    /// (owner null, a full timeout from now) is the caller's: call [`Self::add_session`].
    ///
    /// Panics if `tick_ms` is not positive.
    pub fn new(
        profile: &'static Profile,
        tick_ms: i64,
        now_ms: i64,
        first_session_id: SessionId,
    ) -> Self {
        assert!(tick_ms > 0, "tickTime must be positive, got {tick_ms}");
        let mut tracker = LeaderTracker {
            structure: profile.expiry,
            unknown_session_internal: profile.unknown_session_internal,
            tick_ms,
            next_expiration_ms: 0,
            next_session_id: first_session_id,
            sessions: BTreeMap::new(),
            buckets: BTreeMap::new(),
            polled: 0,
        };
        tracker.next_expiration_ms = tracker.round_to_interval(now_ms);
        tracker
    }

    /// `expirationInterval`: the tickTime.
    pub fn tick_ms(&self) -> i64 {
        self.tick_ms
    }

    /// Which expiry rules this tracker follows (from its profile).
    pub fn structure(&self) -> ExpiryStructure {
        self.structure
    }

    /// 3.4 `roundToInterval` / 3.5+ `ExpiryQueue.roundToNextInterval`:
    /// `(t / tick + 1) * tick`, with Java's truncating division and wrapping `long` arithmetic.
    pub fn round_to_interval(&self, t_ms: i64) -> i64 {
        (t_ms / self.tick_ms)
            .wrapping_add(1)
            .wrapping_mul(self.tick_ms)
    }

    /// `createSession(timeout)`: track `nextSessionId` with this timeout and return it, then
    /// increment the counter. The counter is a plain `long`: it is not masked to 16 bits, so the
    /// 65,537th session carries into the time field (and it wraps like Java at `Long.MAX_VALUE`).
    pub fn create_session(&mut self, timeout_ms: i32, now_ms: i64) -> SessionId {
        let id = self.next_session_id;
        self.next_session_id = id.wrapping_add(1);
        self.add_session(id, timeout_ms, now_ms);
        id
    }

    /// 3.4/3.5 `addSession`, 3.6+ `trackSession`: create the entry if absent (owner null, timeout
    /// fixed from here on), then update its expiry. 3.4 does that through `touchSession`, which
    /// refuses a closing session; 3.5+ calls the queue update directly, so a closing session is
    /// queued again (SessionTrackerTest.testAddSessionAfterSessionExpiry pins that it stays
    /// closing either way).
    pub fn add_session(&mut self, id: SessionId, timeout_ms: i32, now_ms: i64) -> Tracked {
        let mut created = false;
        self.sessions.entry(id).or_insert_with(|| {
            created = true;
            SessionEntry {
                id,
                timeout_ms,
                expires_at_ms: None,
                queued: false,
                closing: false,
                owner: None,
            }
        });
        let touch = match self.structure {
            ExpiryStructure::LaterBucketsOnly => self.touch_session(id, timeout_ms, now_ms),
            ExpiryStructure::AnyBucket => self.update_expiry(id, timeout_ms, now_ms),
        };
        Tracked { created, touch }
    }

    /// `touchSession(id, timeout)`: false ([`Touch::Missing`], [`Touch::Closing`]) for a missing
    /// or closing session; otherwise compute `roundToInterval(now + timeout)` and move the session
    /// there if the profile's rule says so (3.4: only to a later bucket; 3.5+: to any different
    /// one).
    pub fn touch_session(&mut self, id: SessionId, timeout_ms: i32, now_ms: i64) -> Touch {
        match self.sessions.get(&id) {
            None => Touch::Missing,
            Some(s) if s.closing => Touch::Closing,
            Some(_) => self.update_expiry(id, timeout_ms, now_ms),
        }
    }

    /// The bucket move shared by touch and add: the tail of 3.4 `touchSession`, 3.5+
    /// `ExpiryQueue.update`. Does not look at `closing`.
    fn update_expiry(&mut self, id: SessionId, timeout_ms: i32, now_ms: i64) -> Touch {
        let to_ms = self.round_to_interval(now_ms.wrapping_add(i64::from(timeout_ms)));
        let Some(s) = self.sessions.get_mut(&id) else {
            return Touch::Missing;
        };
        let from_ms = s.expires_at_ms;
        match self.structure {
            ExpiryStructure::LaterBucketsOnly => {
                // 3.4 compares the SessionImpl's tickTime, which starts at 0.
                let current = from_ms.unwrap_or(0);
                if current >= to_ms {
                    return Touch::Unchanged { bucket_ms: current };
                }
            }
            ExpiryStructure::AnyBucket => {
                if from_ms == Some(to_ms) {
                    return Touch::Unchanged { bucket_ms: to_ms };
                }
            }
        }
        if s.queued
            && let Some(from) = from_ms
            && let Some(set) = self.buckets.get_mut(&from)
        {
            set.remove(&id);
        }
        self.buckets.entry(to_ms).or_default().insert(id);
        s.expires_at_ms = Some(to_ms);
        s.queued = true;
        Touch::Moved { from_ms, to_ms }
    }

    /// `checkSession(id, owner)`: a missing session is `UnknownSession` in 3.5+ (profile field
    /// `unknown_session_internal`) and `SessionExpired` in 3.4; a closing one `SessionExpired`;
    /// a null owner adopts `owner`; a different owner (identity) is `SessionMoved`.
    pub fn check_session(&mut self, id: SessionId, owner: Owner) -> Result<Check, CheckError> {
        let Some(s) = self.sessions.get_mut(&id) else {
            return Err(if self.unknown_session_internal {
                CheckError::Unknown
            } else {
                CheckError::Expired
            });
        };
        if s.closing {
            return Err(CheckError::Expired);
        }
        match s.owner {
            None => {
                s.owner = Some(owner);
                Ok(Check::Adopted)
            }
            Some(o) if o == owner => Ok(Check::Ok),
            Some(o) => Err(CheckError::Moved { owner: Some(o) }),
        }
    }

    /// `setOwner(id, owner)`: `SessionExpired` for a missing or closing session (in every
    /// version), otherwise overwrite the owner (null included).
    pub fn set_owner(&mut self, id: SessionId, owner: Option<Owner>) -> Result<(), CheckError> {
        match self.sessions.get_mut(&id) {
            Some(s) if !s.closing => {
                s.owner = owner;
                Ok(())
            }
            _ => Err(CheckError::Expired),
        }
    }

    /// `setSessionClosing(id)`: mark it closing (no-op for a missing session). The session stays
    /// in its bucket. Returns whether the session is tracked.
    pub fn set_session_closing(&mut self, id: SessionId) -> bool {
        match self.sessions.get_mut(&id) {
            Some(s) => {
                s.closing = true;
                true
            }
            None => false,
        }
    }

    /// `removeSession(id)`: forget the session and take it out of its bucket (3.5+:
    /// `ExpiryQueue.remove`). Returns the entry it removed.
    pub fn remove_session(&mut self, id: SessionId) -> Option<SessionEntry> {
        let s = self.sessions.remove(&id)?;
        if s.queued
            && let Some(at) = s.expires_at_ms
            && let Some(set) = self.buckets.get_mut(&at)
        {
            set.remove(&id);
        }
        Some(s)
    }

    /// `nextExpirationTime`: the expirer's cursor, the next bucket it will take.
    pub fn next_expiration_ms(&self) -> i64 {
        self.next_expiration_ms
    }

    /// 3.5+ `ExpiryQueue.getWaitTime()` (3.4: the `wait(next - now)` in `run`): how long the
    /// expirer sleeps before its next iteration, 0 if the cursor is due.
    pub fn wait_time_ms(&self, now_ms: i64) -> i64 {
        if now_ms < self.next_expiration_ms {
            self.next_expiration_ms - now_ms
        } else {
            0
        }
    }

    /// One iteration of the expirer thread (3.4 `SessionTrackerImpl.run`; 3.5+ `run` with
    /// `ExpiryQueue.poll`). If the cursor is due (`next_expiration <= now`), remove the bucket at
    /// the cursor, mark each of its sessions closing (`setSessionClosing`), advance the cursor by
    /// one tick and return the bucket; otherwise `None`. A caller that runs late calls this
    /// repeatedly: one bucket per call, none skipped, empty ones included. Calling `expire` for
    /// each session (log line, closeSession request) is the caller's job.
    pub fn poll_expired(&mut self, now_ms: i64) -> Option<ExpiredBucket> {
        if self.next_expiration_ms > now_ms {
            return None;
        }
        let bucket_ms = self.next_expiration_ms;
        self.next_expiration_ms = bucket_ms.wrapping_add(self.tick_ms);
        let sessions: Vec<SessionId> = self
            .buckets
            .remove(&bucket_ms)
            .map(|set| set.into_iter().collect())
            .unwrap_or_default();
        for id in &sessions {
            if let Some(s) = self.sessions.get_mut(id) {
                s.closing = true;
                s.queued = false;
            }
        }
        self.polled += sessions.len() as u64;
        Some(ExpiredBucket {
            bucket_ms,
            sessions,
        })
    }

    /// `sessionsById.get(id)`.
    pub fn get(&self, id: SessionId) -> Option<&SessionEntry> {
        self.sessions.get(&id)
    }

    /// `isTrackingSession(id)` (3.5+).
    pub fn contains(&self, id: SessionId) -> bool {
        self.sessions.contains_key(&id)
    }

    /// `sessionsById.size()`.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// No session tracked.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Every tracked session, ascending id.
    pub fn sessions(&self) -> impl Iterator<Item = &SessionEntry> + '_ {
        self.sessions.values()
    }

    /// The expiry structure as `dumpSessions` / `getSessionExpiryMap` show it: (bucket time,
    /// member ids), ascending time then id. Like Java it includes buckets emptied by moves or
    /// removals that the expirer has not reached yet.
    pub fn buckets(
        &self,
    ) -> impl Iterator<Item = (i64, impl ExactSizeIterator<Item = SessionId> + '_)> + '_ {
        self.buckets
            .iter()
            .map(|(&at, set)| (at, set.iter().copied()))
    }

    /// The members of the bucket at `bucket_ms`, if that bucket exists.
    pub fn bucket(&self, bucket_ms: i64) -> Option<impl ExactSizeIterator<Item = SessionId> + '_> {
        self.buckets.get(&bucket_ms).map(|set| set.iter().copied())
    }

    /// How many buckets exist (3.4 `sessionSets.size()`, 3.5+ `expiryMap.size()`).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// `nextSessionId`: what the next [`Self::create_session`] returns.
    pub fn next_session_id(&self) -> SessionId {
        self.next_session_id
    }
}

/// A follower's or observer's `LearnerSessionTracker` (3.4; 3.5+ with local sessions off). It
/// never expires or checks anything ("Sessions are checked at the Leader"): it remembers the
/// global sessions it has heard of (`sessionsWithTimeouts`) and which of them its clients touched
/// since the last leader PING (`touchTable`).
#[derive(Clone, Debug, Default)]
pub struct LearnerTouchTable {
    touch_table: BTreeMap<SessionId, i32>,
    known: BTreeMap<SessionId, i32>,
    next_session_id: SessionId,
}

impl LearnerTouchTable {
    /// The `LearnerSessionTracker` constructor: an empty touch table and `nextSessionId =
    /// initializeNextSession(myid)` (pass it in, see [`crate::ids::seed_session_id`]).
    pub fn new(first_session_id: SessionId) -> Self {
        LearnerTouchTable {
            touch_table: BTreeMap::new(),
            known: BTreeMap::new(),
            next_session_id: first_session_id,
        }
    }

    /// `touchSession(id, timeout)`: `touchTable.put(id, timeout)`, and always true, known
    /// session or not.
    pub fn touch_session(&mut self, id: SessionId, timeout_ms: i32) -> bool {
        self.touch_table.insert(id, timeout_ms);
        true
    }

    /// 3.4 `addSession`, 3.5 `addGlobalSession`, 3.6+ `commitSession`: record the session's
    /// timeout in `sessionsWithTimeouts` and touch it. Returns whether it was new there (the 3.5+
    /// return value). (3.6+ `trackSession` on a learner does nothing at all.)
    pub fn add_session(&mut self, id: SessionId, timeout_ms: i32) -> bool {
        let added = self.known.insert(id, timeout_ms).is_none();
        self.touch_table.insert(id, timeout_ms);
        added
    }

    /// `removeSession(id)`: forget it in `sessionsWithTimeouts` and in the touch table.
    pub fn remove_session(&mut self, id: SessionId) {
        self.known.remove(&id);
        self.touch_table.remove(&id);
    }

    /// `snapshot()`: swap in an empty touch table and return the old one, as the learner does
    /// when it answers a leader PING. Ascending id (Java serialises its `HashMap` in hash order,
    /// which only changes the order of touches the leader applies at the same instant).
    pub fn snapshot(&mut self) -> Vec<(SessionId, i32)> {
        std::mem::take(&mut self.touch_table).into_iter().collect()
    }

    /// The touches waiting for the next PING reply, ascending id (a view; nothing is taken).
    pub fn pending(&self) -> impl ExactSizeIterator<Item = (SessionId, i32)> + '_ {
        self.touch_table.iter().map(|(&id, &to)| (id, to))
    }

    /// `sessionsWithTimeouts` as this learner knows it (3.5+ `isGlobalSession` is membership),
    /// ascending id.
    pub fn known_sessions(&self) -> impl ExactSizeIterator<Item = (SessionId, i32)> + '_ {
        self.known.iter().map(|(&id, &to)| (id, to))
    }

    /// `createSession(timeout)`: `nextSessionId++`. Tracks nothing: the session becomes known
    /// when its createSession txn commits ([`Self::add_session`]).
    pub fn create_session(&mut self, _timeout_ms: i32) -> SessionId {
        let id = self.next_session_id;
        self.next_session_id = id.wrapping_add(1);
        id
    }

    /// `nextSessionId`.
    pub fn next_session_id(&self) -> SessionId {
        self.next_session_id
    }
}

#[cfg(test)]
mod tests {
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
}
