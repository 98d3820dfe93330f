//! Same everywhere: every gallery story, run in Chromium (wasm32), has the trace hash pinned in
//! `crates/zksim/tests/fixtures/gallery-hashes.json`, which the native test
//! (`crates/zksim/tests/gallery_hashes.rs`) checks against the native run.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use zksim::gallery::STORIES;
use zksim::world::World;

wasm_bindgen_test_configure!(run_in_browser);

const PINNED: &str = include_str!("../../crates/zksim/tests/fixtures/gallery-hashes.json");

/// The fixture is one `"id": "hash"` a line (the native test writes it so).
fn pinned() -> Vec<(String, String)> {
    PINNED
        .lines()
        .filter_map(|l| {
            let l = l.trim().trim_end_matches(',');
            let (k, v) = l.split_once(':')?;
            Some((
                k.trim().trim_matches('"').to_string(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
        .collect()
}

#[wasm_bindgen_test]
fn every_gallery_story_hashes_in_the_browser_as_natively() {
    let pinned = pinned();
    assert_eq!(
        pinned.len(),
        STORIES.len(),
        "fixture and gallery differ in size"
    );
    for s in STORIES {
        let sc = s.scenario().unwrap();
        let mut w = World::new(&sc, false);
        w.run();
        let want = pinned
            .iter()
            .find(|(id, _)| id == s.id)
            .unwrap_or_else(|| panic!("{} is not pinned", s.id));
        assert_eq!(
            w.trace_hash(),
            want.1,
            "{}: wasm32 hash differs from native",
            s.id
        );
    }
}
