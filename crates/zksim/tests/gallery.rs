//! Golden tests: each gallery story, run as `zksim run --json` would, shows what it claims.

mod common;

use common::*;
use serde_json::Value;
use zksim::codes::{CONNECTIONLOSS, NONODE, OK, SESSIONEXPIRED, SESSIONMOVED};
use zksim::ids::IdAnatomy;
use zksim::world::World;

fn story(id: &str) -> (World, Value) {
    let s = zksim::gallery::story(id).unwrap_or_else(|| panic!("no story {id}"));
    let sc = s.scenario().unwrap();
    let mut w = World::new(&sc, true);
    w.run();
    let r = report(&w);
    (w, r)
}

fn session_ids(r: &Value) -> Vec<String> {
    r["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn collision_3_4_5_same_id_owner_flips_multi_fails_again_and_again() {
    let (w, r) = story("collision-3.4.5");
    let ids = session_ids(&r);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "two servers minted the same ID");
    assert!(ids[0].starts_with("0xff"));
    assert!(w.session_views().iter().all(|s| s.collides));
    assert_eq!(
        codes(&r, "scheduler-1"),
        vec![
            Some(SESSIONMOVED),
            Some(SESSIONMOVED),
            Some(SESSIONMOVED),
            Some(CONNECTIONLOSS)
        ]
    );
    assert_eq!(
        codes(&r, "scheduler-2"),
        vec![Some(OK), Some(CONNECTIONLOSS)]
    );
}

#[test]
fn collision_fixed_in_3_4_6_and_3_6() {
    for id in ["collision-3.4.6", "collision-3.6"] {
        let (_, r) = story(id);
        let ids = session_ids(&r);
        assert_ne!(ids[0], ids[1], "{id}");
        let a = IdAnatomy::of(zksim::ids::parse_hex(&ids[0]).unwrap());
        let b = IdAnatomy::of(zksim::ids::parse_hex(&ids[1]).unwrap());
        assert_eq!(
            (a.high_byte, b.high_byte),
            (1, 2),
            "{id}: myid in the high byte"
        );
        for name in ["scheduler-1", "scheduler-2"] {
            assert!(
                codes(&r, name).iter().all(|c| *c == Some(OK)),
                "{id}: {name}: {:?}",
                codes(&r, name)
            );
            assert_eq!(events(&r, name), vec!["SyncConnected"]);
        }
    }
}

#[test]
fn reconnect_after_expiry_only_a_new_handle_helps() {
    let (w, r) = story("reconnect-after-expiry");
    assert_eq!(
        events(&r, "app"),
        vec!["SyncConnected", "Disconnected", "Expired", "SyncConnected"]
    );
    assert_eq!(
        codes(&r, "app"),
        vec![Some(OK), Some(SESSIONEXPIRED), Some(OK)]
    );
    assert_eq!(r["sessions"][0]["state"], "expired");
    assert_eq!(r["sessions"][1]["state"], "open");
    assert!(!log_lines_with(&w, "probably expired").is_empty());
}

#[test]
fn session_life_expires_at_its_bucket() {
    let (w, r) = story("session-life");
    assert_eq!(client(&r, "app")["negotiated_timeout_ms"], 4000);
    assert_eq!(r["sessions"][0]["expired_at_ms"], 12000);
    assert!(r["sessions"][0]["id"].as_str().unwrap().starts_with("0xff"));
    assert!(znode(&r, "/worker").is_none());
    assert_eq!(log_lines_with(&w, "timeout of 4000ms exceeded").len(), 1);
}

#[test]
fn connection_loss_heals_expiry_does_not() {
    let (_, r) = story("connection-loss-vs-expiry");
    let healthy = events(&r, "healthy");
    assert_eq!(healthy.first().map(String::as_str), Some("SyncConnected"));
    assert_eq!(healthy.last().map(String::as_str), Some("SyncConnected"));
    assert!(!healthy.contains(&"Expired".to_string()));
    assert_eq!(
        events(&r, "paused"),
        vec!["SyncConnected", "Disconnected", "Expired"]
    );
    assert!(znode(&r, "/healthy").is_some());
    assert!(znode(&r, "/paused").is_none());
    assert_eq!(
        codes(&r, "paused").last().copied().flatten(),
        Some(SESSIONEXPIRED)
    );
}

#[test]
fn ephemeral_trap_and_its_fix() {
    let (_, r) = story("ephemeral-trap");
    assert_eq!(codes(&r, "api-new").last().copied().flatten(), Some(NONODE));
    assert_eq!(client(&r, "api-new")["state"], "CONNECTED");
    let (_, r) = story("ephemeral-trap-fix");
    assert_eq!(codes(&r, "api-new").last().copied().flatten(), Some(OK));
    let z = znode(&r, "/services/api").unwrap();
    assert_eq!(z["ephemeral_owner"], client(&r, "api-new")["session"]);
}

#[test]
fn zookeeper_710_story() {
    let (_, r) = story("zookeeper-710");
    assert_eq!(codes(&r, "fast"), vec![Some(CONNECTIONLOSS), Some(OK)]);
}

#[test]
fn zookeeper_2886_stuck_then_fixed() {
    let (_, r) = story("zookeeper-2886-stuck");
    assert_eq!(codes(&r, "zk")[1..], [Some(SESSIONMOVED); 3]);
    assert_eq!(events(&r, "zk"), vec!["SyncConnected"]);
    let (_, r) = story("zookeeper-2886-fixed");
    assert_eq!(codes(&r, "zk")[1..3], [Some(CONNECTIONLOSS), Some(OK)]);
}

#[test]
fn leader_failover_rearms_sessions() {
    let (_, r) = story("leader-failover");
    assert_eq!(
        events(&r, "worker").last().map(String::as_str),
        Some("SyncConnected")
    );
    assert_eq!(r["sessions"][0]["state"], "open");
    assert!(znode(&r, "/worker").is_some());
    let silent = r["sessions"][1]["expired_at_ms"].as_i64().unwrap();
    // Killed at 2500 with a 4000 ms timeout: without the failover it would be gone by 6700.
    assert!(silent > 6700, "re-armed at the takeover: {silent}");
    assert_eq!(r["servers"][1]["state"], "leading");
    assert_eq!(r["servers"][2]["state"], "following");
}

#[test]
fn stale_holders_follower_reads_forever_leader_cut_at_ping() {
    let (_, r) = story("stale-holders");
    assert_eq!(codes(&r, "on-follower"), vec![Some(OK), Some(OK), Some(OK)]);
    assert_eq!(events(&r, "on-follower"), vec!["SyncConnected"]);
    assert_eq!(
        events(&r, "on-leader"),
        vec!["SyncConnected", "Disconnected", "SyncConnected"]
    );
}

#[test]
fn every_story_is_deterministic() {
    for s in zksim::gallery::STORIES {
        let sc = s.scenario().unwrap();
        let mut a = World::new(&sc, true);
        a.run();
        let mut b = World::new(&sc, false);
        b.run();
        assert_eq!(a.trace_hash(), b.trace_hash(), "{}", s.id);
    }
}

#[test]
fn a_world_built_by_hand_replays_from_its_scenario_and_link() {
    // What the playground shares: the story plus the user's actions at their virtual times.
    let sc = zksim::gallery::story("zookeeper-710")
        .unwrap()
        .scenario()
        .unwrap();
    let mut w = World::new(&sc, false);
    w.run_until(2500);
    w.apply(zksim::scenario::ActionKind::CrashServer { server: 2 })
        .unwrap();
    w.run_until(3200);
    w.apply(zksim::scenario::ActionKind::StartServer { server: 2 })
        .unwrap();
    w.run();
    let shared = w.to_scenario();
    let link = zksim::link::encode(&shared);
    let back = zksim::link::decode(&link, &zksim::scenario::Limits::BROWSER)
        .unwrap()
        .scenario;
    assert_eq!(back, shared);
    let mut replay = World::new(&back, false);
    replay.run();
    assert_eq!(replay.trace_hash(), w.trace_hash());
    assert_eq!(replay.now_ms(), w.now_ms());
}

#[test]
fn zookeeper_2774_a_wall_clock_step_keeps_a_dead_session_alive_before_3_4_11() {
    let (_, r) = story("clock-jump-3.4.6");
    assert_eq!(
        codes(&r, "watcher"),
        vec![Some(OK)],
        "the dead worker's lock is still there"
    );
    assert_eq!(r["sessions"][0]["state"], "open");
    let (_, r) = story("clock-jump-3.4.14");
    assert_eq!(codes(&r, "watcher"), vec![Some(NONODE)]);
    assert_eq!(r["sessions"][0]["state"], "expired");
}

#[test]
fn every_beat_that_says_a_session_expires_is_at_its_expiry() {
    // A beat that narrates an expiry in the present ("... expires", "Expiring session") sits at
    // the instant the leader's expirer logs "Expiring session"; one that says it "would" or
    // "will" expire is a forecast and is not checked.
    for s in zksim::gallery::STORIES {
        let sc = s.scenario().unwrap();
        let w = zksim::report::run_scenario(&sc, None, true);
        let expiring: Vec<u64> = w
            .trace()
            .events()
            .iter()
            .filter(|e| matches!(e.kind, zksim::trace::EventKind::SessionExpiring { .. }))
            .map(|e| e.at_ms)
            .collect();
        for beat in &sc.narration {
            let t = &beat.text;
            let says = (t.contains(" expires") || t.contains("Expiring session"))
                && !t.contains("would")
                && !t.contains("will");
            if says {
                assert!(
                    expiring.contains(&beat.at_ms),
                    "{}: the beat at {} ms ({t:?}) narrates an expiry; the expirer ran at {expiring:?}",
                    s.id,
                    beat.at_ms
                );
            }
        }
    }
}

#[test]
fn zookeeper_4508_ensemble_down_the_3_9_2_client_waits_the_3_9_3_client_gives_up() {
    let (_, r) = story("ensemble-down-3.9.2");
    assert_eq!(
        client(&r, "worker")["events"],
        serde_json::json!(["SyncConnected", "Disconnected", "SyncConnected"])
    );
    assert_eq!(codes(&r, "worker"), vec![Some(OK), Some(OK)]);
    assert_eq!(
        znode(&r, "/worker").unwrap()["ephemeral_owner"],
        r["sessions"][0]["id"]
    );
    let (_, r) = story("ensemble-down-3.9.3");
    assert_eq!(
        client(&r, "worker")["events"],
        serde_json::json!(["SyncConnected", "Disconnected", "Expired"])
    );
    assert_eq!(client(&r, "worker")["state"], "CLOSED");
    assert_eq!(codes(&r, "worker"), vec![Some(OK), Some(SESSIONEXPIRED)]);
    // The servers expire the abandoned session a timeout after the takeover re-armed it.
    assert_eq!(r["sessions"][0]["state"], "expired");
    assert!(znode(&r, "/worker").is_none());
}

#[test]
fn timeout_negotiation_clamps_into_two_and_twenty_ticks() {
    // ZooKeeperServer.processConnectRequest: [minSessionTimeout, maxSessionTimeout] =
    // [2, 20] x tickTime, no rounding.
    let (_, r) = story("timeout-negotiation");
    for (name, t) in [("short", 4000), ("long", 40000), ("plain", 10000)] {
        assert_eq!(client(&r, name)["negotiated_timeout_ms"], t, "{name}");
    }
}
