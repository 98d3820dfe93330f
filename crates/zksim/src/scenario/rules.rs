//! The format's rules on names, paths and server references, and how a message shows what it
//! got: shared by the reader, the validator and the writer's escaping.

use serde_json::Value;

use super::*;

pub(super) fn join(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match (plain, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", quote(key)),
    }
}

pub(super) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A JSON string literal for messages, cut short when long.
pub(super) fn quote(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut out = String::from("\"");
    for (n, c) in s.chars().enumerate() {
        if n == MAX_CHARS {
            out.push_str("...");
            break;
        }
        escape_char(c, &mut out);
    }
    out.push('"');
    out
}

/// How a value looks in "got ..." messages.
pub(super) fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The integer a JSON number holds, if it holds one.
pub(super) fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(i128::from)
            .or_else(|| n.as_i64().map(i128::from)),
        _ => None,
    }
}

/// Suggestions are looked for among at most this many names: an error message must stay cheap
/// when a scenario has 200,000 clients.
pub(super) const SUGGEST_AMONG_MAX: usize = 1000;

/// The closest known name to a misspelt one, if any is close.
pub(super) fn did_you_mean<'a>(
    word: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let known: Vec<&str> = known.into_iter().take(SUGGEST_AMONG_MAX + 1).collect();
    if known.len() > SUGGEST_AMONG_MAX {
        return None;
    }
    known
        .into_iter()
        .map(|k| (edit_distance(word, k), k))
        .filter(|&(d, k)| {
            let prefix = word.len() >= 3 && (k.starts_with(word) || word.starts_with(k));
            d <= (k.len() / 3).clamp(1, 2) || prefix
        })
        // Ties go to the alphabetically first, so the message never depends on hash order.
        .min()
        .map(|(_, k)| k)
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    // Names worth suggesting for are short; a long word is simply not close.
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `Some(Ok(id))` for a well-formed server reference, `Some(Err(why))` for something of the form
/// `s<digits>` that is not one, `None` for anything else.
pub(super) fn server_ref(s: &str) -> Option<Result<u8, String>> {
    let digits = s.strip_prefix('s')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        let trimmed = digits.trim_start_matches('0');
        return Some(Err(format!(
            "write servers without leading zeros (\"s{}\")",
            if trimmed.is_empty() { "0" } else { trimmed }
        )));
    }
    match digits.parse::<u16>() {
        Ok(id @ 1..=255) => Some(Ok(id as u8)),
        _ => Some(Err(format!("server ids are 1..=255, got {}", quote(s)))),
    }
}

/// Why a string is not a valid client name, if it is not.
pub(super) fn client_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if name.len() > CLIENT_NAME_BYTES_MAX {
        return Some(format!(
            "{} bytes long, the limit is {CLIENT_NAME_BYTES_MAX}",
            name.len()
        ));
    }
    if let Some((i, c)) = name
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Some(format!(
            "{} has {:?} at byte {i}; names use only A-Z a-z 0-9 - _ . :",
            quote(name),
            c
        ));
    }
    if server_ref(name).is_some() {
        return Some(format!(
            "{} has the form of a server (s<myid>); pick another name",
            quote(name)
        ));
    }
    None
}

/// ZooKeeper's `PathUtils.validatePath(path, isSequential)`: why `path` is refused, if it is.
/// Positions are in UTF-16 units, as ZooKeeper reports them.
pub(super) fn path_problem(path: &str, sequential: bool) -> Option<String> {
    if path.len() > PATH_BYTES_MAX {
        return Some(format!(
            "{} bytes long, the limit is {PATH_BYTES_MAX}",
            path.len()
        ));
    }
    // A sequential create's path gets a counter appended, so ZooKeeper checks it with one.
    let checked;
    let p: &str = if sequential {
        checked = format!("{path}1");
        &checked
    } else {
        path
    };
    let units: Vec<u16> = p.encode_utf16().collect();
    let bad = |why: &str| Some(format!("{why} (ZooKeeper's PathUtils.validatePath)"));
    if units.is_empty() {
        return bad("path length must be > 0");
    }
    if units[0] != u16::from(b'/') {
        return bad("path must start with / character");
    }
    if units.len() == 1 {
        return None;
    }
    if units[units.len() - 1] == u16::from(b'/') {
        return bad("path must not end with / character");
    }
    let slash = u16::from(b'/');
    let dot = u16::from(b'.');
    for i in 1..units.len() {
        let c = units[i];
        let last = units[i - 1];
        let next_ends = i + 1 == units.len() || units[i + 1] == slash;
        if c == 0 {
            return bad(&format!("null character not allowed @{i}"));
        } else if c == slash && last == slash {
            return bad(&format!("empty node name specified @{i}"));
        } else if c == dot && last == dot {
            if i >= 2 && units[i - 2] == slash && next_ends {
                return bad(&format!("relative paths not allowed @{i}"));
            }
        } else if c == dot {
            if last == slash && next_ends {
                return bad(&format!("relative paths not allowed @{i}"));
            }
        } else if (0x0001..=0x001f).contains(&c)
            || (0x007f..=0x009f).contains(&c)
            || (0xd800..=0xf8ff).contains(&c)
            || c >= 0xfff0
        {
            return bad(&format!("invalid character @{i}"));
        }
    }
    None
}
