//! Career passport: the verifier role.
#![forbid(unsafe_code)]
