//! The "Belief and truth" tab: per client handle, what it believes (top row) above what the
//! leader's tracker holds for its session (bottom row), on one time axis over the whole run,
//! with the spans where they disagree marked and listed in words. The content is the core's
//! [`zksim::lanes::Lanes`].
//!
//! Not on the page yet, as the Compare tab (see `compare.rs`).

use std::fmt::Write;

use web_sys::MouseEvent;
use yew::prelude::*;
use zksim::lanes::{ClientLane, Lanes as Model};
use zksim::scenario::Scenario;

use super::Props;
use super::ensemble::fx;
use crate::draw::{escape, time_axis};
use crate::fmt::secs;
use crate::state::Action;

const W: f64 = 1000.0;
const X0: f64 = 8.0;
const X1: f64 = 992.0;
const ROW_H: f64 = 22.0;
const BELIEF_Y: f64 = 20.0;
const TRUTH_Y: f64 = 48.0;
const AXIS_Y: f64 = 76.0;
const H: f64 = 98.0;
const TICKS_MAX: u64 = 12;
/// A span's label is written on it only when it is this wide (in viewBox units) or wider.
const LABEL_W_MIN: f64 = 90.0;

/// The run's lanes and their pictures, for the page to keep (a memo of the scenario).
pub fn model(scenario: &Scenario) -> (Model, Vec<AttrValue>) {
    let m = Model::of(scenario);
    let svgs = m
        .clients
        .iter()
        .map(|c| AttrValue::from(lane_svg(c, m.until_ms)))
        .collect();
    (m, svgs)
}

/// The tab. A function, not a component: the page holds the memo (each Yew component type
/// costs the bundle several KB).
pub fn lanes_tab(props: &Props, model: &(Model, Vec<AttrValue>)) -> Html {
    let engine = props.store.engine();
    let (m, svgs) = model;
    let onclick = {
        let d = props.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some((Some(t), _)) = super::compare::clicked(&e) {
                d.emit(Action::Seek(t));
            }
        })
    };
    let now = engine.now_ms();
    let lanes = m
        .clients
        .iter()
        .zip(svgs)
        .map(|(c, svg)| lane(c, svg, m.until_ms, now));
    html! {
        <section class="tab-body lanes" aria-label="Client belief and server truth" {onclick}>
            { Html::from_html_unchecked(AttrValue::Static(
                "<p class=\"hint\">For each client: on top what its handle believes (ZooKeeper.States \
                 and the last watcher event), below what the leader's tracker holds for that session. \
                 Red marks where they disagree: a client that still trusts a session the leader has \
                 ended, or a session the leader keeps for a client that is gone. The whole run is \
                 drawn; the line is now.</p>",
            )) }
            { for lanes }
        </section>
    }
}

/// One client's two rows, its disagreements and the axis, as SVG text (see `crate::draw`).
pub fn lane_svg(c: &ClientLane, until_ms: u64) -> String {
    let span = until_ms.max(1) as f64;
    let x = |t: u64| X0 + (X1 - X0) * (t.min(until_ms) as f64) / span;
    let mut out = String::new();
    for d in &c.disagreeing {
        let (x0, x1) = (x(d.from_ms), x(d.to_ms));
        let _ = write!(
            out,
            "<rect class=\"disagree {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            d.why.class(),
            fx(x0),
            fx(BELIEF_Y - 4.0),
            fx((x1 - x0).max(1.0)),
            fx(TRUTH_Y + ROW_H - BELIEF_Y + 8.0)
        );
    }
    for (spans, y, side) in [
        (&c.belief, BELIEF_Y, "belief"),
        (&c.truth, TRUTH_Y, "truth"),
    ] {
        let _ = write!(out, "<g class=\"lane-row\">");
        for s in spans.iter().filter(|s| s.to_ms > s.from_ms) {
            let (x0, x1) = (x(s.from_ms), x(s.to_ms));
            let label = escape(&s.label);
            let _ = write!(
                out,
                "<g class=\"span {side} {}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\">\
                 <title>{side}: {label} from {} to {}</title></rect>",
                s.kind,
                fx(x0),
                fx(y),
                fx((x1 - x0).max(0.5)),
                fx(ROW_H),
                secs(s.from_ms),
                secs(s.to_ms)
            );
            if x1 - x0 >= LABEL_W_MIN {
                let _ = write!(
                    out,
                    "<text x=\"{}\" y=\"{}\">{label}</text>",
                    fx(x0 + 4.0),
                    fx(y + 15.0)
                );
            }
            out.push_str("</g>");
        }
        out.push_str("</g>");
    }
    time_axis(&mut out, until_ms, X0, X1, AXIS_Y, TICKS_MAX);
    out
}

fn lane(c: &ClientLane, svg: &AttrValue, until_ms: u64, now_ms: u64) -> Html {
    let span = until_ms.max(1) as f64;
    let now_x = fx(X0 + (X1 - X0) * (now_ms.min(until_ms) as f64) / span);
    let summary = if c.disagreeing.is_empty() {
        "the two sides agree throughout".to_string()
    } else {
        format!("they disagree {} time(s)", c.disagreeing.len())
    };
    let mut list = String::new();
    if !c.disagreeing.is_empty() {
        list.push_str("<ul class=\"disagreements\">");
        for d in &c.disagreeing {
            let _ = write!(
                list,
                "<li class=\"{}\"><button class=\"go-disagree\" data-seek=\"{}\" \
                 aria-label=\"Go to {} ({} disagrees on {})\">{} to {}</button> session {}: {}</li>",
                d.why.class(),
                d.from_ms,
                secs(d.from_ms),
                escape(&c.client),
                d.session,
                secs(d.from_ms),
                secs(d.to_ms),
                d.session,
                d.why.sentence()
            );
        }
        list.push_str("</ul>");
    }
    html! {
        <div class="client-lane">
            { Html::from_html_unchecked(AttrValue::from(format!(
                "<h3>{}<span class=\"sub\">: {summary}</span></h3>",
                escape(&c.client)
            ))) }
            <svg class="lanes-svg" viewBox={format!("0 0 {} {}", fx(W), fx(H))} role="img"
                 aria-label={format!("{}: what the client believes above what the leader holds, from 0 to {}; {summary}.",
                                     c.client, secs(until_ms))}>
                { Html::from_html_unchecked(svg.clone()) }
                <line class="now" x1={now_x.clone()} x2={now_x} y1="10" y2={fx(AXIS_Y)} />
            </svg>
            { Html::from_html_unchecked(AttrValue::from(list)) }
        </div>
    }
}
