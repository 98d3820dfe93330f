//! The bug-report text: what to paste into a JIRA or GitHub issue about what is on screen. The
//! version, the share link to this very moment, the trace hash, and ZooKeeper's session-related
//! log lines up to now (established, expiring, moved, closing, revalidating), capped.

use crate::fmt::secs;
use crate::state::{Engine, title_of};

/// Log lines in a report, at most (the latest that are about sessions).
pub const REPORT_LINES_MAX: usize = 40;

/// Whether a log line is about a session's life: created or established, expired, moved,
/// closed, revalidated (the lines a ZooKeeper bug report about sessions quotes).
pub fn is_session_line(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["session", "revalidat", "closing", "expir"]
        .iter()
        .any(|word| t.contains(word))
}

/// The report. `page` is the page's address without its fragment; the link in the report is
/// that page with the share fragment of now (`#s=1.<scenario>&t=<ms>`).
pub fn bug_report(engine: &Engine, page: &str) -> String {
    let world = engine.world();
    let page = page.split('#').next().unwrap_or(page);
    let mut lines: Vec<String> = Vec::new();
    let mut total = 0usize;
    for e in engine.log() {
        let Some(l) = &e.log else { continue };
        if !is_session_line(&l.text) {
            continue;
        }
        if let Some(line) = e.log_text(&world.node_name(&e.node)) {
            total += 1;
            lines.push(line);
        }
    }
    let kept = &lines[lines.len().saturating_sub(REPORT_LINES_MAX)..];
    let mut out = String::new();
    out.push_str(&format!("Scenario: {}\n", title_of(engine)));
    out.push_str(&format!(
        "Version: ZooKeeper {} (as zksim {} models it)\n",
        world.profile().name,
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str(&format!(
        "Moment: {} of {} (virtual time)\n",
        secs(engine.now_ms()),
        secs(engine.until_ms())
    ));
    if engine.acts() > 0 {
        out.push_str(&format!(
            "Acts done by hand: {} (the link replays them)\n",
            engine.acts()
        ));
    }
    out.push_str(&format!("Link: {page}#{}\n", engine.share_fragment()));
    out.push_str(&format!("Trace hash: {}\n", world.trace_hash()));
    out.push('\n');
    if kept.is_empty() {
        out.push_str("No session log lines yet (established, expiring, moved, closing).\n");
    } else {
        out.push_str(&format!(
            "Session log lines up to now ({}; ZooKeeper's log, seconds of virtual time):\n\n",
            if kept.len() < total {
                format!("the last {} of {total}", kept.len())
            } else {
                format!("{total}")
            }
        ));
        for line in kept {
            out.push_str("    ");
            out.push_str(line.trim_start());
            out.push('\n');
        }
    }
    out
}
