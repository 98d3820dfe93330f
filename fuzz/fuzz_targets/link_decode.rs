//! Link decoding (`zksim::link::decode`), the door a pasted or shared link comes through: the
//! input as link text, and the same bytes as the DEFLATE stream inside a link, under tight,
//! browser and native limits. See `zksim_fuzz` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zksim_fuzz::link_decode(data));
