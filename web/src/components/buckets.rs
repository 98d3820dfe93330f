//! Expiry buckets: the leader's buckets on a time axis at tick multiples, the sessions in each,
//! the expirer's next-expiration cursor, the latest moves; each learner's touch table.

use yew::prelude::*;
use zksim::ids::hex;
use zksim::trace::EventKind;

use super::Props;
use super::ensemble::fx;
use crate::fmt::{secs, signed_secs};
use crate::state::{Action, Selection};

const W: f64 = 1000.0;
const H: f64 = 210.0;
const AXIS_Y: f64 = 180.0;
const CHIPS_PER_BUCKET_MAX: usize = 9;
const MOVES_SHOWN: usize = 8;

#[function_component]
pub fn Buckets(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let engine = props.store.engine();
    let world = engine.world();
    let tick = world.config().tick_ms as i64;
    let buckets = world.bucket_views();
    let cursor = world.expiry_cursor();
    let servers = world.server_views();
    let sel = engine.selection.clone();

    let picture = match cursor {
        None => html! { <p class="hint">{ "No leader is serving: no tracker, no buckets." }</p> },
        Some((clock, next)) => {
            let first = buckets.first().map(|b| b.bucket_ms).unwrap_or(next);
            let last = buckets.last().map(|b| b.bucket_ms).unwrap_or(next);
            let lo = (clock.min(first).min(next) / tick - 1) * tick;
            let hi = ((last.max(next).max(clock) / tick) + 2) * tick;
            let span = (hi - lo).max(1) as f64;
            let x = |t: i64| 30.0 + (W - 60.0) * (t - lo) as f64 / span;
            let ticks_n = (hi - lo) / tick;
            let step = (ticks_n / 14 + 1).max(1);
            let ticks = (0..=ticks_n).step_by(step as usize).map(|i| {
                let t = lo + i * tick;
                html! {
                    <g class="axis-tick">
                        <line x1={fx(x(t))} x2={fx(x(t))} y1={fx(AXIS_Y)} y2={fx(AXIS_Y + 5.0)} />
                        <text x={fx(x(t))} y={fx(AXIS_Y + 18.0)}>{ signed_secs(t - clock) }</text>
                    </g>
                }
            });
            let columns = buckets.iter().map(|b| {
                let bx = x(b.bucket_ms);
                let chips = b.sessions.iter().take(CHIPS_PER_BUCKET_MAX).enumerate().map(|(i, id)| {
                    let y = AXIS_Y - 18.0 - 17.0 * i as f64;
                    let selected = matches!(&sel, Some(Selection::Session { id: s, .. }) if s == id);
                    let select = {
                        let d = props.dispatch.clone();
                        let id = *id;
                        Callback::from(move |()| d.emit(Action::Select(Some(Selection::Session { id, minted_by: None }))))
                    };
                    let onkeydown = super::on_activate(select.clone());
                    let onclick = select.reform(|_: MouseEvent| ());
                    let label = hex(*id);
                    let short = if label.len() > 8 { format!("…{}", &label[label.len() - 5..]) } else { label.clone() };
                    html! {
                        <g class={classes!("chip", selected.then_some("selected"))} role="button" tabindex="0"
                           aria-label={format!("{short}: session {label}")} {onclick} {onkeydown}>
                            <title>{ label }</title>
                            <rect x={fx(bx - 28.0)} y={fx(y - 7.0)} width="56" height="15" rx="3" />
                            <text x={fx(bx)} y={fx(y + 4.0)}>{ short }</text>
                        </g>
                    }
                });
                let more = b.sessions.len().saturating_sub(CHIPS_PER_BUCKET_MAX);
                html! {
                    <g class={classes!("bucket", b.is_next.then_some("next"))} data-bucket={b.bucket_ms.to_string()}>
                        <line x1={fx(bx)} x2={fx(bx)} y1={fx(AXIS_Y)} y2={fx(AXIS_Y - 8.0)} />
                        { for chips }
                        if more > 0 {
                            <text x={fx(bx)} y="14" class="more">{ format!("+{more}") }</text>
                        }
                    </g>
                }
            });
            html! {
                <svg viewBox={format!("0 0 {W} {H}")} class="buckets-svg" role="group"
                     aria-label="The leader's expiry buckets on a time axis">
                    <line class="axis" x1="20" x2={fx(W - 20.0)} y1={fx(AXIS_Y)} y2={fx(AXIS_Y)} />
                    { for ticks }
                    { for columns }
                    <g class="cursor-now">
                        <line x1={fx(x(clock))} x2={fx(x(clock))} y1="20" y2={fx(AXIS_Y)} />
                        <text x={fx(x(clock))} y="14">{ "tracker clock" }</text>
                    </g>
                    <g class="cursor-next">
                        <line x1={fx(x(next))} x2={fx(x(next))} y1="28" y2={fx(AXIS_Y)} />
                        <text x={fx(x(next) + 4.0)} y="34" class="start">{ "next expiration" }</text>
                    </g>
                </svg>
            }
        }
    };

    let moves: Vec<Html> = engine
        .log()
        .rev()
        .filter_map(|e| match &e.kind {
            EventKind::BucketMoved { session, from_ms, to_ms } => Some(html! {
                <li>{ format!("{} {} moved {} → {}", secs(e.at_ms), hex(*session),
                    from_ms.map(|f| f.to_string()).unwrap_or_else(|| "(new)".into()), to_ms) }</li>
            }),
            EventKind::BucketExpired { bucket_ms, sessions } if *sessions > 0 => Some(html! {
                <li class="expired">{ format!("{} bucket {bucket_ms} expired: {sessions} session(s)", secs(e.at_ms)) }</li>
            }),
            _ => None,
        })
        .take(MOVES_SHOWN)
        .collect();

    let touch = servers
        .iter()
        .filter(|s| !s.touch_table.is_empty() || matches!(s.role, zksim::server::Role::Following))
        .map(|s| {
            html! {
                <div class="touch" data-touch={s.myid.to_string()}>
                    <h4>{ format!("s{} touch table", s.myid) }</h4>
                    if s.touch_table.is_empty() {
                        <p class="hint">{ "empty (sent with the last PING)" }</p>
                    } else {
                        <ul>{ for s.touch_table.iter().take(20).map(|(id, t)| html! {
                            <li class="mono">{ format!("{} ({t} ms)", hex(*id)) }</li>
                        }) }</ul>
                    }
                </div>
            }
        });

    html! {
        <section class="tab-body buckets" aria-label="Expiry buckets">
            <p class="explain">
                { format!("Buckets are multiples of tickTime ({} ms); times are relative to the leader's tracker clock. \
                   A touch moves a session to the bucket of (now + timeout) rounded up.", tick) }
            </p>
            { picture }
            <div class="two-col">
                <div>
                    <h4>{ "Latest moves" }</h4>
                    if moves.is_empty() { <p class="hint">{ "none yet" }</p> }
                    else { <ul class="moves">{ for moves }</ul> }
                </div>
                <div class="touch-tables">{ for touch }</div>
            </div>
        </section>
    }
}
