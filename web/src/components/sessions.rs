//! Session IDs taken apart: the myid byte, the 40-bit time field (a date under a wall-clock
//! tracker, an uptime under an elapsed one), the 16-bit counter; the 3.4.5 sign extension
//! flagged where it happens; each server's ID range, and collisions.

use yew::prelude::*;
use zksim::ids::{IdAnatomy, hex};
use zksim::profile::TrackerClock;

use super::Props;
use crate::fmt::{id_fields, signed_secs, time_field_meaning};
use crate::state::{Action, Selection};

/// Rows shown at most (a 200-client run has 200 sessions).
const ROWS_MAX: usize = 120;

fn anatomy(id: i64) -> Html {
    let a = IdAnatomy::of(id);
    let (hi, time, counter) = id_fields(&a);
    html! {
        <span class="anatomy" aria-label={hex(id)}>
            <span class={classes!("f-high", a.sign_extended.then_some("bug"))}
                  title="bits 63..56: myid (0xff under the 3.4.5 sign extension)">{ hi }</span>
            <span class="f-time" title="bits 55..16: the tracker's clock at seed time">{ time }</span>
            <span class="f-counter" title="bits 15..0: sessions minted before this one">{ counter }</span>
        </span>
    }
}

#[function_component]
pub fn Sessions(props: &Props) -> Html {
    // Over 80 lines on purpose: a Yew function component: its hooks and its html! are one unit.
    let engine = props.store.engine();
    let world = engine.world();
    let clock = world.profile().tracker_clock;
    let epoch = world.config().epoch_ms;
    let sessions = world.session_views();
    let servers = world.server_views();
    let sel = engine.selection.clone();
    let clock_name = match clock {
        TrackerClock::Wall => "wall clock (System.currentTimeMillis): the time field is a date",
        TrackerClock::Elapsed => {
            "elapsed clock (System.nanoTime): the time field is the server's uptime"
        }
    };

    // Each server's range: its next ID with the counter cleared, 65,536 IDs on.
    let ranges: Vec<(u8, i64)> = servers
        .iter()
        .filter_map(|s| s.next_session_id.map(|n| (s.myid, n & !0xffff)))
        .collect();
    let range_rows = ranges.iter().map(|(myid, base)| {
        let shared: Vec<String> = ranges
            .iter()
            .filter(|(o, b)| o != myid && b == base)
            .map(|(o, _)| format!("s{o}"))
            .collect();
        let a = IdAnatomy::of(*base);
        html! {
            <tr data-range={myid.to_string()} class={classes!((!shared.is_empty()).then_some("collides"))}>
                <th scope="row">{ format!("s{myid}") }</th>
                <td class="mono">{ anatomy(*base) }{ " … " }{ format!("{:04x}", 0xffff) }</td>
                <td>{ time_field_meaning(&a, clock, epoch) }</td>
                <td>
                    if a.sign_extended {
                        <span class="flag bug">{ "0xff: sign extension (ZOOKEEPER-1622)" }</span>
                    }
                    if !shared.is_empty() {
                        <span class="flag bug">{ format!("same range as {}", shared.join(", ")) }</span>
                    }
                </td>
            </tr>
        }
    });

    let rows = sessions.iter().take(ROWS_MAX).enumerate().map(|(i, s)| {
        html! {
            <SessionRow key={i} id={s.id} minted_by={s.minted_by}
                time={time_field_meaning(&s.anatomy, clock, epoch)} timeout_ms={s.timeout_ms}
                state={s.state} closing={s.closing} owner={s.owner.clone().unwrap_or_default()}
                expires={s.expires_in_ms.map(signed_secs).unwrap_or_default()}
                sign_extended={s.anatomy.sign_extended} collides={s.collides}
                selected={sel == Some(Selection::Session { id: s.id, minted_by: Some(s.minted_by) }) || sel == Some(Selection::Session { id: s.id, minted_by: None })}
                dispatch={props.dispatch.clone()} />
        }
    });

    html! {
        <section class="tab-body sessions" aria-label="Session IDs">
            <p class="explain">
                { format!("Version {}: the tracker reads the {clock_name}. ", world.profile().name) }
                { "An ID is myid (8 bits) · time (40 bits) · counter (16 bits)." }
            </p>
            <table class="grid-table">
                <caption>{ "Each server's next session IDs" }</caption>
                <thead><tr>
                    <th scope="col">{ "Server" }</th><th scope="col">{ "Range" }</th>
                    <th scope="col">{ "Time field" }</th><th scope="col"><span class="visually-hidden">{ "Flags" }</span></th>
                </tr></thead>
                <tbody>{ for range_rows }</tbody>
            </table>
            <table class="grid-table">
                <caption>{ format!("Sessions minted ({})", sessions.len()) }</caption>
                <thead><tr>
                    <th scope="col">{ "ID (myid · time · counter)" }</th>
                    <th scope="col">{ "Minted by" }</th><th scope="col">{ "Time field" }</th>
                    <th scope="col">{ "Timeout" }</th><th scope="col">{ "State" }</th>
                    <th scope="col">{ "Owner" }</th><th scope="col">{ "Expires in" }</th>
                    <th scope="col"><span class="visually-hidden">{ "Flags" }</span></th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if sessions.len() > ROWS_MAX {
                <p class="hint">{ format!("and {} more", sessions.len() - ROWS_MAX) }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct SessionRowProps {
    id: i64,
    minted_by: u8,
    time: String,
    timeout_ms: i32,
    state: &'static str,
    closing: bool,
    owner: String,
    expires: String,
    sign_extended: bool,
    collides: bool,
    selected: bool,
    dispatch: Callback<Action>,
}

/// One session: a component of its own so that rows whose values did not change between frames
/// are not rendered again.
#[function_component]
fn SessionRow(p: &SessionRowProps) -> Html {
    let select = {
        let d = p.dispatch.clone();
        let (id, minted_by) = (p.id, p.minted_by);
        Callback::from(move |()| {
            d.emit(Action::Select(Some(Selection::Session {
                id,
                minted_by: Some(minted_by),
            })))
        })
    };
    let onkeydown = super::on_activate(select.clone());
    let onclick = select.reform(|_: MouseEvent| ());
    html! {
        <tr class={classes!("session-row", p.state, p.selected.then_some("selected"), p.collides.then_some("collides"))}
            data-session={hex(p.id)} tabindex="0" {onclick} {onkeydown}>
            <td class="mono">{ anatomy(p.id) }</td>
            <td>{ format!("s{}", p.minted_by) }</td>
            <td>{ &p.time }</td>
            <td>{ format!("{} ms", p.timeout_ms) }</td>
            <td>{ p.state }{ if p.closing { " (closing)" } else { "" } }</td>
            <td>{ &p.owner }</td>
            <td class="countdown">{ &p.expires }</td>
            <td>
                if p.sign_extended {
                    <span class="flag bug">{ "sign-extended" }</span>
                }
                if p.collides {
                    <span class="flag bug collision">{ "collision" }</span>
                }
            </td>
        </tr>
    }
}
