//! The playground in a real browser: the store (checkpoints, seek, act, share) and the page
//! (mounted, clicked, read back from the DOM).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlSelectElement};
use zksim::scenario::ActionKind;
use zksim::world::World;
use zksim_web::App;
use zksim_web::acts::{ACTS, PaletteForm, parse_ops};
use zksim_web::fmt::{date, uptime};
use zksim_web::state::{Engine, Selection};

mod dom;
use dom::{click, find, mount, settle, text};

wasm_bindgen_test_configure!(run_in_browser);

// ----- the store -----

fn hash_at(story: &str, t: u64) -> String {
    let sc = zksim::gallery::story(story).unwrap().scenario().unwrap();
    let mut w = World::new(&sc, true);
    w.run_until(t);
    w.trace_hash()
}

#[wasm_bindgen_test]
fn seeking_back_and_forth_gives_the_hash_of_a_straight_run() {
    let mut e = Engine::story("collision-3.4.5").unwrap();
    while e.precompute(5_000) {}
    e.seek(e.until_ms());
    assert_eq!(e.world().trace_hash(), hash_at("collision-3.4.5", 14_000));
    e.seek(5_500);
    assert_eq!(e.now_ms(), 5_500);
    assert_eq!(e.world().trace_hash(), hash_at("collision-3.4.5", 5_500));
    // The log ends where the world is.
    assert!(e.log().next_back().unwrap().at_ms <= 5_500);
    e.seek(9_001);
    assert_eq!(e.world().trace_hash(), hash_at("collision-3.4.5", 9_001));
    e.seek(0);
    assert_eq!(e.world().trace_hash(), hash_at("collision-3.4.5", 0));
}

#[wasm_bindgen_test]
fn playing_advances_by_wall_time_times_speed_and_stops_at_the_end() {
    let mut e = Engine::story("session-life").unwrap();
    e.playing = true;
    e.speed = 10.0;
    e.tick(100.0);
    assert_eq!(e.now_ms(), 1_000);
    for _ in 0..400 {
        e.tick(100.0);
    }
    assert!(e.at_end());
    assert!(!e.playing);
}

#[wasm_bindgen_test]
fn next_interesting_reaches_session_moved_in_the_3_4_5_story() {
    let mut e = Engine::story("collision-3.4.5").unwrap();
    let mut moved = false;
    for _ in 0..200 {
        if !e.step_interesting() {
            break;
        }
        // A stop at a story beat with no event at that moment selects nothing.
        let Some(Selection::Event(seq)) = e.selection else {
            continue;
        };
        let stop = e.event(seq).unwrap();
        if matches!(stop.kind, zksim::trace::EventKind::SessionMoved { .. }) {
            moved = true;
            break;
        }
    }
    assert!(moved, "no SessionMoved before the end (at {})", e.now_ms());
    assert!(matches!(e.selection, Some(Selection::Event(_))));
}

#[wasm_bindgen_test]
fn an_act_is_recorded_and_the_shared_link_replays_it_with_the_same_hash() {
    let mut e = Engine::story("session-life").unwrap();
    e.seek(3_000);
    e.act(ActionKind::CrashServer { server: 1 }).unwrap();
    e.seek(6_000);
    let fragment = e.share_fragment();
    assert!(fragment.contains("&t=6000"));
    let reopened = Engine::from_link(&fragment).unwrap();
    assert_eq!(reopened.now_ms(), 6_000);
    assert_eq!(reopened.world().trace_hash(), e.world().trace_hash());
    // Back before the act and forward again: the act runs again at its time.
    e.seek(1_000);
    e.seek(6_000);
    assert_eq!(reopened.world().trace_hash(), e.world().trace_hash());
}

#[wasm_bindgen_test]
fn an_act_that_cannot_run_is_refused_with_a_message() {
    let mut e = Engine::story("session-life").unwrap();
    let err = e
        .act(ActionKind::Close {
            client: "nobody".into(),
        })
        .unwrap_err();
    assert!(err.starts_with("Close client:"), "{err}");
    assert!(err.contains("\u{201c}nobody\u{201d}"), "{err}");
}

#[wasm_bindgen_test]
fn a_bad_link_is_an_error_not_a_panic() {
    for bad in ["#s=1.@@@", "#s=2.abc", "#t=5", "", "#s=1."] {
        assert!(Engine::from_link(bad).is_err(), "{bad:?} opened");
    }
}

#[wasm_bindgen_test]
fn palette_forms_become_actions_or_say_what_is_wrong() {
    let mut f = PaletteForm {
        act: "move".into(),
        client: "b".into(),
        other: "a".into(),
        server_opt: "s2".into(),
        ..PaletteForm::default()
    };
    assert_eq!(
        f.build().unwrap(),
        ActionKind::Connect {
            client: "b".into(),
            session_of: Some("a".into()),
            servers: Some(vec![2]),
            password: None,
        }
    );
    f.act = "freeze".into();
    f.for_ms = "soon".into();
    assert!(f.build().unwrap_err().contains("must be a number"));
    f.act = "partition".into();
    f.side_a = "s1".into();
    f.side_b = "s2, app-1".into();
    assert!(matches!(f.build().unwrap(), ActionKind::Partition { b, .. } if b.len() == 2));
    assert_eq!(
        parse_ops("create /a x\ncheck /a 0\ndelete /a")
            .unwrap()
            .len(),
        3
    );
    assert!(parse_ops("rename /a /b").is_err());
}

/// The palette names its acts by the format's own names (`ActionKind::NAMES`), "move" (a
/// `connect` with `session_of`) aside, and each builds the action it names.
#[wasm_bindgen_test]
fn every_palette_act_is_a_format_action() {
    for (act, _) in ACTS {
        let form = PaletteForm {
            act: act.to_string(),
            server: "1".into(),
            client: "app-1".into(),
            other: "app-2".into(),
            side_b: "s2".into(),
            ..PaletteForm::default()
        };
        let kind = form.build().unwrap();
        let expected = if *act == "move" { "connect" } else { act };
        assert_eq!(kind.name(), expected);
        assert!(ActionKind::NAMES.contains(&kind.name()), "{act}");
    }
}

#[wasm_bindgen_test]
fn dates_and_uptimes_read_like_clocks() {
    assert_eq!(date(1_700_000_000_000), "2023-11-14 22:13:20.000 UTC");
    assert_eq!(date(0), "1970-01-01 00:00:00.000 UTC");
    assert_eq!(uptime(3_723_004), "01:02:03.004");
    assert_eq!(uptime(90_061_001), "1 d 01:01:01.001");
}

/// The page prints and parses no float (that code costs the bundle KBs); the integer versions
/// must read as the float formatting they replaced.
#[wasm_bindgen_test]
fn coordinates_and_speeds_read_as_float_formatting_would() {
    use zksim_web::components::ensemble::fx;
    use zksim_web::state::{SPEED_LABELS, SPEEDS, speed_label};
    for v in [
        0.0, 0.04, 0.06, 1.25, 12.34, 99.96, 359.5, 720.0, -3.26, -0.5,
    ] {
        assert_eq!(
            fx(v),
            format!("{:.1}", (v * 10.0_f64).round() / 10.0),
            "{v}"
        );
    }
    assert_eq!(fx(2.0 / 3.0), "0.7");
    assert_eq!(SPEEDS.len(), SPEED_LABELS.len());
    for (s, l) in SPEEDS.iter().zip(SPEED_LABELS) {
        assert_eq!(format!("{s}"), *l);
        assert_eq!(speed_label(*s), *l);
    }
    assert_eq!(speed_label(3.0), "5");
    assert_eq!(speed_label(5000.0), "1000");
}

// ----- the page -----

async fn choose(host: &Element, selector: &str, value: &str) {
    let select = find(host, selector)
        .dyn_into::<HtmlSelectElement>()
        .unwrap();
    select.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    select
        .dispatch_event(&Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    settle().await;
}

#[wasm_bindgen_test]
async fn the_page_opens_the_3_4_5_story_and_draws_the_ensemble() {
    let host = mount::<App>().await;
    assert_eq!(text(&host, "h1"), "zksim");
    assert_eq!(
        host.query_selector_all(".ensemble-svg .server")
            .unwrap()
            .length(),
        5
    );
    assert_eq!(
        host.query_selector_all(".ensemble-svg .client")
            .unwrap()
            .length(),
        2
    );
    assert!(text(&host, ".narration").contains("3.4.5"));
    assert_eq!(text(&host, ".clock .now"), "0.000 s");
}

#[wasm_bindgen_test]
async fn next_interesting_moves_time_and_the_sessions_tab_flags_the_collision() {
    let host = mount::<App>().await;
    for _ in 0..60 {
        click(&host, "button[aria-label='Next interesting event']").await;
        if host.query_selector_all(".session-row").unwrap().length() >= 2 {
            break;
        }
    }
    assert_ne!(text(&host, ".clock .now"), "0.000 s");
    assert_eq!(host.query_selector_all(".session-row").unwrap().length(), 2);
    assert!(text(&host, ".sessions").contains("collision"));
    assert!(text(&host, ".sessions").contains("sign-extended"));
    // The high byte is drawn as the bug.
    assert_eq!(text(&host, ".session-row .f-high.bug"), "ff");
}

#[wasm_bindgen_test]
async fn selecting_a_server_shows_its_details_and_the_log_tab_shows_zookeeper_lines() {
    let host = mount::<App>().await;
    click(&host, "button[aria-label='Step one event']").await;
    click(&host, ".ensemble-svg .server[data-server='2']").await;
    assert!(text(&host, ".details").contains("s2"));
    assert!(text(&host, ".details").contains("wall clock"));
    click(&host, "#tab-log").await;
    assert!(host.query_selector_all(".log-line").unwrap().length() > 0);
    assert!(text(&host, ".log-lines").contains("QuorumPeer"));
}

#[wasm_bindgen_test]
async fn the_palette_crashes_a_server_at_the_current_time() {
    let host = mount::<App>().await;
    for _ in 0..12 {
        click(&host, "button[aria-label='Next interesting event']").await;
    }
    choose(&host, "#act", "crash_server").await;
    choose(&host, "#act-server", "3").await;
    click(&host, ".palette button[type=submit]").await;
    click(&host, "button[aria-label='Step one event']").await;
    assert!(host.query_selector("[role=alert]").unwrap().is_none());
    assert!(text(&host, ".ensemble-svg .server[data-server='3']").contains("down"));
}

#[wasm_bindgen_test]
async fn a_refused_act_shows_a_banner() {
    let host = mount::<App>().await;
    choose(&host, "#act", "freeze").await;
    let input = find(&host, "#act-for")
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap();
    input.set_value("later");
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    settle().await;
    click(&host, ".palette button[type=submit]").await;
    assert!(text(&host, "[role=alert]").contains("must be a number"));
}

#[wasm_bindgen_test]
fn event_details_print_session_ids_in_hex() {
    let e = Engine::story("collision-3.4.5").unwrap();
    let kind = zksim::trace::EventKind::SessionMoved {
        session: -32_703_988_062_486_528,
        op: "multi".into(),
    };
    assert_eq!(
        zksim_web::components::side::kind_text(&kind, e.world()),
        "SessionMoved: multi of session 0xff8bcfe568cc0000 refused"
    );
    let kind = zksim::trace::EventKind::TrackerSeeded {
        next_session_id: 72_057_594_051_297_280,
        clock_ms: 204,
        leader: false,
    };
    assert!(
        zksim_web::components::side::kind_text(&kind, e.world())
            .contains("next session ID is 0x1000000")
    );
}
