//! Wall-clock timestamps for records: `OffsetDateTime` in UTC, RFC 3339 in JSON and in SQLite
//! (TEXT columns, so records stay readable with the `sqlite3` shell).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Now, in UTC.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// RFC 3339 text for a TEXT column.
pub fn to_text(t: OffsetDateTime) -> String {
    // Formatting a UTC OffsetDateTime with Rfc3339 only fails for years outside 0..=9999.
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Reads back what [`to_text`] wrote; a bad value in the database is reported as a conversion error.
pub fn from_sql(text: &str) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// [`from_sql`] for nullable columns.
pub fn from_sql_opt(text: Option<String>) -> rusqlite::Result<Option<OffsetDateTime>> {
    text.as_deref().map(from_sql).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_keeps_the_instant() {
        let t = now();
        assert_eq!(from_sql(&to_text(t)).unwrap(), t);
        assert!(from_sql("yesterday").is_err());
    }
}
