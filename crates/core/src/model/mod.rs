//! The data model: W3C VCDM 2.0 credentials and presentations, and the six passport record types.

mod record;
mod vc;

pub use record::{RecordType, UnknownRecordType};
pub use vc::*;
