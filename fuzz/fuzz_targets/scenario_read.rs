//! Scenario reading and validation (`Scenario::from_json`, `validate`), the door a file or the
//! gallery comes through: the input as JSON under tight, browser and native limits, and through
//! a link of the same text. See `zksim_fuzz` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zksim_fuzz::scenario_read(data));
