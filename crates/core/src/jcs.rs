//! JSON Canonicalization Scheme (RFC 8785) of a `serde_json::Value`, written in one pass.
//!
//! Used on hot paths (eddsa-jcs-2022, RFC 7638 thumbprints, `did:jwk`, subject digests), where a
//! generic serializer that buffers and re-sorts every object costs more than the signature.
//! Members are sorted by their UTF-16 code units, strings use the minimal JSON escapes, and numbers
//! take ECMAScript's `Number.prototype.toString` form (`ryu-js`).
//!
//! ```
//! let value = serde_json::json!({"b": [1, 2.5, "é\n"], "a": {"z": true, "y": null}});
//! assert_eq!(
//!     passeport_core::jcs::to_string(&value),
//!     r#"{"a":{"y":null,"z":true},"b":[1,2.5,"é\n"]}"#
//! );
//! ```

use serde_json::{Map, Number, Value};

/// Integers of magnitude up to 2^53 print the same as the IEEE double they stand for.
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// The canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Vec<u8> {
    to_string(value).into_bytes()
}

/// The canonical text of `value`.
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    Canonical::new(&mut out).value(value);
    out
}

/// The canonical text of a JSON object.
pub fn object_to_string(object: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(256);
    Canonical::new(&mut out).object(object);
    out
}

/// The writer, with one stack of sorted members for all the nested objects (each object's
/// members sit above its parent's while it is written), instead of a list for each.
struct Canonical<'a, 'o> {
    out: &'o mut String,
    members: Vec<(&'a str, &'a Value)>,
}

impl<'a, 'o> Canonical<'a, 'o> {
    fn new(out: &'o mut String) -> Self {
        Canonical {
            out,
            members: Vec::with_capacity(32),
        }
    }

    fn value(&mut self, value: &'a Value) {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Number(number) => write_number(self.out, number),
            Value::String(text) => write_string(self.out, text),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.value(item);
                }
                self.out.push(']');
            }
            Value::Object(object) => self.object(object),
        }
    }

    fn object(&mut self, object: &'a Map<String, Value>) {
        let base = self.members.len();
        self.members
            .extend(object.iter().map(|(key, value)| (key.as_str(), value)));
        if let Some(own) = self.members.get_mut(base..) {
            own.sort_unstable_by(|(a, _), (b, _)| utf16_cmp(a, b));
        }
        self.out.push('{');
        for i in base..base + object.len() {
            let Some(&(key, value)) = self.members.get(i) else {
                break;
            };
            if i > base {
                self.out.push(',');
            }
            write_string(self.out, key);
            self.out.push(':');
            self.value(value);
        }
        self.members.truncate(base);
        self.out.push('}');
    }
}

/// RFC 8785 §3.2.3: member names compare as arrays of UTF-16 code units. UTF-8 byte order is the
/// same except between supplementary characters and U+E000..U+FFFF, so bytes decide unless both
/// names hold non-ASCII text.
fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() || b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// Appends `text` as a JSON string with RFC 8785's escapes.
pub(crate) fn write_string(out: &mut String, text: &str) {
    out.push('"');
    if !crate::json::needs_escape(text) {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0a => "\\n",
            0x0c => "\\f",
            0x0d => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(text.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            // Other control characters: `\u00` and two lowercase hex digits.
            out.push_str("\\u00");
            for digit in [byte >> 4, byte & 0xf] {
                out.push(char::from_digit(u32::from(digit), 16).unwrap_or('0'));
            }
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

fn write_number(out: &mut String, number: &Number) {
    if let Some(n) = number.as_u64().filter(|n| *n <= MAX_SAFE_INTEGER) {
        out.push_str(itoa::Buffer::new().format(n));
    } else if let Some(n) = number
        .as_i64()
        .filter(|n| n.unsigned_abs() <= MAX_SAFE_INTEGER)
    {
        out.push_str(itoa::Buffer::new().format(n));
    } else {
        // Larger integers and all fractions: the IEEE double, as ECMAScript prints it.
        let double = number.as_f64().unwrap_or(0.0);
        if double == 0.0 {
            // -0 prints as 0 in ECMAScript.
            out.push('0');
        } else {
            out.push_str(ryu_js::Buffer::new().format_finite(double));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn rfc8785_sorting_example() {
        // RFC 8785 §3.2.3: the sorting example, by UTF-16 code units.
        let value = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{80}": "Control",
            "\u{f6}": "Latin Small Letter O With Diaeresis"
        });
        let text = to_string(&value);
        let order: Vec<&str> = [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small Letter O With Diaeresis",
            "Euro Sign",
            "Emoji: Grinning Face",
            "Hebrew Letter Dalet With Dagesh",
        ]
        .to_vec();
        let mut positions: Vec<usize> = order.iter().map(|v| text.find(v).unwrap()).collect();
        let sorted = {
            let mut p = positions.clone();
            p.sort_unstable();
            p
        };
        assert_eq!(positions, sorted, "{text}");
        positions.dedup();
        assert_eq!(positions.len(), order.len());
    }

    #[test]
    fn rfc8785_numbers() {
        // RFC 8785 Appendix B: IEEE double → ECMAScript text.
        let cases: [(f64, &str); 10] = [
            (0.0, "0"),
            (-0.0, "0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740992.0, "9007199254740992"),
            (9007199254740994.0, "9007199254740994"),
            (295147905179352830000.0, "295147905179352830000"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
        ];
        for (double, expected) in cases {
            assert_eq!(to_string(&json!(double)), expected, "{double:e}");
        }
        assert_eq!(to_string(&json!(-12)), "-12");
        assert_eq!(to_string(&json!(u64::MAX)), "18446744073709552000");
    }

    #[test]
    fn rfc8785_string_escapes() {
        let value = json!("\u{0}\u{8}\t\n\u{c}\r\u{1f}\"\\/\u{7f}\u{2028}é");
        assert_eq!(
            to_string(&value),
            "\"\\u0000\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u{7f}\u{2028}é\""
        );
    }

    /// Names from characters above `"` other than `\\`, within the Basic Multilingual Plane:
    /// `serde_jcs` sorts names by their escaped, quoted UTF-8 bytes, which differs from RFC 8785
    /// (raw UTF-16 code units) for the others (see `serde_jcs_differs_from_rfc8785`).
    fn member_name() -> impl Strategy<Value = String> {
        "[\\u{23}-\\u{5b}\\u{5d}-\\u{d7ff}\\u{e000}-\\u{ffff}]{0,6}"
    }

    #[test]
    fn serde_jcs_differs_from_rfc8785() {
        // RFC 8785 §3.2.3 sorts "\r" (U+000D) first; sorting escaped text puts it after "1".
        let value = json!({"1": 1, "\r": 2});
        assert_eq!(to_string(&value), "{\"\\r\":2,\"1\":1}");
        assert_eq!(serde_jcs::to_string(&value).unwrap(), "{\"1\":1,\"\\r\":2}");
        // And a name sorts before any longer name it starts ("a" < "a!").
        let value = json!({"a!": 1, "a": 2});
        assert_eq!(to_string(&value), "{\"a\":2,\"a!\":1}");
        assert_eq!(serde_jcs::to_string(&value).unwrap(), "{\"a!\":1,\"a\":2}");
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-(1i64 << 53)..(1i64 << 53)).prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((member_name(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The same bytes as `serde_jcs`, the generic implementation, on arbitrary JSON.
        #[test]
        fn same_as_serde_jcs(value in arbitrary_json()) {
            prop_assert_eq!(to_vec(&value), serde_jcs::to_vec(&value).unwrap());
            prop_assert_eq!(to_string(&value).into_bytes(), to_vec(&value));
        }
    }
}
