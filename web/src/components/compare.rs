//! The Compare tab (`&vs=<version>`): the scenario on screen and the same scenario under another
//! version, one lane each on one time axis, the first event where they part marked and put into
//! words, and how each client ended. The content comes from [`crate::compare::Compare`].
//!
//! Not on the page yet: with it and the lanes the bundle is 405.5 KB gzipped, over its 400 KB
//! budget (README, "What the test command runs"); the tab's wiring waits for room.

use std::fmt::Write;

use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, MouseEvent};
use yew::prelude::*;
use zksim::Version;
use zksim::scenario::Scenario;

use super::ensemble::fx;
use crate::compare::{Compare as Model, version_names};
use crate::draw::{escape, time_axis};
use crate::fmt::secs;
use crate::state::{Action, Playground};

const W: f64 = 1000.0;
const X0: f64 = 92.0;
const X1: f64 = 980.0;
const LANE_A_Y: f64 = 42.0;
const LANE_B_Y: f64 = 96.0;
const AXIS_Y: f64 = 128.0;
const H: f64 = 156.0;
const MARK_HALF_H: f64 = 13.0;
const TICKS_MAX: u64 = 12;

/// What the Compare tab needs from the page.
pub struct CompareProps {
    pub store: Playground,
    pub dispatch: Callback<Action>,
    /// The version to compare with (`&vs=`), if one is picked.
    pub vs: Option<Version>,
    /// A version picked in the tab (`None`: the blank choice).
    pub onvs: Callback<Option<Version>>,
    /// Open the scenario under the other version, with this one to compare.
    pub onswap: Callback<()>,
}

/// The two runs and what is drawn of them, for the page to keep (a memo of the scenario and
/// `vs`).
pub struct Drawn {
    pub model: Model,
    pub svg: AttrValue,
    pub parting: AttrValue,
    pub ends: AttrValue,
}

/// The two runs of `scenario`, its own version's and `vs`'s, drawn.
pub fn model(scenario: &Scenario, vs: Option<Version>) -> Option<Drawn> {
    vs.map(|v| {
        let model = Model::of(scenario, v);
        Drawn {
            svg: AttrValue::from(picture_svg(&model)),
            parting: AttrValue::from(parting_html(&model)),
            ends: AttrValue::from(ends_html(&model)),
            model,
        }
    })
}

/// What a click inside a drawn tab asks for: the `data-seek` (virtual ms) or `data-act` of the
/// button under it. The tabs' buttons are markup, not Yew nodes (see `crate::draw`); one
/// listener on the tab reads them.
pub fn clicked(e: &MouseEvent) -> Option<(Option<u64>, Option<String>)> {
    let target = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    let button = target.closest("button").ok()??;
    let seek = button
        .get_attribute("data-seek")
        .and_then(|t| t.parse().ok());
    Some((seek, button.get_attribute("data-act")))
}

/// The version picker as markup: the current version left out, `picked` selected.
fn picker_html(here: &str, picked: &str) -> String {
    let mut out = format!(
        "<p class=\"compare-pick\"><label>This scenario under {here}, compared with \
         <select aria-label=\"Compare with version\" name=\"vs\"><option value=\"\"{}>(pick a version)</option>",
        if picked.is_empty() { " selected" } else { "" }
    );
    for v in version_names().into_iter().filter(|v| *v != here) {
        let _ = write!(
            out,
            "<option value=\"{v}\"{}>{v}</option>",
            if picked == v { " selected" } else { "" }
        );
    }
    out.push_str("</select></label></p>");
    out
}

/// The tab. A function, not a component: the page holds the memo (each Yew component type
/// and each drawn element cost the bundle; the static parts are markup).
pub fn compare_tab(props: &CompareProps, model: Option<&Drawn>) -> Html {
    let engine = props.store.engine();
    let here = engine.world().profile().name;
    let now = engine.now_ms();
    let onchange = {
        let onvs = props.onvs.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                onvs.emit(Version::parse(&select.value()));
            }
        })
    };
    let onclick = {
        let d = props.dispatch.clone();
        let swap = props.onswap.clone();
        Callback::from(move |e: MouseEvent| match clicked(&e) {
            Some((Some(t), _)) => d.emit(Action::Seek(t)),
            Some((None, Some(act))) if act == "swap" => swap.emit(()),
            _ => {}
        })
    };
    let picked = props.vs.map(|v| v.name()).unwrap_or("");
    let picker = Html::from_html_unchecked(AttrValue::from(picker_html(here, picked)));
    let body = match model {
        None => Html::from_html_unchecked(AttrValue::Static(
            "<p class=\"hint\">Pick a version and the same scenario runs again under it: both runs \
             on one time axis, the first moment they do something different marked and explained, \
             and how each client ended. For example the 3.4.5 collision against 3.4.6, or \
             ZOOKEEPER-2886's stuck multi on 3.5.10 against 3.6. A link with \
             <code>&amp;vs=3.4.6</code> opens this view.</p>",
        )),
        Some(d) => view(d, now),
    };
    html! {
        <section class="tab-body compare" aria-label="Versions side by side" {onchange} {onclick}>
            { picker }
            { body }
        </section>
    }
}

/// The two lanes, the axis and the parting line as SVG text (no listeners: see `crate::draw`).
pub fn picture_svg(m: &Model) -> String {
    let span = m.until_ms.max(1) as f64;
    let x = |t: u64| X0 + (X1 - X0) * (t.min(m.until_ms) as f64) / span;
    let mut out = String::new();
    if let Some(p) = &m.parting {
        let px = x(p.at_ms);
        let _ = write!(
            out,
            "<g class=\"parting\"><rect class=\"agreed\" x=\"{}\" y=\"14\" width=\"{}\" height=\"{}\"/>\
             <line x1=\"{}\" x2=\"{}\" y1=\"10\" y2=\"{}\"/><text x=\"{}\" y=\"12\">they part at {}</text></g>",
            fx(X0),
            fx(px - X0),
            fx(AXIS_Y - 14.0),
            fx(px),
            fx(px),
            fx(AXIS_Y),
            fx(px + 4.0),
            secs(p.at_ms)
        );
    }
    for (s, y) in [(&m.a, LANE_A_Y), (&m.b, LANE_B_Y)] {
        let _ = write!(
            out,
            "<g class=\"compare-lane\"><text class=\"lane-name\" x=\"8\" y=\"{}\">{}</text>\
             <line class=\"lane-base\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
            fx(y + 4.0),
            s.version,
            fx(X0),
            fx(X1),
            fx(y),
            fx(y)
        );
        let (y1, y2) = (fx(y - MARK_HALF_H), fx(y + MARK_HALF_H));
        for k in &s.marks {
            let mx = fx(x(k.at_ms));
            let _ = write!(
                out,
                "<line class=\"mark {}\" x1=\"{mx}\" x2=\"{mx}\" y1=\"{y1}\" y2=\"{y2}\"><title>{}</title></line>",
                k.kind,
                escape(&k.text)
            );
        }
        out.push_str("</g>");
    }
    time_axis(&mut out, m.until_ms, X0, X1, AXIS_Y, TICKS_MAX);
    out
}

/// The words around the picture (where they part, how each client and session ended) as
/// markup: static text, so it is not a tree of Yew nodes either.
pub fn parting_html(m: &Model) -> String {
    let Some(p) = &m.parting else {
        return String::new();
    };
    let ended = "(this run had already ended)";
    format!(
        "<div class=\"compare-first\"><h3>Where they part</h3><dl><dt>Under {}</dt>\
         <dd class=\"said-a\">{}</dd><dt>Under {}</dt><dd class=\"said-b\">{}</dd></dl>\
         <p class=\"compare-buttons\"><button class=\"go-parting\" data-seek=\"{}\">Go to {} here</button>\
         <button class=\"swap\" data-act=\"swap\">Open it under {} instead</button></p></div>",
        m.a.version,
        escape(p.a.as_deref().unwrap_or(ended)),
        m.b.version,
        escape(p.b.as_deref().unwrap_or(ended)),
        p.at_ms,
        secs(p.at_ms),
        m.b.version
    )
}

/// "How it ends": a row per client (marked where the two runs differ), the sessions, the hashes.
pub fn ends_html(m: &Model) -> String {
    let mut out = format!(
        "<h3>How it ends</h3><table class=\"compare-ends\"><thead><tr><th scope=\"col\">Client</th>\
         <th scope=\"col\">Under {}</th><th scope=\"col\">Under {}</th></tr></thead><tbody>",
        m.a.version, m.b.version
    );
    for (a, b) in m.a.clients.iter().zip(&m.b.clients) {
        let differs = a != b;
        let _ = write!(
            out,
            "<tr{}><th scope=\"row\">{}{}</th>\
             <td>{}<span class=\"events\"> · events: {}</span></td>\
             <td>{}<span class=\"events\"> · events: {}</span></td></tr>",
            if differs { " class=\"differs\"" } else { "" },
            escape(&a.name),
            if differs { " ≠" } else { "" },
            a.state,
            a.events,
            b.state,
            b.events
        );
    }
    out.push_str("</tbody></table>");
    for s in [&m.a, &m.b] {
        let _ = write!(
            out,
            "<p class=\"compare-sessions\">Sessions under {}: {}. Trace <code>{}</code></p>",
            s.version,
            if s.sessions.is_empty() {
                "none".to_string()
            } else {
                s.sessions.join(", ")
            },
            s.trace_hash
        );
        if s.marks_total > s.marks.len() {
            let _ = write!(
                out,
                "<p class=\"hint\">The {} lane draws the first {} of its {} interesting events.</p>",
                s.version,
                s.marks.len(),
                s.marks_total
            );
        }
    }
    out
}

fn view(d: &Drawn, now_ms: u64) -> Html {
    let m = &d.model;
    let span = m.until_ms.max(1) as f64;
    let now_x = fx(X0 + (X1 - X0) * (now_ms.min(m.until_ms) as f64) / span);
    let label = format!(
        "Time axis from 0 to {}: the run under {} above, under {} below. {}",
        secs(m.until_ms),
        m.a.version,
        m.b.version,
        m.verdict()
    );
    html! {
        <>
            <p class="compare-verdict" role="status">{ m.verdict() }</p>
            <svg class="compare-svg" viewBox={format!("0 0 {} {}", fx(W), fx(H))} role="img" aria-label={label}>
                { Html::from_html_unchecked(d.svg.clone()) }
                <line class="now" x1={now_x.clone()} x2={now_x} y1="14" y2={fx(AXIS_Y)} />
            </svg>
            { Html::from_html_unchecked(d.parting.clone()) }
            { Html::from_html_unchecked(d.ends.clone()) }
        </>
    }
}
