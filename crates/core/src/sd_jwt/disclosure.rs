//! Disclosures (RFC 9901 §4.2): `[salt, name, value]` for an object property, `[salt, value]`
//! for an array element, base64url-encoded; the digest is over that base64url text.

use super::{SdJwtError, MAX_DISCLOSURE_BYTES};
use crate::json::DisclosureJson;
use rand::RngCore as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::sync::OnceLock;

/// Bytes of randomness in a salt (128 bits, as RFC 9901 §9.3 recommends).
const SALT_BYTES: usize = 16;

/// The base64url SHA-256 digest of a disclosure (or a decoy), as found in `_sd` and `...`:
/// its 43 characters held inline (no allocation per disclosure).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DisclosureDigest([u8; 43]);

impl DisclosureDigest {
    /// The digest of some text: base64url(SHA-256(ASCII bytes)).
    pub fn of(text: &str) -> Self {
        Self(crate::b64::encode_digest(
            &Sha256::digest(text.as_bytes()).into(),
        ))
    }

    /// The base64url text.
    pub fn as_str(&self) -> &str {
        // Always ASCII: written by the base64url encoder.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// A decoy: the digest of fresh random bytes (RFC 9901 §4.2.5).
    pub(crate) fn decoy() -> Result<Self, SdJwtError> {
        let mut salt = Vec::with_capacity(24);
        write_random_salt(&mut salt)?;
        Ok(Self::of(std::str::from_utf8(&salt).unwrap_or_default()))
    }
}

impl fmt::Display for DisclosureDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DisclosureDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DisclosureDigest")
            .field(&self.as_str())
            .finish()
    }
}

/// One disclosure: a salted claim (or array element) that a holder may reveal.
///
/// Two disclosures are equal when their base64url texts are: the text fixes the salt, the name
/// and the value.
#[derive(Debug, Clone)]
pub struct Disclosure {
    encoded: String,
    /// Decoded from `encoded` when asked for: a disclosure made here writes the salt straight
    /// into its JSON, and a parsed one checks only that it is a string.
    salt: OnceLock<String>,
    name: Option<String>,
    /// Set when the disclosure is parsed or made from a value; for one the issuer's encoder
    /// wrote from borrowed claims, decoded from `encoded` the first time it is asked for.
    value: OnceLock<Value>,
    digest: DisclosureDigest,
}

impl PartialEq for Disclosure {
    fn eq(&self, other: &Self) -> bool {
        self.encoded == other.encoded
    }
}

impl Disclosure {
    /// A disclosure of the object property `name: value`, with a fresh 128-bit salt.
    ///
    /// `_sd` and `...` are refused: RFC 9901 reserves them.
    pub fn new_property(name: &str, value: Value) -> Result<Self, SdJwtError> {
        if is_reserved(name) {
            return Err(SdJwtError::Issue(format!(
                "claim name `{name}` is reserved by SD-JWT"
            )));
        }
        let mut json = Vec::with_capacity(64);
        write_json(&mut json, &value)?;
        let disclosure = Self::from_json(Some(name), &json)?;
        disclosure.value.get_or_init(|| value);
        Ok(disclosure)
    }

    /// A disclosure of an array element, with a fresh 128-bit salt.
    pub fn new_element(value: Value) -> Result<Self, SdJwtError> {
        let mut json = Vec::with_capacity(64);
        write_json(&mut json, &value)?;
        let disclosure = Self::from_json(None, &json)?;
        disclosure.value.get_or_init(|| value);
        Ok(disclosure)
    }

    /// A disclosure, with a fresh 128-bit salt, of a value the caller has already written as
    /// compact JSON (`value_json`, trusted to be one JSON value: the issuer's encoder wrote it).
    /// The value itself is decoded only if [`Self::value`] is asked for. The caller checks that
    /// `name` is not reserved.
    pub(crate) fn from_json(name: Option<&str>, value_json: &[u8]) -> Result<Self, SdJwtError> {
        Self::from_json_in(name, value_json, &mut Vec::new())
    }

    /// [`Self::from_json`], writing the disclosure's JSON in `scratch` (a buffer the caller
    /// reuses from one disclosure to the next) before encoding it.
    pub(crate) fn from_json_in(
        name: Option<&str>,
        value_json: &[u8],
        scratch: &mut Vec<u8>,
    ) -> Result<Self, SdJwtError> {
        write_json_in(name, value_json, scratch)?;
        Ok(Self::from_encoded(name, crate::b64::encode(&scratch[..])))
    }

    /// A disclosure this crate has just written and encoded (`encoded`, of claim `name`); its
    /// salt and value are decoded from the text if asked for.
    pub(crate) fn from_encoded(name: Option<&str>, encoded: String) -> Self {
        let digest = DisclosureDigest::of(&encoded);
        Self {
            encoded,
            salt: OnceLock::new(),
            name: name.map(str::to_owned),
            value: OnceLock::new(),
            digest,
        }
    }

    /// Parses a base64url disclosure (strict JSON; salt and name must be strings; the name must
    /// not be `_sd` or `...`).
    pub fn parse(encoded: &str) -> Result<Self, SdJwtError> {
        Self::parse_at(encoded, 0)
    }

    /// As [`Self::parse`], with errors naming the disclosure's position.
    pub(crate) fn parse_at(encoded: &str, index: usize) -> Result<Self, SdJwtError> {
        Self::parse_at_in(encoded, index, &mut Vec::new())
    }

    /// [`Self::parse_at`], decoding the base64url into `scratch` (a buffer the caller reuses
    /// from one disclosure to the next).
    pub(crate) fn parse_at_in(
        encoded: &str,
        index: usize,
        scratch: &mut Vec<u8>,
    ) -> Result<Self, SdJwtError> {
        let bad = |reason: String| SdJwtError::BadDisclosure { index, reason };
        if encoded.len() > MAX_DISCLOSURE_BYTES {
            return Err(bad(format!(
                "{} bytes, more than the {MAX_DISCLOSURE_BYTES} allowed",
                encoded.len()
            )));
        }
        crate::b64::decode_into(encoded, scratch).map_err(|e| bad(e.to_string()))?;
        // Read strictly, without the array or a copy of the salt: a verifier never reads the
        // salt, which is decoded from the text if asked for.
        let (name, value) = match crate::json::parse_disclosure(scratch) {
            Ok(DisclosureJson::Parts { name, value }) => (name, value),
            Ok(DisclosureJson::Shape(reason)) => return Err(bad(reason.into())),
            Err(e) => return Err(bad(e.to_string())),
        };
        if let Some(name) = name.as_deref().filter(|name| is_reserved(name)) {
            return Err(SdJwtError::ReservedDisclosureName {
                index,
                name: name.to_owned(),
            });
        }
        Ok(Self {
            digest: DisclosureDigest::of(encoded),
            encoded: encoded.to_owned(),
            salt: OnceLock::new(),
            name,
            value: OnceLock::from(value),
        })
    }

    /// The base64url text, as it appears between `~`.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// The digest that references this disclosure.
    pub fn digest(&self) -> &DisclosureDigest {
        &self.digest
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        self.salt.get_or_init(|| decode_salt(&self.encoded))
    }

    /// The claim name, for an object-property disclosure; `None` for an array element.
    pub fn claim_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The disclosed value (may itself hold digests: recursive disclosure).
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| decode_value(&self.encoded))
    }

    /// Moves the value out (leaving it unset), for building the processed payload.
    pub(crate) fn take_value(&mut self) -> Option<Value> {
        Some(
            self.value
                .take()
                .unwrap_or_else(|| decode_value(&self.encoded)),
        )
    }

    /// Moves the claim name out (leaving `None`), for building the processed payload.
    pub(crate) fn take_name(&mut self) -> Option<String> {
        self.name.take()
    }

    /// `object property` or `array element`, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        if self.name.is_some() {
            PROPERTY
        } else {
            ELEMENT
        }
    }
}

impl fmt::Display for Disclosure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

pub(crate) const PROPERTY: &str = "object property";
pub(crate) const ELEMENT: &str = "array element";

/// `_sd` and `...` can never be claim names in a disclosure (RFC 9901 §4.2.1).
pub(crate) fn is_reserved(name: &str) -> bool {
    name == "_sd" || name == "..."
}

/// The value of a disclosure this crate wrote ([`Disclosure::from_json`]): the last element of
/// the JSON array in `encoded`. That text was written from a `serde_json` value a moment
/// before, so it always decodes; `null` would only stand for a defect in that writer, which the
/// tests check value for value.
fn decode_value(encoded: &str) -> Value {
    let value = crate::b64::decode(encoded)
        .ok()
        .and_then(|json| serde_json::from_slice::<Vec<Value>>(&json).ok())
        .and_then(|mut items| items.pop());
    // Loud in every test build, should the writer ever be wrong.
    debug_assert!(value.is_some(), "a disclosure we wrote does not decode");
    value.unwrap_or(Value::Null)
}

/// The salt of a disclosure this crate wrote, or parsed and found to have a string salt: the
/// first element of the JSON array in `encoded` (see [`decode_value`]; an empty salt would
/// only stand for a defect in that writer or parser).
fn decode_salt(encoded: &str) -> String {
    let salt = crate::b64::decode(encoded)
        .ok()
        .and_then(|json| serde_json::from_slice::<Vec<Value>>(&json).ok())
        .and_then(|items| items.into_iter().next())
        .and_then(|salt| match salt {
            Value::String(salt) => Some(salt),
            _ => None,
        });
    debug_assert!(
        salt.is_some(),
        "a disclosure we wrote or checked has no salt"
    );
    salt.unwrap_or_default()
}

/// Appends `text` as a JSON string to `out`: as is between quotes when nothing in it needs
/// escaping (most names and values), else through `serde_json`. Either way the bytes are what
/// `serde_json` writes (tested below).
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) -> Result<(), SdJwtError> {
    if crate::json::needs_escape(text) {
        return write_json(out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Appends `value` as JSON to `out`, strings by [`write_str`].
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) -> Result<(), SdJwtError> {
    match value {
        Value::String(text) => write_str(out, text),
        other => write_json(out, other),
    }
}

/// Appends `value` as JSON to `out`.
pub(crate) fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), SdJwtError> {
    serde_json::to_writer(out, value).map_err(|e| SdJwtError::Issue(e.to_string()))
}

/// Writes the JSON `[salt, name, value]` of a fresh disclosure in `scratch` (cleared first), for
/// a value the caller has already written as compact JSON ([`Disclosure::from_json`]): no array
/// of copies to serialize. The salt is base64url, so it needs no escaping.
pub(crate) fn write_json_in(
    name: Option<&str>,
    value_json: &[u8],
    scratch: &mut Vec<u8>,
) -> Result<(), SdJwtError> {
    let json = scratch;
    json.clear();
    json.reserve(value_json.len() + 64);
    json.extend_from_slice(b"[\"");
    write_random_salt(json)?;
    json.push(b'"');
    if let Some(name) = name {
        json.push(b',');
        write_str(json, name)?;
    }
    json.push(b',');
    json.extend_from_slice(value_json);
    json.push(b']');
    Ok(())
}

/// Appends a salt to `out`: 128 bits from the thread's CSPRNG (ChaCha, seeded and
/// periodically reseeded from the OS; one system call per salt would cost more than the rest of
/// the disclosure), as base64url.
fn write_random_salt(out: &mut Vec<u8>) -> Result<(), SdJwtError> {
    let mut salt = [0u8; SALT_BYTES];
    rand::thread_rng()
        .try_fill_bytes(&mut salt)
        .map_err(|e| SdJwtError::Sign(format!("no randomness for a salt: {e}")))?;
    crate::b64::encode_into_bytes(salt, out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let texts = [
            "",
            "plain",
            "Réussite aux épreuves « BTS »",
            "quote \" and backslash \\",
            "controls \n \t \r \u{8} \u{c} \u{1} \u{1f}",
            "\u{7f} DEL and \u{2028} line separator",
            "emoji 🎓",
        ];
        for text in texts {
            let mut ours = Vec::new();
            write_str(&mut ours, text).unwrap();
            assert_eq!(ours, serde_json::to_vec(text).unwrap(), "{text:?}");
            let value = Value::from(text);
            let mut ours = Vec::new();
            write_value(&mut ours, &value).unwrap();
            assert_eq!(ours, serde_json::to_vec(&value).unwrap(), "{text:?}");
        }
        for value in [
            serde_json::json!(null),
            serde_json::json!(1.5),
            serde_json::json!({"a": ["b\n"]}),
        ] {
            let mut ours = Vec::new();
            write_value(&mut ours, &value).unwrap();
            assert_eq!(ours, serde_json::to_vec(&value).unwrap());
        }
    }

    #[test]
    fn spec_digest_of_given_name() {
        // RFC 9901 §5.1: the `given_name` disclosure and its digest.
        let d =
            Disclosure::parse("WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd")
                .unwrap();
        assert_eq!(
            d.digest().as_str(),
            "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4"
        );
        assert_eq!(d.claim_name(), Some("given_name"));
        assert_eq!(d.value(), "John");
    }

    #[test]
    fn round_trips_and_salts_differ() {
        let a = Disclosure::new_property("x", Value::from(1)).unwrap();
        let b = Disclosure::new_property("x", Value::from(1)).unwrap();
        assert_ne!(a.salt(), b.salt());
        assert_eq!(crate::b64::decode(a.salt()).unwrap().len(), SALT_BYTES);
        let parsed = Disclosure::parse(a.as_str()).unwrap();
        assert_eq!(parsed, a);
        let e = Disclosure::new_element(Value::from("v")).unwrap();
        assert_eq!(Disclosure::parse(e.as_str()).unwrap().claim_name(), None);
    }

    #[test]
    fn rejects_reserved_names_and_bad_shapes() {
        assert!(Disclosure::new_property("_sd", Value::Null).is_err());
        assert!(Disclosure::new_property("...", Value::Null).is_err());
        for json in [
            r#"["s","_sd",1]"#,
            r#"["s","...",1]"#,
            r#"["s"]"#,
            r#"["s","a",1,2]"#,
            r#"[1,"a",1]"#,
            r#"["s",1,1]"#,
            r#"{"a":1}"#,
            r#"["s","a",1,"a"]"#,
        ] {
            assert!(
                Disclosure::parse(&crate::b64::encode(json)).is_err(),
                "{json}"
            );
        }
        assert!(Disclosure::parse("not base64!").is_err());
    }
}
