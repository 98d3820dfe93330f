//! The timeline (checkpoints, seek, step to the next beat, the bounded history): however one
//! gets to a moment, the world and the log there are those of a straight run to it.
//!
//! These moved here from the page's browser tests when the timeline moved into the core; the
//! page's tests keep what is the page's (the store's actions, banners, what the views show).

mod common;

use serde_json::json;
use zksim::scenario::{ActionKind, Limits};
use zksim::timeline::{LOG_WINDOW, Refused, Timeline};
use zksim::trace::{EventKind, TraceEvent};
use zksim::world::World;

fn story(id: &str) -> Timeline {
    Timeline::new(zksim::gallery::story(id).unwrap().scenario().unwrap())
}

/// Played (not seeked) to `t`, in 250 ms steps as the page's frames do.
fn played(id: &str, t: u64) -> Timeline {
    let mut tl = story(id);
    while tl.now_ms() < t {
        let to = (tl.now_ms() + 250).min(t);
        assert!(tl.run_to(to, u64::MAX));
    }
    assert_eq!(tl.now_ms(), t);
    tl
}

fn seqs(tl: &Timeline) -> Vec<u64> {
    tl.log().map(|x| x.seq).collect()
}

/// The last LOG_WINDOW events of a world run straight to `t` with every event kept.
fn straight_log(tl: &Timeline, t: u64) -> Vec<TraceEvent> {
    let mut w = World::new(tl.scenario(), true);
    w.run_until(t);
    let events = w.trace().events();
    let from = events.len().saturating_sub(LOG_WINDOW as usize);
    events[from..].to_vec()
}

fn log_of(tl: &Timeline) -> Vec<TraceEvent> {
    tl.log().map(|e| (**e).clone()).collect()
}

#[test]
fn every_kind_of_seek_keeps_the_history_a_straight_play_has() {
    let id = "session-life";
    let end = story(id).until_ms();
    let want_end = seqs(&played(id, end));
    assert_eq!(
        want_end.first(),
        Some(&0),
        "a short story's log starts at 0"
    );

    // Far ahead, before and after the precompute ran.
    for precomputed in [false, true] {
        let mut tl = story(id);
        while precomputed && tl.precompute(5_000) {}
        assert_eq!(precomputed, tl.precomputed_ms() == tl.until_ms());
        tl.seek(12_000);
        assert_eq!(seqs(&tl), seqs(&played(id, 12_000)), "ahead");
        assert_eq!(log_of(&tl), straight_log(&tl, 12_000));
    }

    // The end, back one second, back ten more, to a message, to the end again.
    let mut tl = story(id);
    tl.seek(u64::MAX);
    assert_eq!(tl.now_ms(), end);
    assert_eq!(seqs(&tl), want_end, "end");
    tl.seek(end - 1_000);
    assert_eq!(seqs(&tl), seqs(&played(id, end - 1_000)), "back 1 s");
    tl.seek(end - 11_000);
    assert_eq!(seqs(&tl), seqs(&played(id, end - 11_000)), "back 11 s");
    let sent = tl
        .log()
        .filter(|e| matches!(e.kind, EventKind::MessageSent { .. }))
        .map(|e| e.at_ms)
        .nth(10)
        .unwrap();
    tl.seek(sent);
    assert_eq!(log_of(&tl), straight_log(&tl, sent), "to a message");
    tl.seek(u64::MAX);
    assert_eq!(seqs(&tl), want_end, "end again");
    let mut w = World::new(tl.scenario(), false);
    w.run();
    assert_eq!(tl.world().trace_hash(), w.trace_hash());
}

/// A run far longer than the history holds: a seek back into it recomputes the window from a
/// checkpoint, and the log is still exactly the last LOG_WINDOW events of a straight run.
#[test]
fn a_seek_back_into_a_long_run_recomputes_the_window() {
    let clients: Vec<_> = (0..40)
        .map(|i| json!({"name": format!("c{i}"), "servers": [1, 2, 3], "session_timeout_ms": 4000}))
        .collect();
    let actions: Vec<_> = (0..40)
        .map(|i| json!({"at_ms": 100 + 10 * i, "do": "connect", "client": format!("c{i}")}))
        .collect();
    let sc = common::scenario(json!({
        "format": 1, "version": "3.6",
        "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": clients, "actions": actions, "until_ms": 600_000
    }));
    let mut tl = Timeline::new(sc);
    tl.seek(u64::MAX);
    let total = tl.world().trace().len();
    assert!(
        total > zksim::timeline::HISTORY_MAX as u64,
        "the run must outgrow the history: {total} events"
    );
    assert_eq!(tl.log().count() as u64, LOG_WINDOW);
    for t in [590_000, 300_000, 1_500, 450_123] {
        tl.seek(t);
        assert_eq!(log_of(&tl), straight_log(&tl, t), "at {t}");
    }
    // The history stays bounded whatever was visited.
    let h = tl.history();
    assert!(h.end() - h.base() <= zksim::timeline::HISTORY_MAX as u64);
}

#[test]
fn next_stops_at_every_beat_of_every_story_and_never_passes_the_end() {
    for s in zksim::gallery::STORIES {
        let mut tl = story(s.id);
        let until = tl.until_ms();
        let mut stops = vec![];
        for _ in 0..5_000 {
            match tl.step_interesting() {
                Some(st) if st.moved => {}
                _ => break,
            }
            assert!(
                tl.now_ms() <= until,
                "{}: {} past the end",
                s.id,
                tl.now_ms()
            );
            stops.push(tl.now_ms());
        }
        assert_eq!(tl.now_ms(), until, "{}: did not reach the end", s.id);
        assert!(
            !tl.step_interesting().unwrap().moved,
            "{}: moved at the end",
            s.id
        );
        let sc = tl.scenario().clone();
        let beats = sc
            .narration
            .iter()
            .map(|n| n.at_ms)
            .chain(sc.actions.iter().map(|a| a.at_ms))
            .filter(|t| *t > 0 && *t <= until);
        for b in beats {
            assert!(stops.contains(&b), "{}: skipped the beat at {b}", s.id);
        }
    }
    // The session-life story's own moment: the kill at 9.1 s.
    let mut tl = story("session-life");
    let mut stops = vec![];
    while tl.step_interesting().is_some_and(|s| s.moved) {
        stops.push(tl.now_ms());
    }
    assert!(stops.contains(&9_100), "{stops:?}");
}

#[test]
fn a_step_stops_at_the_event_it_names() {
    let mut tl = story("session-life");
    let st = tl.step_interesting().unwrap();
    let seq = st.event.unwrap();
    let e = tl.event(seq).unwrap();
    assert!(e.kind.is_interesting() || e.at_ms == tl.now_ms());
    assert_eq!(e.at_ms, tl.now_ms());
}

#[test]
fn an_act_near_the_end_moves_the_end_and_replays_as_its_link() {
    let mut tl = story("session-life");
    tl.seek(u64::MAX);
    let end = tl.until_ms();
    let applied = tl
        .apply(
            ActionKind::CrashServer { server: 1 },
            &Limits::BROWSER,
            10_000,
        )
        .unwrap();
    assert_eq!(applied.extended_to_ms, Some(end + 10_000));
    assert_eq!(tl.until_ms(), end + 10_000);
    assert_eq!(tl.scenario().until_ms, end + 10_000);
    tl.seek(end + 5_000);
    assert_eq!(seqs(&tl).first(), Some(&0), "the history is whole");
    let mut straight = World::new(tl.scenario(), false);
    straight.run_until(end + 5_000);
    assert_eq!(straight.trace_hash(), tl.world().trace_hash());
    // Seeking back before the act and forward again runs it again.
    tl.seek(1_000);
    tl.seek(end + 5_000);
    assert_eq!(straight.trace_hash(), tl.world().trace_hash());
}

#[test]
fn an_act_rewrites_the_future_it_had_computed() {
    let mut tl = story("session-life");
    while tl.precompute(100_000) {}
    tl.seek(3_000);
    tl.apply(ActionKind::CrashServer { server: 1 }, &Limits::BROWSER, 0)
        .unwrap();
    tl.seek(20_000);
    assert_eq!(log_of(&tl), straight_log(&tl, 20_000));
}

#[test]
fn an_act_at_the_last_moment_the_limits_allow_is_refused() {
    let sc = common::scenario(json!({
        "format": 1, "version": "3.6", "servers": [{"id": 1}], "clients": [],
        "actions": [], "until_ms": Limits::BROWSER.until_ms_max
    }));
    let mut tl = Timeline::new(sc);
    tl.seek(u64::MAX);
    let before = tl.world().trace_hash();
    let refused = tl
        .apply(
            ActionKind::CrashServer { server: 1 },
            &Limits::BROWSER,
            10_000,
        )
        .unwrap_err();
    assert_eq!(
        refused,
        Refused::AtEnd {
            until_max_ms: Limits::BROWSER.until_ms_max
        }
    );
    assert_eq!(tl.world().trace_hash(), before);
}

#[test]
fn a_refused_act_leaves_the_timeline_as_it_was() {
    let mut tl = story("session-life");
    tl.seek(5_000);
    let before = (tl.world().trace_hash(), seqs(&tl), tl.scenario().clone());
    let refused = tl
        .apply(
            ActionKind::CrashServer { server: 9 },
            &Limits::BROWSER,
            10_000,
        )
        .unwrap_err();
    assert!(matches!(refused, Refused::Invalid(_)), "{refused:?}");
    assert_eq!(
        (tl.world().trace_hash(), seqs(&tl), tl.scenario().clone()),
        before
    );
}

#[test]
fn a_quiet_ensemble_steps_to_its_end() {
    let sc = common::scenario(json!({
        "format": 1, "version": "3.6", "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": [{"name": "a", "servers": [1, 2, 3], "session_timeout_ms": 6000}],
        "actions": [], "until_ms": 60_000
    }));
    let mut tl = Timeline::new(sc.clone());
    let mut n = 0;
    while tl.step_interesting().is_some_and(|s| s.moved) {
        assert!(tl.now_ms() <= 60_000);
        n += 1;
        assert!(n < 10_000);
    }
    assert_eq!(tl.now_ms(), 60_000);
    let mut tl = Timeline::new(sc);
    tl.seek(60_000 - 10);
    while tl.step_event().is_some_and(|s| s.moved) {
        assert!(tl.now_ms() <= 60_000);
    }
    assert_eq!(tl.now_ms(), 60_000);
}
