//! Selective Disclosure for JWTs (SD-JWT, RFC 9901), with Key Binding (KB-JWT).
//!
//! Three roles, one file each:
//!
//! - **Issuer** ([`issue()`]): turns a claim set into an Issuer-signed JWT whose selectively
//!   disclosable claims are replaced by digests (`_sd` arrays, `{"...": digest}` array elements),
//!   plus one [`Disclosure`] per such claim. Recursive disclosures (a disclosable object whose own
//!   members are disclosable) are built bottom-up; decoy digests are optional.
//! - **Holder** ([`UnverifiedSdJwt::present`], or [`UnverifiedSdJwt::select`] then
//!   [`add_key_binding`]): keeps only the disclosures of the claims it wants to show (and every
//!   disclosure they are nested in), then proves possession of the `cnf` key with a KB-JWT over
//!   the presentation (`sd_hash`, `aud`, `nonce`, `iat`).
//! - **Verifier** ([`UnverifiedSdJwt::verify`]): RFC 9901 §7.1 and §7.3, every rule: issuer
//!   signature with the caller's key, `_sd_alg`, every digest used at most once and every
//!   disclosure referenced exactly once, reserved names, no overwriting, time claims, and the
//!   KB-JWT when one is expected (never silently skipped, see [`KbExpectation`]).
//!
//! Only the compact serialization (`<JWT>~<D1>~…~<Dn>~[<KB-JWT>]`) is supported; the JWS JSON
//! serialization of RFC 9901 §8 is not. The only digest algorithm is `sha-256`.
//!
//! ## Example
//!
//! ```
//! use passeport_core::clock::FixedClock;
//! use passeport_core::jose::JwsHeaderParams;
//! use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
//! use passeport_core::sd_jwt::{self, ClaimPathSegment, IssueOptions, KbExpectation,
//!     SdJwtVerifyOptions, UnverifiedSdJwt};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = SecretKey::generate(KeyAlgorithm::Ed25519)?;
//! let holder = SecretKey::generate(KeyAlgorithm::P256)?;
//! let claims = json!({"iss": "https://issuer.example", "given_name": "Ada", "family_name": "L"});
//! let options = IssueOptions { holder_key: Some(holder.public_jwk().clone()), ..IssueOptions::default() };
//! let names = |path: &[ClaimPathSegment]| path.len() == 1 && path[0] != ClaimPathSegment::key("iss");
//! let issued = sd_jwt::issue(&issuer, &JwsHeaderParams::typed("dc+sd-jwt"),
//!     claims.as_object().cloned().unwrap_or_default(), &names, &options)?;
//!
//! // The holder shows only `given_name`, bound to the verifier's nonce.
//! let held = UnverifiedSdJwt::parse(&issued.to_compact())?;
//! let given_name = |path: &[ClaimPathSegment]| path == [ClaimPathSegment::key("given_name")];
//! let presentation = held.present(&given_name, &holder, "https://verifier.example", "n-1", 1_700_000_000)?;
//!
//! let options = SdJwtVerifyOptions {
//!     typ: vec!["dc+sd-jwt".into()],
//!     key_binding: KbExpectation::Required {
//!         audience: "https://verifier.example".into(), nonce: "n-1".into(), max_age_secs: 300 },
//!     leeway_secs: 60,
//! };
//! let verified = UnverifiedSdJwt::parse(&presentation)?
//!     .verify(&issuer.public_key(), &options, &FixedClock(1_700_000_010))?;
//! assert_eq!(verified.claims()["given_name"], "Ada");
//! assert!(verified.claims().get("family_name").is_none());
//! # Ok(())
//! # }
//! ```

mod disclosure;
mod issue;
mod kb;
mod present;
mod verify;

pub use self::disclosure::{Disclosure, DisclosureDigest};
pub use self::issue::{issue, issue_borrowed, issue_borrowed_compact, IssueOptions, SdJwt};
pub use self::kb::{add_key_binding, sd_hash, KeyBindingInfo, KB_JWT_TYP};
pub use self::present::UnverifiedSdJwt;
pub use self::verify::{KbExpectation, SdJwtVerifyOptions, VerifiedSdJwt};

use crate::jose::JoseError;
use std::fmt;

/// The only `_sd_alg` we produce and accept (also the default when `_sd_alg` is absent).
pub const SD_ALG: &str = "sha-256";
/// Largest SD-JWT (or presentation) accepted, in bytes (1 MiB).
pub const MAX_SD_JWT_BYTES: usize = 1 << 20;
/// Most disclosures accepted in one SD-JWT.
pub const MAX_DISCLOSURES: usize = 1000;
/// Largest single disclosure accepted (base64url text), in bytes (64 KiB).
pub const MAX_DISCLOSURE_BYTES: usize = 64 << 10;
/// Deepest nesting of the processed payload (recursive disclosures included).
pub const MAX_PROCESSED_DEPTH: usize = 2 * crate::json::MAX_DEPTH;

/// One step from a JSON value into one of its children.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimPathSegment {
    /// A member of an object.
    Key(String),
    /// An element of an array (0-based).
    Index(usize),
}

impl ClaimPathSegment {
    /// An object member segment.
    pub fn key(name: impl Into<String>) -> Self {
        Self::Key(name.into())
    }
}

/// Where a claim sits, from the payload root. Shown as a JSON Pointer (RFC 6901), e.g.
/// `/credentialSubject/achievement/alignment/0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ClaimPath(Vec<ClaimPathSegment>);

impl ClaimPath {
    /// The payload root.
    pub fn root() -> Self {
        Self::default()
    }

    /// The segments, root first.
    pub fn segments(&self) -> &[ClaimPathSegment] {
        &self.0
    }

    /// This path extended by one segment.
    #[must_use]
    pub fn child(&self, segment: ClaimPathSegment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        Self(segments)
    }

    /// Whether `prefix` is this path or one of its ancestors.
    pub fn starts_with(&self, prefix: &[ClaimPathSegment]) -> bool {
        self.0.starts_with(prefix)
    }

    /// Whether this path, written as a JSON Pointer, is `pointer` (`/a/0/b`).
    pub fn is_pointer(&self, pointer: &str) -> bool {
        self.to_string() == pointer
    }
}

impl From<Vec<ClaimPathSegment>> for ClaimPath {
    fn from(segments: Vec<ClaimPathSegment>) -> Self {
        Self(segments)
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.0 {
            match segment {
                ClaimPathSegment::Key(key) => {
                    write!(f, "/{}", key.replace('~', "~0").replace('/', "~1"))?;
                }
                ClaimPathSegment::Index(index) => write!(f, "/{index}")?,
            }
        }
        Ok(())
    }
}

/// Which JWT of an SD-JWT an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtPart {
    /// The Issuer-signed JWT.
    Issuer,
    /// The Key Binding JWT.
    KeyBinding,
}

impl fmt::Display for JwtPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Issuer => "issuer-signed JWT",
            Self::KeyBinding => "KB-JWT",
        })
    }
}

/// Why an SD-JWT could not be issued, parsed, presented or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdJwtError {
    /// Input longer than [`MAX_SD_JWT_BYTES`].
    #[error("SD-JWT is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// More than [`MAX_DISCLOSURES`] disclosures.
    #[error("SD-JWT has {count} disclosures, more than the {max} allowed")]
    TooManyDisclosures {
        /// Count seen.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// Not `<JWT>~<D1>~…~[<KB-JWT>]`.
    #[error("malformed SD-JWT: {0}")]
    Malformed(&'static str),
    /// A disclosure is not valid (encoding, JSON, shape, size).
    #[error("disclosure {index}: {reason}")]
    BadDisclosure {
        /// 0-based position among the disclosures.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A claim name that SD-JWT reserves (`_sd`, `...`, `_sd_alg`) used where it may not be.
    #[error("claim {path}: the name `{name}` is reserved by SD-JWT")]
    ReservedClaimName {
        /// Where (the parent object for a disclosure).
        path: ClaimPath,
        /// The name.
        name: String,
    },
    /// A disclosure's claim name is `_sd` or `...`.
    #[error("disclosure {index}: claim name `{name}` is reserved by SD-JWT")]
    ReservedDisclosureName {
        /// 0-based position among the disclosures.
        index: usize,
        /// The name.
        name: String,
    },
    /// Two disclosures with the same digest (the same disclosure sent twice).
    #[error("disclosure {index}: digest already used by disclosure {first}")]
    DuplicateDisclosure {
        /// The later one.
        index: usize,
        /// The first one.
        first: usize,
    },
    /// A disclosure whose digest appears nowhere in the payload (nor in other disclosures).
    #[error("disclosure {index} is not referenced by any digest in the payload")]
    UnreferencedDisclosure {
        /// 0-based position among the disclosures.
        index: usize,
    },
    /// The same digest appears twice in the payload (directly or through disclosures).
    #[error("claim {path}: digest {digest} appears more than once")]
    DigestReused {
        /// Where the second occurrence is.
        path: ClaimPath,
        /// The digest.
        digest: String,
    },
    /// `_sd` is not an array of strings.
    #[error("claim {path}: `_sd` must be an array of digests (strings)")]
    BadSdArray {
        /// The object holding `_sd`.
        path: ClaimPath,
    },
    /// An array element with a `...` key that is not exactly `{"...": "<digest>"}`.
    #[error("claim {path}: an array element digest must be exactly {{\"...\": \"<digest>\"}}")]
    BadArrayDigest {
        /// The element.
        path: ClaimPath,
    },
    /// An object-property disclosure referenced from an array, or an array-element disclosure
    /// referenced from `_sd`.
    #[error("disclosure {index}: a {found} disclosure referenced at {path}, where a {expected} one is required")]
    WrongDisclosureKind {
        /// 0-based position among the disclosures.
        index: usize,
        /// Where it is referenced.
        path: ClaimPath,
        /// `object property` or `array element`.
        expected: &'static str,
        /// The kind it is.
        found: &'static str,
    },
    /// A disclosed claim would overwrite a claim already at that level.
    #[error("disclosure {index}: claim {path} already exists")]
    ClaimCollision {
        /// 0-based position among the disclosures.
        index: usize,
        /// The claim.
        path: ClaimPath,
    },
    /// `_sd_alg` names an algorithm other than `sha-256` (or is not a string).
    #[error("`_sd_alg` is `{0}`: only sha-256 is supported")]
    UnsupportedSdAlg(String),
    /// Processed payload nested deeper than [`MAX_PROCESSED_DEPTH`].
    #[error("claim {path}: nesting deeper than {max}")]
    TooDeep {
        /// Where the limit was reached.
        path: ClaimPath,
        /// Limit.
        max: usize,
    },
    /// A JWT failed JOSE parsing or verification (signature, `alg`, `typ`…).
    #[error("{part}: {source}")]
    Jws {
        /// Which JWT.
        part: JwtPart,
        /// What JOSE said.
        #[source]
        source: JoseError,
    },
    /// A time claim (`exp`, `nbf`, `iat`) that is not a number.
    #[error("{part}: `{claim}` must be a NumericDate (number of seconds)")]
    BadTimeClaim {
        /// Which JWT.
        part: JwtPart,
        /// The claim name.
        claim: &'static str,
    },
    /// `exp` is in the past (beyond leeway).
    #[error("the SD-JWT expired at {exp} (now {now})")]
    Expired {
        /// `exp`.
        exp: i64,
        /// The clock's now.
        now: i64,
    },
    /// `nbf` is in the future (beyond leeway).
    #[error("the SD-JWT is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// `nbf`.
        nbf: i64,
        /// The clock's now.
        now: i64,
    },
    /// The issuer JWT's `iat` is in the future (beyond leeway).
    #[error("the SD-JWT is issued in the future ({iat}, now {now})")]
    IssuedInFuture {
        /// `iat`.
        iat: i64,
        /// The clock's now.
        now: i64,
    },
    /// A KB-JWT was required but the presentation ends with `~`.
    #[error("a key binding JWT is required but the presentation has none")]
    MissingKeyBinding,
    /// A KB-JWT is present where none may be (a credential as issued).
    #[error("a key binding JWT is present where an SD-JWT as issued is expected")]
    UnexpectedKeyBinding,
    /// Key binding required but the credential has no `cnf.jwk`.
    #[error("key binding required but the credential has no `cnf.jwk`")]
    MissingCnf,
    /// `cnf` is present but is not `{"jwk": <usable public key>}`.
    #[error("`cnf` does not hold a usable public key: {0}")]
    BadCnf(String),
    /// A KB-JWT payload member that is missing or of the wrong type.
    #[error("KB-JWT: `{claim}` is missing or not a {expected}")]
    KbClaim {
        /// The member.
        claim: &'static str,
        /// `string` or `number`.
        expected: &'static str,
    },
    /// KB-JWT `aud` is not the verifier.
    #[error("KB-JWT audience is `{found}`, expected `{expected}`")]
    KbAudienceMismatch {
        /// The verifier's identifier.
        expected: String,
        /// From the KB-JWT.
        found: String,
    },
    /// KB-JWT `nonce` is not the one the verifier issued.
    #[error("KB-JWT nonce does not match the one the verifier issued")]
    KbNonceMismatch,
    /// KB-JWT `iat` older than allowed.
    #[error("KB-JWT is {age} s old, more than the {max_age} s allowed")]
    KbStale {
        /// Age in seconds.
        age: i64,
        /// Limit.
        max_age: i64,
    },
    /// KB-JWT `iat` in the future (beyond leeway).
    #[error("KB-JWT is issued {ahead} s in the future")]
    KbInFuture {
        /// Seconds ahead of the clock.
        ahead: i64,
    },
    /// KB-JWT `sd_hash` is not the hash of this presentation.
    #[error("KB-JWT `sd_hash` does not match the presentation")]
    SdHashMismatch,
    /// A JSON Pointer the holder asked to disclose that names no claim.
    #[error("no claim at `{pointer}`")]
    UnknownClaim {
        /// The pointer.
        pointer: String,
    },
    /// Issuance with a holder key, but the claims already have a `cnf`.
    #[error("cannot issue: the claims already have `cnf` and a holder key was given")]
    CnfAlreadyPresent,
    /// A payload handed to the issuer that cannot be turned into an SD-JWT.
    #[error("cannot issue: {0}")]
    Issue(String),
    /// Randomness or signing failed while issuing.
    #[error("signing failed: {0}")]
    Sign(String),
}
