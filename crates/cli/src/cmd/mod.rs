//! One module per subcommand: read input, call a library, print.

pub mod admin;
pub mod issue;
pub mod key;
pub mod present;
pub mod serve;
pub mod verify;
pub mod wallet;
