//! Career passport: the wallet role.
#![forbid(unsafe_code)]
