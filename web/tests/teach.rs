//! The playground teaches: the sequence diagram's quorum toggle and to-scale rows.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use zksim::trace::Node;
use zksim_web::App;
use zksim_web::components::sequence::{is_quorum, row_ys};

mod dom;
use dom::{click, count, key_on, mount_owned, scrub, set_hash, text};

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
