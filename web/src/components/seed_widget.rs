//! The session-ID seed widget: myid and a clock value in, the first session ID of a tracker out,
//! under 3.4.5 and 3.6 side by side.
//!
//! The state and its actions are in [`crate::seed`] ([`SeedForm`], a reducer); this component
//! only renders it and turns DOM events into actions. The fields are controlled inputs; the
//! result is computed when the form is submitted (the Compute button or Enter).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::seed::{MYID_MAX, MYID_MIN, Outcome, SeedAction, SeedForm, SeedRow};

/// An `oninput` handler that turns the input's text into an action.
fn on_edit(
    form: &UseReducerHandle<SeedForm>,
    action: fn(String) -> SeedAction,
) -> Callback<InputEvent> {
    let form = form.clone();
    Callback::from(move |event: InputEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        form.dispatch(action(input.value()));
    })
}

#[function_component]
pub fn SeedWidget() -> Html {
    let form = use_reducer(SeedForm::default);

    let onsubmit = {
        let form = form.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            form.dispatch(SeedAction::Compute);
        })
    };

    html! {
        <section class="card seed-widget" aria-labelledby="seed-title">
            <h2 id="seed-title">{ "Session ID seed" }</h2>
            <p class="explain">
                { "A ZooKeeper server's session tracker seeds its first session ID from a clock \
                   and the server's myid: myid in the top byte, the clock shifted into the \
                   middle. ZooKeeper 3.4.5 shifts with sign extension, so the top byte becomes \
                   0xff on every server (ZOOKEEPER-1622)." }
            </p>
            <form class="seed-form" {onsubmit} novalidate=true>
                <div class="field">
                    <label for="seed-myid">{ format!("myid ({MYID_MIN}–{MYID_MAX})") }</label>
                    <input id="seed-myid" name="myid" type="text" inputmode="numeric"
                        autocomplete="off" value={form.myid.clone()}
                        oninput={on_edit(&form, SeedAction::EditMyid)} />
                </div>
                <div class="field">
                    <label for="seed-clock">{ "Clock (ms)" }</label>
                    <input id="seed-clock" name="clock_ms" type="text" inputmode="numeric"
                        autocomplete="off" value={form.clock_ms.clone()}
                        oninput={on_edit(&form, SeedAction::EditClock)} />
                </div>
                <button type="submit" class="primary">{ "Compute" }</button>
            </form>
            <div class="seed-result" aria-live="polite">
                { view_outcome(&form.outcome) }
            </div>
        </section>
    }
}

fn view_outcome(outcome: &Outcome) -> Html {
    match outcome {
        Outcome::NotYet => html! {
            <p class="hint">{ "Press Compute to apply the seed formula." }</p>
        },
        Outcome::Refused(error) => html! {
            <p class="error" role="alert">{ error.to_string() }</p>
        },
        Outcome::Rows(rows) => html! {
            <table class="seed-table">
                <caption>{ "Seed formula applied to this clock value" }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Version" }</th>
                        <th scope="col">{ "First session ID" }</th>
                        <th scope="col">{ "Top byte" }</th>
                        <th scope="col">{ "The real tracker seeds from" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for rows.iter().map(view_row) }
                </tbody>
            </table>
        },
    }
}

fn view_row(row: &SeedRow) -> Html {
    let top_byte = if row.sign_extended {
        html! { <span class="flag bug">{ "0xff: sign-extension bug" }</span> }
    } else {
        html! { <span class="flag">{ "myid" }</span> }
    };
    html! {
        <tr data-version={row.version}>
            <th scope="row">{ row.version }</th>
            <td><code class="session-id">{ &row.session_id_hex }</code></td>
            <td>{ top_byte }</td>
            <td>{ row.real_clock }</td>
        </tr>
    }
}
