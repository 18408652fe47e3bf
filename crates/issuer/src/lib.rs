//! Career passport: the issuer role.
#![forbid(unsafe_code)]
