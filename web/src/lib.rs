//! # zksim-web: the playground page
//!
//! A Yew (CSR) app over the `zksim` core, compiled to WebAssembly by trunk. `main.rs` only
//! renders [`App`]; the components live here so `web/tests/` can mount them in a real browser.
//!
//! The store ([`state`]) owns the world, its checkpoints and the log, and knows nothing of the
//! browser; [`acts`] turns the palette's form into scenario actions; [`fmt`] formats times and
//! IDs; [`plain`] puts what the core says into words, [`story`] reads the gallery's titles
//! and descriptions, [`panic`] turns a panic into a banner. [`compare`] and
//! `components::{compare, lanes}` draw two versions side by side and each client's belief
//! against the leader's truth; they are not on the page yet (the bundle budget: see README). Components ([`components`]) render read-only views of the world and send actions back.

pub mod acts;
pub mod compare;
pub mod components;
pub mod draw;
pub mod export;
pub mod fmt;
pub mod history;
pub mod panic;
pub mod plain;
pub mod report;
pub mod seed;
pub mod state;
pub mod story;

// The page's allocator: Talc, not Rust's default dlmalloc, for the bundle budget (web/Cargo.toml).
// Set here rather than in main.rs so that the browser tests (the pinned gallery hashes among
// them) run on the allocator the page runs on.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use components::app::App;
pub use components::seed_widget::SeedWidget;
