//! Version profiles: every behaviour that differs between the ZooKeeper releases we model, as data.
//!
//! The table at the top of `zookeeper-sessions.md` (section 0) is the source. A profile is a value
//! with one named field per difference, so the rest of the simulator asks "does this profile close
//! the connection on a SessionMoved multi?" rather than comparing version numbers. Adding a profile
//! is adding a constant here.

use serde::{Deserialize, Serialize};

/// The version profiles a scenario can name (`"version"` in scenario format v1).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Version {
    #[serde(rename = "3.4.5")]
    V3_4_5,
    #[serde(rename = "3.4.6")]
    V3_4_6,
    #[serde(rename = "3.4.14")]
    V3_4_14,
    #[serde(rename = "3.5.10")]
    V3_5_10,
    /// 3.6.0 up to 3.9.2: what Debian's 3.8 runs.
    #[default]
    #[serde(rename = "3.6")]
    V3_6,
    /// 3.9.3: the client expires its own session (ZOOKEEPER-4508).
    #[serde(rename = "3.9.3")]
    V3_9_3,
    /// 3.9.4: only a handle that has a session expires it (ZOOKEEPER-4921).
    #[serde(rename = "3.9.4")]
    V3_9_4,
}

impl Version {
    pub const ALL: [Version; 7] = [
        Version::V3_4_5,
        Version::V3_4_6,
        Version::V3_4_14,
        Version::V3_5_10,
        Version::V3_6,
        Version::V3_9_3,
        Version::V3_9_4,
    ];

    pub fn name(self) -> &'static str {
        self.profile().name
    }

    pub fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.name() == s)
    }

    pub fn profile(self) -> &'static Profile {
        match self {
            Version::V3_4_5 => &V3_4_5,
            Version::V3_4_6 => &V3_4_6,
            Version::V3_4_14 => &V3_4_14,
            Version::V3_5_10 => &V3_5_10,
            Version::V3_6 => &V3_6,
            Version::V3_9_3 => &V3_9_3,
            Version::V3_9_4 => &V3_9_4,
        }
    }
}

/// How `SessionTrackerImpl.initializeNextSession` shifts the clock into bits 55..16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeedShift {
    /// `(now << 24) >> 8`: Java's sign-extending shift, the 3.4.0-3.4.5 bug (ZOOKEEPER-1622).
    Arithmetic,
    /// `(now << 24) >>> 8`: the fix, 3.4.6 on.
    Logical,
}

/// Which clock the session tracker reads, for the ID seed and for expiry buckets alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrackerClock {
    /// `System.currentTimeMillis()`: jumps when the wall clock is set.
    Wall,
    /// `Time.currentElapsedTime()` = `System.nanoTime() / 1e6`: uptime-like, never jumps
    /// (ZOOKEEPER-2774 in 3.4.11, ZOOKEEPER-1366 in 3.5.1).
    Elapsed,
}

/// The leader's expiry structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpiryStructure {
    /// 3.4 `SessionTrackerImpl.sessionSets`: a touch moves a session only to a *later* bucket.
    LaterBucketsOnly,
    /// 3.5+ `ExpiryQueue` (ZOOKEEPER-1504): a touch moves a session to any *different* bucket.
    AnyBucket,
}

/// The client's rule for when to send a ping (`ClientCnxn.SendThread.run`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PingRule {
    /// 3.4.0-3.4.5: ping when `readTimeout/2 - idleSend <= 0`.
    HalfReadTimeout,
    /// 3.4.6+ (ZOOKEEPER-1751): 1000 ms of slack once idle for over a second, and a forced ping
    /// after more than 10 s without sending. Both are evaluated only when the send loop wakes,
    /// so an idle connection still pings every readTimeout/2 (see `World::time_to_next_ping_ms`).
    HalfReadTimeoutWithSlack,
}

/// ZOOKEEPER-4508 (3.9.3): the client expires its own session after `4/3 x` the negotiated
/// timeout without hearing from any server (`expirationTimeout`), instead of reconnecting
/// forever. The same change made the read and connect timeouts a `ConnectionTimeoutException`
/// ("Client connection timed out ..."), measures the connect timeout from the last send, and
/// names SessionTimeoutException in the catch block's WARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientSideExpiry {
    /// Up to 3.9.2: the client never gives up on its own.
    Never,
    /// 3.9.3: every handle, even one that has never had a session (a brand-new handle whose
    /// ensemble is down also expires: ZOOKEEPER-4921).
    AnyHandle,
    /// 3.9.4 (ZOOKEEPER-4921): only a handle with a session id.
    EstablishedOnly,
}

/// How `NIOServerCnxn` logs a client's end of stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EofLog {
    /// 3.4.5-3.4.6: WARN "caught end of stream exception" with the exception (its class and
    /// message, as log4j prints the first line of a throwable).
    CaughtEndOfStream,
    /// 3.4.14, 3.5.x: WARN with the exception's message only.
    Message,
    /// 3.6+: INFO "Unable to read additional data from client, it probably closed the socket:
    /// address = ..., session = 0x..." (`handleFailedRead`).
    AddressAndSession,
}

/// Log level of a ZooKeeper log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// One ZooKeeper release line, as the simulator sees it.
#[derive(Debug, PartialEq, Eq)]
pub struct Profile {
    pub version: Version,
    pub name: &'static str,
    pub seed_shift: SeedShift,
    /// 3.5.4+ (ZOOKEEPER-2901): a seed equal to `CONTAINER_EPHEMERAL_OWNER` is bumped by one.
    pub container_owner_guard: bool,
    pub tracker_clock: TrackerClock,
    pub expiry: ExpiryStructure,
    pub ping_rule: PingRule,
    /// 3.6.0+ (ZOOKEEPER-2886): a SessionMoved inside a multi closes the connection.
    pub multi_session_moved_closes: bool,
    /// Prep's "Got user-level KeeperException" INFO for SessionMoved: logged up to 3.5.4.
    pub logs_user_level_session_moved: bool,
    /// Level of "Client attempting to ..." and "Established session ...": INFO in 3.4, DEBUG 3.5.5+.
    pub session_setup_log_level: Level,
    /// 3.5.5+ texts of `processConnectRequest` and `submitRequest`: "Client attempting to
    /// renew session: session = 0x..., zxid = 0x..., timeout = ..., address = ..." (the
    /// new-session line logged after createSession minted the id, and naming it), and the bare
    /// "Dropping request." (3.4: "... renew session 0x... at ADDR", the new-session line before
    /// the id exists, and "Dropping request: No session with sessionid 0x... exists, ...").
    pub server_setup_lines_3_5: bool,
    /// 3.5+: WARN "Incorrect password from ... for session 0x...".
    pub warns_incorrect_password: bool,
    /// Prep's INFO "Processed session termination for sessionid: 0x...": up to 3.5.4.
    pub logs_processed_termination: bool,
    /// 3.6+: the closeSession txn carries the ephemeral paths (`CloseSessionTxn`).
    pub close_session_txn_lists_paths: bool,
    /// 3.4.5's `finishSessionInit` re-enables reads for an invalid session too, and real 3.4.5
    /// servers read the client's end of stream before the queued close (wrong-password 5 of 5
    /// runs, reconnect-after-expiry 4 of 5): "end of stream", then "Closed socket connection".
    /// 3.4.6+ re-enable reads only for a valid session and just close.
    pub invalid_session_reads_client_eof: bool,
    /// The server's line for a client's end of stream.
    pub server_eof_log: EofLog,
    /// Level of the server's "Closed socket connection for client ..." line: INFO in 3.4.
    pub closed_socket_log_level: Level,
    /// 3.4.7+ (ZOOKEEPER-2126): "EventThread shut down for session: 0x...".
    pub event_thread_log_names_session: bool,
    /// 3.5+: `checkSession` of an unknown session is UnknownSession internally (mapped to
    /// SessionExpired with local sessions off, as here).
    pub unknown_session_internal: bool,
    /// 3.5.0+ queue a `Closed` event when the send loop ends (3.4 has no `KeeperState.Closed`).
    /// After an explicit `close()` the watcher receives it; after Expired it sits behind the
    /// event of death and is lost.
    pub closed_event_after_loop: bool,
    /// 3.4.x `SendThread.run` checks `closing` *after* the random reconnect sleep, so a
    /// `close()` called while the socket is down stops the loop: the closeSession fails with
    /// ConnectionLoss and the session lives until it expires. 3.5+ check it before the next
    /// host (the sleep moved into `startConnect`), so a close() during the sleep reconnects and
    /// closes the session.
    pub close_checked_after_reconnect_sleep: bool,
    /// Applying a createSession txn on the leader touches the session: 3.4 `addSession`, 3.5
    /// `addGlobalSession`. 3.6+ `commitSession` (ZOOKEEPER-2926) only records its timeout.
    pub commit_session_touches: bool,
    /// 3.6+ `LeaderSessionTracker`/`LearnerSessionTracker.commitSession` log INFO "Committing
    /// global session 0x..." on every server of a quorum (not standalone).
    pub logs_committing_global_session: bool,
    /// The send loop's TRACE line when it ends: 3.4 "SendThread exitedloop.", 3.5+ "SendThread
    /// exited loop for session: 0x...".
    pub send_thread_exit_names_session: bool,
    /// 3.5+ client socket lines: `"Socket connection established, initiating session,
    /// client: <local>, server: <host/ip:port>"`, and the host provider's address where 3.4
    /// printed the socket's bare remote address ("/127.0.0.1:2181").
    pub client_socket_lines_3_5: bool,
    /// ZOOKEEPER-4508's client-side expiry and what came with it (see [`ClientSideExpiry`]).
    pub client_side_expiry: ClientSideExpiry,
    /// The client's 3.6 log texts ("session id = 0x...", "Session 0x... for server ...,
    /// Closing socket connection. Attempting reconnect except it is a SessionExpiredException.").
    pub client_logs_3_6: bool,
    /// 3.4.14+ WARN the client's session-timeout and expiry messages where they are thrown, and
    /// the send loop's catch block logs them again (3.4.5 and 3.4.6: only the catch's INFO).
    pub client_warns_on_session_timeout: bool,
    /// 3.4.14 and 3.5.x: the send loop's catch block logs a `SocketException` (a refused
    /// connect) as INFO `"Socket error occurred: <addr>: <message>"` (3.4.6: an "unexpected
    /// error" WARN; 3.6+ one WARN for every exception).
    pub client_logs_socket_error: bool,
}

pub static V3_4_5: Profile = Profile {
    version: Version::V3_4_5,
    name: "3.4.5",
    seed_shift: SeedShift::Arithmetic,
    container_owner_guard: false,
    tracker_clock: TrackerClock::Wall,
    expiry: ExpiryStructure::LaterBucketsOnly,
    ping_rule: PingRule::HalfReadTimeout,
    multi_session_moved_closes: false,
    logs_user_level_session_moved: true,
    session_setup_log_level: Level::Info,
    server_setup_lines_3_5: false,
    warns_incorrect_password: false,
    logs_processed_termination: true,
    close_session_txn_lists_paths: false,
    invalid_session_reads_client_eof: true,
    server_eof_log: EofLog::CaughtEndOfStream,
    closed_socket_log_level: Level::Info,
    event_thread_log_names_session: false,
    unknown_session_internal: false,
    closed_event_after_loop: false,
    close_checked_after_reconnect_sleep: true,
    client_side_expiry: ClientSideExpiry::Never,
    client_socket_lines_3_5: false,
    send_thread_exit_names_session: false,
    commit_session_touches: true,
    logs_committing_global_session: false,
    client_logs_3_6: false,
    client_warns_on_session_timeout: false,
    client_logs_socket_error: false,
};

pub static V3_4_6: Profile = Profile {
    version: Version::V3_4_6,
    name: "3.4.6",
    seed_shift: SeedShift::Logical,
    ping_rule: PingRule::HalfReadTimeoutWithSlack,
    invalid_session_reads_client_eof: false,
    ..V3_4_5
};

pub static V3_4_14: Profile = Profile {
    version: Version::V3_4_14,
    name: "3.4.14",
    tracker_clock: TrackerClock::Elapsed,
    event_thread_log_names_session: true,
    client_warns_on_session_timeout: true,
    client_logs_socket_error: true,
    server_eof_log: EofLog::Message,
    ..V3_4_6
};

pub static V3_5_10: Profile = Profile {
    version: Version::V3_5_10,
    name: "3.5.10",
    container_owner_guard: true,
    expiry: ExpiryStructure::AnyBucket,
    logs_user_level_session_moved: false,
    session_setup_log_level: Level::Debug,
    server_setup_lines_3_5: true,
    warns_incorrect_password: true,
    logs_processed_termination: false,
    closed_socket_log_level: Level::Debug,
    unknown_session_internal: true,
    closed_event_after_loop: true,
    close_checked_after_reconnect_sleep: false,
    client_socket_lines_3_5: true,
    send_thread_exit_names_session: true,
    ..V3_4_14
};

pub static V3_6: Profile = Profile {
    version: Version::V3_6,
    name: "3.6",
    multi_session_moved_closes: true,
    close_session_txn_lists_paths: true,
    client_logs_3_6: true,
    commit_session_touches: false,
    logs_committing_global_session: true,
    server_eof_log: EofLog::AddressAndSession,
    ..V3_5_10
};

pub static V3_9_3: Profile = Profile {
    version: Version::V3_9_3,
    name: "3.9.3",
    client_side_expiry: ClientSideExpiry::AnyHandle,
    ..V3_6
};

pub static V3_9_4: Profile = Profile {
    version: Version::V3_9_4,
    name: "3.9.4",
    client_side_expiry: ClientSideExpiry::EstablishedOnly,
    ..V3_9_3
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in Version::ALL {
            assert_eq!(Version::parse(v.name()), Some(v));
            assert_eq!(v.profile().version, v);
        }
        assert_eq!(Version::parse("3.7"), None);
    }

    #[test]
    fn zookeeper_2886_only_from_3_6() {
        for v in Version::ALL {
            assert_eq!(v.profile().multi_session_moved_closes, v >= Version::V3_6);
        }
    }

    #[test]
    fn the_3_5_setup_lines_come_with_their_debug_level() {
        // Both changed in 3.5.5 (ZooKeeperServer's SLF4J rewrite): a profile never has one
        // without the other, though the code reads each for its own purpose.
        for v in Version::ALL {
            let p = v.profile();
            assert_eq!(
                p.server_setup_lines_3_5,
                p.session_setup_log_level == Level::Debug
            );
            assert_eq!(p.server_setup_lines_3_5, v >= Version::V3_5_10);
        }
    }

    #[test]
    fn zookeeper_1622_only_in_3_4_5() {
        for v in Version::ALL {
            let arithmetic = v.profile().seed_shift == SeedShift::Arithmetic;
            assert_eq!(arithmetic, v == Version::V3_4_5);
        }
    }
}
