//! Compact JWS (RFC 7515) signing and verification, hardened per RFC 8725.
//!
//! Verification never lets a token choose how it is checked: the key comes from the caller (trust
//! list, or the `cnf` of an already verified credential), the algorithm from that key, and the
//! header's `alg` must equal it. `none`, HMAC and every algorithm outside the allow-list fail at
//! parse; keys carried in the header (`jwk`, `jku`, `x5c`, `x5u`) are refused unless the caller
//! explicitly opts in; `crit` extensions we do not understand fail (RFC 7515 §4.1.11); duplicate
//! header members fail; `typ` is checked when the caller expects one (explicit typing, RFC 8725 §3.11).

mod jws;

pub use jws::*;
