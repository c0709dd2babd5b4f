//! The two column values whose stored form depends on the table layout, not only on the
//! database: a row id ([`RowId`]: an integer the database makes, or text the application
//! makes) and a timestamp ([`Millis`]: `TIMESTAMPTZ`, `TIMESTAMP` holding UTC, or INTEGER
//! milliseconds). Each encodes to the form its layout declares and decodes from every form a
//! layout allows, so one adapter body serves every layout.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::mysql::{MySqlTypeInfo, MySqlValueRef};
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, MySql, Postgres, Sqlite, Type, TypeInfo, ValueRef};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

/// A row id as stored: `SERIAL` / rowid (`Int`) or text made by the application (`Text`: a cuid
/// for Prisma, a UUID for Drizzle). The core sees ids as strings ([`std::fmt::Display`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowId {
    /// An integer key.
    Int(i64),
    /// A text key.
    Text(String),
}

impl std::fmt::Display for RowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowId::Int(n) => write!(f, "{n}"),
            RowId::Text(s) => f.write_str(s),
        }
    }
}

/// A timestamp, milliseconds since the Unix epoch (the core's unit), with the form it is
/// written in: with time zone (`TIMESTAMPTZ`) or not (`TIMESTAMP`/`DATETIME` holding UTC).
/// SQLite always writes INTEGER milliseconds (Drizzle's `timestamp_ms`, Prisma's `DateTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis {
    /// Milliseconds since the epoch.
    pub ms: i64,
    /// Written as a timestamp with time zone (PostgreSQL `TIMESTAMPTZ`).
    pub with_zone: bool,
}

impl Millis {
    fn offset(self) -> Result<OffsetDateTime, BoxDynError> {
        Ok(OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(self.ms) * 1_000_000,
        )?)
    }
}

/// Milliseconds of a date-time (sub-millisecond digits, which JavaScript dates never have, are
/// dropped).
pub(crate) fn ms_of(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A timestamp written as text, as SQLite tools other than ours keep them: RFC 3339
/// (`2026-12-28T05:29:14.439Z`) or SQLite's own `YYYY-MM-DD HH:MM:SS[.SSS]` in UTC.
pub(crate) fn parse_text_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(ms_of(t));
    }
    let plain = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day][first [T][ ]][hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let s = s.strip_suffix('Z').unwrap_or(s);
    PrimitiveDateTime::parse(s, &plain)
        .ok()
        .map(|t| ms_of(t.assume_utc()))
}

// ---- PostgreSQL ----------------------------------------------------------------------------

impl Type<Postgres> for RowId {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <i32 as Type<Postgres>>::compatible(ty)
            || <i64 as Type<Postgres>>::compatible(ty)
            || <String as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for RowId {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match self {
            RowId::Int(n) => <i64 as Encode<Postgres>>::encode_by_ref(n, buf),
            RowId::Text(s) => <String as Encode<Postgres>>::encode_by_ref(s, buf),
        }
    }
    fn produces(&self) -> Option<PgTypeInfo> {
        Some(match self {
            RowId::Int(_) => <i64 as Type<Postgres>>::type_info(),
            RowId::Text(_) => <String as Type<Postgres>>::type_info(),
        })
    }
}

impl<'r> Decode<'r, Postgres> for RowId {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let ty = value.type_info().into_owned();
        if <i32 as Type<Postgres>>::compatible(&ty) {
            Ok(RowId::Int(i64::from(<i32 as Decode<Postgres>>::decode(
                value,
            )?)))
        } else if <i64 as Type<Postgres>>::compatible(&ty) {
            Ok(RowId::Int(<i64 as Decode<Postgres>>::decode(value)?))
        } else {
            Ok(RowId::Text(<String as Decode<Postgres>>::decode(value)?))
        }
    }
}

impl Type<Postgres> for Millis {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
            || <PrimitiveDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Millis {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let t = self.offset()?;
        if self.with_zone {
            <OffsetDateTime as Encode<Postgres>>::encode(t, buf)
        } else {
            let t = t.to_offset(time::UtcOffset::UTC);
            <PrimitiveDateTime as Encode<Postgres>>::encode(
                PrimitiveDateTime::new(t.date(), t.time()),
                buf,
            )
        }
    }
    fn produces(&self) -> Option<PgTypeInfo> {
        Some(if self.with_zone {
            <OffsetDateTime as Type<Postgres>>::type_info()
        } else {
            <PrimitiveDateTime as Type<Postgres>>::type_info()
        })
    }
}

impl<'r> Decode<'r, Postgres> for Millis {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let ty = value.type_info().into_owned();
        if <OffsetDateTime as Type<Postgres>>::compatible(&ty) {
            let t = <OffsetDateTime as Decode<Postgres>>::decode(value)?;
            Ok(Millis {
                ms: ms_of(t),
                with_zone: true,
            })
        } else {
            // TIMESTAMP without time zone: Prisma and Drizzle keep UTC in it.
            let t = <PrimitiveDateTime as Decode<Postgres>>::decode(value)?;
            Ok(Millis {
                ms: ms_of(t.assume_utc()),
                with_zone: false,
            })
        }
    }
}

// ---- SQLite --------------------------------------------------------------------------------

impl Type<Sqlite> for RowId {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty) || <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for RowId {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        match self {
            RowId::Int(n) => <i64 as Encode<Sqlite>>::encode_by_ref(n, buf),
            RowId::Text(s) => <String as Encode<Sqlite>>::encode_by_ref(s, buf),
        }
    }
}

impl<'r> Decode<'r, Sqlite> for RowId {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().name() == "INTEGER" {
            Ok(RowId::Int(<i64 as Decode<Sqlite>>::decode(value)?))
        } else {
            Ok(RowId::Text(<String as Decode<Sqlite>>::decode(value)?))
        }
    }
}

impl Type<Sqlite> for Millis {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
            || <String as Type<Sqlite>>::compatible(ty)
            || <f64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Millis {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode_by_ref(&self.ms, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Millis {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let ms = match value.type_info().name() {
            "TEXT" => {
                let s = <String as Decode<Sqlite>>::decode(value)?;
                parse_text_time(&s).ok_or_else(|| format!("not a timestamp: {s:?}"))?
            }
            "REAL" => <f64 as Decode<Sqlite>>::decode(value)? as i64,
            _ => <i64 as Decode<Sqlite>>::decode(value)?,
        };
        Ok(Millis {
            ms,
            with_zone: false,
        })
    }
}

// ---- MySQL / MariaDB ------------------------------------------------------------------------

impl Type<MySql> for RowId {
    fn type_info() -> MySqlTypeInfo {
        <String as Type<MySql>>::type_info()
    }
    fn compatible(ty: &MySqlTypeInfo) -> bool {
        <i64 as Type<MySql>>::compatible(ty) || <String as Type<MySql>>::compatible(ty)
    }
}

impl Encode<'_, MySql> for RowId {
    fn encode_by_ref(&self, buf: &mut Vec<u8>) -> Result<IsNull, BoxDynError> {
        match self {
            RowId::Int(n) => <i64 as Encode<MySql>>::encode_by_ref(n, buf),
            RowId::Text(s) => <String as Encode<MySql>>::encode_by_ref(s, buf),
        }
    }
    fn produces(&self) -> Option<MySqlTypeInfo> {
        Some(match self {
            RowId::Int(_) => <i64 as Type<MySql>>::type_info(),
            RowId::Text(_) => <String as Type<MySql>>::type_info(),
        })
    }
}

impl<'r> Decode<'r, MySql> for RowId {
    fn decode(value: MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
        let ty = value.type_info().into_owned();
        if <i64 as Type<MySql>>::compatible(&ty) {
            Ok(RowId::Int(<i64 as Decode<MySql>>::decode(value)?))
        } else {
            Ok(RowId::Text(<String as Decode<MySql>>::decode(value)?))
        }
    }
}

impl Type<MySql> for Millis {
    fn type_info() -> MySqlTypeInfo {
        <PrimitiveDateTime as Type<MySql>>::type_info()
    }
    fn compatible(ty: &MySqlTypeInfo) -> bool {
        <OffsetDateTime as Type<MySql>>::compatible(ty)
    }
}

impl Encode<'_, MySql> for Millis {
    // DATETIME(3) and TIMESTAMP(3) alike get the UTC date-time (sqlx sets the session's
    // `time_zone` to +00:00, so a TIMESTAMP column stores it unshifted).
    fn encode_by_ref(&self, buf: &mut Vec<u8>) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<MySql>>::encode(self.offset()?, buf)
    }
}

impl<'r> Decode<'r, MySql> for Millis {
    fn decode(value: MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
        let t = <OffsetDateTime as Decode<MySql>>::decode(value)?;
        Ok(Millis {
            ms: ms_of(t),
            with_zone: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_text_time;

    #[test]
    fn text_times() {
        let want = Some(1_798_435_754_439);
        assert_eq!(parse_text_time("2026-12-28T05:29:14.439Z"), want);
        assert_eq!(parse_text_time("2026-12-28T06:29:14.439+01:00"), want);
        assert_eq!(parse_text_time("2026-12-28 05:29:14.439"), want);
        assert_eq!(
            parse_text_time("2026-12-28 05:29:14"),
            Some(1_798_435_754_000)
        );
        assert_eq!(parse_text_time("yesterday"), None);
    }
}
