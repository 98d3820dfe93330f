//! The session-ID seed widget's logic, without the browser.
//!
//! `SessionTrackerImpl.initializeNextSession(myid)` seeds a tracker's counter from a clock and
//! the server's myid (see `zksim::ids`). The widget applies that formula to one clock value under
//! two profiles, so the 3.4.5 sign-extension bug (ZOOKEEPER-1622) is visible next to the fix.
//! Everything typed by the user is parsed here, with limits, into [`SeedInput`] or an error the
//! page can show as it is. The widget's whole state is [`SeedForm`], changed only by
//! [`SeedAction`]s (a Yew reducer), so it is tested without a browser too.

use zksim::Version;
use zksim::ids::{IdAnatomy, hex, seed_session_id};
use zksim::profile::TrackerClock;

/// ZooKeeper's myid fits the top byte of a session ID; 0 is not a valid server id.
pub const MYID_MIN: i64 = 1;
pub const MYID_MAX: i64 = 255;

/// The clock value the page starts with: the scenario format's default `epoch_ms`.
pub const DEFAULT_CLOCK_MS: i64 = 1_700_000_000_000;

/// The profiles the widget compares: the bug and today's behaviour.
pub const VERSIONS: [Version; 2] = [Version::V3_4_5, Version::V3_6];

/// How much of a rejected input an error message repeats, so a pasted novel stays off the page.
const ECHO_CHARS_MAX: usize = 24;

/// A validated input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedInput {
    pub myid: i64,
    pub clock_ms: i64,
}

/// Why an input was refused, in words fit for the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One row of the result: a profile and the first session ID its tracker would hand out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedRow {
    pub version: &'static str,
    /// The ID as ZooKeeper prints it (`Long.toHexString` with `0x`).
    pub session_id_hex: String,
    /// True when the high byte is 0xff instead of the myid: the 3.4.5 bug showing.
    pub sign_extended: bool,
    /// Which clock the real tracker of this version reads when it seeds.
    pub real_clock: &'static str,
}

impl SeedInput {
    /// Parses the two text fields of the widget.
    pub fn parse(myid: &str, clock_ms: &str) -> Result<SeedInput, InputError> {
        let myid = parse_integer("myid", myid, MYID_MIN, MYID_MAX)?;
        let clock_ms = parse_integer("Clock (ms)", clock_ms, 0, i64::MAX)?;
        Ok(SeedInput { myid, clock_ms })
    }

    /// The seed under each of [`VERSIONS`].
    pub fn rows(self) -> Vec<SeedRow> {
        VERSIONS
            .iter()
            .map(|version| {
                let profile = version.profile();
                let id = seed_session_id(profile, self.myid, self.clock_ms);
                SeedRow {
                    version: version.name(),
                    session_id_hex: hex(id),
                    sign_extended: IdAnatomy::of(id).sign_extended,
                    real_clock: match profile.tracker_clock {
                        TrackerClock::Wall => "wall clock",
                        TrackerClock::Elapsed => "uptime (elapsed clock)",
                    },
                }
            })
            .collect()
    }
}

fn parse_integer(label: &str, text: &str, min: i64, max: i64) -> Result<i64, InputError> {
    let trimmed = text.trim();
    let refuse = || {
        let mut echo: String = trimmed.chars().take(ECHO_CHARS_MAX).collect();
        if trimmed.chars().count() > ECHO_CHARS_MAX {
            echo.push('…');
        }
        InputError(format!(
            "{label} must be a whole number from {min} to {max} (got \"{echo}\")."
        ))
    };
    if trimmed.is_empty() {
        return Err(InputError(format!(
            "{label} is empty: enter a whole number from {min} to {max}."
        )));
    }
    match trimmed.parse::<i64>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(refuse()),
    }
}

/// The widget's state: what is typed in each field, kept as text so the page shows exactly what
/// the user typed (also when it is refused), and the outcome of the last Compute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedForm {
    pub myid: String,
    pub clock_ms: String,
    pub outcome: Outcome,
}

/// What the widget shows under the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    NotYet,
    Rows(Vec<SeedRow>),
    Refused(InputError),
}

/// Everything that changes a [`SeedForm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedAction {
    EditMyid(String),
    EditClock(String),
    /// Parse what is typed now and compute the rows, or say why not.
    Compute,
}

impl Default for SeedForm {
    fn default() -> Self {
        SeedForm {
            myid: "1".to_owned(),
            clock_ms: DEFAULT_CLOCK_MS.to_string(),
            outcome: Outcome::NotYet,
        }
    }
}

impl SeedForm {
    pub fn apply(&mut self, action: SeedAction) {
        match action {
            SeedAction::EditMyid(text) => self.myid = text,
            SeedAction::EditClock(text) => self.clock_ms = text,
            SeedAction::Compute => {
                self.outcome = match SeedInput::parse(&self.myid, &self.clock_ms) {
                    Ok(input) => Outcome::Rows(input.rows()),
                    Err(error) => Outcome::Refused(error),
                }
            }
        }
    }
}

/// A reducer, so every action applies to the latest state: an edit and a Compute dispatched
/// before the next render still see each other.
impl yew::functional::Reducible for SeedForm {
    type Action = SeedAction;

    fn reduce(self: std::rc::Rc<Self>, action: SeedAction) -> std::rc::Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        next.into()
    }
}
