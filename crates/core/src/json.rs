//! Strict JSON: what comes from outside is parsed here, with duplicate member names rejected
//! (RFC 7515 §4, RFC 7519 §4 and RFC 9901 all forbid relying on "last one wins") and nesting
//! depth and size bounded.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Largest JSON document accepted from outside, in bytes (1 MiB).
pub const MAX_JSON_BYTES: usize = 1 << 20;
/// Deepest nesting of objects and arrays accepted from outside.
pub const MAX_DEPTH: usize = 64;

/// Why strict JSON parsing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Longer than [`MAX_JSON_BYTES`].
    #[error("JSON document is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// Not JSON, duplicate member, or too deep; the message says which and where.
    #[error("invalid JSON: {0}")]
    Invalid(String),
    /// Valid JSON but not an object where one was required.
    #[error("expected a JSON object")]
    NotAnObject,
}

/// Parses JSON strictly: duplicate member names and nesting deeper than [`MAX_DEPTH`] fail.
///
/// The bytes are checked to be UTF-8 once, up front, then parsed as text (serde_json's byte
/// reader would check every string again on its own).
pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonError> {
    let text = utf8_text(bytes)?;
    parse_strict_str(text)
}

/// `bytes` as text, once they are checked to be within [`MAX_JSON_BYTES`] and UTF-8.
fn utf8_text(bytes: &[u8]) -> Result<&str, JsonError> {
    check_size(bytes.len())?;
    std::str::from_utf8(bytes).map_err(|e| {
        JsonError::Invalid(format!(
            "not UTF-8: invalid byte at offset {}",
            e.valid_up_to()
        ))
    })
}

/// Parses JSON text strictly (see [`parse_strict`]).
pub fn parse_strict_str(text: &str) -> Result<Value, JsonError> {
    check_size(text.len())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let mut stacks = Stacks::default();
    let value = StrictSeed {
        depth: 0,
        stacks: &mut stacks,
    }
    .deserialize(&mut de)
    .map_err(|e| JsonError::Invalid(e.to_string()))?;
    de.end().map_err(|e| JsonError::Invalid(e.to_string()))?;
    Ok(value)
}

/// Whether `text` holds a character that a JSON string must escape: `"`, `\` or a control
/// character. Most strings (and every compact JWS or SD-JWT) have none, and are then copied or
/// counted whole. Long texts are scanned without branching or stopping early, so that the loop
/// is vectorised; the short names and values of a credential (most under 32 bytes, where the
/// vectorised loop spends its time in its byte-by-byte tail) are read eight bytes at a time,
/// the last word overlapping the one before.
pub fn needs_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.len() {
        32.. => bytes.iter().fold(false, |any, &b| any | must_escape(b)),
        8.. => {
            let words = bytes.chunks_exact(8).map(word);
            let last = bytes.get(bytes.len() - 8..).map_or(0, word);
            words.fold(word_must_escape(last), |any, w| any | word_must_escape(w))
        }
        4.. => {
            // Two overlapping four-byte reads make one word.
            let low = bytes.get(..4).map_or(0, half_word);
            let high = bytes.get(bytes.len() - 4..).map_or(0, half_word);
            word_must_escape(low | high << 32)
        }
        _ => bytes.iter().any(|&b| must_escape(b)),
    }
}

fn must_escape(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

/// Eight bytes (little-endian) as one word: `bytes` is exactly eight long here.
fn word(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_le_bytes)
}

/// Four bytes (little-endian) as the low half of a word: `bytes` is exactly four long here.
fn half_word(bytes: &[u8]) -> u64 {
    <[u8; 4]>::try_from(bytes).map_or(0, |b| u64::from(u32::from_le_bytes(b)))
}

/// Whether any byte of `w` is below 0x20, `"` or `\`, by the exact "has a byte less than n"
/// and "has a zero byte" word tests (exact as to whether any byte matches, for n ≤ 128; which
/// bytes are flagged does not matter here).
fn word_must_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
    control | quote | backslash != 0
}

/// The compact JSON text of an object, members in their order: byte for byte what
/// `serde_json::to_string` writes (tested), with every string that needs no escaping copied in
/// one piece where `serde_json` looks at each byte in turn.
pub fn object_to_compact_string(object: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(4096);
    write_compact_object(&mut out, object);
    out
}

/// Appends `value` as compact JSON (see [`object_to_compact_string`]).
pub fn write_compact(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // `Number`'s `Display` is its serialization (itoa, ryu).
        Value::Number(number) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{number}");
        }
        // serde_json escapes the same characters as RFC 8785, the same way.
        Value::String(text) => crate::jcs::write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(object) => write_compact_object(out, object),
    }
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it.
pub fn write_compact_str(out: &mut String, text: &str) {
    crate::jcs::write_string(out, text);
}

/// Appends `"name":` for the next member of an object being written, after a comma unless
/// `first` (which it then clears).
pub fn write_compact_member(out: &mut String, first: &mut bool, name: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    crate::jcs::write_string(out, name);
    out.push(':');
}

/// Appends an object as compact JSON, members in their order.
pub fn write_compact_object(out: &mut String, object: &Map<String, Value>) {
    out.push('{');
    for (i, (name, value)) in object.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::jcs::write_string(out, name);
        out.push(':');
        write_compact(out, value);
    }
    out.push('}');
}

fn check_size(size: usize) -> Result<(), JsonError> {
    if size > MAX_JSON_BYTES {
        return Err(JsonError::TooLarge {
            size,
            max: MAX_JSON_BYTES,
        });
    }
    Ok(())
}

/// Parses a JSON object strictly (see [`parse_strict`]).
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    into_object(parse_strict(bytes)?)
}

/// Parses JSON text that must be an object, strictly (see [`parse_strict`]).
pub fn parse_object_str(text: &str) -> Result<Map<String, Value>, JsonError> {
    into_object(parse_strict_str(text)?)
}

fn into_object(value: Value) -> Result<Map<String, Value>, JsonError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotAnObject),
    }
}

/// Depth of nesting of a value (a scalar is 0).
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A disclosure's JSON (RFC 9901 §4.2), strictly parsed: its claim name (`None` for an array
/// element) and value, or what is wrong with its shape.
pub(crate) enum DisclosureJson {
    /// `[salt, value]` or `[salt, name, value]`, the salt a string (checked, not kept).
    Parts {
        /// The claim name, if three elements.
        name: Option<String>,
        /// The disclosed value.
        value: Value,
    },
    /// Valid JSON, but not a disclosure: why.
    Shape(&'static str),
}

/// Parses a disclosure's JSON strictly (as [`parse_strict`]: every element is read, with the
/// same limits and duplicate checks) without building the array or copying the salt, which a
/// verifier never reads. A text that is not JSON fails as such whatever its shape; the shape is
/// judged once it has all been read, in the order: not an array, not 2 or 3 elements, the salt
/// not a string, the name not a string.
pub(crate) fn parse_disclosure(bytes: &[u8]) -> Result<DisclosureJson, JsonError> {
    let text = utf8_text(bytes)?;
    // Anything but an array is read in full, strictly, then reported as the wrong shape.
    if !text.trim_start().starts_with('[') {
        parse_strict_str(text)?;
        return Ok(DisclosureJson::Shape("not a JSON array"));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let mut stacks = Stacks::default();
    let parsed = de
        .deserialize_any(DisclosureVisitor {
            stacks: &mut stacks,
        })
        .map_err(|e| JsonError::Invalid(e.to_string()))?;
    de.end().map_err(|e| JsonError::Invalid(e.to_string()))?;
    Ok(parsed)
}

/// The top level of [`parse_disclosure`], for a text that opens with `[`.
struct DisclosureVisitor<'s> {
    stacks: &'s mut Stacks,
}

impl<'de> Visitor<'de> for DisclosureVisitor<'_> {
    type Value = DisclosureJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a disclosure array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DisclosureJson, A::Error> {
        // The elements sit one level down, as in `StrictVisitor::visit_seq`.
        let (depth, stacks) = (1, self.stacks);
        let Some(salt_is_text) = seq.next_element_seed(SaltSeed(StrictVisitor {
            depth,
            stacks: &mut *stacks,
        }))?
        else {
            return Ok(DisclosureJson::Shape("must be an array of 2 or 3 elements"));
        };
        let mut element = || {
            seq.next_element_seed(StrictSeed {
                depth,
                stacks: &mut *stacks,
            })
        };
        let (second, third) = (element()?, element()?);
        let mut extra = false;
        while element()?.is_some() {
            extra = true;
        }
        let (name, value) = match (second, third, extra) {
            (Some(value), None, false) => (None, value),
            (Some(name), Some(value), false) => (Some(name), value),
            _ => return Ok(DisclosureJson::Shape("must be an array of 2 or 3 elements")),
        };
        if !salt_is_text {
            return Ok(DisclosureJson::Shape("the salt must be a string"));
        }
        let name = match name {
            None => None,
            Some(Value::String(name)) => Some(name),
            Some(_) => return Ok(DisclosureJson::Shape("the claim name must be a string")),
        };
        Ok(DisclosureJson::Parts { name, value })
    }
}

/// A disclosure's first element: whether it is a string, read without copying it (anything
/// else is read strictly, like any element, by the visitor it wraps).
struct SaltSeed<'s>(StrictVisitor<'s>);

impl<'de> DeserializeSeed<'de> for SaltSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SaltSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a salt")
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(true)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_none<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        self.0.visit_seq(seq).map(|_| false)
    }
    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<bool, A::Error> {
        self.0.visit_map(access).map(|_| false)
    }
}

/// The members parsed so far, for every object being read: each object's sit above its
/// parent's until it is complete, then move into a map made at its final size (no growing, no
/// rehashing as members arrive). The first few members sit inline, so that a small document
/// (a disclosure) allocates nothing more than it did. Arrays grow as they are read: most are
/// short.
#[derive(Default)]
struct Stacks {
    members: smallvec::SmallVec<[(String, Value); 8]>,
}

struct StrictSeed<'s> {
    depth: usize,
    stacks: &'s mut Stacks,
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor {
            depth: self.depth,
            stacks: self.stacks,
        })
    }
}

struct StrictVisitor<'s> {
    depth: usize,
    stacks: &'s mut Stacks,
}

impl StrictVisitor<'_> {
    fn deeper<E: serde::de::Error>(&self) -> Result<usize, E> {
        let next = self.depth + 1;
        if next > MAX_DEPTH {
            return Err(E::custom(format!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(next)
    }
}

impl<'de> Visitor<'de> for StrictVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.deeper()?;
        let stacks = self.stacks;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictSeed {
            depth,
            stacks: &mut *stacks,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let depth = self.deeper()?;
        let stacks = self.stacks;
        let base = stacks.members.len();
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value_seed(StrictSeed {
                depth,
                stacks: &mut *stacks,
            })?;
            stacks.members.push((key, value));
        }
        let mut map = Map::with_capacity(stacks.members.len() - base);
        for (key, value) in stacks.members.drain(base..) {
            // One lookup (one hash of the name) both finds a duplicate and inserts.
            match map.entry(key) {
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                serde_json::map::Entry::Occupied(entry) => {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate member name `{}`",
                        entry.key()
                    )));
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_text_is_what_serde_json_writes() {
        let value = serde_json::json!({
            "z": null, "a": [true, false, 0, -1, 18446744073709551615u64, -9223372036854775808i64,
                1.5, 1e300, 5e-324, 0.1, -0.0, 100.0],
            "é": "Réussite « BTS » 🎓", "esc": "\"\\\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}\u{2028}",
            "": {"nested": [{}, [], ""]}, "order": {"b": 1, "a": 2}
        });
        let Value::Object(object) = &value else {
            unreachable!()
        };
        assert_eq!(
            object_to_compact_string(object),
            serde_json::to_string(&value).unwrap()
        );
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/domain/samples");
        let mut seen = 0;
        for entry in std::fs::read_dir(samples.join("camille-laurent")).unwrap() {
            let path = entry.unwrap().path();
            let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            if let Value::Object(object) = &value {
                assert_eq!(
                    object_to_compact_string(object),
                    serde_json::to_string(&value).unwrap(),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
        assert!(seen > 3);
    }

    #[test]
    fn finds_what_a_json_string_must_escape() {
        for text in ["\"", "a\\b", "\u{0}", "tab\t", "\u{1f}", "é\n"] {
            assert!(needs_escape(text), "{text:?}");
        }
        for text in [
            "",
            "eyJhbGciOiJFZERTQSJ9.e30.c2ln~WyJzIl0~",
            " é中😀/\u{7f}",
        ] {
            assert!(!needs_escape(text), "{text:?}");
        }
        // The same answer as serde_json's own escaping, over every single byte below 0x80.
        for b in 0u8..0x80 {
            let text = char::from(b).to_string();
            let escaped = serde_json::to_string(&text).unwrap() != format!("\"{text}\"");
            assert_eq!(needs_escape(&text), escaped, "{b:#x}");
        }
    }

    #[test]
    fn finds_it_at_every_position_of_every_length() {
        let reference = |t: &str| t.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
        for len in 0..70 {
            for at in 0..len {
                for c in [
                    '\0', '\u{1f}', '"', '\\', '!', '#', ' ', '[', ']', '\u{7f}', 'é',
                ] {
                    let mut text: String = "abcdefghijklmnopqrstuvwxyz"
                        .repeat(3)
                        .chars()
                        .take(len)
                        .collect();
                    text.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                    assert_eq!(needs_escape(&text), reference(&text), "{text:?}");
                }
            }
        }
    }

    /// Small JSON values of every kind, for the disclosure parser's property test.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z\"\\\\é\n]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(("[a-c]{1,2}", inner), 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// What `parse_disclosure` must answer: the whole text parsed strictly, then its shape.
    fn disclosure_reference(
        text: &str,
    ) -> Result<Result<(Option<String>, Value), &'static str>, ()> {
        let Ok(json) = parse_strict_str(text) else {
            return Err(());
        };
        let Value::Array(items) = json else {
            return Ok(Err("not a JSON array"));
        };
        let mut items = items.into_iter();
        let (salt, name, value) = match (items.next(), items.next(), items.next(), items.next()) {
            (Some(salt), Some(value), None, None) => (salt, None, value),
            (Some(salt), Some(name), Some(value), None) => (salt, Some(name), value),
            _ => return Ok(Err("must be an array of 2 or 3 elements")),
        };
        if !salt.is_string() {
            return Ok(Err("the salt must be a string"));
        }
        Ok(match name {
            None => Ok((None, value)),
            Some(Value::String(name)) => Ok((Some(name), value)),
            Some(_) => Err("the claim name must be a string"),
        })
    }

    fn disclosure_answer(text: &str) -> Result<Result<(Option<String>, Value), &'static str>, ()> {
        match parse_disclosure(text.as_bytes()) {
            Ok(DisclosureJson::Parts { name, value }) => Ok(Ok((name, value))),
            Ok(DisclosureJson::Shape(reason)) => Ok(Err(reason)),
            Err(_) => Err(()),
        }
    }

    #[test]
    fn disclosures_parse_as_the_strict_parser_and_the_shape_rules_say() {
        let deep = format!(
            "[\"s\",{}1{}]",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let deep_salt = format!(
            "[{}\"s\"{},1]",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let fits = format!(
            "[\"s\",{}1{}]",
            "[".repeat(MAX_DEPTH - 2),
            "]".repeat(MAX_DEPTH - 2)
        );
        let texts = [
            r#"["salt","name",{"a":[1,2,{"b":null}]}]"#,
            r#"["salt",{"a":1}]"#,
            r#"["",null]"#,
            r#"["s\u00e9\n","n\"ame",1.5]"#,
            r#"["s","n",1,2]"#,
            r#"["s","n",1,{"a":1,"a":2}]"#,
            r#"["s"]"#,
            "[]",
            r#"[1,"n",1]"#,
            r#"[{"a":1,"a":2},"n",1]"#,
            r#"[[1,{}],"n",1]"#,
            r#"["s",1,1]"#,
            r#"["s",null,1]"#,
            r#"["s","n",{"x":1,"x":1}]"#,
            r#"{"a":1}"#,
            r#"{"a":1,"a":2}"#,
            r#""text""#,
            "42",
            "null",
            "true",
            r#"["s","n",1"#,
            r#"["s","n",1]]"#,
            r#"["s","n",1] x"#,
            r#"  ["s" , "n" , 1 ]  "#,
            r#"["s","n",01]"#,
            "",
            &deep,
            &deep_salt,
            &fits,
        ];
        let mut shapes = 0;
        for text in texts {
            let expected = disclosure_reference(text);
            assert_eq!(disclosure_answer(text), expected, "{text}");
            shapes += usize::from(matches!(expected, Ok(Err(_))));
        }
        assert!(shapes >= 8, "{shapes}");
        assert!(disclosure_answer(&fits).is_ok_and(|parts| parts.is_ok()));
        assert!(disclosure_answer(&deep).is_err());
        assert!(disclosure_answer(&deep_salt).is_err());
        assert!(parse_disclosure(b"[\"\xff\",1]").is_err());
    }

    proptest::proptest! {
        #[test]
        fn finds_it_as_a_byte_by_byte_scan_does(text in "\\PC{0,40}|[\\x00-\\x7f]{0,40}") {
            let reference = text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
            proptest::prop_assert_eq!(needs_escape(&text), reference);
        }

        /// Arrays of 0 to 4 arbitrary values (strings with escapes, nested arrays and
        /// objects): the same parts, or the same shape error, as parsing them whole.
        #[test]
        fn disclosure_arrays_parse_as_parsing_them_whole_does(
            items in proptest::collection::vec(json_value(), 0..5)
        ) {
            let text = Value::Array(items).to_string();
            let expected = disclosure_reference(&text);
            proptest::prop_assert!(expected.is_ok());
            proptest::prop_assert_eq!(disclosure_answer(&text), expected);
        }

        /// Any short text of JSON-ish characters: the same verdict as parsing it whole.
        #[test]
        fn disclosures_parse_as_parsing_them_whole_does(text in "[\\[\\]{}\",:a-c0-9 ntrule]{0,24}") {
            proptest::prop_assert_eq!(disclosure_answer(&text), disclosure_reference(&text));
        }
    }

    #[test]
    fn rejects_duplicate_member_names() {
        let err = parse_strict(br#"{"alg":"EdDSA","alg":"none"}"#).unwrap_err();
        assert!(
            err.to_string().contains("duplicate member name `alg`"),
            "{err}"
        );
        let nested = parse_strict(br#"{"a":{"b":1,"b":2}}"#).unwrap_err();
        assert!(nested.to_string().contains("`b`"));
    }

    #[test]
    fn builds_what_serde_json_builds_members_in_order_at_every_level() {
        // Objects nested in objects and arrays, siblings after nested ones, objects of more
        // members than sit inline, the same name at two levels.
        let many: Vec<String> = (0..20).map(|i| format!("\"m{i}\":{{\"v\":{i}}}")).collect();
        let mut texts =
            vec![
            r#"{"a":{"x":1,"y":{"p":[1,{"q":2,"r":3}],"b":1}},"b":2,"c":{"d":[{"e":1,"f":2},{}]}}"#
                .to_owned(),
            r#"{"b":1,"a":{"b":2,"a":{"b":3}},"z":[{"b":4},[{"b":5}]]}"#.to_owned(),
            format!("{{\"first\":0,{},\"last\":{{{}}}}}", many.join(","), many.join(",")),
        ];
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/domain/samples/camille-laurent");
        for entry in std::fs::read_dir(samples).unwrap() {
            texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        for text in &texts {
            let strict = parse_strict_str(text).unwrap();
            let reference: Value = serde_json::from_str(text).unwrap();
            // `Map`'s equality ignores order: the text compares it too.
            assert_eq!(
                serde_json::to_string(&strict).unwrap(),
                serde_json::to_string(&reference).unwrap()
            );
        }
    }

    #[test]
    fn rejects_duplicates_wherever_they_sit() {
        for text in [
            r#"{"a":{"b":1},"a":2}"#,
            r#"{"x":[{"k":1,"y":{"z":1},"k":2}]}"#,
            r#"{"m0":0,"m1":1,"m2":2,"m3":3,"m4":4,"m5":5,"m6":6,"m7":7,"m8":8,"m9":9,"m3":3}"#,
        ] {
            let err = parse_strict_str(text).unwrap_err();
            assert!(
                err.to_string().contains("duplicate member name"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn rejects_deep_nesting_and_trailing_garbage() {
        let deep_objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert!(parse_strict(deep_objects.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("nesting deeper"));
        let ok_objects = "{\"a\":".repeat(MAX_DEPTH) + "1" + &"}".repeat(MAX_DEPTH);
        assert!(parse_strict(ok_objects.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse_strict(deep.as_bytes()).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_strict(ok.as_bytes()).is_ok());
        assert!(parse_strict(br#"{"a":1} x"#).is_err());
    }

    #[test]
    fn rejects_oversized_input() {
        let big = vec![b' '; MAX_JSON_BYTES + 1];
        assert!(matches!(
            parse_strict(&big),
            Err(JsonError::TooLarge { .. })
        ));
    }

    #[test]
    fn keeps_values() {
        let v = parse_strict(br#"{"n":1.5,"i":-3,"s":"x","a":[null,true]}"#).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"n":1.5,"i":-3,"s":"x","a":[null,true]})
        );
    }
}
