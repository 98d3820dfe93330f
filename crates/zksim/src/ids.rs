//! Session IDs and passwords, bit for bit as ZooKeeper makes them.
//!
//! * `SessionTrackerImpl.initializeNextSession(id)` (3.6: `initializeNextSessionId`) seeds a
//!   tracker's counter from a clock and the server's myid:
//!
//!   ```text
//!   bit 63..56  myid (low 8 bits)        -- 0xff for every server under the 3.4.5 bug
//!   bit 55..16  clock ms mod 2^40        -- wall clock or uptime, per profile
//!   bit 15..0   counter, from 0          -- createSession returns nextSessionId++
//!   ```
//!
//! * `ZooKeeperServer.generatePasswd(id)`: 16 bytes of `new java.util.Random(id ^ 0xB3415C00)`.
//!
//! [`JavaRandom`] is an exact port of `java.util.Random`, which the password needs; the vectors in
//! `tests/vectors/session-ids-and-passwords.json` were computed with real Java.

use crate::profile::{Profile, SeedShift};

/// `EphemeralType.CONTAINER_EPHEMERAL_OWNER`, `Long.MIN_VALUE` (ZOOKEEPER-2901).
pub const CONTAINER_EPHEMERAL_OWNER: i64 = i64::MIN;

/// `ZooKeeperServer.superSecret`, "more of a sanity check" in the source.
pub const SUPER_SECRET: i64 = 0xB341_5C00;

/// A session ID: a Java `long`.
pub type SessionId = i64;

/// A session password as ZooKeeper generates it.
pub type Password = [u8; 16];

/// The first session ID a tracker hands out: `initializeNextSession(myid)` at clock `now_ms`.
pub fn seed_session_id(profile: &Profile, myid: i64, now_ms: i64) -> i64 {
    let shifted = now_ms.wrapping_shl(24);
    let mut next = match profile.seed_shift {
        SeedShift::Arithmetic => shifted >> 8,
        SeedShift::Logical => ((shifted as u64) >> 8) as i64,
    };
    next |= myid.wrapping_shl(56);
    if profile.container_owner_guard && next == CONTAINER_EPHEMERAL_OWNER {
        next += 1;
    }
    next
}

/// `ZooKeeperServer.generatePasswd(id)`.
pub fn generate_password(session_id: i64) -> Password {
    let mut rng = JavaRandom::new(session_id ^ SUPER_SECRET);
    let mut out = [0u8; 16];
    rng.next_bytes(&mut out);
    out
}

/// `ZooKeeperServer.checkPasswd`: the ID must be non-zero and the password must match exactly.
pub fn check_password(session_id: i64, password: &Password) -> bool {
    session_id != 0 && *password == generate_password(session_id)
}

/// `Long.toHexString`, with the `0x` ZooKeeper prints before it.
pub fn hex(id: i64) -> String {
    format!("0x{:x}", id as u64)
}

/// Parses what [`hex`] prints (a leading `0x` is optional).
pub fn parse_hex(s: &str) -> Option<i64> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok().map(|v| v as i64)
}

pub fn password_hex(password: &Password) -> String {
    password.iter().map(|b| format!("{b:02x}")).collect()
}

/// A session ID taken apart into the three fields of the seed layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdAnatomy {
    /// Bits 63..56: the minting server's myid, or 0xff under the 3.4.5 sign extension.
    pub high_byte: u8,
    /// Bits 55..16: the tracker's clock at seed time, mod 2^40 (plus counter carries).
    pub time_field: u64,
    /// Bits 15..0: how many sessions the tracker had handed out before this one (mod 2^16).
    pub counter: u16,
    /// True when bit 55 is set and the high byte is 0xff: the signature of the 3.4.5 bug.
    pub sign_extended: bool,
}

impl IdAnatomy {
    pub fn of(id: i64) -> IdAnatomy {
        let u = id as u64;
        let high_byte = (u >> 56) as u8;
        let time_field = (u >> 16) & ((1 << 40) - 1);
        IdAnatomy {
            high_byte,
            time_field,
            counter: u as u16,
            sign_extended: high_byte == 0xff && time_field >> 39 == 1,
        }
    }

    /// The wall-clock instant the time field encodes, for a wall-clock profile seeded at a time
    /// near `reference_ms` (the 40 bits wrap every ~34.8 years, so the era is taken from it).
    pub fn wall_ms_near(&self, reference_ms: i64) -> i64 {
        let era = (1i64 << 40) * (reference_ms >> 40);
        let candidates =
            [era - (1 << 40), era, era + (1 << 40)].map(|e| e + self.time_field as i64);
        candidates
            .into_iter()
            .min_by_key(|c| (c - reference_ms).abs())
            .unwrap_or(era)
    }
}

/// An exact port of `java.util.Random` (a 48-bit linear congruential generator).
#[derive(Clone, Debug)]
pub struct JavaRandom {
    seed: i64,
}

impl JavaRandom {
    const MULTIPLIER: i64 = 0x5_DEEC_E66D;
    const ADDEND: i64 = 0xB;
    const MASK: i64 = (1 << 48) - 1;

    pub fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self
            .seed
            .wrapping_mul(Self::MULTIPLIER)
            .wrapping_add(Self::ADDEND)
            & Self::MASK;
        ((self.seed as u64) >> (48 - bits)) as i32
    }

    pub fn next_int(&mut self) -> i32 {
        self.next(32)
    }

    /// `nextInt(bound)`, uniform in `0..bound`, with Java's rejection rule.
    pub fn next_int_bounded(&mut self, bound: i32) -> i32 {
        assert!(bound > 0, "bound must be positive");
        if bound & -bound == bound {
            return ((bound as i64 * self.next(31) as i64) >> 31) as i32;
        }
        loop {
            let bits = self.next(31);
            let val = bits % bound;
            if bits.wrapping_sub(val).wrapping_add(bound - 1) >= 0 {
                return val;
            }
        }
    }

    pub fn next_long(&mut self) -> i64 {
        ((self.next(32) as i64) << 32).wrapping_add(self.next(32) as i64)
    }

    /// `nextBytes`: one int per four bytes, low byte first.
    pub fn next_bytes(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(4) {
            let mut rnd = self.next_int();
            for b in chunk {
                *b = rnd as u8;
                rnd >>= 8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{V3_4_5, V3_4_6, V3_5_10, V3_6};

    #[test]
    fn spec_1_3_arithmetic_check_table() {
        let rows: [(i64, i64, u64, u64); 8] = [
            (1355000000000, 1, 0x13b7c4b2e000000, 0x13b7c4b2e000000),
            (1649267441663, 1, 0x17fffffffff0000, 0x17fffffffff0000),
            (1649267441664, 1, 0xff80000000000000, 0x180000000000000),
            (1649267441664, 3, 0xff80000000000000, 0x380000000000000),
            (1678699794688, 1, 0xff86da4e11000000, 0x186da4e11000000),
            (1700000000000, 3, 0xff8bcfe568000000, 0x38bcfe568000000),
            (2199023255551, 1, 0xffffffffffff0000, 0x1ffffffffff0000),
            (2199023255552, 3, 0x300000000000000, 0x300000000000000),
        ];
        for (t, id, buggy, fixed) in rows {
            assert_eq!(
                seed_session_id(&V3_4_5, id, t) as u64,
                buggy,
                "3.4.5 t={t} id={id}"
            );
            assert_eq!(
                seed_session_id(&V3_4_6, id, t) as u64,
                fixed,
                "3.4.6 t={t} id={id}"
            );
        }
        assert_eq!(
            seed_session_id(&V3_6, 128, 1700000000000) as u64,
            0x808bcfe568000000
        );
        assert_eq!(
            seed_session_id(&V3_6, 255, 1700000000000) as u64,
            0xff8bcfe568000000
        );
        // Ten days of uptime, myid 1 (a nanoTime-seeded profile).
        assert_eq!(
            seed_session_id(&V3_6, 1, 864_000_000) as u64,
            0x100337f98000000
        );
    }

    #[test]
    fn zookeeper_2901_container_owner_guard() {
        // myid 128 with all 40 time bits zero hits Long.MIN_VALUE; 3.5.4+ bumps it.
        assert_eq!(seed_session_id(&V3_4_6, 128, 0), i64::MIN);
        assert_eq!(seed_session_id(&V3_5_10, 128, 0), i64::MIN + 1);
        assert_eq!(seed_session_id(&V3_6, 128, 1 << 40), i64::MIN + 1);
    }

    #[test]
    fn spec_2_password_vectors() {
        let cases = [
            (0x100000000000000u64, "f22acd4a97e69d6d20a49bb638eadb38"),
            (0x1000001, "05dfe05d37c9725215323ed70c6291d9"),
            (0xff86da4e1100098f, "eaf5b1d933ddf3f1ab594340e6296f20"),
            (0x18bcfe568000001, "05046a4f378a157d155ff0230c8bdc11"),
            (0x18bcfe568000000, "f2e26f4f973e3638201c89f83802c844"),
            (0x28bcfe568000000, "f2e26f4f973e3638201c89f83802c844"),
        ];
        for (id, pw) in cases {
            assert_eq!(password_hex(&generate_password(id as i64)), pw, "{id:#x}");
        }
    }

    #[test]
    fn check_password_rejects_zero_id_and_wrong_bytes() {
        let id = 0x100000000000001;
        let pw = generate_password(id);
        assert!(check_password(id, &pw));
        assert!(!check_password(0, &generate_password(0)));
        let mut wrong = pw;
        wrong[15] ^= 1;
        assert!(!check_password(id, &wrong));
    }

    #[test]
    fn java_random_matches_known_sequence() {
        // new Random(42).nextInt() == -1170105035, nextInt(10) sequence from a fresh Random(42):
        // 0, 3, 8, 4, 0 (well-known values of the JDK's LCG).
        let mut r = JavaRandom::new(42);
        assert_eq!(r.next_int(), -1170105035);
        let mut r = JavaRandom::new(42);
        let v: Vec<i32> = (0..5).map(|_| r.next_int_bounded(10)).collect();
        assert_eq!(v, vec![0, 3, 8, 4, 0]);
        let mut r = JavaRandom::new(42);
        assert_eq!(r.next_long(), -5025562857975149833);
    }

    #[test]
    fn hex_prints_like_long_to_hex_string() {
        assert_eq!(hex(0x100000000000001), "0x100000000000001");
        assert_eq!(hex(-1), "0xffffffffffffffff");
        assert_eq!(hex(0), "0x0");
        assert_eq!(
            parse_hex("0xff86da4e1100098f"),
            Some(0xff86da4e1100098fu64 as i64)
        );
        assert_eq!(parse_hex("0x"), None);
        assert_eq!(parse_hex("0x10000000000000000"), None);
    }

    #[test]
    fn anatomy_of_a_field_report_id() {
        // Spec 1.3: 0xff86da4e1100098f decodes to 2023-03-13T09:29:54.688Z, counter 2447.
        let a = IdAnatomy::of(0xff86da4e1100098fu64 as i64);
        assert!(a.sign_extended);
        assert_eq!(a.counter, 2447);
        assert_eq!(a.time_field, 0x86da4e1100);
        assert_eq!(a.wall_ms_near(1_700_000_000_000), 1_678_699_794_688);
    }
}
