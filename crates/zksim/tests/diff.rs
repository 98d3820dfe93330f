//! Versions side by side (`zksim diff`, DESIGN.md "Compare"): the first behavioural event where
//! two profiles part ways on one scenario.

use zksim::diff::diff;
use zksim::profile::Version;
use zksim::trace::EventKind;

fn story(id: &str) -> zksim::scenario::Scenario {
    zksim::gallery::story(id).unwrap().scenario().unwrap()
}

#[test]
fn zookeeper_1622_the_collision_story_parts_at_the_first_seeding() {
    // 3.4.5's arithmetic shift and 3.4.6's logical one agree on everything before the first
    // tracker is seeded, and give different session-ID seeds there.
    let d = diff(&story("collision-3.4.5"), Version::V3_4_6, None);
    let v = d.divergence.expect("3.4.5 and 3.4.6 differ");
    let (a, b) = (v.a.unwrap(), v.b.unwrap());
    assert!(matches!(a.kind, EventKind::TrackerSeeded { .. }), "{a:?}");
    assert_eq!((a.at_ms, a.node.clone()), (b.at_ms, b.node.clone()));
    assert!(a.explain.contains("0xff8bcfe568cc0000"), "{}", a.explain);
    assert!(b.explain.contains("0x18bcfe568cc0000"), "{}", b.explain);
}

#[test]
fn zookeeper_2886_the_stuck_multi_parts_where_3_6_closes_the_connection() {
    // 3.5.10 answers the SessionMoved multi with a reply (ErrorResult -118 inside); 3.6
    // closes the connection instead (ZOOKEEPER-2886).
    let d = diff(&story("zookeeper-2886-stuck"), Version::V3_6, None);
    let v = d.divergence.expect("3.5.10 and 3.6 differ");
    assert!(v.a.unwrap().explain.starts_with("reply "));
    assert!(v.b.unwrap().explain.starts_with("close"));
}

#[test]
fn a_profile_against_itself_has_no_divergence() {
    let sc = story("ephemeral-trap");
    assert!(diff(&sc, sc.version, None).divergence.is_none());
}
