//! # zksim: ZooKeeper's session machinery on a virtual clock
//!
//! A deterministic, sans-IO simulation of a ZooKeeper ensemble (servers and clients) as the Java
//! code of each version profile behaves. No clock is read, no socket is opened and no random
//! number comes from the operating system: time and every input are arguments, and every effect
//! comes back as data (trace events with the log line ZooKeeper would print).
//!
//! ```text
//!   Scenario (scenario.rs + scenario/, link.rs) ──▶ World (world.rs + world/): one event queue
//!   on a virtual clock (rng.rs: seeded streams; config.rs: zoo.cfg)
//!        servers (server/)  ◀── network (net.rs) ──▶  clients (client/)
//!        tracker/ · datatree/ · ids.rs · profile.rs       the Java pieces they stand for
//!   ──▶ trace.rs (typed events + log lines) · view.rs (read-only views) · report.rs (run --json)
//!   timeline.rs: a run to move along (checkpoints, seek, step to the next beat, the history)
//! ```
//!
//! `server/` and `client/` have one file per Java class (QuorumPeer, NIOServerCnxn,
//! PrepRequestProcessor, FinalRequestProcessor, Leader, Learner; ZooKeeper, SendThread,
//! EventThread, StaticHostProvider); their `mod.rs` lists them.
//!
//! A node does not know the world: clients and servers are state machines that take one input
//! (an action, a message, a timer; for a server also start, crash and the election's outcome)
//! with a read-only context and return effects as data (`effect.rs`: send, open, close, arm a
//! timer, trace, op and session records), which `world/drive_client.rs` and
//! `world/drive_server.rs` apply in order. What spans the servers (the election's outcome,
//! reachability, delivery) is the world's (`world/election.rs`, `world.rs`).
//!
//! ```text
//!   World ──Input + Cx (now, profile, next ids)──▶ Client::handle ─┐
//!     │   ──Input + Cx (now, profile, zoo.cfg, ...)──▶ Server::handle ─┤
//!     ▲                                                                 ▼
//!     └───────── applied in order: net, queue, trace, records ◀── Outbox [Effect, ...]
//! ```
//!
//! Driving it: build a [`world::World`] from a [`scenario::Scenario`], then `step()`,
//! `run_until(t)` or `run()`; `apply(action)` acts at the current virtual time. Everything it
//! did is in `trace()`, and `trace_hash()` is the same for the same scenario on every platform.

pub mod client;
pub mod codes;
pub mod config;
pub mod datatree;
pub mod diff;
pub mod effect;
pub mod gallery;
pub mod ids;
pub mod invariants;
pub mod lanes;
pub mod link;
pub mod net;
pub mod profile;
mod queue;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod timeline;
pub mod trace;
pub mod tracker;
pub mod view;
pub mod world;

pub use profile::{Profile, Version};
