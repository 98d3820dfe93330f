//! Small formatting helpers shared by the components: virtual times, wall-clock dates, session
//! ID fields. Pure functions (no browser), so the browser tests can call them directly.

use zksim::ids::IdAnatomy;
use zksim::profile::TrackerClock;

/// `12.345 s` for a virtual time in ms.
pub fn secs(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// A signed duration in ms, as `+1.200 s` or `-0.500 s`.
pub fn signed_secs(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "+" };
    let a = ms.unsigned_abs();
    format!("{sign}{}.{:03} s", a / 1000, a % 1000)
}

/// A duration in ms in the largest sensible unit: `3 d 04:05:06.007` or `04:05.007`.
pub fn uptime(ms: i64) -> String {
    let neg = ms < 0;
    let a = ms.unsigned_abs();
    let (d, rest) = (a / 86_400_000, a % 86_400_000);
    let (h, rest) = (rest / 3_600_000, rest % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    let body = if d > 0 {
        format!("{d} d {h:02}:{m:02}:{s:02}.{milli:03}")
    } else if h > 0 {
        format!("{h:02}:{m:02}:{s:02}.{milli:03}")
    } else {
        format!("{m:02}:{s:02}.{milli:03}")
    };
    if neg { format!("-{body}") } else { body }
}

/// A wall-clock instant (ms since 1970, UTC) as `2023-11-14 22:13:20.000 UTC`.
pub fn date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let (h, rest) = (rest / 3_600_000, rest % 3_600_000);
    let (mi, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{milli:03} UTC")
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, UTC).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The three fields of a session ID in hex, as shown side by side: `ff`, `8bcfe56800`, `0000`.
pub fn id_fields(a: &IdAnatomy) -> (String, String, String) {
    (
        format!("{:02x}", a.high_byte),
        format!("{:010x}", a.time_field),
        format!("{:04x}", a.counter),
    )
}

/// What the 40-bit time field says: a date for wall-clock trackers (3.4.5, 3.4.6), an uptime
/// for elapsed-clock trackers. `reference_ms` picks the 2^40 ms era for dates.
pub fn time_field_meaning(a: &IdAnatomy, clock: TrackerClock, reference_ms: i64) -> String {
    match clock {
        TrackerClock::Wall => date(a.wall_ms_near(reference_ms)),
        TrackerClock::Elapsed => format!("uptime {}", uptime(a.time_field as i64)),
    }
}
