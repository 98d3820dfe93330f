//! The playground teaches: the sequence diagram's quorum toggle and to-scale rows; the story so far
//! (beats to jump back to) and the stories to compare with; the bug-report text; the embed view;
//! keyboard access to what is drawn and listed; the ensemble saved as SVG and PNG.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlTextAreaElement;
use zksim::trace::Node;
use zksim_web::App;
use zksim_web::components::app::{
    embed_href, embed_snippet, is_embed, open_fragment, without_view_params,
};
use zksim_web::components::sequence::{is_quorum, row_ys};
use zksim_web::fmt::secs;
use zksim_web::history::{EVENTS_PER_BEAT, beats};
use zksim_web::report::{REPORT_LINES_MAX, bug_report, is_session_line};
use zksim_web::state::Engine;

mod dom;
use dom::{click, count, find, key_on, mount_owned, scrub, set_hash, settle_until, text};

wasm_bindgen_test_configure!(run_in_browser);

// ----- 1. the sequence diagram -----

#[wasm_bindgen_test]
fn quorum_traffic_is_server_to_server() {
    assert!(is_quorum(&Node::Server(1), &Node::Server(2)));
    assert!(!is_quorum(&Node::Server(1), &Node::Client(0)));
    assert!(!is_quorum(&Node::Client(0), &Node::Server(3)));
}

#[wasm_bindgen_test]
fn to_scale_rows_are_spaced_by_virtual_time_and_arrows_slant_by_latency() {
    let times = [(1_000, Some(1_002)), (1_010, Some(1_013)), (2_000, None)];
    let (rows, h) = row_ys(&times, 2_000, false);
    // One row per message: equal steps.
    assert!((rows[1].0 - rows[0].0 - (rows[2].0 - rows[1].0)).abs() < 1e-9);
    let (scaled, h_scaled) = row_ys(&times, 2_050, true);
    let gap = |i: usize| scaled[i + 1].0 - scaled[i].0;
    // 10 ms then 990 ms: the gaps keep that ratio.
    assert!((gap(1) / gap(0) - 99.0).abs() < 1e-6, "{scaled:?}");
    // An arrow ends at its arrival (3 ms after its send), one in flight at now.
    assert!(scaled[1].1 > scaled[1].0);
    assert!(scaled[2].1 > scaled[2].0);
    assert!(h_scaled > scaled[2].1 && h > rows[2].1);
}

#[wasm_bindgen_test]
async fn quorum_traffic_is_hidden_until_the_box_is_ticked_and_to_scale_redraws() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 2_100).await;
    click(host, "#tab-sequence").await;
    let hidden = text(host, ".sequence-svg");
    assert!(!hidden.contains("PROPOSAL"), "{hidden}");
    assert!(hidden.contains("multi → SessionMoved -118"), "{hidden}");
    assert!(text(host, ".sequence .explain").contains("Quorum traffic between servers is hidden"));
    click(host, "input.show-quorum").await;
    assert!(text(host, ".sequence-svg").contains("PROPOSAL multi"));
    assert!(!text(host, ".sequence .explain").contains("is hidden"));
    click(host, "input.to-scale").await;
    assert_eq!(count(host, ".sequence-svg.to-scale"), 1);
    // Every message is a focusable button; Enter on one goes back to when it was sent.
    let msgs = host.query_selector_all(".seq-msg").unwrap();
    assert!(msgs.length() > 3);
    let first: web_sys::Element = msgs.item(0).unwrap().dyn_into().unwrap();
    assert_eq!(first.get_attribute("tabindex").as_deref(), Some("0"));
    key_on(&first, "Enter").await;
    assert_ne!(text(host, ".clock .now"), "2.100 s");
    drop(app);
}

// ----- 2. the story so far, and its siblings -----

#[wasm_bindgen_test]
fn the_story_so_far_lists_the_beats_reached_with_their_events() {
    let mut e = Engine::story("session-life").unwrap();
    assert!(beats(&e).iter().all(|b| b.at_ms == 0) || beats(&e).is_empty());
    e.seek(12_000);
    let bs = beats(&e);
    assert!(bs.len() >= 2, "{bs:?}");
    assert!(bs.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    assert!(bs.iter().all(|b| b.at_ms <= 12_000));
    let all = e
        .scenario()
        .narration
        .iter()
        .filter(|n| n.at_ms <= 12_000)
        .count();
    assert_eq!(bs.len(), all);
    for (i, b) in bs.iter().enumerate() {
        let next = bs.get(i + 1).map(|n| n.at_ms).unwrap_or(u64::MAX);
        assert!(b.events.len() <= EVENTS_PER_BEAT);
        for ev in &b.events {
            assert!(
                ev.at_ms >= b.at_ms && ev.at_ms < next.max(b.at_ms + 1),
                "{ev:?}"
            );
            assert!(e.event(ev.seq).is_some());
        }
    }
    assert!(bs.iter().any(|b| !b.events.is_empty()));
}

#[wasm_bindgen_test]
async fn a_beat_of_the_story_so_far_jumps_back_there_by_click_and_by_keyboard() {
    set_hash("#story=session-life");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 12_000).await;
    assert!(count(host, ".beats .beat-jump") >= 2);
    let first_at = Engine::story("session-life").unwrap().scenario().narration[0].at_ms;
    click(host, ".beats .beat-jump").await;
    assert_eq!(text(host, ".clock .now"), secs(first_at));
    // An event under a beat: back to it, and selected.
    scrub(host, 12_000).await;
    click(host, ".beats .beat-event").await;
    assert!(
        text(host, ".details").contains("why"),
        "{}",
        text(host, ".details")
    );
    // Buttons: Enter and Space are theirs, not the page's shortcuts.
    scrub(host, 12_000).await;
    let jump = find(host, ".beats .beat-jump");
    key_on(&jump, " ").await;
    assert_eq!(
        find(host, ".app").get_attribute("data-playing").as_deref(),
        Some("false")
    );
    drop(app);
}

#[wasm_bindgen_test]
async fn at_the_start_a_story_links_its_siblings() {
    let names: Vec<&str> = zksim_web::story::siblings("collision-3.4.5")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(names, ["collision-3.4.6", "collision-3.6"]);
    for (a, b) in [
        ("ephemeral-trap", "ephemeral-trap-fix"),
        ("zookeeper-2886-fixed", "zookeeper-2886-stuck"),
        ("clock-jump-3.4.14", "clock-jump-3.4.6"),
        ("ensemble-down-3.9.2", "ensemble-down-3.9.3"),
    ] {
        let ids: Vec<&str> = zksim_web::story::siblings(a).iter().map(|s| s.id).collect();
        assert_eq!(ids, [b], "{a}");
    }
    assert!(zksim_web::story::siblings("session-life").is_empty());
    set_hash("#story=ephemeral-trap");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    let link = find(host, ".siblings a");
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("#story=ephemeral-trap-fix")
    );
    scrub(host, 1_000).await;
    assert_eq!(count(host, ".siblings a"), 0);
    drop(app);
}

// ----- 3. the bug report -----

#[wasm_bindgen_test]
fn the_bug_report_has_the_version_a_link_to_now_the_hash_and_session_lines() {
    let mut e = Engine::story("collision-3.4.5").unwrap();
    e.seek(e.until_ms());
    let report = bug_report(&e, "http://127.0.0.1:8080/#story=collision-3.4.5");
    assert!(report.contains("Version: ZooKeeper 3.4.5"), "{report}");
    let hash = e.world().trace_hash();
    assert!(report.contains(&format!("Trace hash: {hash}")), "{report}");
    assert!(report.contains("Established session"), "{report}");
    let link = report
        .lines()
        .find_map(|l| l.strip_prefix("Link: "))
        .expect("no link");
    assert!(link.starts_with("http://127.0.0.1:8080/#s=1."), "{link}");
    assert!(link.ends_with(&format!("&t={}", e.until_ms())), "{link}");
    // The link opens the same moment.
    let reopened = Engine::from_link(link).unwrap();
    assert_eq!(reopened.world().trace_hash(), hash);
    let quoted = report.lines().filter(|l| l.starts_with("    ")).count();
    assert!(quoted > 0 && quoted <= REPORT_LINES_MAX, "{quoted}");
    assert!(
        report
            .lines()
            .filter(|l| l.starts_with("    "))
            .all(is_session_line)
    );
    assert!(!is_session_line("Processing request: ping"));
}

#[wasm_bindgen_test]
async fn the_bug_report_button_fills_a_read_only_field() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 3_000).await;
    click(host, "button.report").await;
    let area = find(host, "#report-text")
        .dyn_into::<HtmlTextAreaElement>()
        .unwrap();
    assert!(area.read_only());
    let value = area.value();
    let hash = text(host, ".trace-hash");
    assert!(value.contains(&format!("Trace hash: {hash}")), "{value}");
    assert!(value.contains("&t=3000"), "{value}");
    drop(app);
}

// ----- 4. embed -----

#[wasm_bindgen_test]
fn embed_is_a_view_parameter_and_old_links_open_unchanged() {
    assert!(is_embed("#s=1.abc&t=5&embed=1"));
    assert!(is_embed("story=session-life&embed=1"));
    assert!(!is_embed("#s=1.abc&t=5"));
    assert_eq!(
        without_view_params("#story=zookeeper-710&embed=1"),
        "story=zookeeper-710"
    );
    assert_eq!(without_view_params("#s=1.abc&embed=1&t=5"), "s=1.abc&t=5");
    let mut e = Engine::story("zookeeper-710").unwrap();
    e.seek(4_000);
    let frag = format!("#{}", e.share_fragment());
    let plain = open_fragment(&frag).unwrap();
    let embedded = open_fragment(&format!("{frag}&embed=1")).unwrap();
    assert_eq!(plain.now_ms(), 4_000);
    assert_eq!(embedded.now_ms(), 4_000);
    assert_eq!(plain.world().trace_hash(), embedded.world().trace_hash());
    assert!(open_fragment("#story=session-life&embed=1").is_ok());
    assert_eq!(
        embed_href("http://h/#s=1.x&t=5"),
        "http://h/#s=1.x&t=5&embed=1"
    );
    assert_eq!(embed_href("http://h/"), "http://h/#embed=1");
    let snippet = embed_snippet("http://h/#s=1.x&t=5", "A \"story\"");
    assert!(
        snippet.starts_with("<iframe src=\"http://h/#s=1.x&amp;t=5&amp;embed=1\""),
        "{snippet}"
    );
    assert!(
        snippet.contains("title=\"zksim: A &quot;story&quot;\""),
        "{snippet}"
    );
}

#[wasm_bindgen_test]
async fn the_embed_view_shows_the_ensemble_the_transport_and_the_narration_only() {
    set_hash("#story=collision-3.4.5&embed=1");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    assert_eq!(count(host, ".app.embed"), 1);
    assert_eq!(count(host, ".ensemble-svg .server"), 5);
    assert_eq!(count(host, ".transport .scrubber"), 1);
    assert_eq!(count(host, ".narration"), 1);
    for gone in [
        ".topbar",
        ".tabs",
        ".palette",
        ".details",
        "select.story-select",
    ] {
        assert_eq!(count(host, gone), 0, "{gone} in the embed view");
    }
    let open = find(host, "a.embed-open").get_attribute("href").unwrap();
    assert!(open.ends_with("#story=collision-3.4.5"), "{open}");
    // The servers start at 0 (the first stops are there); a few more and time moves.
    for _ in 0..30 {
        if text(host, ".clock .now") != "0.000 s" {
            break;
        }
        click(host, "button[aria-label='Next interesting event']").await;
    }
    assert_ne!(text(host, ".clock .now"), "0.000 s");
    drop(app);
    set_hash("");
}

// ----- 5. the keyboard reaches what is drawn and listed -----

#[wasm_bindgen_test]
async fn servers_clients_rows_and_log_lines_take_focus_and_enter_selects_them() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 2_100).await;
    for sel in [".ensemble-svg .server", ".ensemble-svg .client"] {
        let all = host.query_selector_all(sel).unwrap();
        for i in 0..all.length() {
            let el: web_sys::Element = all.item(i).unwrap().dyn_into().unwrap();
            assert_eq!(el.get_attribute("tabindex").as_deref(), Some("0"), "{sel}");
        }
    }
    key_on(&find(host, ".ensemble-svg .server"), "Enter").await;
    assert!(
        text(host, ".details").contains("epoch"),
        "{}",
        text(host, ".details")
    );
    click(host, "#tab-sessions").await;
    key_on(&find(host, ".session-row"), "Enter").await;
    assert!(text(host, ".details").contains("minted by"));
    // No table header without a name.
    let ths = host.query_selector_all("th").unwrap();
    assert!(ths.length() > 0);
    for i in 0..ths.length() {
        let th = ths.item(i).unwrap();
        assert!(!th.text_content().unwrap_or_default().trim().is_empty());
    }
    click(host, "#tab-log").await;
    let line = find(host, ".log-line");
    assert_eq!(line.get_attribute("tabindex").as_deref(), Some("0"));
    key_on(&line, "Enter").await;
    let ok = settle_until(|| text(host, ".details").contains("why")).await;
    assert!(ok, "{}", text(host, ".details"));
    drop(app);
}

// ----- 6. the ensemble as a file -----

#[wasm_bindgen_test]
fn a_composed_svg_is_well_formed_xml_with_its_style() {
    let svg = zksim_web::export::compose(
        "0 0 720 430",
        (720, 430),
        &[("ensemble-svg", "<text>a&nbsp;b</text>".into())],
        ".x > y { fill: red }",
        "dark",
    );
    let doc = web_sys::DomParser::new()
        .unwrap()
        .parse_from_string(&svg, web_sys::SupportedType::ImageSvgXml)
        .unwrap();
    assert_eq!(
        doc.get_elements_by_tag_name("parsererror").length(),
        0,
        "{svg}"
    );
    assert!(svg.contains("data-theme=\"dark\""));
    assert_eq!(
        zksim_web::export::view_box_size("0 0 720 430"),
        Some((720, 430))
    );
    assert_eq!(zksim_web::export::view_box_size("0 0 0 4"), None);
}

#[wasm_bindgen_test]
async fn the_ensemble_on_screen_exports_as_a_standalone_svg() {
    set_hash("");
    let app = mount_owned::<App>().await;
    let host = &app.host;
    scrub(host, 2_100).await;
    let svg = zksim_web::export::ensemble_svg().expect("no ensemble");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(
        svg.contains(">s1 <tspan") && svg.contains("<style>"),
        "{}",
        &svg[..400.min(svg.len())]
    );
    let doc = web_sys::DomParser::new()
        .unwrap()
        .parse_from_string(&svg, web_sys::SupportedType::ImageSvgXml)
        .unwrap();
    assert_eq!(doc.get_elements_by_tag_name("parsererror").length(), 0);
    assert_eq!(count(host, "button.export-svg"), 1);
    assert_eq!(count(host, "button.export-png"), 1);
    drop(app);
}

// ----- 7. versions side by side and belief against truth (not on the page yet) -----

#[wasm_bindgen_test]
fn the_vs_parameter_is_read_and_set() {
    use zksim::Version;
    use zksim_web::compare::{vs_param, with_vs};
    assert_eq!(vs_param("#story=a&vs=3.4.6"), Some(Ok(Version::V3_4_6)));
    assert_eq!(vs_param("#vs=3.9.4&story=a"), Some(Ok(Version::V3_9_4)));
    assert_eq!(vs_param("#story=a&embed=1"), None);
    let refused = vs_param("#story=a&vs=9.9").unwrap().unwrap_err();
    assert!(
        refused.contains("“9.9”") && refused.contains("3.4.5, 3.4.6"),
        "{refused}"
    );
    assert_eq!(
        with_vs("#story=a&vs=3.6&embed=1", Some("3.4.5")),
        "#story=a&embed=1&vs=3.4.5"
    );
    assert_eq!(with_vs("#story=a&vs=3.6", None), "#story=a");
    assert_eq!(with_vs("", None), "");
    assert_eq!(with_vs("", Some("3.6")), "#vs=3.6");
}

#[wasm_bindgen_test]
fn zookeeper_1622_compared_with_3_4_6_parts_at_the_first_seeding() {
    use zksim::Version;
    use zksim_web::compare::Compare;
    let sc = zksim::gallery::story("collision-3.4.5")
        .unwrap()
        .scenario()
        .unwrap();
    let m = Compare::of(&sc, Version::V3_4_6);
    let p = m.parting.clone().expect("3.4.5 and 3.4.6 part");
    // SessionTrackerImpl.initializeNextSession: 3.4.5's `>>` keeps the sign, 3.4.6's `>>>` not.
    assert!(
        p.a.as_deref().unwrap().contains("0xff8bcfe568cc0000"),
        "{p:?}"
    );
    assert!(
        p.b.as_deref().unwrap().contains("0x18bcfe568cc0000"),
        "{p:?}"
    );
    assert!(
        m.verdict()
            .starts_with("3.4.5 and 3.4.6 agree on the first ")
    );
    assert!(
        m.a.sessions.iter().any(|s| s.ends_with("(ID COLLISION)")),
        "{:?}",
        m.a.sessions
    );
    assert!(
        !m.b.sessions.iter().any(|s| s.contains("COLLISION")),
        "{:?}",
        m.b.sessions
    );
    assert!(!m.clients_differing().is_empty());
    assert!(m.a.marks.iter().all(|k| k.at_ms <= m.until_ms));
    // A profile against itself: nothing parts, the lanes are the same.
    let same = Compare::of(&sc, sc.version);
    assert!(same.parting.is_none());
    assert_eq!(same.a.marks, same.b.marks);
    assert!(
        same.verdict().contains("run this scenario alike"),
        "{}",
        same.verdict()
    );
}

#[wasm_bindgen_test]
fn the_compare_axis_has_round_ticks() {
    use zksim_web::compare::axis_ticks_ms;
    let t = axis_ticks_ms(22_000, 12);
    assert_eq!((t[1], t.len(), *t.last().unwrap()), (2_000, 12, 22_000));
    // Ten minutes: 50 s steps, twelve of them (thirteen ticks).
    assert_eq!(axis_ticks_ms(600_000, 12)[1], 50_000);
    assert_eq!(axis_ticks_ms(0, 12), vec![0]);
}

#[wasm_bindgen_test]
fn the_drawn_pictures_are_well_formed_svg_with_their_texts_escaped() {
    use zksim::Version;
    use zksim_web::compare::Compare;
    let parse = |inner: &str| {
        let doc = web_sys::DomParser::new()
            .unwrap()
            .parse_from_string(
                &format!("<svg xmlns=\"http://www.w3.org/2000/svg\">{inner}</svg>"),
                web_sys::SupportedType::ImageSvgXml,
            )
            .unwrap();
        assert_eq!(
            doc.get_elements_by_tag_name("parsererror").length(),
            0,
            "{inner}"
        );
        doc
    };
    let sc = zksim::gallery::story("collision-3.4.5")
        .unwrap()
        .scenario()
        .unwrap();
    let m = Compare::of(&sc, Version::V3_4_6);
    let doc = parse(&zksim_web::components::compare::picture_svg(&m));
    assert_eq!(
        doc.query_selector_all(".mark").unwrap().length() as usize,
        m.a.marks.len() + m.b.marks.len()
    );
    let sc = zksim::gallery::story("connection-loss-vs-expiry")
        .unwrap()
        .scenario()
        .unwrap();
    let lanes = zksim::lanes::Lanes::of(&sc);
    for c in &lanes.clients {
        let doc = parse(&zksim_web::components::lanes::lane_svg(c, lanes.until_ms));
        assert_eq!(
            doc.query_selector_all(".disagree").unwrap().length() as usize,
            c.disagreeing.len()
        );
    }
    assert_eq!(
        zksim_web::draw::escape("a<b & \"c\">"),
        "a&lt;b &amp; &quot;c&quot;&gt;"
    );
}
