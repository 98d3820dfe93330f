//! Same everywhere: each gallery story's trace hash, run natively to its `until_ms` with events
//! only hashed, must equal the one pinned in `fixtures/gallery-hashes.json`. The web crate's
//! browser test (`web/tests/gallery_hashes.rs`) checks the same file in Chromium, so a story
//! that runs differently in wasm32 fails there.
//!
//! A deliberate behaviour change moves hashes: rerun with `ZKSIM_BLESS=1` to rewrite the file,
//! and say why in the commit.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zksim::gallery::STORIES;
use zksim::world::World;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gallery-hashes.json")
}

/// The fixture's text for these hashes: one `"id": "hash"` a line, in gallery order, so that the
/// browser test can read it without a JSON library.
fn render(hashes: &[(&str, String)]) -> String {
    let lines: Vec<String> = hashes
        .iter()
        .map(|(id, h)| format!("  \"{id}\": \"{h}\""))
        .collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

#[test]
fn every_gallery_story_hashes_as_pinned() {
    let hashes: Vec<(&str, String)> = STORIES
        .iter()
        .map(|s| {
            let sc = s.scenario().unwrap_or_else(|e| panic!("{}: {e}", s.id));
            let mut w = World::new(&sc, false);
            w.run();
            (s.id, w.trace_hash())
        })
        .collect();
    let path = fixture_path();
    if std::env::var_os("ZKSIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, render(&hashes)).unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let pinned: BTreeMap<String, String> = serde_json::from_str(&text).unwrap_or_default();
    let mut differ = Vec::new();
    for (id, h) in &hashes {
        match pinned.get(*id) {
            Some(p) if p == h => {}
            Some(p) => differ.push(format!("{id}: pinned {p}, now {h}")),
            None => differ.push(format!("{id}: not pinned, now {h}")),
        }
    }
    if pinned.len() != hashes.len() {
        differ.push(format!(
            "{} stories pinned, {} in the gallery",
            pinned.len(),
            hashes.len()
        ));
    }
    assert!(
        differ.is_empty(),
        "gallery trace hashes differ from {}:\n  {}\nIf the behaviour change is intended, rerun \
         with ZKSIM_BLESS=1 to rewrite the file (the browser test reads it too).",
        path.display(),
        differ.join("\n  ")
    );
}
