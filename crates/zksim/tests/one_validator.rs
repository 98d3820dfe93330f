//! One validator: an action built in code (the palette's, through `World::apply`) is judged
//! exactly as the same action read from a file. `Scenario::check_actions` asks the typed
//! actions; `Scenario::validate` writes the scenario out and reads it back. For thousands of
//! random actions, right and wrong, inserted into a valid scenario, both must give the same
//! answer and, when they refuse, the same message at the same field path.

use zksim::scenario::{Action, ActionKind, Endpoint, Limits, MultiOp, RegisterStyle, Scenario};
use zksim::world::World;

const BASE: &str = r#"{"format": 1, "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
  "clients": [{"name": "app-1", "servers": [1, 2, 3], "session_timeout_ms": 4000},
              {"name": "app-2", "servers": [2], "session_timeout_ms": 6000},
              {"name": "web", "servers": [3, 1], "session_timeout_ms": 6000}],
  "actions": [{"at_ms": 100, "do": "connect", "client": "app-1"},
              {"at_ms": 5000, "do": "create", "client": "app-1", "path": "/a"},
              {"at_ms": 9000, "do": "connect", "client": "app-2", "session_of": "app-1"}]}"#;

/// SplitMix64, to pick.
struct Pick(u64);

impl Pick {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn of<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
    fn client(&mut self) -> String {
        self.of(&["app-1", "app-2", "web", "app-9", "s2", "bad name"])
            .to_string()
    }
    fn server(&mut self) -> u8 {
        self.of(&[0, 1, 2, 3, 4, 255])
    }
    fn path(&mut self) -> String {
        self.of(&[
            "/",
            "/a",
            "/a/b",
            "/jobs/job-",
            "a",
            "/a/",
            "//x",
            "/a/../b",
            "/\u{1}",
        ])
        .to_string()
    }
    fn data(&mut self) -> String {
        if self.below(20) == 0 {
            "x".repeat(0x100000)
        } else {
            self.of(&["", "v1"]).to_string()
        }
    }
    fn version(&mut self) -> i32 {
        self.of(&[-1, 0, 7, i32::MAX])
    }
    fn endpoint(&mut self) -> Endpoint {
        match self.below(4) {
            // Not `Server(0)`: "s0" is refused as it is read, before any other check.
            0 => Endpoint::Server(self.of(&[1, 2, 3, 4, 255])),
            _ => Endpoint::Client(self.of(&["app-1", "app-2", "web", "app-9"]).to_string()),
        }
    }
    fn side(&mut self) -> Vec<Endpoint> {
        let n = self.below(4);
        (0..n).map(|_| self.endpoint()).collect()
    }
    fn kind(&mut self) -> Option<String> {
        self.of(&[None, Some("PING"), Some("REVALIDATE"), Some("NOPE")])
            .map(str::to_string)
    }
    fn count(&mut self) -> Option<u32> {
        self.of(&[None, Some(1), Some(3)])
    }
    fn ms(&mut self) -> u64 {
        self.of(&[1, 500, 20_000])
    }
    fn multi_op(&mut self) -> MultiOp {
        match self.below(4) {
            0 => MultiOp::Create {
                path: self.path(),
                data: self.data(),
                ephemeral: self.below(2) == 0,
                sequential: self.below(2) == 0,
            },
            1 => MultiOp::SetData {
                path: self.path(),
                data: self.data(),
                version: self.version(),
            },
            2 => MultiOp::Delete {
                path: self.path(),
                version: self.version(),
            },
            _ => MultiOp::Check {
                path: self.path(),
                version: self.version(),
            },
        }
    }

    /// Any action, its fields right or wrong, with the numbers the reader's types take.
    fn action(&mut self) -> ActionKind {
        match self.below(21) {
            0 => ActionKind::StartServer {
                server: self.server(),
            },
            1 => ActionKind::CrashServer {
                server: self.server(),
            },
            2 => ActionKind::Connect {
                client: self.client(),
                session_of: self
                    .of(&[None, Some("app-1"), Some("web"), Some("app-9")])
                    .map(str::to_string),
                servers: self.of(&[
                    None,
                    Some(vec![]),
                    Some(vec![1, 2]),
                    Some(vec![2, 2]),
                    Some(vec![9]),
                ]),
                password: self.of(&[None, Some([7u8; 16])]),
            },
            3 => ActionKind::Close {
                client: self.client(),
            },
            4 => ActionKind::Kill {
                client: self.client(),
            },
            5 => ActionKind::Freeze {
                client: self.client(),
                for_ms: self.ms(),
            },
            6 => ActionKind::Create {
                client: self.client(),
                path: self.path(),
                data: self.data(),
                ephemeral: self.below(2) == 0,
                sequential: self.below(2) == 0,
            },
            7 => ActionKind::SetData {
                client: self.client(),
                path: self.path(),
                data: self.data(),
                version: self.version(),
            },
            8 => ActionKind::Delete {
                client: self.client(),
                path: self.path(),
                version: self.version(),
            },
            9 => ActionKind::Exists {
                client: self.client(),
                path: self.path(),
            },
            10 => ActionKind::GetData {
                client: self.client(),
                path: self.path(),
            },
            11 => ActionKind::Sync {
                client: self.client(),
                path: self.path(),
            },
            12 => {
                let n = self.below(4);
                ActionKind::Multi {
                    client: self.client(),
                    ops: (0..n).map(|_| self.multi_op()).collect(),
                }
            }
            13 => ActionKind::Register {
                client: self.client(),
                path: self.path(),
                data: self.data(),
                style: self.of(&[
                    RegisterStyle::ExistsThenSet,
                    RegisterStyle::DeleteThenCreate,
                ]),
            },
            14 => ActionKind::Partition {
                a: self.side(),
                b: self.side(),
                one_way: self.below(2) == 0,
            },
            15 => ActionKind::Heal {
                a: self.of(&[None, Some(())]).map(|_| self.side()),
                b: self.of(&[None, Some(())]).map(|_| self.side()),
            },
            16 => ActionKind::ClockJump {
                server: self.server(),
                by_ms: self.of(&[-5000, 60_000, 1 << 53, -(1 << 53)]),
            },
            17 => ActionKind::Hold {
                from: self.endpoint(),
                to: self.endpoint(),
                kind: self.kind(),
                count: self.count(),
            },
            18 => ActionKind::Release {
                from: self.of(&[None, Some(())]).map(|_| self.endpoint()),
                to: self.of(&[None, Some(())]).map(|_| self.endpoint()),
            },
            19 => ActionKind::Drop {
                from: self.endpoint(),
                to: self.endpoint(),
                kind: self.kind(),
                count: self.count(),
            },
            _ => ActionKind::Delay {
                from: self.endpoint(),
                to: self.endpoint(),
                kind: self.kind(),
                by_ms: self.ms(),
                count: self.count(),
            },
        }
    }
}

#[test]
fn typed_actions_are_judged_as_their_json_is() {
    let base = Scenario::from_json(BASE, &Limits::BROWSER).unwrap();
    let mut pick = Pick(1);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..4000 {
        let mut s = base.clone();
        // One to three new actions, each somewhere on the timeline.
        for _ in 0..1 + pick.below(3) {
            let at_ms = pick.of(&[0, 100, 4000, 9000, 30_000]);
            let at = s.actions.partition_point(|a| a.at_ms <= at_ms);
            s.actions.insert(
                at,
                Action {
                    at_ms,
                    kind: pick.action(),
                },
            );
        }
        s.until_ms = s.until_ms.max(Scenario::default_until_ms(&s.actions));
        for limits in [&Limits::BROWSER, &Limits::NATIVE] {
            let typed = s.check_actions(limits).map_err(|e| e.to_string());
            let json = s.validate(limits).map_err(|e| e.to_string());
            let text: String = s.to_json().chars().take(2000).collect();
            assert_eq!(typed, json, "{text}");
        }
        match s.check_actions(&Limits::BROWSER) {
            Ok(()) => accepted += 1,
            Err(_) => refused += 1,
        }
    }
    // Both kinds of answer were compared, many times.
    assert!(
        accepted > 300 && refused > 300,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn a_refused_palette_action_names_its_field_and_changes_nothing() {
    let base = Scenario::from_json(BASE, &Limits::BROWSER).unwrap();
    let mut w = World::new(&base, true);
    w.run_until(6000);
    let before = (w.trace_hash(), w.actions().len(), w.now_ms());
    let e = w
        .apply(ActionKind::Close {
            client: "web".into(),
        })
        .unwrap_err();
    assert_eq!(
        e.0,
        r#"actions[2].client: "web" has no handle yet (no connect before this action)"#
    );
    let e = w
        .apply(ActionKind::ClockJump {
            server: 4,
            by_ms: 1,
        })
        .unwrap_err();
    assert_eq!(e.0, "actions[2].server: no server with id 4");
    assert_eq!((w.trace_hash(), w.actions().len(), w.now_ms()), before);
    w.apply(ActionKind::Close {
        client: "app-1".into(),
    })
    .unwrap();
    assert_eq!(w.actions().len(), 4);
}

#[test]
fn numbers_out_of_range_are_refused_alike() {
    let base = Scenario::from_json(BASE, &Limits::BROWSER).unwrap();
    let day_ms = Limits::BROWSER.until_ms_max;
    let wrong = [
        ActionKind::Freeze {
            client: "app-1".into(),
            for_ms: 0,
        },
        ActionKind::Freeze {
            client: "app-1".into(),
            for_ms: day_ms + 1,
        },
        ActionKind::Delete {
            client: "app-1".into(),
            path: "/a".into(),
            version: -2,
        },
        ActionKind::Multi {
            client: "app-1".into(),
            ops: vec![MultiOp::Check {
                path: "/a".into(),
                version: i32::MIN,
            }],
        },
        ActionKind::Drop {
            from: Endpoint::Server(1),
            to: Endpoint::Client("app-1".into()),
            kind: None,
            count: Some(0),
        },
        ActionKind::Delay {
            from: Endpoint::Server(1),
            to: Endpoint::Server(2),
            kind: Some("PING".into()),
            by_ms: 0,
            count: None,
        },
        ActionKind::ClockJump {
            server: 2,
            by_ms: i64::MIN,
        },
        ActionKind::StartServer { server: 0 },
    ];
    for kind in wrong {
        let mut s = base.clone();
        s.actions.push(Action {
            at_ms: 20_000,
            kind,
        });
        s.until_ms = Scenario::default_until_ms(&s.actions);
        let typed = s.check_actions(&Limits::BROWSER).unwrap_err().to_string();
        let json = s.validate(&Limits::BROWSER).unwrap_err().to_string();
        assert_eq!(typed, json);
        assert!(typed.starts_with("actions[3]."), "{typed}");
    }
}
