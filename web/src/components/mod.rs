//! Yew function components. They take read-only data and callbacks; logic lives outside them.

pub mod app;
pub mod seed_widget;
