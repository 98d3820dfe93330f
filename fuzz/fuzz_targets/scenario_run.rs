//! A whole run under the browser's limits: the input read as a scenario with
//! `Limits::BROWSER`, and if accepted, run to its `until_ms` as the page runs it. See
//! `zksim_fuzz::run_to_end` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zksim_fuzz::scenario_run(data));
