//! Yew function components. Each panel gets the store read-only ([`Props::store`]) and a
//! callback for actions; the logic lives in [`crate::state`] and [`crate::acts`].

pub mod app;
pub mod buckets;
pub mod compare;
pub mod datatree;
pub mod ensemble;
pub mod lanes;
pub mod log;
pub mod palette;
pub mod seed_widget;
pub mod sequence;
pub mod sessions;
pub mod side;

use yew::prelude::*;

use crate::state::{Action, Playground};

/// Enter or Space on something drawn or listed that acts as a button (an SVG group, a table
/// row, a log line): what a click does. The page's own shortcuts do not see the key.
pub fn on_activate(action: Callback<()>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if matches!(e.key().as_str(), "Enter" | " ") {
            e.prevent_default();
            e.stop_propagation();
            action.emit(());
        }
    })
}

/// What every panel gets: the store to read, and where to send actions.
#[derive(Properties, PartialEq, Clone)]
pub struct Props {
    pub store: Playground,
    pub dispatch: Callback<Action>,
}
