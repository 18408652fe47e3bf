//! The length of a JSON value's compact `serde_json` serialization, counted without writing it
//! (the document size limit is checked on every sign and verify).

use serde_json::{Map, Value};

/// `serde_json::to_vec(object).len()`, without the allocation.
pub(crate) fn object_len(object: &Map<String, Value>) -> usize {
    // `{` `}`, a `:` per member and a `,` between members.
    let mut len = 2 + object.len() + object.len().saturating_sub(1);
    for (key, value) in object {
        len += string_len(key) + value_len(value);
    }
    len
}

fn value_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_len(n),
        Value::String(s) => string_len(s),
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(value_len).sum::<usize>()
        }
        Value::Object(object) => object_len(object),
    }
}

fn number_len(n: &serde_json::Number) -> usize {
    use std::fmt::Write;
    /// Counts what `Display` writes (the serializer's own digits), without keeping it.
    struct Count(usize);
    impl Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail.
    let _ = write!(count, "{n}");
    count.0
}

/// A JSON string with serde_json's escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and
/// `\u00XX` for the other control characters.
fn string_len(s: &str) -> usize {
    let mut len = s.len() + 2;
    if !crate::json::needs_escape(s) {
        return len;
    }
    for byte in s.bytes() {
        len += match byte {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 1,
            0..=0x1f => 5,
            _ => 0,
        };
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_what_serde_json_writes() {
        let value = json!({
            "a": null, "b": true, "c": false, "d": [], "e": {}, "f": [1, -2, 3.5, 1e300, 0.1],
            "g": "quote \" backslash \\ nl \n cr \r tab \t bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f}",
            "h": "é 中文 😀 \u{2028}", "i": [{"x": [null, {"y": ""}]}], "é": u64::MAX, "j": i64::MIN,
            "k": -0.0, "l": 123456789.125
        });
        let object = value.as_object().unwrap();
        assert_eq!(
            object_len(object),
            serde_json::to_vec(object).unwrap().len()
        );
        assert_eq!(object_len(&Map::new()), 2);
    }
}
