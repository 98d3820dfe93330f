//! Pins for defects users met: empty ensembles that would not open, panics with no trace on the
//! page, seeks that wiped history, stories without their descriptions, Next ★ skipping beats,
//! acts lost past the end or to another story, the collision's "minted by", Rust debug text.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlInputElement, HtmlSelectElement};
use yew::Reducible;
use zksim::scenario::{ActionKind, Endpoint};
use zksim::server::Role;
use zksim::world::World;
use zksim_web::App;
use zksim_web::components::app::versions;
use zksim_web::state::{Action, Engine, Playground, Selection, Source};

mod dom;
use dom::{click, find, mount_owned, settle, settle_until, text};

wasm_bindgen_test_configure!(run_in_browser);

fn set_hash(hash: &str) {
    let w = web_sys::window().unwrap();
    let url = if hash.is_empty() {
        w.location().pathname().unwrap()
    } else {
        hash.to_string()
    };
    w.history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .unwrap();
}

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

async fn scrub(host: &Element, t: u64) {
    let input = find(host, "input.scrubber")
        .dyn_into::<HtmlInputElement>()
        .unwrap();
    input.set_value(&t.to_string());
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    settle().await;
}

fn count(host: &Element, selector: &str) -> u32 {
    host.query_selector_all(selector).unwrap().length()
}

// ----- 1. Start empty -----

#[wasm_bindgen_test]
fn an_empty_ensemble_opens_for_every_version() {
    for v in &versions() {
        let mut e = Engine::empty(v);
        assert_eq!(e.world().profile().name, *v);
        assert_eq!(e.source, Source::Empty);
        assert_eq!(e.world().server_views().len(), 3);
        assert_eq!(e.world().client_views().len(), 3);
        e.seek(5_000);
        assert!(
            e.world()
                .server_views()
                .iter()
                .any(|s| matches!(s.role, Role::Leading)),
            "{v}: no leader after 5 s"
        );
    }
    // A version zksim does not know opens 3.6 rather than failing.
    assert_eq!(Engine::empty("9.9").world().profile().name, "3.6");
}

#[wasm_bindgen_test]
async fn every_empty_fragment_opens_an_ensemble_of_its_version() {
    for v in &versions() {
        set_hash(&format!("#empty={v}"));
        let app = mount_owned::<App>().await;
        let host = &app.host;
        assert_eq!(count(host, ".ensemble-svg .server"), 3, "#empty={v}");
        assert_eq!(count(host, ".ensemble-svg .client"), 3, "#empty={v}");
        assert!(
            text(host, ".narration").contains(&format!("An empty ensemble ({v})")),
            "#empty={v}: {}",
            text(host, ".narration")
        );
        assert!(host.query_selector("[role=alert]").unwrap().is_none());
        drop(app);
    }
    set_hash("");
}

#[wasm_bindgen_test]
async fn the_start_empty_button_opens_every_version() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    for v in &versions() {
        choose(host, "select[aria-label='Version profile']", v).await;
        click(host, "button.start-empty").await;
        let title = format!("An empty ensemble ({v})");
        settle_until(|| text(host, ".narration").contains(&title)).await;
        assert_eq!(count(host, ".ensemble-svg .server"), 3, "{v}");
        assert!(
            text(host, ".narration").contains(&format!("An empty ensemble ({v})")),
            "{v}"
        );
        // The servers start at 0 (the first stops are there); a few more and time moves.
        for _ in 0..30 {
            if text(host, ".clock .now") != "0.000 s" {
                break;
            }
            click(host, "button[aria-label='Next interesting event']").await;
        }
        assert_ne!(
            text(host, ".clock .now"),
            "0.000 s",
            "{v}: time did not move"
        );
    }
    drop(app);
    set_hash("");
}

// ----- 2. The panic hook -----

#[wasm_bindgen_test]
async fn a_panic_becomes_a_banner_and_the_page_stays() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    click(host, "button[aria-label='Next interesting event']").await;
    let at = text(host, ".clock .now");
    zksim_web::panic::show("index out of bounds: the len is 3 but the index is 7");
    let doc = web_sys::window().unwrap().document().unwrap();
    let banner = doc
        .get_element_by_id(zksim_web::panic::BANNER_ID)
        .expect("no banner");
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    let said = banner.text_content().unwrap();
    assert!(said.contains("index out of bounds"), "{said}");
    assert!(said.contains("reload"), "{said}");
    // What was open is still there, at the same moment.
    assert_eq!(count(host, ".ensemble-svg .server"), 5);
    assert_eq!(text(host, ".clock .now"), at);
    // A second panic updates the one banner.
    zksim_web::panic::show("again");
    assert_eq!(doc.query_selector_all("#panic-banner").unwrap().length(), 1);
    banner.remove();
    drop(app);
}

// ----- 3. History across seeks -----

/// A story played (not seeked) to `t`, a multiple of 250 ms.
fn played(story: &str, t: u64) -> Engine {
    let mut e = Engine::story(story).unwrap();
    e.playing = true;
    e.speed = 1.0;
    while e.now_ms() < t && e.playing {
        e.tick(250.0);
    }
    assert_eq!(e.now_ms(), t);
    e
}

fn seqs(e: &Engine) -> Vec<u64> {
    e.log().map(|x| x.seq).collect()
}

fn reduce(p: Rc<Playground>, a: Action) -> Rc<Playground> {
    p.reduce(a)
}

#[wasm_bindgen_test]
fn every_kind_of_seek_keeps_the_history_a_straight_play_has() {
    let story = "session-life";
    let end = Engine::story(story).unwrap().until_ms();
    let want_end = seqs(&played(story, end));
    assert_eq!(
        want_end.first(),
        Some(&0),
        "a short story's log starts at its start"
    );

    // The scrubber, far ahead, before and after the precompute ran.
    for precomputed in [false, true] {
        let mut e = Engine::story(story).unwrap();
        while precomputed && e.precompute(5_000) {}
        e.seek(12_000);
        assert_eq!(seqs(&e), seqs(&played(story, 12_000)), "scrubber");
    }

    // End, then ← and Shift+← (the keys' actions), then a click on a message.
    let p = Rc::new(Playground::new(Engine::story(story).unwrap()));
    let p = reduce(p, Action::Seek(u64::MAX));
    assert_eq!(seqs(&p.engine()), want_end, "End");
    let p = reduce(p, Action::Nudge(-1_000));
    assert_eq!(p.engine().now_ms(), end - 1_000);
    assert_eq!(seqs(&p.engine()), seqs(&played(story, end - 1_000)), "←");
    let p = reduce(p, Action::Nudge(-10_000));
    assert_eq!(
        seqs(&p.engine()),
        seqs(&played(story, end - 11_000)),
        "Shift+←"
    );
    let sent = p
        .engine()
        .log()
        .filter(|e| matches!(e.kind, zksim::trace::EventKind::MessageSent { .. }))
        .map(|e| e.at_ms)
        .nth(10)
        .unwrap();
    let p = reduce(p, Action::Seek(sent));
    let mut straight = Engine::story(story).unwrap();
    straight.seek(sent);
    assert_eq!(seqs(&p.engine()), seqs(&straight), "message click");
    assert_eq!(seqs(&p.engine()).first(), Some(&0));
    // And forward again: Next ★ and play continue the same history.
    let p = reduce(p, Action::Seek(u64::MAX));
    assert_eq!(seqs(&p.engine()), want_end, "End again");
}

#[wasm_bindgen_test]
async fn after_a_seek_to_the_end_the_views_still_show_what_happened() {
    set_hash("#story=session-life");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 20_000).await;
    assert_eq!(text(host, ".clock .now"), "20.000 s");
    click(host, "#tab-sequence").await;
    let explain = text(host, ".sequence .explain");
    assert!(!explain.starts_with("The last 0 "), "{explain}");
    assert!(count(host, ".seq-msg") > 10, "{explain}");
    click(host, "#tab-buckets").await;
    assert!(count(host, ".moves li") > 0, "no latest moves after a seek");
    click(host, "#tab-log").await;
    let lines = count(host, ".log-line");
    scrub(host, 19_000).await;
    assert!(
        count(host, ".log-line") >= lines.min(200),
        "the log lost lines"
    );
    assert!(!text(host, ".narration .just-happened").is_empty());
    drop(app);
    set_hash("");
}

// ----- 4. Story titles and descriptions -----

#[wasm_bindgen_test]
async fn the_picker_shows_titles_by_theme_and_the_story_its_description() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    let groups = host.query_selector_all(".story-select optgroup").unwrap();
    assert!(groups.length() >= 4, "{} groups", groups.length());
    let options = host.query_selector_all(".story-select option").unwrap();
    assert_eq!(options.length() as usize, zksim::gallery::STORIES.len());
    for i in 0..options.length() {
        let o = options.item(i).unwrap().dyn_into::<Element>().unwrap();
        let id = o.get_attribute("value").unwrap();
        let name = zksim::gallery::story(&id)
            .unwrap()
            .scenario()
            .unwrap()
            .name
            .unwrap();
        assert_eq!(o.text_content().unwrap(), name, "{id}");
        assert_ne!(o.text_content().unwrap(), id);
        assert_eq!(o.parent_element().unwrap().tag_name(), "OPTGROUP");
    }
    // The description, open at t = 0, rendered (no markdown marks left).
    let about = find(host, ".about-story");
    assert!(about.has_attribute("open"));
    let said = text(host, ".about-story .story-description");
    assert!(said.contains("ZOOKEEPER-1622"), "{said}");
    assert!(said.contains("(currentTimeMillis << 24) >> 8"), "{said}");
    assert!(!said.contains('`'), "{said}");
    assert_eq!(count(host, ".about-story code"), 2);
    // Which real release it was checked against, from gallery/conformance.json.
    let checked = text(host, ".about-story .story-checked");
    let want = zksim_web::components::side::checked_text(
        &zksim::gallery::story("collision-3.4.5").unwrap().checked(),
    );
    assert_eq!(checked, want);
    assert!(
        checked.starts_with("Checked against real ZooKeeper 3.4.5: "),
        "{checked}"
    );
    // Later it is closed but still there.
    while text(host, ".clock .now") == "0.000 s" {
        click(host, "button[aria-label='Next interesting event']").await;
    }
    assert!(!find(host, ".about-story").has_attribute("open"));
    assert!(text(host, ".about-story summary").contains("About this story"));
    drop(app);
}

#[wasm_bindgen_test]
fn markdown_reads_as_text() {
    assert_eq!(
        zksim_web::story::plain("The `0xff` **high** byte, *see* [ZK-1](https://example)."),
        "The 0xff high byte, see ZK-1."
    );
    for s in zksim_web::story::all() {
        assert!(!s.description.is_empty(), "{}", s.id);
        assert!(!s.title.is_empty(), "{}", s.id);
    }
}

// ----- 5. Next ★, acts at the end, forks -----

// Next ★ stopping at every beat of every story, and stepping a quiet ensemble to its end, are
// the core's Timeline: crates/zksim/tests/timeline.rs. Here, the store's side of it: the step
// selects the event it stopped at.
#[wasm_bindgen_test]
fn next_selects_the_event_it_stopped_at() {
    let mut e = Engine::story("session-life").unwrap();
    assert!(e.step_interesting());
    let Some(Selection::Event(seq)) = e.selection.clone() else {
        panic!("nothing selected: {:?}", e.selection);
    };
    assert_eq!(e.event(seq).unwrap().at_ms, e.now_ms());
}

#[wasm_bindgen_test]
fn an_act_at_the_end_moves_the_end_so_it_can_play() {
    let mut e = Engine::story("session-life").unwrap();
    e.seek(u64::MAX);
    let end = e.until_ms();
    e.act(ActionKind::CrashServer { server: 1 }).unwrap();
    assert_eq!(e.until_ms(), end + 10_000);
    assert_eq!(e.scenario().until_ms, end + 10_000);
    let said = e.banner.clone().unwrap();
    assert!(!said.error);
    assert!(said.text.contains("30.000 s"), "{}", said.text);
    e.seek(end + 5_000);
    assert_eq!(e.now_ms(), end + 5_000);
    let fragment = e.share_fragment();
    let reopened = Engine::from_link(&fragment).unwrap();
    assert_eq!(reopened.world().trace_hash(), e.world().trace_hash());
    // The history is whole across the rebuild.
    assert_eq!(seqs(&e).first(), Some(&0));
    let mut straight = World::new(&e.scenario().clone(), false);
    straight.run_until(end + 5_000);
    assert_eq!(straight.trace_hash(), e.world().trace_hash());
}

#[wasm_bindgen_test]
async fn a_forked_story_says_so_and_another_story_can_be_undone() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    for _ in 0..4 {
        click(host, "button[aria-label='Next interesting event']").await;
    }
    assert!(host.query_selector(".fork-note").unwrap().is_none());
    choose(host, "#act", "crash_server").await;
    settle_until(|| count(host, "#act-server") == 1).await;
    choose(host, "#act-server", "3").await;
    click(host, ".palette button[type=submit]").await;
    let note = text(host, ".fork-note");
    assert!(
        note.contains(
            "your changes to \u{201c}3.4.5: two servers mint the same session ID\u{201d}"
        ),
        "{note}"
    );
    let at = text(host, ".clock .now");
    choose(host, ".story-select", "session-life").await;
    settle_until(|| count(host, ".banner button.undo") == 1).await;
    assert_eq!(text(host, ".clock .now"), "0.000 s");
    let banner = text(host, ".banner");
    assert!(banner.contains("set aside"), "{banner}");
    click(host, ".banner button.undo").await;
    settle_until(|| count(host, ".ensemble-svg .server") == 5).await;
    assert_eq!(
        find(host, ".story-select")
            .dyn_into::<HtmlSelectElement>()
            .unwrap()
            .value(),
        "collision-3.4.5"
    );
    assert_eq!(text(host, ".clock .now"), at);
    assert!(text(host, ".fork-note").contains("1 act"));
    assert!(text(host, ".ensemble-svg .server[data-server='3']").contains("down"));
    drop(app);
    set_hash("");
}

// ----- 6. Each colliding row its own server -----

#[wasm_bindgen_test]
async fn each_row_of_a_colliding_session_shows_its_own_minting_server() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    for _ in 0..60 {
        click(host, "button[aria-label='Next interesting event']").await;
        if count(host, ".session-row") >= 2 {
            break;
        }
    }
    assert_eq!(count(host, ".session-row"), 2);
    let mut minted = vec![];
    for i in 1..=2 {
        let row = format!(".session-row:nth-child({i})");
        let cell = text(host, &format!("{row} td:nth-child(2)"));
        click(host, &row).await;
        let details = text(host, ".details");
        assert!(
            details.contains(&format!("minted by{cell}")),
            "row {i} ({cell}): {details}"
        );
        minted.push(cell);
    }
    assert_ne!(minted[0], minted[1]);
    drop(app);
}

#[wasm_bindgen_test]
fn a_session_selection_names_its_minting_server() {
    let a = Selection::Session {
        id: -1,
        minted_by: Some(1),
    };
    let b = Selection::Session {
        id: -1,
        minted_by: Some(2),
    };
    assert_ne!(a, b);
}

// ----- 7. No Rust debug text -----

fn debug_free(s: &str) -> bool {
    ![
        "{ ", " }", "Some(", "None", "Client(", "Server(", "Network", "\\\"",
    ]
    .iter()
    .any(|m| s.contains(m))
}

#[wasm_bindgen_test]
fn events_acts_and_links_read_as_words() {
    for s in zksim::gallery::STORIES {
        let sc = s.scenario().unwrap();
        let mut w = World::new(&sc, true);
        w.run();
        for e in w.trace().events() {
            let t = zksim_web::plain::event_text(&e.kind, &w);
            assert!(debug_free(&t), "{}: {t}", s.id);
        }
    }
    let mut e = Engine::story("session-life").unwrap();
    let err = e
        .act(ActionKind::Partition {
            a: vec![Endpoint::Server(9)],
            b: vec![Endpoint::Server(1)],
            one_way: false,
        })
        .unwrap_err();
    assert!(debug_free(&err) && err.contains("s9"), "{err}");
    assert_eq!(
        zksim_web::plain::sentence("no endpoint Server(9)"),
        "no endpoint s9."
    );
    assert_eq!(
        zksim_web::plain::sentence("actions[3].client: no client named \"app-9\""),
        "no client named \u{201c}app-9\u{201d}."
    );
    for bad in [
        "#s=1.@@@",
        "#s=2.abc",
        "#t=5",
        "",
        "#s=1.",
        "#s=1.eJzLSM3JyVcozy/KSQEAGgQEXQ",
    ] {
        let Err(why) = Engine::from_link(bad) else {
            continue;
        };
        let t = zksim_web::plain::link_error(&why);
        assert!(debug_free(&t) && !t.contains("0x"), "{bad}: {t}");
    }
}

#[wasm_bindgen_test]
async fn the_details_of_events_and_messages_are_in_words() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    for _ in 0..8 {
        click(host, "button[aria-label='Next interesting event']").await;
        let details = text(host, ".details");
        assert!(debug_free(&details), "{details}");
    }
    click(host, "#tab-log").await;
    click(host, ".log-line").await;
    let details = text(host, ".details");
    assert!(debug_free(&details), "{details}");
    drop(app);
}

// ----- the sequence diagram says what messages carry -----

#[wasm_bindgen_test]
async fn the_sequence_names_ops_and_result_codes_and_has_a_legend() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 2_100).await;
    click(host, "#tab-sequence").await;
    // The learner's REQUEST and the PROPOSAL are quorum traffic: shown when asked for.
    click(host, "input.show-quorum").await;
    let said = text(host, ".sequence-svg");
    let tail: String = said
        .chars()
        .rev()
        .take(1500)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(said.contains("multi → SessionMoved -118"), "{tail}");
    assert!(said.contains("REQUEST multi"), "{said}");
    assert!(said.contains("PROPOSAL multi"), "{said}");
    let legend = text(host, ".seq-legend");
    assert!(
        legend.contains("in flight") && legend.contains("op → result code"),
        "{legend}"
    );
    drop(app);
}
