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
    /// When the expirer thread wakes next, on the simulator's clock (not the tracker's: a
    /// wall-clock jump moves one and not the other). `SessionTrackerImpl` is that thread, so the
    /// wake-up dies with the tracker: a server's new tracker never runs an old one's wake.
    expirer_wake_at_ms: Option<u64>,
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
            expirer_wake_at_ms: None,
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

    /// When the expirer thread wakes next (simulated ms), once its caller has scheduled it.
    pub fn expirer_wake_at_ms(&self) -> Option<u64> {
        self.expirer_wake_at_ms
    }

    /// The expirer thread goes to sleep until `at_ms` (simulated ms): its earlier wake-up, if
    /// any, is no longer due.
    pub fn set_expirer_wake_at_ms(&mut self, at_ms: u64) {
        self.expirer_wake_at_ms = Some(at_ms);
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
mod tests;
