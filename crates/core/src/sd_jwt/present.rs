//! Parsing an SD-JWT or presentation, and the holder's choice of what to disclose.

use super::kb::bind;
use super::verify::{place, process};
use super::{
    ClaimPath, ClaimPathSegment, Disclosure, JwtPart, SdJwtError, MAX_DISCLOSURES, MAX_SD_JWT_BYTES,
};
use crate::jose::{JwsHeader, UnverifiedJws};
use crate::keys::Signer;
use serde_json::{Map, Value};

/// An SD-JWT (`<JWT>~<D1>~…~`) or presentation (`…~<KB-JWT>`) as received: structurally
/// parsed (JWS header on the allow-list, disclosures decoded), nothing checked. Nothing in it
/// is trustworthy until [`Self::verify`].
#[derive(Debug, Clone)]
pub struct UnverifiedSdJwt {
    /// Length of the Issuer-signed JWT, which `presented` starts with.
    pub(crate) issuer_jwt_len: usize,
    pub(crate) jws: UnverifiedJws,
    pub(crate) disclosures: Vec<Disclosure>,
    pub(crate) kb_jwt: Option<UnverifiedJws>,
    /// Everything up to and including the last `~`: what `sd_hash` covers.
    pub(crate) presented: String,
    /// The Issuer-signed JWT's payload, parsed on first use by [`Self::insecure_claims`] and
    /// then reused by [`Self::verify`] (the same bytes the signature covers: never set from
    /// outside).
    pub(crate) claims: std::sync::OnceLock<Map<String, Value>>,
}

impl UnverifiedSdJwt {
    /// Parses the compact form. Surrounding whitespace is ignored. Limits: [`MAX_SD_JWT_BYTES`]
    /// in all, [`MAX_DISCLOSURES`] disclosures, [`super::MAX_DISCLOSURE_BYTES`] each, and the
    /// nesting limits of [`crate::json`].
    pub fn parse(input: &str) -> Result<Self, SdJwtError> {
        if input.len() > MAX_SD_JWT_BYTES {
            return Err(SdJwtError::TooLarge {
                size: input.len(),
                max: MAX_SD_JWT_BYTES,
            });
        }
        let input = input.trim();
        let Some((presented, kb)) = input.rsplit_once('~') else {
            return Err(SdJwtError::Malformed(
                "no `~`: an SD-JWT is `<JWT>~<disclosure>~…~`",
            ));
        };
        let Some((issuer_jwt, disclosures)) = presented.split_once('~') else {
            // Only one `~`: `<JWT>~` or `<JWT>~<KB-JWT>`.
            return Self::assemble(presented, None, kb, input);
        };
        Self::assemble(issuer_jwt, Some(disclosures), kb, input)
    }

    fn assemble(
        issuer_jwt: &str,
        disclosures: Option<&str>,
        kb: &str,
        input: &str,
    ) -> Result<Self, SdJwtError> {
        let presented_len = input.len() - kb.len();
        let presented = input.get(..presented_len).unwrap_or_default().to_owned();
        let count = disclosures.map_or(0, |d| d.matches('~').count() + 1);
        if count > MAX_DISCLOSURES {
            return Err(SdJwtError::TooManyDisclosures {
                count,
                max: MAX_DISCLOSURES,
            });
        }
        let jws = UnverifiedJws::parse(issuer_jwt).map_err(|source| SdJwtError::Jws {
            part: JwtPart::Issuer,
            source,
        })?;
        let mut parsed = Vec::with_capacity(count);
        let mut scratch = Vec::with_capacity(512);
        if let Some(disclosures) = disclosures {
            for (index, text) in disclosures.split('~').enumerate() {
                if text.is_empty() {
                    return Err(SdJwtError::BadDisclosure {
                        index,
                        reason: "empty (two `~` in a row)".into(),
                    });
                }
                parsed.push(Disclosure::parse_at_in(text, index, &mut scratch)?);
            }
        }
        let kb_jwt = if kb.is_empty() {
            None
        } else {
            Some(UnverifiedJws::parse(kb).map_err(|source| SdJwtError::Jws {
                part: JwtPart::KeyBinding,
                source,
            })?)
        };
        Ok(Self {
            issuer_jwt_len: issuer_jwt.len(),
            jws,
            disclosures: parsed,
            kb_jwt,
            presented,
            claims: std::sync::OnceLock::new(),
        })
    }

    /// The Issuer-signed JWT's header, for finding the issuer's key (`kid`). Untrusted.
    pub fn issuer_header(&self) -> &JwsHeader {
        self.jws.header()
    }

    /// The Issuer-signed JWT's payload bytes, before verification. Untrusted.
    pub fn insecure_payload(&self) -> &[u8] {
        self.jws.insecure_payload()
    }

    /// The Issuer-signed JWT's payload as is (digests, no disclosure applied), for finding the
    /// issuer's key (`iss`). Untrusted. Parsed once: [`Self::verify`] reuses it.
    pub fn insecure_claims(&self) -> Result<&Map<String, Value>, SdJwtError> {
        if let Some(claims) = self.claims.get() {
            return Ok(claims);
        }
        let claims = self
            .jws
            .insecure_claims()
            .map_err(|source| SdJwtError::Jws {
                part: JwtPart::Issuer,
                source,
            })?;
        Ok(self.claims.get_or_init(|| claims))
    }

    /// The Issuer-signed JWT (compact JWS).
    pub fn issuer_jwt(&self) -> &str {
        self.presented
            .get(..self.issuer_jwt_len)
            .unwrap_or_default()
    }

    /// The disclosures, in the order received.
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// Whether a KB-JWT follows the last `~`.
    pub fn has_key_binding(&self) -> bool {
        self.kb_jwt.is_some()
    }

    /// The path, in the processed payload, of the claim each disclosure reveals (same order as
    /// [`Self::disclosures`]). Runs the full RFC 9901 processing (without the signature check),
    /// so a malformed SD-JWT fails here as it would in [`Self::verify`].
    pub fn disclosure_paths(&self) -> Result<Vec<ClaimPath>, SdJwtError> {
        Ok(place(self.insecure_claims()?, &self.disclosures)?
            .paths
            .paths())
    }

    /// Every selectively disclosable claim the holder can choose from, sorted (for a wallet's
    /// "which claims can I hide" screen).
    pub fn disclosable_paths(&self) -> Result<Vec<ClaimPath>, SdJwtError> {
        let mut paths = self.disclosure_paths()?;
        paths.sort();
        Ok(paths)
    }

    /// The holder's presentation without key binding: the Issuer-signed JWT and the disclosures
    /// whose claim path (in the processed payload, as [`Self::disclosable_paths`] lists them)
    /// `keep` accepts, plus every disclosure those are nested in (else they would be
    /// unreachable). Always ends with `~`; a KB-JWT, if any, is dropped.
    ///
    /// Keeping an object does not keep its own disclosable members (recursive disclosure):
    /// `keep` is asked about each of them too. [`Self::select_pointers`] keeps whole subtrees.
    pub fn select(&self, keep: &dyn Fn(&[ClaimPathSegment]) -> bool) -> Result<String, SdJwtError> {
        let placement = place(self.insecure_claims()?, &self.disclosures)?;
        let mut kept = vec![false; self.disclosures.len()];
        for index in 0..placement.paths.len() {
            // Every disclosure has a path: `place` refused any it could not place.
            match placement.paths.path(index) {
                Some(path) if keep(path.segments()) => {}
                _ => continue,
            }
            let mut current = Some(index);
            while let Some(i) = current {
                match kept.get_mut(i) {
                    Some(flag) if !*flag => *flag = true,
                    _ => break,
                }
                current = placement.parents.get(i).copied().flatten();
            }
        }
        let mut out = self.issuer_jwt().to_owned();
        out.push('~');
        for (disclosure, keep) in self.disclosures.iter().zip(kept) {
            if keep {
                out.push_str(disclosure.as_str());
                out.push('~');
            }
        }
        Ok(out)
    }

    /// The holder's presentation with key binding: [`Self::select`], then a KB-JWT signed by
    /// `holder` for `audience` and `nonce` at `iat` (as [`super::add_key_binding`] makes, without
    /// parsing again what was just selected).
    pub fn present(
        &self,
        keep: &dyn Fn(&[ClaimPathSegment]) -> bool,
        holder: &dyn Signer,
        audience: &str,
        nonce: &str,
        iat: i64,
    ) -> Result<String, SdJwtError> {
        let selected = self.select(keep)?;
        bind(selected, holder, audience, nonce, iat)
    }

    /// [`Self::select`] by JSON Pointers (`/credentialSubject/awardingDate`,
    /// `/credentialSubject/achievement/alignment/0`): keeps every disclosure at or below each
    /// pointer (so a whole object is shown with all its members) and those they are nested in.
    /// A pointer that names no claim of the processed payload is an error, so a typo does not
    /// silently disclose less than asked.
    pub fn select_pointers(&self, pointers: &[&str]) -> Result<String, SdJwtError> {
        let processed = process(self.insecure_claims()?.clone(), self.disclosures.clone())?;
        let full = Value::Object(processed.claims);
        if let Some(unknown) = pointers.iter().find(|p| full.pointer(p).is_none()) {
            return Err(SdJwtError::UnknownClaim {
                pointer: (*unknown).to_owned(),
            });
        }
        self.select(&|path| {
            let text = ClaimPath::from(path.to_vec()).to_string();
            pointers.iter().any(|p| {
                text.strip_prefix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        })
    }
}
