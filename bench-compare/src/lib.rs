//! Nothing here: see `benches/sd_jwt.rs`.
