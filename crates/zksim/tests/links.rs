//! Links from outside: old links must keep opening.
//!
//! * `fixtures/links/*.txt` are links made by the first version of the link format, each beside
//!   the scenario it must decode to (`*.json`). They are never regenerated: a link shared today
//!   must open in every later version, and these are the proof.
//! * That no input crashes the link decoder or the scenario reader, and that whatever they accept
//!   round-trips, is the fuzz layer's (`scripts/fuzz.sh`, coverage-guided by libFuzzer, with these
//!   fixtures and the gallery as its seed corpus; the properties are in `fuzz/src/lib.rs`).

use std::path::PathBuf;

use zksim::link::{self, Decoded};
use zksim::scenario::{Limits, Scenario};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `(name, link, expected scenario JSON)` for every fixture link.
fn fixture_links() -> Vec<(String, String, String)> {
    let dir = fixtures().join("links");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".txt").map(str::to_string)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let link = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
            let json = std::fs::read_to_string(dir.join(format!("{name}.json")))
                .unwrap_or_else(|_| panic!("{name}.txt has no {name}.json beside it"));
            (name, link, json)
        })
        .collect()
}

#[test]
fn old_links_still_open() {
    let all = fixture_links();
    assert!(all.len() >= 4);
    for (name, link, json) in all {
        let expected = Scenario::from_json(&json, &Limits::BROWSER)
            .unwrap_or_else(|e| panic!("{name}.json: {e}"));
        let Decoded { scenario, t_ms } =
            link::decode(&link, &Limits::BROWSER).unwrap_or_else(|e| panic!("{name}.txt: {e}"));
        assert_eq!(scenario, expected, "{name}");
        let t_in_link = link
            .trim()
            .rsplit_once("&t=")
            .map(|(_, t)| t.parse::<u64>().unwrap());
        assert_eq!(t_ms, t_in_link, "{name}");
    }
}

#[test]
fn old_links_cover_every_input_form() {
    let links: Vec<String> = fixture_links().into_iter().map(|(_, l, _)| l).collect();
    assert!(links.iter().any(|l| l.starts_with("https://")));
    assert!(links.iter().any(|l| l.starts_with("#s=1.")));
    assert!(links.iter().any(|l| l.starts_with("s=1.")));
    assert!(links.iter().any(|l| l.starts_with("1.")));
    assert!(links.iter().any(|l| l.contains("&t=")));
}

#[test]
fn a_new_link_of_an_old_scenario_opens_to_the_same_scenario() {
    for (name, _, json) in fixture_links() {
        let s = Scenario::from_json(&json, &Limits::BROWSER).unwrap();
        let again = link::decode(&link::encode(&s), &Limits::BROWSER).unwrap();
        assert_eq!(again.scenario, s, "{name}");
    }
}
