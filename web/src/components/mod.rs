//! Yew function components. Each panel gets the store read-only ([`Props::store`]) and a
//! callback for actions; the logic lives in [`crate::state`] and [`crate::acts`].

pub mod app;
pub mod buckets;
pub mod datatree;
pub mod ensemble;
pub mod log;
pub mod palette;
pub mod seed_widget;
pub mod sequence;
pub mod sessions;
pub mod side;

use yew::prelude::*;

use crate::state::{Action, Playground};

/// What every panel gets: the store to read, and where to send actions.
#[derive(Properties, PartialEq, Clone)]
pub struct Props {
    pub store: Playground,
    pub dispatch: Callback<Action>,
}
