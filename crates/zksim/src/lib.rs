//! # zksim: ZooKeeper's session machinery on a virtual clock
//!
//! A deterministic, sans-IO simulation of a ZooKeeper ensemble (servers and clients) as the Java
//! code of each version profile behaves. No clock is read, no socket is opened and no random
//! number comes from the operating system: time and every input are arguments, and every effect
//! comes back as data (trace events with the log line ZooKeeper would print).

pub mod codes;
pub mod datatree;
pub mod ids;
pub mod link;
pub mod profile;
pub mod scenario;
pub mod tracker;

pub use profile::{Profile, Version};
