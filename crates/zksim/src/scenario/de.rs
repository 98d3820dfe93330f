//! The format's shapes, read by serde: a `serde::Deserializer` over a parsed JSON value that
//! knows the field path of every value it hands out, and says what it expected in the words a
//! banner shows (`actions[1].ephemeral: must be true or false, got 1`).
//!
//! The types derive `Deserialize` (`scenario.rs`; the attributes on each field say how it is
//! read), and [`ValueDe`] is the one deserializer they are read with. It adds what serde's own
//! JSON deserializer does not have and the format needs:
//!
//! * every error carries its path (`clients[0].servers[1]`), attached by the deepest value that
//!   raised it; a missing field is reported at the field (`actions[0].at_ms: required`);
//! * an object's unknown fields are refused before any of its fields is read, the first in
//!   sorted order, with a "did you mean" (`x_...` fields are left for tools and ignored);
//! * `null` is never a value of its own: an `Option` reads it as absent, a required field as
//!   missing (the one exception, `start_ms`, reads its `Option` by hand).
//!
//! Numbers are read by [`Int`], which takes integers only (`2000`, not `2000.0`) within the range
//! its type parameters give. What a value must be beyond its shape (a server exists, a path is a
//! path) is the validator's question (`check.rs`), asked of the typed value.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, Error as _, Expected, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_json::{Map, Value};

use super::*;

/// A shape error on its way out: its path is set by the innermost value that knows it.
#[derive(Debug)]
pub(super) struct DeError {
    path: Option<String>,
    /// A missing field of the object whose deserializer sees this error first.
    missing: Option<&'static str>,
    message: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            path: None,
            missing: None,
            message: msg.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError {
            path: None,
            missing: Some(field),
            message: "required".into(),
        }
    }
}

impl DeError {
    /// Gives the error `path` unless a deeper value already gave it one.
    fn at(mut self, path: &str) -> DeError {
        if self.path.is_none() {
            self.path = Some(match self.missing.take() {
                Some(field) => join(path, field),
                None => path.to_string(),
            });
        }
        self
    }

    fn expected(path: &str, what: &dyn Expected, got: &Value) -> DeError {
        let message = match got {
            Value::Null => "required".to_string(),
            got => format!("must be {what}, got {}", show(got)),
        };
        DeError::custom(message).at(path)
    }
}

impl From<DeError> for ScenarioError {
    fn from(e: DeError) -> ScenarioError {
        ScenarioError {
            path: e.path.unwrap_or_else(|| "json".into()),
            message: e.message,
        }
    }
}

/// Reads a `T` from the value at `path`.
pub(super) fn read_at<'v, T: Deserialize<'v>>(v: &'v Value, path: &str) -> R<T> {
    T::deserialize(ValueDe::new(v, path)).map_err(ScenarioError::from)
}

/// A deserializer of one value at one path.
pub(super) struct ValueDe<'v, 'p> {
    v: &'v Value,
    path: String,
    /// Fields of this object read by the caller (an action's `at_ms` and `do`): neither
    /// unknown nor handed to the visitor.
    taken: &'p [&'p str],
    /// What an object is called in an unknown-field hint (`connect takes ...`); by default the
    /// visitor's own `expecting` (`a server`).
    context: Option<&'p str>,
}

impl<'v> ValueDe<'v, 'static> {
    pub(super) fn new(v: &'v Value, path: &str) -> Self {
        ValueDe {
            v,
            path: path.to_string(),
            taken: &[],
            context: None,
        }
    }
}

impl<'v, 'p> ValueDe<'v, 'p> {
    /// The fields of an object whose `taken` fields the caller reads itself.
    pub(super) fn taking(v: &'v Value, path: &str, taken: &'p [&'p str]) -> Self {
        ValueDe {
            v,
            path: path.to_string(),
            taken,
            context: None,
        }
    }

    fn integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = match self.v {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (None, Some(i)) => visitor.visit_i64(i),
                _ => return Err(DeError::expected(&self.path, &visitor, self.v)),
            },
            other => return Err(DeError::expected(&self.path, &visitor, other)),
        };
        out.map_err(|e: DeError| e.at(&self.path))
    }
}

/// Refuses an object's fields that are neither `taken` (read by the caller) nor in `fields` (nor
/// `x_...`), naming the first in sorted order, with a "did you mean" or the fields there are.
pub(super) fn refuse_unknown(
    map: &Map<String, Value>,
    path: &str,
    taken: &[&str],
    fields: &[&str],
    context: &str,
) -> Result<(), DeError> {
    let known = |k: &str| fields.contains(&k) || taken.contains(&k);
    let Some(k) = map
        .keys()
        .filter(|k| !k.starts_with("x_") && !known(k))
        .min()
    else {
        return Ok(());
    };
    let allowed: Vec<&str> = taken.iter().chain(fields).copied().collect();
    let hint = match did_you_mean(k, allowed.iter().copied()) {
        Some(m) => format!(" (did you mean \"{m}\"?)"),
        None => format!(" ({context} takes {})", allowed.join(", ")),
    };
    Err(DeError::custom(format!("unknown field{hint}")).at(&join(path, k)))
}

impl<'de> Deserializer<'de> for ValueDe<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = match self.v {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(_) => return self.integer(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items::new(items, &self.path)),
            Value::Object(map) => visitor.visit_map(Fields::new(map, &self.path, self.taken)),
        };
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Bool(b) => visitor
                .visit_bool(*b)
                .map_err(|e: DeError| e.at(&self.path)),
            other => Err(DeError::expected(&self.path, &"true or false", other)),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::String(s) => visitor
                .visit_borrowed_str(s)
                .map_err(|e: DeError| e.at(&self.path)),
            other => Err(DeError::expected(&self.path, &visitor, other)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Null => visitor.visit_none(),
            _ => {
                let path = self.path.clone();
                visitor.visit_some(self).map_err(|e| e.at(&path))
            }
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Array(items) => visitor
                .visit_seq(Items::new(items, &self.path))
                .map_err(|e| e.at(&self.path)),
            other => Err(DeError::expected(&self.path, &"an array", other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let what = self
            .context
            .map_or_else(|| (&visitor as &dyn Expected).to_string(), str::to_string);
        let Value::Object(map) = self.v else {
            let message = format!("{what} is a JSON object, got {}", show(self.v));
            return Err(DeError::custom(message).at(&self.path));
        };
        refuse_unknown(map, &self.path, self.taken, fields, &what)?;
        visitor
            .visit_map(Fields::new(map, &self.path, self.taken))
            .map_err(|e| e.at(&self.path))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u128 f32 f64 char bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct map
    }

    /// The format's two tagged objects: an action (`tag` "do") and a multi op ("op"). The tag
    /// names the variant; the variant's fields are the object's other fields.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        tag: &'static str,
        names: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let Value::Object(map) = self.v else {
            let message = format!(
                "{} is a JSON object, got {}",
                &visitor as &dyn Expected,
                show(self.v)
            );
            return Err(DeError::custom(message).at(&self.path));
        };
        let tag_path = join(&self.path, tag);
        let written = match map.get(tag) {
            Some(Value::String(s)) => s,
            Some(other) => return Err(DeError::expected(&tag_path, &"a string", other)),
            None => return Err(DeError::expected(&tag_path, &"a string", &Value::Null)),
        };
        let noun = if tag == "op" { "op" } else { "action" };
        let Some(&name) = names.iter().find(|n| **n == written.as_str()) else {
            let hint = match did_you_mean(written, names.iter().copied()) {
                Some(m) => format!("did you mean \"{m}\"? "),
                None => String::new(),
            };
            let message = format!(
                "unknown {noun} {} ({hint}expected one of {})",
                quote(written),
                names.join(", ")
            );
            return Err(DeError::custom(message).at(&tag_path));
        };
        let context = if tag == "op" {
            format!("a multi {name}")
        } else {
            name.to_string()
        };
        let taken: Vec<&str> = self.taken.iter().copied().chain([tag]).collect();
        let fields = ValueDe {
            v: self.v,
            path: self.path.clone(),
            taken: &taken,
            context: Some(&context),
        };
        visitor
            .visit_enum(Tagged { name, fields })
            .map_err(|e| e.at(&self.path))
    }
}

/// A tagged object: its variant's name, then the rest of its fields.
struct Tagged<'v, 'p> {
    name: &'static str,
    fields: ValueDe<'v, 'p>,
}

impl<'de, 'p> de::EnumAccess<'de> for Tagged<'de, 'p> {
    type Error = DeError;
    type Variant = ValueDe<'de, 'p>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), DeError> {
        let name = seed.deserialize(BorrowedStrDeserializer::new(self.name))?;
        Ok((name, self.fields))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDe<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_struct("", fields, visitor)
    }
}

/// The items of an array, each at its index.
struct Items<'v> {
    items: std::iter::Enumerate<std::slice::Iter<'v, Value>>,
    path: String,
}

impl<'v> Items<'v> {
    fn new(items: &'v [Value], path: &str) -> Self {
        Items {
            items: items.iter().enumerate(),
            path: path.to_string(),
        }
    }
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((i, v)) = self.items.next() else {
            return Ok(None);
        };
        seed.deserialize(ValueDe::new(v, &index(&self.path, i)))
            .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The fields of an object, in sorted order, without the taken and `x_...` ones.
struct Fields<'v, 'p> {
    entries: serde_json::map::Iter<'v>,
    path: &'p str,
    taken: &'p [&'p str],
    value: Option<(&'v str, &'v Value)>,
}

impl<'v, 'p> Fields<'v, 'p> {
    fn new(map: &'v Map<String, Value>, path: &'p str, taken: &'p [&'p str]) -> Self {
        Fields {
            entries: map.iter(),
            path,
            taken,
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for (k, v) in self.entries.by_ref() {
            if k.starts_with("x_") || self.taken.contains(&k.as_str()) {
                continue;
            }
            self.value = Some((k, v));
            return seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (k, v) = self
            .value
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("a value without a key"))?;
        seed.deserialize(ValueDe::new(v, &join(self.path, k)))
    }
}

// ------------------------------------------------------------------------------------------------
// Shapes with their own words
// ------------------------------------------------------------------------------------------------

/// An integer of type `T` in `MIN..=MAX`, written as an integer.
pub(super) struct Int<T, const MIN: i128, const MAX: i128>(pub(super) T);

impl<'de, T: TryFrom<i128>, const MIN: i128, const MAX: i128> Deserialize<'de>
    for Int<T, MIN, MAX>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, const MIN: i128, const MAX: i128>(std::marker::PhantomData<T>);
        impl<T: TryFrom<i128>, const MIN: i128, const MAX: i128> V<T, MIN, MAX> {
            fn check<E: de::Error>(n: i128) -> Result<Int<T, MIN, MAX>, E> {
                match T::try_from(n) {
                    Ok(t) if (MIN..=MAX).contains(&n) => Ok(Int(t)),
                    _ => Err(E::custom(format!("must be {MIN}..={MAX}, got {n}"))),
                }
            }
        }
        impl<'de, T: TryFrom<i128>, const MIN: i128, const MAX: i128> Visitor<'de> for V<T, MIN, MAX> {
            type Value = Int<T, MIN, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an integer in {MIN}..={MAX}")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Self::check(n.into())
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Self::check(n.into())
            }
        }
        d.deserialize_i64(V(std::marker::PhantomData))
    }
}

/// A time or a duration in ms whose bound is a runtime's limit (`until_ms_max`), which the
/// validator checks: here, any `u64`.
pub(super) struct Ms(pub(super) u64);

impl<'de> Deserialize<'de> for Ms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Ms;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of ms")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Ms, E> {
                Ok(Ms(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Ms, E> {
                u64::try_from(n)
                    .map(Ms)
                    .map_err(|_| E::custom(format!("must be a whole number of ms, got {n}")))
            }
        }
        d.deserialize_u64(V)
    }
}

/// A wall-clock offset in ms, within [`CLOCK_ABS_MAX_MS`].
pub(super) type ClockMs = Int<i64, { -CLOCK_ABS_MAX_MS as i128 }, { CLOCK_ABS_MAX_MS as i128 }>;
/// A znode version: -1 (any) or one a node can have.
pub(super) type ZnodeVersion = Int<i32, { defaults::ANY_VERSION as i128 }, { i32::MAX as i128 }>;

/// `deserialize_with` for an integer field.
pub(super) fn int<'de, D: Deserializer<'de>, T: TryFrom<i128>, const MIN: i128, const MAX: i128>(
    d: D,
) -> Result<T, D::Error> {
    Int::<T, MIN, MAX>::deserialize(d).map(|i| i.0)
}

pub(super) fn ms<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ms::deserialize(d).map(|i| i.0)
}

pub(super) fn clock_by_ms<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    ClockMs::deserialize(d).map(|i| i.0)
}

pub(super) fn session_timeout_ms<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Int::<u64, 0, { SESSION_TIMEOUT_MS_MAX as i128 }>::deserialize(d).map(|i| i.0)
}

/// A network rule's `count`: how many of the next matching messages it takes.
pub(super) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Option::<Int<u32, 1, { u32::MAX as i128 }>>::deserialize(d).map(|o| o.map(|i| i.0))
}

pub(super) fn opt_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Version>, D::Error> {
    struct V(Version);
    impl<'de> Deserialize<'de> for V {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            version(d).map(V)
        }
    }
    Option::<V>::deserialize(d).map(|o| o.map(|v| v.0))
}

pub(super) fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

pub(super) fn clock_ms<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Option::<ClockMs>::deserialize(d).map(|o| o.map_or(0, |i| i.0))
}

pub(super) fn znode_version<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    Option::<ZnodeVersion>::deserialize(d).map(|o| o.map_or(defaults::ANY_VERSION, |i| i.0))
}

pub(super) fn any_version() -> i32 {
    defaults::ANY_VERSION
}

/// `start_ms`, where `null` has a meaning of its own: not started until a `start_server`.
pub(super) fn start_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<Ms>::deserialize(d).map(|o| o.map(|i| i.0))
}

pub(super) fn default_start_ms() -> Option<u64> {
    defaults::SERVER_START_MS
}

/// A server id as written: any integer a `u8` holds (0 is the validator's to refuse).
struct ServerId(u8);

impl<'de> Deserialize<'de> for ServerId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn check<E: de::Error>(n: i128) -> Result<ServerId, E> {
                u8::try_from(n)
                    .map(ServerId)
                    .map_err(|_| E::custom(format!("must be 1..=255, got {n}")))
            }
        }
        impl Visitor<'_> for V {
            type Value = ServerId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a server id (1..=255)")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ServerId, E> {
                V::check(n.into())
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ServerId, E> {
                V::check(n.into())
            }
        }
        d.deserialize_u64(V)
    }
}

pub(super) fn server_id<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    ServerId::deserialize(d).map(|s| s.0)
}

pub(super) fn server_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    Vec::<ServerId>::deserialize(d).map(|v| v.into_iter().map(|s| s.0).collect())
}

pub(super) fn opt_server_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    Option::<Vec<ServerId>>::deserialize(d).map(|o| o.map(|v| v.into_iter().map(|s| s.0).collect()))
}

/// The 16-byte password, written as 32 hex digits.
pub(super) fn password<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 16]>, D::Error> {
    // Read inside the value's own visitor, so that an error is at the field's path.
    struct Password([u8; 16]);
    impl<'de> Deserialize<'de> for Password {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            from_str(d, "a string", |hex| {
                parse_password(hex)
                    .map(Password)
                    .ok_or_else(|| format!("expected 32 hex digits (16 bytes), got {}", quote(hex)))
            })
        }
    }
    Option::<Password>::deserialize(d).map(|o| o.map(|p| p.0))
}

/// 32 hex digits as 16 bytes.
fn parse_password(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A string-valued shape: `parse` says what it is, or why not.
fn from_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct V<T>(&'static str, fn(&str) -> Result<T, String>);
    impl<T> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            (self.1)(s).map_err(E::custom)
        }
    }
    d.deserialize_str(V(expecting, parse))
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_str(
            d,
            "an endpoint (\"s<myid>\" or a client name)",
            |s| match server_ref(s) {
                Some(Ok(id)) => Ok(Endpoint::Server(id)),
                Some(Err(why)) => Err(why),
                None => Ok(Endpoint::Client(s.to_string())),
            },
        )
    }
}

/// A version name (the scenario's `version`, a client's): one of the profiles.
pub(super) fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
    {
        from_str(d, "a string such as \"3.6\"", |s| {
            Version::parse(s).ok_or_else(|| {
                let known: Vec<&str> = Version::ALL.iter().map(|v| v.name()).collect();
                format!(
                    "unknown version {} (expected one of {})",
                    quote(s),
                    known.join(", ")
                )
            })
        })
    }
}

impl<'de> Deserialize<'de> for RegisterStyle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_str(d, "a string", |s| {
            RegisterStyle::parse(s).ok_or_else(|| {
                let names: Vec<String> = RegisterStyle::NAMES.iter().map(|n| quote(n)).collect();
                format!(
                    "unknown style {} (expected {})",
                    quote(s),
                    names.join(" or ")
                )
            })
        })
    }
}
