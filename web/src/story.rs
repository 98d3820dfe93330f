//! The gallery as the page shows it: each story's title (the scenario's `name`) and
//! description, grouped by theme for the picker, and the description's markdown as HTML.

use std::sync::OnceLock;

use yew::prelude::*;
use zksim::gallery::STORIES;

/// One gallery story, read once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryInfo {
    pub id: &'static str,
    pub title: String,
    /// Markdown, as written in the scenario file.
    pub description: String,
    pub theme: &'static str,
}

/// The picker's groups, in order, and the stories in each (by id). A story not listed here
/// (one added to the gallery later) goes under [`OTHER`].
pub const THEMES: &[(&str, &[&str])] = &[
    (
        "Session IDs",
        &["collision-3.4.5", "collision-3.4.6", "collision-3.6"],
    ),
    (
        "A session's life",
        &[
            "session-life",
            "timeout-negotiation",
            "connection-loss-vs-expiry",
            "reconnect-after-expiry",
            "leader-failover",
        ],
    ),
    (
        "When the client gives up",
        &["ensemble-down-3.9.2", "ensemble-down-3.9.3"],
    ),
    (
        "Ephemeral nodes",
        &["ephemeral-trap", "ephemeral-trap-fix", "stale-holders"],
    ),
    (
        "SessionMoved and REVALIDATE",
        &[
            "zookeeper-710",
            "zookeeper-2886-stuck",
            "zookeeper-2886-fixed",
        ],
    ),
    ("Clocks", &["clock-jump-3.4.6", "clock-jump-3.4.14"]),
];
pub const OTHER: &str = "More stories";

/// Stories that tell one bug across versions, or a bug and its fix: each story offers the
/// others of its family at t = 0.
pub const SIBLINGS: &[&[&str]] = &[
    &["collision-3.4.5", "collision-3.4.6", "collision-3.6"],
    &["ephemeral-trap", "ephemeral-trap-fix"],
    &["zookeeper-2886-stuck", "zookeeper-2886-fixed"],
    &["clock-jump-3.4.6", "clock-jump-3.4.14"],
    &["ensemble-down-3.9.2", "ensemble-down-3.9.3"],
];

/// The other stories of `id`'s family (see [`SIBLINGS`]), in the family's order.
pub fn siblings(id: &str) -> Vec<&'static StoryInfo> {
    SIBLINGS
        .iter()
        .find(|family| family.contains(&id))
        .map(|family| {
            family
                .iter()
                .filter(|other| **other != id)
                .filter_map(|other| info(other))
                .collect()
        })
        .unwrap_or_default()
}

fn theme_of(id: &str) -> &'static str {
    THEMES
        .iter()
        .find(|(_, ids)| ids.contains(&id))
        .map(|(t, _)| *t)
        .unwrap_or(OTHER)
}

/// Every story in gallery order, with its title and description.
pub fn all() -> &'static [StoryInfo] {
    static ALL: OnceLock<Vec<StoryInfo>> = OnceLock::new();
    ALL.get_or_init(|| {
        STORIES
            .iter()
            .map(|s| {
                let sc = s.scenario().ok();
                StoryInfo {
                    id: s.id,
                    title: sc
                        .as_ref()
                        .and_then(|sc| sc.name.clone())
                        .unwrap_or_else(|| s.id.to_string()),
                    description: sc.and_then(|sc| sc.description).unwrap_or_default(),
                    theme: theme_of(s.id),
                }
            })
            .collect()
    })
}

pub fn info(id: &str) -> Option<&'static StoryInfo> {
    all().iter().find(|s| s.id == id)
}

/// The picker's groups: each theme with its stories, in the theme's order, then any others.
pub fn grouped() -> Vec<(&'static str, Vec<&'static StoryInfo>)> {
    let mut groups: Vec<(&'static str, Vec<&'static StoryInfo>)> = THEMES
        .iter()
        .map(|(theme, ids)| {
            (
                *theme,
                ids.iter().filter_map(|id| info(id)).collect::<Vec<_>>(),
            )
        })
        .collect();
    groups.push((OTHER, all().iter().filter(|s| s.theme == OTHER).collect()));
    groups.retain(|(_, stories)| !stories.is_empty());
    groups
}

/// The small markdown of the scenario files as HTML: paragraphs (blank lines), `code`, **bold**,
/// *emphasis*, [links](…) shown as their text. Built as nodes, never as raw HTML.
pub fn markdown(text: &str) -> Html {
    let paragraphs = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let p = p.replace('\n', " ");
            html! { <p>{ inline(&p) }</p> }
        });
    html! { <>{ for paragraphs }</> }
}

/// Text without markdown marks, for places that take plain text (a tooltip).
pub fn plain(text: &str) -> String {
    let mut out = String::new();
    collect(text, &mut |piece| match piece {
        Piece::Text(t) | Piece::Code(t) | Piece::Strong(t) | Piece::Em(t) => out.push_str(t),
    });
    out
}

enum Piece<'a> {
    Text(&'a str),
    Code(&'a str),
    Strong(&'a str),
    Em(&'a str),
}

fn inline(text: &str) -> Html {
    let mut nodes: Vec<Html> = Vec::new();
    collect(text, &mut |piece| {
        nodes.push(match piece {
            Piece::Text(t) => html! { { t.to_string() } },
            Piece::Code(t) => html! { <code>{ t.to_string() }</code> },
            Piece::Strong(t) => html! { <strong>{ t.to_string() }</strong> },
            Piece::Em(t) => html! { <em>{ t.to_string() }</em> },
        })
    });
    html! { <>{ for nodes }</> }
}

fn collect<'a>(text: &'a str, out: &mut impl FnMut(Piece<'a>)) {
    let mut rest = text;
    while !rest.is_empty() {
        // The earliest mark that has a closing partner.
        let marks: [(&str, &str); 4] = [("`", "`"), ("**", "**"), ("*", "*"), ("[", "](")];
        let found = marks
            .iter()
            .filter_map(|(open, close)| {
                let i = rest.find(open)?;
                let j = rest[i + open.len()..].find(close)? + i + open.len();
                Some((i, j, *open, *close))
            })
            .min_by_key(|(i, _, open, _)| (*i, std::cmp::Reverse(open.len())));
        let Some((i, j, open, close)) = found else {
            out(Piece::Text(rest));
            return;
        };
        if i > 0 {
            out(Piece::Text(&rest[..i]));
        }
        let inner = &rest[i + open.len()..j];
        let mut after = &rest[j + close.len()..];
        match open {
            "`" => out(Piece::Code(inner)),
            "**" => out(Piece::Strong(inner)),
            "*" => out(Piece::Em(inner)),
            _ => {
                // [text](target): the text; the target is dropped (the page goes nowhere).
                out(Piece::Text(inner));
                after = after.split_once(')').map(|(_, a)| a).unwrap_or("");
            }
        }
        rest = after;
    }
}
