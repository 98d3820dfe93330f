//! Pictures drawn as SVG text. A picture with no listeners of its own (the Compare and the
//! Belief-and-truth lanes) is one string given to the page as raw markup, not a tree of Yew
//! nodes: a few hundred marks cost a loop over `write!` instead of the code Yew generates per
//! drawn element (measured: 2.1 KB gzipped less for the two pictures than as Yew nodes), and a
//! re-render with the same picture leaves the DOM alone.

use std::fmt::Write;

use crate::components::ensemble::fx;

/// `s` made safe inside an attribute or text of XML markup.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The time axis from `x0` to `x1` at height `y`: the line, and 0 and every round step of
/// `until_ms` (at most `max_steps` of them) as a tick with its label in seconds.
pub fn time_axis(out: &mut String, until_ms: u64, x0: f64, x1: f64, y: f64, max_steps: u64) {
    let span = until_ms.max(1) as f64;
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
        fx(x0),
        fx(x1),
        fx(y),
        fx(y)
    );
    for t in crate::compare::axis_ticks_ms(until_ms, max_steps) {
        let x = fx(x0 + (x1 - x0) * t as f64 / span);
        let _ = write!(
            out,
            "<g class=\"axis-tick\"><line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/>\
             <text x=\"{x}\" y=\"{}\">{} s</text></g>",
            fx(y),
            fx(y + 5.0),
            fx(y + 18.0),
            t / 1000
        );
    }
}
