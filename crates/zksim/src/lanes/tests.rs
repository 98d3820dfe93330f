//! Belief and truth on the gallery's stories: each test names the story and the ZooKeeper
//! behaviour that makes the two sides part.

use super::*;
use crate::gallery;

fn lanes_of(story: &str) -> (Lanes, Scenario) {
    let sc = gallery::story(story).unwrap().scenario().unwrap();
    (Lanes::of(&sc), sc)
}

fn lane<'a>(l: &'a Lanes, client: &str) -> &'a ClientLane {
    l.clients.iter().find(|c| c.client == client).unwrap()
}

/// The virtual ms of the first event of the whole run that matches.
fn first_at(sc: &Scenario, f: impl Fn(&TraceEvent) -> bool) -> u64 {
    let w = crate::report::run_scenario(sc, None, true);
    w.trace().events().iter().find(|e| f(e)).unwrap().at_ms
}

#[test]
fn every_lane_covers_the_run_without_gaps() {
    for story in [
        "connection-loss-vs-expiry",
        "ephemeral-trap",
        "stale-holders",
        "ensemble-down-3.9.3",
    ] {
        let (l, sc) = lanes_of(story);
        assert_eq!(l.until_ms, sc.until_ms, "{story}");
        for c in &l.clients {
            for spans in [&c.belief, &c.truth] {
                assert_eq!(spans.first().unwrap().from_ms, 0, "{story} {}", c.client);
                assert_eq!(
                    spans.last().unwrap().to_ms,
                    l.until_ms,
                    "{story} {}",
                    c.client
                );
                for pair in spans.windows(2) {
                    assert_eq!(
                        pair[0].to_ms, pair[1].from_ms,
                        "{story} {}: {pair:?}",
                        c.client
                    );
                    assert_ne!(
                        pair[0].label, pair[1].label,
                        "{story} {}: not merged",
                        c.client
                    );
                }
            }
        }
    }
}

#[test]
fn a_frozen_client_believes_in_a_session_the_leader_expired() {
    // connection-loss-vs-expiry: `paused` is frozen past its timeout. The leader's
    // SessionTrackerImpl expires the session while the frozen SendThread still says CONNECTED;
    // they agree again when the thawed client hears Expired (ClientCnxn.onConnected, a
    // negotiated timeout of 0) and goes CLOSED.
    let (l, sc) = lanes_of("connection-loss-vs-expiry");
    let paused = lane(&l, "paused");
    assert_eq!(paused.disagreeing.len(), 1, "{:?}", paused.disagreeing);
    let d = &paused.disagreeing[0];
    assert_eq!(d.why, Disagreement::StaleBelief);
    let closed = first_at(&sc, |e| matches!(e.kind, EventKind::SessionClosed { .. }));
    assert_eq!(
        d.from_ms, closed,
        "it starts when the session is closed on expiry"
    );
    let expired_heard = paused
        .belief
        .iter()
        .find(|s| s.label == "CLOSED (Expired)")
        .expect("the thawed client hears Expired")
        .from_ms;
    assert_eq!(d.to_ms, expired_heard);
    assert!(
        paused
            .belief
            .iter()
            .any(|s| s.label == "CONNECTED (frozen)")
    );
    assert!(
        lane(&l, "healthy").disagreeing.is_empty(),
        "ConnectionLoss heals"
    );
}

#[test]
fn a_killed_service_leaves_its_session_to_the_leader_until_it_expires() {
    // ephemeral-trap: api-old is killed; nothing closes its session, so the leader holds it
    // (and the ephemeral the restarted service then setData's) until SessionTrackerImpl.run
    // finds its bucket expired and marks it closing.
    let (l, sc) = lanes_of("ephemeral-trap");
    let old = lane(&l, "api-old");
    assert_eq!(old.disagreeing.len(), 1, "{:?}", old.disagreeing);
    let d = &old.disagreeing[0];
    assert_eq!(d.why, Disagreement::Abandoned);
    let killed = old
        .belief
        .iter()
        .find(|s| s.label == "KILLED")
        .unwrap()
        .from_ms;
    assert_eq!(d.from_ms, killed);
    let expiring = first_at(&sc, |e| matches!(e.kind, EventKind::SessionExpiring { .. }));
    assert_eq!(d.to_ms, expiring);
    assert!(
        old.truth
            .iter()
            .any(|s| s.label.starts_with("open · owner "))
    );
    assert!(lane(&l, "api-new").disagreeing.is_empty());
}

#[test]
fn zookeeper_4508_the_3_9_3_client_gives_up_a_session_no_server_can_expire() {
    // ensemble-down: the whole ensemble is down far longer than the session timeout. A 3.9.3
    // client expires its own session (ClientCnxn: "Client session timed out") while the
    // session still exists for the ensemble; a 3.9.2 client keeps CONNECTING and never gives
    // it up first.
    let (l, _) = lanes_of("ensemble-down-3.9.3");
    let w = lane(&l, "worker");
    assert!(
        w.disagreeing
            .iter()
            .any(|d| d.why == Disagreement::Abandoned),
        "{:?}",
        w.disagreeing
    );
    assert!(w.belief.iter().any(|s| s.label == "CLOSED (Expired)"));
    assert!(
        w.truth
            .iter()
            .any(|s| s.label == "open · no leader serving")
    );
    let (l, _) = lanes_of("ensemble-down-3.9.2");
    let w = lane(&l, "worker");
    assert!(
        !w.disagreeing
            .iter()
            .any(|d| d.why == Disagreement::Abandoned),
        "{:?}",
        w.disagreeing
    );
}

#[test]
fn the_same_scenario_gives_the_same_lanes() {
    let (a, _) = lanes_of("stale-holders");
    let (b, _) = lanes_of("stale-holders");
    assert_eq!(a, b);
}
