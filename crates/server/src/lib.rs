//! Career passport signing and sharing service.
#![forbid(unsafe_code)]
