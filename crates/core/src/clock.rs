//! Time as a trait: [`SystemClock`] for real use, [`FixedClock`] for tests and `verify --at`.

/// A source of the current time, as seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Now, in seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> i64;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// Parses an RFC 3339 date-time (`2026-05-01T12:00:00Z`) into Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Formats Unix seconds as an RFC 3339 UTC date-time without fractions (`2026-05-01T12:00:00Z`).
pub fn format_rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = parse_rfc3339("2026-05-01T12:00:00Z").unwrap();
        assert_eq!(format_rfc3339(t), "2026-05-01T12:00:00Z");
        assert_eq!(parse_rfc3339("2026-05-01T14:00:00+02:00"), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
