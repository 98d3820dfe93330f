//! The shared vectors, computed with real Java: `initializeNextSession` under the 3.4.5 shift and
//! the fixed shift (with the 3.5.4+ guard), and `generatePasswd`.

use serde_json::Value;
use zksim::ids::{generate_password, parse_hex, password_hex, seed_session_id};
use zksim::profile::{V3_4_5, V3_5_10, V3_6};

const VECTORS: &str = include_str!("vectors/session-ids-and-passwords.json");

#[test]
fn session_id_seeds_match_java() {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    let seeds = v["session_id_seeds"].as_array().unwrap();
    assert!(seeds.len() >= 20);
    for s in seeds {
        let now = s["now_ms"].as_i64().unwrap();
        let myid = s["myid"].as_i64().unwrap();
        let bug = parse_hex(s["shift_bug"].as_str().unwrap()).unwrap();
        let fixed = parse_hex(s["fixed"].as_str().unwrap()).unwrap();
        assert_eq!(seed_session_id(&V3_4_5, myid, now), bug, "3.4.5 {s}");
        assert_eq!(seed_session_id(&V3_5_10, myid, now), fixed, "3.5.10 {s}");
        assert_eq!(seed_session_id(&V3_6, myid, now), fixed, "3.6 {s}");
    }
}

#[test]
fn passwords_match_java() {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    let pws = v["passwords"].as_array().unwrap();
    assert!(pws.len() >= 20);
    for p in pws {
        let id = parse_hex(p["session_id"].as_str().unwrap()).unwrap();
        assert_eq!(
            password_hex(&generate_password(id)),
            p["password"].as_str().unwrap()
        );
    }
}
