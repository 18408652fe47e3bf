use crate::json::JsonError;
use crate::keys::{Algorithm, PublicKey, SignError, Signer};
use serde::ser::SerializeMap as _;
use serde_json::{Map, Value};

/// Largest compact JWS accepted, in bytes (1 MiB).
pub const MAX_JWS_BYTES: usize = 1 << 20;

/// Header members that carry or point to a key: a token must never choose its own key.
const HEADER_KEY_MEMBERS: [&str; 5] = ["jwk", "jku", "x5c", "x5u", "x5t#S256"];

/// Why a JWS could not be parsed, signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoseError {
    /// Input larger than [`MAX_JWS_BYTES`].
    #[error("JWS is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// Not three base64url parts separated by dots, or a part that does not decode.
    #[error("malformed JWS: {0}")]
    Malformed(String),
    /// The header or payload is not the JSON expected.
    #[error("JWS {part}: {source}")]
    Json {
        /// `header` or `payload`.
        part: &'static str,
        /// What was wrong.
        #[source]
        source: JsonError,
    },
    /// `alg: none`: an unsecured JWS is never accepted.
    #[error("`alg: none` (unsecured JWS) is never accepted")]
    AlgNone,
    /// An algorithm outside the allow-list (HMAC, RSA, …).
    #[error("algorithm `{0}` is not accepted (allowed: EdDSA, ES256)")]
    UnsupportedAlgorithm(String),
    /// The header's `alg` is not the one of the key that must verify it.
    #[error("header says `alg: {header}` but the trusted key signs with {key}")]
    AlgorithmMismatch {
        /// From the header.
        header: String,
        /// From the key.
        key: Algorithm,
    },
    /// The header carries or points to a key (`jwk`, `jku`, `x5c`…); keys come from trust only.
    #[error("header member `{0}` carries a key: keys come from trust, never from the token")]
    KeyInHeader(String),
    /// A `crit` extension we do not implement, or a malformed `crit`.
    #[error("critical header extension not understood: {0}")]
    UnsupportedCritical(String),
    /// Explicit typing failed.
    #[error("wrong `typ`: expected {expected}, found {found}")]
    WrongType {
        /// What the caller expects.
        expected: String,
        /// What the header says (`(none)` when absent).
        found: String,
    },
    /// The signature does not verify with the trusted key.
    #[error("signature does not verify")]
    BadSignature,
    /// The signer failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// Header members to write when signing (`alg` comes from the signer).
#[derive(Debug, Clone, Default)]
pub struct JwsHeaderParams {
    /// `typ` (explicit typing: `vc+jwt`, `dc+sd-jwt`, `kb+jwt`…).
    pub typ: Option<String>,
    /// `kid`.
    pub kid: Option<String>,
    /// Further members (`cty`, …). `alg`, `typ` and `kid` here are ignored.
    pub extra: Map<String, Value>,
}

impl JwsHeaderParams {
    /// A header with just a `typ`.
    pub fn typed(typ: &str) -> Self {
        Self {
            typ: Some(typ.to_owned()),
            ..Self::default()
        }
    }

    /// Sets `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

/// Signs `payload` as a compact JWS.
pub fn sign_compact(
    signer: &dyn Signer,
    params: &JwsHeaderParams,
    payload: &[u8],
) -> Result<String, JoseError> {
    let mut header = Vec::with_capacity(96);
    write_header(&mut header, signer.algorithm().as_str(), params)?;
    let mut out = String::with_capacity(header.len() * 4 / 3 + payload.len() * 4 / 3 + 100);
    crate::b64::encode_into(&header, &mut out);
    out.push('.');
    crate::b64::encode_into(payload, &mut out);
    let signature = signer.try_sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&crate::b64::encode(signature));
    Ok(out)
}

/// Writes the protected header `{"alg", "typ", "kid", …extra}` as JSON: the members of
/// `params.extra` named `alg`, `typ` or `kid` are left out (those come from the signer and
/// `params`).
fn write_header(out: &mut Vec<u8>, alg: &str, params: &JwsHeaderParams) -> Result<(), JoseError> {
    let mut map = serde_json::Serializer::new(out);
    let mut members = serde::Serializer::serialize_map(&mut map, None).map_err(encoding)?;
    members.serialize_entry("alg", alg).map_err(encoding)?;
    if let Some(typ) = &params.typ {
        members.serialize_entry("typ", typ).map_err(encoding)?;
    }
    if let Some(kid) = &params.kid {
        members.serialize_entry("kid", kid).map_err(encoding)?;
    }
    for (name, value) in &params.extra {
        if !matches!(name.as_str(), "alg" | "typ" | "kid") {
            members.serialize_entry(name, value).map_err(encoding)?;
        }
    }
    members.end().map_err(encoding)
}

fn encoding(e: serde_json::Error) -> JoseError {
    JoseError::Malformed(format!("the header could not be written as JSON: {e}"))
}

/// A parsed JWS protected header. `alg` is already on the allow-list.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsHeader {
    alg: Algorithm,
    alg_name: String,
    members: Map<String, Value>,
}

impl JwsHeader {
    fn parse(members: Map<String, Value>) -> Result<Self, JoseError> {
        let alg_name = match members.get("alg") {
            Some(Value::String(alg)) => alg.clone(),
            Some(_) => return Err(JoseError::Malformed("`alg` must be a string".into())),
            None => return Err(JoseError::Malformed("header has no `alg`".into())),
        };
        if alg_name.eq_ignore_ascii_case("none") {
            return Err(JoseError::AlgNone);
        }
        let alg = Algorithm::from_jws_name(&alg_name)
            .ok_or_else(|| JoseError::UnsupportedAlgorithm(alg_name.clone()))?;
        if let Some(crit) = members.get("crit") {
            let Value::Array(names) = crit else {
                return Err(JoseError::UnsupportedCritical(
                    "`crit` must be an array".into(),
                ));
            };
            if names.is_empty() {
                return Err(JoseError::UnsupportedCritical("`crit` is empty".into()));
            }
            let listed: Vec<String> = names
                .iter()
                .map(|n| n.as_str().map_or_else(|| n.to_string(), str::to_owned))
                .collect();
            return Err(JoseError::UnsupportedCritical(listed.join(", ")));
        }
        for name in ["typ", "kid", "cty"] {
            if members.get(name).is_some_and(|v| !v.is_string()) {
                return Err(JoseError::Malformed(format!("`{name}` must be a string")));
            }
        }
        Ok(Self {
            alg,
            alg_name,
            members,
        })
    }

    /// The algorithm (on the allow-list).
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// `typ`, if present.
    pub fn typ(&self) -> Option<&str> {
        self.members.get("typ").and_then(Value::as_str)
    }

    /// `kid`, if present. A hint for finding a key among trusted ones, never a key itself.
    pub fn kid(&self) -> Option<&str> {
        self.members.get("kid").and_then(Value::as_str)
    }

    /// Any member.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }

    /// All members.
    pub fn members(&self) -> &Map<String, Value> {
        &self.members
    }
}

/// How a JWS must look to be accepted.
#[derive(Debug, Clone, Default)]
pub struct JwsPolicy {
    typ: Option<Vec<String>>,
    allow_header_keys: bool,
}

impl JwsPolicy {
    /// `typ` must be one of `accepted` (compared as RFC 7515 §4.1.9 says: case-insensitive,
    /// `application/` optional).
    pub fn typed(accepted: &[&str]) -> Self {
        Self {
            typ: Some(accepted.iter().map(|t| normalize_typ(t)).collect()),
            allow_header_keys: false,
        }
    }

    /// No `typ` requirement (for formats that define none).
    pub fn untyped() -> Self {
        Self::default()
    }

    /// Accepts header members that carry keys (`jwk`, `x5c`…). They are still never used to
    /// verify: the caller's key is. Only for profiles that require such members to be present.
    #[must_use]
    pub fn dangerous_allow_header_keys(mut self) -> Self {
        self.allow_header_keys = true;
        self
    }

    /// Checks a header against this policy and the key that will verify it.
    pub fn check_header(&self, header: &JwsHeader, key: &PublicKey) -> Result<(), JoseError> {
        if header.alg != key.algorithm() {
            return Err(JoseError::AlgorithmMismatch {
                header: header.alg_name.clone(),
                key: key.algorithm(),
            });
        }
        if !self.allow_header_keys {
            if let Some(name) = HEADER_KEY_MEMBERS
                .iter()
                .find(|name| header.members.contains_key(**name))
            {
                return Err(JoseError::KeyInHeader((*name).to_owned()));
            }
        }
        if let Some(accepted) = &self.typ {
            // `accepted` is normalized: the header's `typ` is compared without a copy.
            let found = header.typ().map(strip_application);
            if !found.is_some_and(|f| accepted.iter().any(|a| a.eq_ignore_ascii_case(f))) {
                return Err(JoseError::WrongType {
                    expected: accepted.join(" or "),
                    found: header.typ().unwrap_or("(none)").to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// A `typ` as policies keep it: lowercase, without the optional `application/`.
fn normalize_typ(typ: &str) -> String {
    strip_application(typ).to_ascii_lowercase()
}

/// `typ` without a leading `application/` (in any case).
fn strip_application(typ: &str) -> &str {
    const PREFIX: &str = "application/";
    match (typ.get(..PREFIX.len()), typ.get(PREFIX.len()..)) {
        (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case(PREFIX) => rest,
        _ => typ,
    }
}

/// A JWS whose signature has not been checked yet. Nothing in it is trustworthy.
#[derive(Debug, Clone)]
pub struct UnverifiedJws {
    header: JwsHeader,
    signing_input: String,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl UnverifiedJws {
    /// Parses a compact JWS: three base64url parts, a strict-JSON header on the allow-list.
    pub fn parse(compact: &str) -> Result<Self, JoseError> {
        if compact.len() > MAX_JWS_BYTES {
            return Err(JoseError::TooLarge {
                size: compact.len(),
                max: MAX_JWS_BYTES,
            });
        }
        let compact = compact.trim();
        let mut parts = compact.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JoseError::Malformed(
                "expected three base64url parts separated by `.`".into(),
            ));
        };
        let decode = |part: &str, name: &str| {
            crate::b64::decode(part).map_err(|e| JoseError::Malformed(format!("{name}: {e}")))
        };
        let header_bytes = decode(h, "header")?;
        let header =
            crate::json::parse_object(&header_bytes).map_err(|source| JoseError::Json {
                part: "header",
                source,
            })?;
        let header = JwsHeader::parse(header)?;
        let payload = decode(p, "payload")?;
        let signature = decode(s, "signature")?;
        if signature.is_empty() {
            return Err(JoseError::Malformed("empty signature".into()));
        }
        let signing_input = compact
            .get(..h.len() + 1 + p.len())
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            header,
            signing_input,
            payload,
            signature,
        })
    }

    /// The header (not yet authenticated).
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The payload bytes **before** verification: only for finding which key to use (`iss`).
    pub fn insecure_payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload parsed as a JSON object **before** verification (see [`Self::insecure_payload`]).
    pub fn insecure_claims(&self) -> Result<Map<String, Value>, JoseError> {
        crate::json::parse_object(&self.payload).map_err(|source| JoseError::Json {
            part: "payload",
            source,
        })
    }

    /// Checks the header policy and the signature with a trusted key, keeping the JWS (to try
    /// another key, or to read the payload once one verified).
    pub fn check(&self, key: &PublicKey, policy: &JwsPolicy) -> Result<(), JoseError> {
        policy.check_header(&self.header, key)?;
        if !key.verify(self.signing_input.as_bytes(), &self.signature) {
            return Err(JoseError::BadSignature);
        }
        Ok(())
    }

    /// Verifies with a trusted key under `policy`.
    pub fn verify(self, key: &PublicKey, policy: &JwsPolicy) -> Result<VerifiedJws, JoseError> {
        self.check(key, policy)?;
        Ok(VerifiedJws {
            header: self.header,
            payload: self.payload,
        })
    }
}

/// A JWS whose signature verified with a trusted key.
#[derive(Debug, Clone)]
pub struct VerifiedJws {
    header: JwsHeader,
    payload: Vec<u8>,
}

impl VerifiedJws {
    /// The header, taken out of the verified JWS (no copy).
    pub fn into_header(self) -> JwsHeader {
        self.header
    }

    /// The authenticated header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The authenticated payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload as a strict JSON object (claims).
    pub fn claims(&self) -> Result<Map<String, Value>, JoseError> {
        crate::json::parse_object(&self.payload).map_err(|source| JoseError::Json {
            part: "payload",
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, SecretKey};

    fn forge(header: &str, payload: &str, sig: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            crate::b64::encode(header),
            crate::b64::encode(payload),
            crate::b64::encode(sig)
        )
    }

    fn resign(key: &SecretKey, header: &str, payload: &str) -> String {
        let input = format!(
            "{}.{}",
            crate::b64::encode(header),
            crate::b64::encode(payload)
        );
        let sig = key.try_sign(input.as_bytes()).unwrap();
        format!("{input}.{}", crate::b64::encode(sig))
    }

    #[test]
    fn signs_and_verifies_both_algorithms() {
        for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let key = SecretKey::generate(alg).unwrap();
            let jws = sign_compact(&key, &JwsHeaderParams::typed("vc+jwt"), b"{\"a\":1}").unwrap();
            let verified = UnverifiedJws::parse(&jws)
                .unwrap()
                .verify(&key.public_key(), &JwsPolicy::typed(&["vc+jwt"]))
                .unwrap();
            assert_eq!(verified.claims().unwrap()["a"], 1);
        }
    }

    #[test]
    fn rejects_alg_none() {
        let jws = forge(r#"{"alg":"none"}"#, "{}", b"x");
        assert_eq!(UnverifiedJws::parse(&jws).unwrap_err(), JoseError::AlgNone);
        let jws = format!(
            "{}.{}.",
            crate::b64::encode(r#"{"alg":"none"}"#),
            crate::b64::encode("{}")
        );
        assert!(UnverifiedJws::parse(&jws).is_err());
    }

    #[test]
    fn rejects_hmac_with_public_key_as_secret() {
        // The classic confusion: HS256 keyed with the public key's bytes.
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let jws = forge(r#"{"alg":"HS256"}"#, "{}", &[0u8; 32]);
        assert!(matches!(
            UnverifiedJws::parse(&jws),
            Err(JoseError::UnsupportedAlgorithm(a)) if a == "HS256"
        ));
        let _ = key;
    }

    #[test]
    fn rejects_algorithm_confusion_between_key_types() {
        let ed = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let p = SecretKey::generate(KeyAlgorithm::P256).unwrap();
        let jws = sign_compact(&p, &JwsHeaderParams::default(), b"{}").unwrap();
        let err = UnverifiedJws::parse(&jws)
            .unwrap()
            .verify(&ed.public_key(), &JwsPolicy::untyped())
            .unwrap_err();
        assert!(matches!(err, JoseError::AlgorithmMismatch { .. }));
    }

    #[test]
    fn rejects_key_from_jwk_header() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let header = format!(r#"{{"alg":"EdDSA","jwk":{}}}"#, key.public_jwk());
        let jws = resign(&key, &header, "{}");
        let err = UnverifiedJws::parse(&jws)
            .unwrap()
            .verify(&key.public_key(), &JwsPolicy::untyped())
            .unwrap_err();
        assert_eq!(err, JoseError::KeyInHeader("jwk".into()));
        for member in [r#""jku":"https://evil.example/k""#, r#""x5c":["AAAA"]"#] {
            let jws = resign(&key, &format!(r#"{{"alg":"EdDSA",{member}}}"#), "{}");
            assert!(matches!(
                UnverifiedJws::parse(&jws)
                    .unwrap()
                    .verify(&key.public_key(), &JwsPolicy::untyped()),
                Err(JoseError::KeyInHeader(_))
            ));
        }
    }

    #[test]
    fn rejects_unknown_crit_and_duplicate_members() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let jws = resign(&key, r#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#, "{}");
        assert!(matches!(
            UnverifiedJws::parse(&jws),
            Err(JoseError::UnsupportedCritical(_))
        ));
        let jws = resign(&key, r#"{"alg":"EdDSA","alg":"EdDSA"}"#, "{}");
        assert!(matches!(
            UnverifiedJws::parse(&jws),
            Err(JoseError::Json { part: "header", .. })
        ));
    }

    #[test]
    fn explicit_typing() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let ok = resign(&key, r#"{"alg":"EdDSA","typ":"application/VC+JWT"}"#, "{}");
        assert!(UnverifiedJws::parse(&ok)
            .unwrap()
            .verify(&key.public_key(), &JwsPolicy::typed(&["vc+jwt"]))
            .is_ok());
        // The policy's own types are normalized too; `application/` in any case is optional.
        for (accepted, typ) in [
            ("application/VC+JWT", "vc+jwt"),
            ("vc+jwt", "Application/vc+JWT"),
            ("vc+jwt", "APPLICATION/VC+JWT"),
        ] {
            let jws = resign(&key, &format!(r#"{{"alg":"EdDSA","typ":"{typ}"}}"#), "{}");
            assert!(
                UnverifiedJws::parse(&jws)
                    .unwrap()
                    .verify(&key.public_key(), &JwsPolicy::typed(&[accepted]))
                    .is_ok(),
                "{accepted} / {typ}"
            );
        }
        for header in [
            r#"{"alg":"EdDSA"}"#,
            r#"{"alg":"EdDSA","typ":"JWT"}"#,
            r#"{"alg":"EdDSA","typ":"xapplication/vc+jwt"}"#,
            r#"{"alg":"EdDSA","typ":"application/"}"#,
            r#"{"alg":"EdDSA","typ":"applicatioé/vc+jwt"}"#,
            r#"{"alg":"EdDSA","typ":"application/application/vc+jwt"}"#,
        ] {
            let jws = resign(&key, header, "{}");
            assert!(matches!(
                UnverifiedJws::parse(&jws)
                    .unwrap()
                    .verify(&key.public_key(), &JwsPolicy::typed(&["vc+jwt"])),
                Err(JoseError::WrongType { .. })
            ));
        }
    }

    #[test]
    fn rejects_tampering_and_garbage() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let jws = sign_compact(&key, &JwsHeaderParams::default(), b"{\"a\":1}").unwrap();
        let (input, _) = jws.rsplit_once('.').unwrap();
        let (h, _) = input.split_once('.').unwrap();
        let tampered = format!(
            "{h}.{}.{}",
            crate::b64::encode("{\"a\":2}"),
            jws.rsplit_once('.').unwrap().1
        );
        assert_eq!(
            UnverifiedJws::parse(&tampered)
                .unwrap()
                .verify(&key.public_key(), &JwsPolicy::untyped())
                .unwrap_err(),
            JoseError::BadSignature
        );
        for garbage in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "!!.??.##",
            "e30.e30.",
            "bnVsbA.e30.AA",
        ] {
            assert!(UnverifiedJws::parse(garbage).is_err(), "{garbage}");
        }
    }

    #[test]
    fn rejects_non_canonical_ed25519_signature() {
        // S + L is the same signature for a lax verifier; verify_strict refuses it.
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let jws = sign_compact(&key, &JwsHeaderParams::default(), b"{}").unwrap();
        let (input, sig) = jws.rsplit_once('.').unwrap();
        let mut sig = crate::b64::decode(sig).unwrap();
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
            sig[32 + i] = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        let forged = format!("{input}.{}", crate::b64::encode(sig));
        assert_eq!(
            UnverifiedJws::parse(&forged)
                .unwrap()
                .verify(&key.public_key(), &JwsPolicy::untyped())
                .unwrap_err(),
            JoseError::BadSignature
        );
    }
}
