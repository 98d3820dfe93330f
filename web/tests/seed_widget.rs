//! The seed widget in a real browser (headless Chromium through wasm-bindgen-test-runner).
//!
//! Each test mounts the component into its own `<div>` in the document, types into the inputs,
//! dispatches a real `click` on the Compute button, lets Yew re-render, and reads the DOM.
//! Expected IDs come from `SessionTrackerImpl.initializeNextSession` (ZOOKEEPER-1622 for 3.4.5).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlInputElement, InputEvent, InputEventInit};
use zksim_web::SeedWidget;
use zksim_web::seed::{Outcome, SeedAction, SeedForm, SeedInput};

mod dom;
use dom::{click, find, mount, text};

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces the input's text and fires `input`, as typing does. No re-render in between, on
/// purpose: an edit followed at once by a click must still count.
fn type_into(host: &Element, selector: &str, value: &str) {
    let input = find(host, selector).dyn_into::<HtmlInputElement>().unwrap();
    input.set_value(value);
    let init = InputEventInit::new();
    init.set_bubbles(true);
    let event = InputEvent::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

fn value_of(host: &Element, selector: &str) -> String {
    find(host, selector)
        .dyn_into::<HtmlInputElement>()
        .unwrap()
        .value()
}

#[wasm_bindgen_test]
async fn seed_widget_mounts_on_its_own() {
    let host = mount::<SeedWidget>().await;
    assert_eq!(text(&host, "h2"), "Session ID seed");
    assert!(host.query_selector(".seed-widget").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn compute_shows_the_3_4_5_sign_extension_next_to_the_fix() {
    let host = mount::<SeedWidget>().await;
    assert!(text(&host, ".seed-result").contains("Press Compute"));

    type_into(&host, "#seed-myid", "3");
    type_into(&host, "#seed-clock", "1700000000000");
    click(&host, "button[type=submit]").await;

    assert_eq!(
        text(&host, r#"tr[data-version="3.4.5"] .session-id"#),
        "0xff8bcfe568000000"
    );
    assert_eq!(
        text(&host, r#"tr[data-version="3.6"] .session-id"#),
        "0x38bcfe568000000"
    );
    assert!(text(&host, r#"tr[data-version="3.4.5"]"#).contains("sign-extension bug"));
    assert!(!text(&host, r#"tr[data-version="3.6"]"#).contains("sign-extension bug"));
    assert!(text(&host, r#"tr[data-version="3.6"]"#).contains("uptime"));
    // The fields still show what was typed.
    assert_eq!(value_of(&host, "#seed-myid"), "3");
    assert_eq!(value_of(&host, "#seed-clock"), "1700000000000");
}

#[wasm_bindgen_test]
async fn refused_input_shows_a_message_instead_of_numbers() {
    let host = mount::<SeedWidget>().await;

    type_into(&host, "#seed-myid", "256");
    click(&host, "button[type=submit]").await;
    assert_eq!(
        text(&host, "[role=alert]"),
        "myid must be a whole number from 1 to 255 (got \"256\")."
    );
    assert!(host.query_selector(".seed-table").unwrap().is_none());
    assert_eq!(value_of(&host, "#seed-myid"), "256");

    type_into(&host, "#seed-myid", "1");
    type_into(&host, "#seed-clock", "");
    click(&host, "button[type=submit]").await;
    assert!(text(&host, "[role=alert]").starts_with("Clock (ms) is empty"));
}

#[wasm_bindgen_test]
fn parse_refuses_out_of_range_and_garbage_and_echoes_a_bounded_excerpt() {
    assert_eq!(
        SeedInput::parse(" 3 ", "1700000000000"),
        Ok(SeedInput {
            myid: 3,
            clock_ms: 1_700_000_000_000
        })
    );
    for myid in ["0", "-1", "256", "1.5", "0x3", "three"] {
        assert!(
            SeedInput::parse(myid, "0").is_err(),
            "myid {myid:?} accepted"
        );
    }
    assert!(SeedInput::parse("1", "-1").is_err());
    assert!(SeedInput::parse("1", "9223372036854775808").is_err());
    let long = "9".repeat(1000);
    let message = SeedInput::parse(&long, "0").unwrap_err().0;
    assert!(message.len() < 120, "message repeats too much: {message}");
}

#[wasm_bindgen_test]
fn rows_pin_zookeeper_1622_at_the_edges_of_myid() {
    let rows = SeedInput {
        myid: 255,
        clock_ms: 1_700_000_000_000,
    }
    .rows();
    assert_eq!(rows[0].version, "3.4.5");
    assert_eq!(rows[0].session_id_hex, "0xff8bcfe568000000");
    assert_eq!(rows[1].session_id_hex, "0xff8bcfe568000000");
    // Bit 55 clear (an early clock): no sign extension to show, 3.4.5 keeps the myid.
    let rows = SeedInput {
        myid: 1,
        clock_ms: 1,
    }
    .rows();
    assert_eq!(rows[0].session_id_hex, "0x100000000010000");
    assert!(!rows[0].sign_extended);
}

#[wasm_bindgen_test]
fn form_keeps_the_typed_text_and_computes_from_the_latest_edits() {
    let mut form = SeedForm::default();
    assert_eq!(form.outcome, Outcome::NotYet);
    form.apply(SeedAction::EditMyid("3".into()));
    form.apply(SeedAction::EditClock("1700000000000".into()));
    form.apply(SeedAction::Compute);
    let Outcome::Rows(rows) = &form.outcome else {
        panic!("expected rows, got {:?}", form.outcome);
    };
    assert_eq!(rows[0].session_id_hex, "0xff8bcfe568000000");

    form.apply(SeedAction::EditMyid("x".into()));
    form.apply(SeedAction::Compute);
    assert!(matches!(form.outcome, Outcome::Refused(_)));
    assert_eq!(form.myid, "x");
}
