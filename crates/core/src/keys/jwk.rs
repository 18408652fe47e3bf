//! JSON Web Keys (RFC 7517) for the two key types we use, with RFC 7638 thumbprints.

use super::KeyError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

/// A public JWK: `OKP`/`Ed25519` (`x`) or `EC`/`P-256` (`x`, `y`).
///
/// Serializes only public members; private members of an input (`d`) are ignored on read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicJwk {
    /// Key type: `OKP` or `EC`.
    pub kty: String,
    /// Curve: `Ed25519` or `P-256`.
    pub crv: String,
    /// Public x coordinate (or the Ed25519 public key), base64url.
    pub x: String,
    /// Public y coordinate (EC only), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm, if the key says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use (`sig`), if the key says.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl PublicJwk {
    /// Reads a public JWK from a JSON value, checking its shape (not yet its point: see
    /// [`super::PublicKey::from_jwk`]).
    pub fn from_value(value: &Value) -> Result<Self, KeyError> {
        let obj = value
            .as_object()
            .ok_or_else(|| KeyError::InvalidJwk("a JWK must be a JSON object".into()))?;
        let get = |name: &str| -> Result<Option<String>, KeyError> {
            match obj.get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(KeyError::InvalidJwk(format!(
                    "member `{name}` must be a string"
                ))),
            }
        };
        let need = |name: &str| -> Result<String, KeyError> {
            get(name)?.ok_or_else(|| KeyError::InvalidJwk(format!("member `{name}` is missing")))
        };
        let kty = need("kty")?;
        let jwk = match kty.as_str() {
            "OKP" | "EC" => Self {
                crv: need("crv")?,
                x: need("x")?,
                y: if kty == "EC" { Some(need("y")?) } else { None },
                kty,
                kid: get("kid")?,
                alg: get("alg")?,
                use_: get("use")?,
            },
            "oct" => {
                return Err(KeyError::UnsupportedKey(
                    "symmetric (`oct`) keys are not accepted".into(),
                ))
            }
            other => return Err(KeyError::UnsupportedKey(format!("kty {other}"))),
        };
        if let Some(use_) = &jwk.use_ {
            if use_ != "sig" {
                return Err(KeyError::InvalidJwk(format!(
                    "`use` is `{use_}`, not `sig`: the key is not for signatures"
                )));
            }
        }
        Ok(jwk)
    }

    /// Reads a public JWK from JSON text.
    pub fn from_json(text: &str) -> Result<Self, KeyError> {
        let value =
            crate::json::parse_strict_str(text).map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
        Self::from_value(&value)
    }

    /// The JWK as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The same key without `kid`, `alg` and `use`: just the key.
    pub fn bare(&self) -> Self {
        Self {
            kty: self.kty.clone(),
            crv: self.crv.clone(),
            x: self.x.clone(),
            y: self.y.clone(),
            kid: None,
            alg: None,
            use_: None,
        }
    }

    /// RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, base64url.
    pub fn thumbprint(&self) -> String {
        // Required members only, in lexicographic order, no whitespace: RFC 7638 §3.2.
        let mut canonical = String::with_capacity(128);
        canonical.push_str(r#"{"crv":"#);
        crate::jcs::write_string(&mut canonical, &self.crv);
        canonical.push_str(r#","kty":"#);
        crate::jcs::write_string(&mut canonical, &self.kty);
        canonical.push_str(r#","x":"#);
        crate::jcs::write_string(&mut canonical, &self.x);
        if let Some(y) = &self.y {
            canonical.push_str(r#","y":"#);
            crate::jcs::write_string(&mut canonical, y);
        }
        canonical.push('}');
        crate::b64::encode(Sha256::digest(canonical))
    }
}

impl fmt::Display for PublicJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).unwrap_or_default())
    }
}

/// A private JWK: a [`PublicJwk`] plus `d`. `d` is zeroized on drop and never printed.
#[derive(Clone)]
pub struct PrivateJwk {
    public: PublicJwk,
    d: Zeroizing<String>,
}

impl PrivateJwk {
    pub(crate) fn new(public: PublicJwk, d: String) -> Self {
        Self {
            public,
            d: Zeroizing::new(d),
        }
    }

    /// Reads a private JWK from JSON text; fails with [`KeyError::NotPrivate`] without `d`.
    pub fn from_json(text: &str) -> Result<Self, KeyError> {
        let mut value =
            crate::json::parse_strict_str(text).map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
        let parsed = Self::from_value(&value);
        if let Some(Value::String(d)) = value.get_mut("d") {
            zeroize::Zeroize::zeroize(d);
        }
        parsed
    }

    /// Reads a private JWK from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, KeyError> {
        let public = PublicJwk::from_value(value)?;
        let d = match value.get("d") {
            Some(Value::String(d)) => d.clone(),
            Some(_) => return Err(KeyError::InvalidJwk("member `d` must be a string".into())),
            None => return Err(KeyError::NotPrivate),
        };
        Ok(Self::new(public, d))
    }

    /// The public part.
    pub fn public(&self) -> &PublicJwk {
        &self.public
    }

    /// The private scalar / seed, base64url.
    pub(crate) fn d(&self) -> &str {
        &self.d
    }

    /// The JWK as JSON text, `d` included. The buffer is zeroized on drop.
    pub fn to_json_pretty(&self) -> Zeroizing<String> {
        let mut value = self.public.to_value();
        if let Value::Object(map) = &mut value {
            map.insert("d".into(), Value::String(self.d.to_string()));
        }
        let text = Zeroizing::new(serde_json::to_string_pretty(&value).unwrap_or_default());
        if let Value::Object(map) = &mut value {
            if let Some(Value::String(d)) = map.get_mut("d") {
                zeroize::Zeroize::zeroize(d);
            }
        }
        text
    }
}

impl fmt::Debug for PrivateJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateJwk")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_thumbprint_example() {
        // RFC 7638 §3.1 uses an RSA key; we check the same construction on the RFC 8037 §A.3
        // Ed25519 example, whose thumbprint the RFC gives.
        let jwk = PublicJwk::from_json(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        assert_eq!(
            jwk.thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn private_jwk_debug_hides_d() {
        let jwk = PrivateJwk::from_json(
            r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        let shown = format!("{jwk:?}");
        assert!(!shown.contains("nWGxne"), "{shown}");
        assert!(shown.contains("11qYAYKx"));
    }

    #[test]
    fn rejects_symmetric_and_non_signing_keys() {
        assert!(matches!(
            PublicJwk::from_json(r#"{"kty":"oct","k":"c2VjcmV0"}"#),
            Err(KeyError::UnsupportedKey(_))
        ));
        assert!(PublicJwk::from_json(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"}"#
        )
        .is_err());
        assert!(matches!(
            PrivateJwk::from_json(
                r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
            ),
            Err(KeyError::NotPrivate)
        ));
    }
}
