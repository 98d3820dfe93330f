//! Links: a whole scenario in a URL fragment, so a run can be shared by pasting one line.
//!
//! ```text
//!   <page>#s=1.<payload>[&t=<ms>]
//!
//!   payload = base64url, no padding ( raw DEFLATE, RFC 1951 ( canonical scenario JSON ) )
//!   t       = the virtual time to open at, in ms (optional)
//! ```
//!
//! The `1.` is the link format, separate from the scenario's own `format` field: it says how the
//! payload is packed. A link made today must open in every later version, so decoding never
//! changes for `1.`; a new packing would be `2.`, which this version refuses with a message
//! saying a newer zksim made it. Other `&key=value` parameters of the fragment are view state
//! for later versions (a speed, a selection) and are ignored here; `s` and `t` may appear once.
//!
//! Decoding trusts nothing, and checks in order of cost, so a hostile link costs little:
//!
//! ```text
//!   input ≤ 64 KiB ─► find s= ─► "1." ─► base64url alphabet ─► inflate ≤ 1 MiB ─► UTF-8
//!         ─► Scenario::from_json(limits) ─► t ≤ until_ms
//! ```
//!
//! * 64 KiB of link ([`LINK_BYTES_MAX`]) is far beyond what a chat or a bug tracker keeps
//!   intact, and about 48 KiB of DEFLATE: a scenario of thousands of actions.
//! * 1 MiB inflated ([`INFLATED_BYTES_MAX`]): DEFLATE can expand 1032 times, so 48 KiB could
//!   otherwise become 50 MB (a zip bomb). It equals [`Limits::BROWSER`]'s JSON cap.
//! * Both are properties of the link format, not of a runtime: a link the command line opens
//!   must open in the browser too.
//!
//! Nothing here panics, whatever the input.

use std::fmt;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use miniz_oxide::inflate::TINFLStatus;

use crate::scenario::{Limits, Scenario, ScenarioError};

/// The link format this version writes and reads.
pub const LINK_FORMAT: u32 = 1;
/// The longest link decoded at all, in bytes, page address included.
pub const LINK_BYTES_MAX: usize = 64 * 1024;
/// The most bytes a payload may inflate to.
pub const INFLATED_BYTES_MAX: usize = 1024 * 1024;
/// DEFLATE level for encoding (miniz_oxide's 0..=10; 9 is zlib's best).
const DEFLATE_LEVEL: u8 = 9;

/// base64url (RFC 4648 §5) without padding; decoding also takes padded input, since some tools
/// add it.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A decoded link: the scenario and where to open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub scenario: Scenario,
    /// The virtual time to open at, in ms (`&t=`); `None` opens at 0.
    pub t_ms: Option<u64>,
}

/// What is wrong with a link. Display names the part: `link: ...` for the packing,
/// `scenario: <field>: ...` for what it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Longer than [`LINK_BYTES_MAX`]; not looked at further.
    TooLong { bytes: usize },
    /// No `s=` parameter, or nothing recognisable as a link.
    NoScenario,
    /// A fragment parameter appears twice.
    DuplicateParameter { name: String },
    /// The payload does not start with `<digits>.`.
    NoFormatPrefix,
    /// A link format other than 1 (from a newer zksim, or made up).
    UnknownFormat { format: String },
    /// A byte outside the base64url alphabet, at this offset in the payload.
    NotBase64 { offset: usize, byte: u8 },
    /// The payload's base64 does not decode (cut short, or its last character is impossible).
    BadBase64 { reason: String },
    /// The DEFLATE stream is broken.
    Inflate { reason: &'static str },
    /// The payload inflates beyond [`INFLATED_BYTES_MAX`].
    TooLarge,
    /// The inflated bytes are not UTF-8 from this byte on.
    NotUtf8 { offset: usize },
    /// The scenario inside is not a valid scenario.
    Scenario(ScenarioError),
    /// `t` is not a number of ms within the scenario.
    BadPosition { reason: String },
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::TooLong { bytes } => write!(
                f,
                "link: {bytes} bytes long, more than the {LINK_BYTES_MAX} a link may have"
            ),
            LinkError::NoScenario => {
                f.write_str("link: no scenario in it (expected <page>#s=1.<payload>)")
            }
            LinkError::DuplicateParameter { name } => {
                write!(f, "link: the parameter {name}= appears twice")
            }
            LinkError::NoFormatPrefix => {
                f.write_str("link: the payload does not start with a format number (\"1.\")")
            }
            LinkError::UnknownFormat { format } => write!(
                f,
                "link: link format {format} needs a newer zksim (this one opens format \
                 {LINK_FORMAT})"
            ),
            LinkError::NotBase64 { offset, byte } => write!(
                f,
                "link: payload is not base64url at offset {offset} (byte 0x{byte:02x}{})",
                if byte.is_ascii_graphic() {
                    format!(" '{}'", char::from(*byte))
                } else {
                    String::new()
                }
            ),
            LinkError::BadBase64 { reason } => write!(f, "link: payload: {reason}"),
            LinkError::Inflate { reason } => write!(f, "link: payload: {reason}"),
            LinkError::TooLarge => write!(f, "link: inflates beyond {INFLATED_BYTES_MAX} bytes"),
            LinkError::NotUtf8 { offset } => {
                write!(f, "link: the scenario is not UTF-8 (at byte {offset})")
            }
            LinkError::Scenario(e) => write!(f, "scenario: {e}"),
            LinkError::BadPosition { reason } => write!(f, "link: t: {reason}"),
        }
    }
}

impl std::error::Error for LinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LinkError::Scenario(e) => Some(e),
            _ => None,
        }
    }
}

/// The fragment that carries `scenario`: `s=1.<payload>`.
///
/// A scenario whose JSON is over [`INFLATED_BYTES_MAX`], or whose link comes out longer than
/// [`LINK_BYTES_MAX`], gives a link [`decode`] refuses: check with [`fits`].
pub fn encode(scenario: &Scenario) -> String {
    encode_with_position(scenario, None)
}

/// [`encode`], plus `&t=<ms>` when a position is given.
pub fn encode_with_position(scenario: &Scenario, t_ms: Option<u64>) -> String {
    let json = scenario.to_json();
    let deflated = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), DEFLATE_LEVEL);
    let mut out = format!("s={LINK_FORMAT}.{}", BASE64URL.encode(deflated));
    if let Some(t) = t_ms {
        out.push_str(&format!("&t={t}"));
    }
    out
}

/// A full link: `<page>#s=1.<payload>[&t=<ms>]`. Any fragment already on `page` is replaced.
pub fn to_url(page: &str, scenario: &Scenario, t_ms: Option<u64>) -> String {
    let page = page.split('#').next().unwrap_or(page);
    format!("{page}#{}", encode_with_position(scenario, t_ms))
}

/// Whether a link made by [`encode`] opens again: within both size caps of the link format.
pub fn fits(scenario: &Scenario) -> bool {
    scenario.to_json().len() <= INFLATED_BYTES_MAX && encode(scenario).len() <= LINK_BYTES_MAX
}

/// Reads a link: a full URL (everything up to `#` is ignored), a fragment (`#s=...` or
/// `s=...`), or a bare `1.<payload>`. Surrounding whitespace is ignored. Never panics.
pub fn decode(input: &str, limits: &Limits) -> Result<Decoded, LinkError> {
    if input.len() > LINK_BYTES_MAX {
        return Err(LinkError::TooLong { bytes: input.len() });
    }
    let input = input.trim();
    let (payload, t) = split_fragment(input)?;
    let json = payload_to_json(payload)?;
    let scenario = Scenario::from_json(&json, limits).map_err(LinkError::Scenario)?;
    let t_ms = match t {
        None => None,
        Some(t) => Some(position(t, scenario.until_ms)?),
    };
    Ok(Decoded { scenario, t_ms })
}

/// The `1.<payload>` and the `t` value, if any.
fn split_fragment(input: &str) -> Result<(&str, Option<&str>), LinkError> {
    // A bare payload may carry parameters too: `1.<payload>&t=5`.
    let (fragment, bare) = match input.split_once('#') {
        Some((_, fragment)) => (fragment, false),
        None if starts_with_format(input) => (input, true),
        None if input.starts_with("s=") => (input, false),
        None => return Err(LinkError::NoScenario),
    };
    let mut s = None;
    let mut t = None;
    for (i, param) in fragment.split('&').enumerate() {
        let (key, value) = if bare && i == 0 {
            ("s", param)
        } else {
            param.split_once('=').unwrap_or((param, ""))
        };
        let slot = match key {
            "s" => &mut s,
            "t" => &mut t,
            // View state of later versions.
            _ => continue,
        };
        if slot.is_some() {
            return Err(LinkError::DuplicateParameter {
                name: key.to_string(),
            });
        }
        *slot = Some(value);
    }
    match s {
        Some(s) => Ok((s, t)),
        None => Err(LinkError::NoScenario),
    }
}

/// `<digits>.` at the start.
fn starts_with_format(s: &str) -> bool {
    match s.split_once('.') {
        Some((n, _)) => !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// `1.<base64url>` to the scenario JSON text.
fn payload_to_json(s: &str) -> Result<String, LinkError> {
    let Some((format, payload)) = s.split_once('.') else {
        return Err(LinkError::NoFormatPrefix);
    };
    if format.is_empty() || !format.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LinkError::NoFormatPrefix);
    }
    if format != "1" {
        let shown: String = format.chars().take(20).collect();
        return Err(LinkError::UnknownFormat { format: shown });
    }
    // Padding is tolerated only at the very end; anything else outside the alphabet is named.
    let body = payload.trim_end_matches('=');
    if let Some((offset, &byte)) = body
        .as_bytes()
        .iter()
        .enumerate()
        .find(|&(_, &b)| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(LinkError::NotBase64 { offset, byte });
    }
    let deflated = BASE64URL
        .decode(payload)
        .map_err(|e| LinkError::BadBase64 {
            reason: match e {
                base64::DecodeError::InvalidLength(_) => {
                    "its length is not possible for base64url (cut short?)".to_string()
                }
                base64::DecodeError::InvalidLastSymbol(offset, _) => {
                    format!("impossible last character at offset {offset} (cut short or altered?)")
                }
                other => other.to_string(),
            },
        })?;
    let bytes = inflate(&deflated)?;
    String::from_utf8(bytes).map_err(|e| LinkError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Raw DEFLATE, never more than [`INFLATED_BYTES_MAX`] bytes out.
fn inflate(deflated: &[u8]) -> Result<Vec<u8>, LinkError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, INFLATED_BYTES_MAX).map_err(|e| {
        match e.status {
            TINFLStatus::HasMoreOutput => LinkError::TooLarge,
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                LinkError::Inflate {
                    reason: "the compressed scenario is cut short",
                }
            }
            _ => LinkError::Inflate {
                reason: "the compressed scenario is corrupt",
            },
        }
    })
}

fn position(t: &str, until_ms: u64) -> Result<u64, LinkError> {
    let bad = |reason: String| LinkError::BadPosition { reason };
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        let shown: String = t.chars().take(20).collect();
        return Err(bad(format!("{shown:?} is not a number of milliseconds")));
    }
    let t: u64 = t
        .parse()
        .map_err(|_| bad("too large for a number of milliseconds".to_string()))?;
    if t > until_ms {
        return Err(bad(format!(
            "{t} is past the scenario's end (until_ms {until_ms})"
        )));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{"format": 1, "name": "small", "servers": [{"id": 1}, {"id": 2}, {"id": 3}],
        "clients": [{"name": "app-1", "servers": [1, 2, 3], "session_timeout_ms": 4000}],
        "actions": [{"at_ms": 0, "do": "connect", "client": "app-1"},
                    {"at_ms": 500, "do": "create", "client": "app-1", "path": "/a", "ephemeral": true}]}"#;

    fn small() -> Scenario {
        Scenario::from_json(SMALL, &Limits::BROWSER).unwrap()
    }

    fn open(input: &str) -> Result<Decoded, LinkError> {
        decode(input, &Limits::BROWSER)
    }

    /// The payload (after `s=1.`) of a link carrying these raw bytes as its "JSON".
    fn payload_of_bytes(raw: &[u8]) -> String {
        BASE64URL.encode(miniz_oxide::deflate::compress_to_vec(raw, 6))
    }

    /// A DEFLATE stream (one fixed-Huffman block) inflating to `n` spaces, about 13 bits per 258
    /// bytes, made by hand because compressing 50 MB takes seconds in a debug build.
    fn spaces_bomb(n: usize) -> Vec<u8> {
        struct Bits {
            out: Vec<u8>,
            acc: u32,
            len: u32,
        }
        impl Bits {
            fn lsb_first(&mut self, v: u32, n: u32) {
                self.acc |= v << self.len;
                self.len += n;
                while self.len >= 8 {
                    self.out.push(self.acc as u8);
                    self.acc >>= 8;
                    self.len -= 8;
                }
            }
            /// Huffman codes go in most significant bit first.
            fn code(&mut self, v: u32, n: u32) {
                for i in (0..n).rev() {
                    self.lsb_first((v >> i) & 1, 1);
                }
            }
        }
        let mut b = Bits {
            out: Vec::new(),
            acc: 0,
            len: 0,
        };
        b.lsb_first(1, 1); // BFINAL
        b.lsb_first(1, 2); // BTYPE = fixed Huffman
        b.code(0x30 + u32::from(b' '), 8); // literal ' '
        let mut left = n - 1;
        while left >= 258 {
            b.code(0xc0 + (285 - 280), 8); // length 258
            b.code(0, 5); // distance 1
            left -= 258;
        }
        for _ in 0..left {
            b.code(0x30 + u32::from(b' '), 8);
        }
        b.code(0, 7); // end of block
        b.lsb_first(0, 7); // flush
        b.out
    }

    #[test]
    fn scenario_survives_a_link() {
        let s = small();
        let link = encode(&s);
        assert!(link.starts_with("s=1."), "{link}");
        assert_eq!(
            open(&link).unwrap(),
            Decoded {
                scenario: s.clone(),
                t_ms: None
            }
        );
        let url = to_url("https://example.org/zksim/#old", &s, Some(1500));
        assert!(url.starts_with("https://example.org/zksim/#s=1."), "{url}");
        assert!(url.ends_with("&t=1500"), "{url}");
        assert!(fits(&s));
        let d = open(&url).unwrap();
        assert_eq!((d.scenario, d.t_ms), (s, Some(1500)));
    }

    #[test]
    fn every_input_form_opens() {
        let s = small();
        let frag = encode_with_position(&s, Some(7));
        let bare = frag.strip_prefix("s=").unwrap();
        for input in [
            format!("https://example.org/?q=1#{frag}"),
            format!("#{frag}"),
            frag.clone(),
            bare.to_string(),
            format!("  {frag}\n"),
            format!("#t=7&{}", encode(&s)),
            format!("#{frag}&speed=4&view=sessions"),
        ] {
            let d = open(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.t_ms, Some(7), "{input}");
            assert_eq!(d.scenario, s, "{input}");
        }
        let no_t = bare.split('&').next().unwrap();
        assert_eq!(open(no_t).unwrap().t_ms, None);
        // Some tools pad base64.
        let link = encode(&s);
        let payload_len = link.len() - "s=1.".len();
        let padded = format!("{link}{}", "=".repeat((4 - payload_len % 4) % 4));
        assert!(open(&padded).is_ok());
    }

    #[test]
    fn unknown_link_formats_ask_for_a_newer_zksim() {
        let e = open("#s=2.AAAA").unwrap_err();
        assert_eq!(e, LinkError::UnknownFormat { format: "2".into() });
        assert_eq!(
            e.to_string(),
            "link: link format 2 needs a newer zksim (this one opens format 1)"
        );
        assert_eq!(open("#s=x.AAAA").unwrap_err(), LinkError::NoFormatPrefix);
        assert_eq!(open("#s=AAAA").unwrap_err(), LinkError::NoFormatPrefix);
    }

    #[test]
    fn links_without_a_scenario_say_so() {
        for input in [
            "",
            "https://example.org/zksim",
            "#",
            "#t=5",
            "hello",
            "#S=1.AAAA",
        ] {
            assert_eq!(open(input).unwrap_err(), LinkError::NoScenario, "{input:?}");
        }
        let e = open("#s=1.AAAA&s=1.AAAA").unwrap_err();
        assert_eq!(e.to_string(), "link: the parameter s= appears twice");
    }

    #[test]
    fn a_ten_megabyte_link_is_refused_before_anything_else() {
        let huge = format!("#s=1.{}", "A".repeat(10 << 20));
        let e = open(&huge).unwrap_err();
        assert_eq!(e, LinkError::TooLong { bytes: huge.len() });
        assert!(
            e.to_string().starts_with("link: 10485765 bytes long"),
            "{e}"
        );
    }

    #[test]
    fn bad_base64_names_its_offset() {
        let link = encode(&small());
        let mut bytes = link.into_bytes();
        bytes[4 + 17] = b'+';
        let e = open(std::str::from_utf8(&bytes).unwrap()).unwrap_err();
        assert_eq!(
            e,
            LinkError::NotBase64 {
                offset: 17,
                byte: b'+'
            }
        );
        assert_eq!(
            e.to_string(),
            "link: payload is not base64url at offset 17 (byte 0x2b '+')"
        );
        let e = open("#s=1.AA=A").unwrap_err();
        assert_eq!(
            e,
            LinkError::NotBase64 {
                offset: 2,
                byte: b'='
            }
        );
        let e = open("#s=1.AAAA\u{e9}").unwrap_err();
        assert_eq!(
            e,
            LinkError::NotBase64 {
                offset: 4,
                byte: 0xc3
            }
        );
    }

    #[test]
    fn truncated_payloads_are_refused() {
        let link = encode(&small());
        let mut seen_cut_short = false;
        for cut in 5..link.len() {
            let e = open(&link[..cut]).unwrap_err();
            match e {
                LinkError::BadBase64 { .. } => {}
                LinkError::Inflate { reason } => {
                    seen_cut_short |= reason.contains("cut short");
                }
                other => panic!("cut at {cut}: {other}"),
            }
        }
        assert!(seen_cut_short);
        let e = open("#s=1.A").unwrap_err();
        assert_eq!(
            e.to_string(),
            "link: payload: its length is not possible for base64url (cut short?)"
        );
        let e = open("#s=1.").unwrap_err();
        assert!(matches!(e, LinkError::Inflate { .. }), "{e}");
    }

    #[test]
    fn zip_bombs_are_refused_with_the_size_error() {
        // 50 MB of spaces: not a valid link at all (the deflated bytes alone pass 64 KiB)...
        let bomb = spaces_bomb(50 << 20);
        let link = format!("#s=1.{}", BASE64URL.encode(&bomb));
        assert!(matches!(open(&link), Err(LinkError::TooLong { .. })));
        // ...and the inflater stops at the cap all the same.
        assert_eq!(inflate(&bomb).unwrap_err(), LinkError::TooLarge);
        // 5 MB of spaces fits in a link, and is refused while inflating.
        let bomb = spaces_bomb(5 << 20);
        let link = format!("#s=1.{}", BASE64URL.encode(&bomb));
        assert!(link.len() < LINK_BYTES_MAX);
        let e = open(&link).unwrap_err();
        assert_eq!(e, LinkError::TooLarge);
        assert_eq!(e.to_string(), "link: inflates beyond 1048576 bytes");
        // The hand-made stream is right: small ones inflate to exactly their spaces.
        assert_eq!(inflate(&spaces_bomb(1000)).unwrap(), vec![b' '; 1000]);
    }

    #[test]
    fn exactly_one_mebibyte_inflated_is_allowed() {
        let json = small().to_json();
        let padded = format!("{json}{}", " ".repeat(INFLATED_BYTES_MAX - json.len()));
        let d = open(&format!("s=1.{}", payload_of_bytes(padded.as_bytes()))).unwrap();
        assert_eq!(d.scenario, small());
        let over = format!("{padded} ");
        let e = open(&format!("s=1.{}", payload_of_bytes(over.as_bytes()))).unwrap_err();
        assert_eq!(e, LinkError::TooLarge);
    }

    #[test]
    fn corrupt_deflate_and_non_utf8_are_refused() {
        let e = open("s=1.____").unwrap_err();
        assert!(matches!(e, LinkError::Inflate { .. }), "{e}");
        let e = open(&format!(
            "s=1.{}",
            payload_of_bytes(b"{\"format\": 1, \xff}")
        ))
        .unwrap_err();
        assert_eq!(e, LinkError::NotUtf8 { offset: 14 });
        assert_eq!(
            e.to_string(),
            "link: the scenario is not UTF-8 (at byte 14)"
        );
    }

    #[test]
    fn scenario_errors_come_through_with_their_field() {
        let e = open(&format!("s=1.{}", payload_of_bytes(b"[1, 2, 3]"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario: json: a scenario is a JSON object, got an array"
        );
        let bad = SMALL.replace(
            r#""client": "app-1", "path""#,
            r#""client": "app-9", "path""#,
        );
        let e = open(&format!("s=1.{}", payload_of_bytes(bad.as_bytes()))).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"scenario: actions[1].client: no client named "app-9" (did you mean "app-1"?)"#
        );
        let deep = "[".repeat(500_000);
        let e = open(&format!("s=1.{}", payload_of_bytes(deep.as_bytes()))).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
        // A scenario within the link caps but past this runtime's limits.
        let tight = Limits {
            servers_max: 2,
            ..Limits::BROWSER
        };
        let e = decode(&encode(&small()), &tight).unwrap_err();
        assert!(
            e.to_string().starts_with("scenario: servers: 3 servers"),
            "{e}"
        );
    }

    #[test]
    fn position_must_be_within_the_run() {
        let s = small();
        let link = encode(&s);
        assert_eq!(s.until_ms, 60_500);
        assert_eq!(open(&format!("{link}&t=60500")).unwrap().t_ms, Some(60_500));
        assert_eq!(open(&format!("{link}&t=0")).unwrap().t_ms, Some(0));
        for (t, why) in [
            (
                "60501",
                "link: t: 60501 is past the scenario's end (until_ms 60500)",
            ),
            ("-1", "link: t: \"-1\" is not a number of milliseconds"),
            ("", "link: t: \"\" is not a number of milliseconds"),
            ("1.5", "link: t: \"1.5\" is not a number of milliseconds"),
            (
                "99999999999999999999",
                "link: t: too large for a number of milliseconds",
            ),
        ] {
            let e = open(&format!("{link}&t={t}")).unwrap_err();
            assert_eq!(e.to_string(), why);
        }
    }
}
