//! A time bound into or read from a query, without chrono's format machinery on SQLite.
//!
//! SQLite keeps times as text, and diesel writes a bound `NaiveDateTime` through
//! `format("%F %T%.f")`, which parses that format string again on every bind: on an
//! uncached story page, whose look-ups bind the current time a dozen times, that was a
//! twentieth of the server's CPU. [`Stamp`] writes the same text directly (times
//! compare as text there, so it must be exactly the same text), and on PostgreSQL
//! binds as a `NaiveDateTime` does.
//!
//! Reading, diesel tries up to eighteen formats with chrono's parser; the page's two
//! dozen times cost a fifteenth of its instructions. [`Stamp`] and [`MaybeStamp`] read
//! the one text [`Stamp`] writes directly and hand anything else to diesel.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A `NaiveDateTime` bound as a `Timestamp` (or a nullable one), or read as one.
#[derive(Debug, Clone, Copy, AsExpression, FromSqlRow)]
#[diesel(sql_type = Timestamp)]
pub struct Stamp(pub NaiveDateTime);

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(at) = parse_sqlite_text(value.read_text()) {
            return Ok(Stamp(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Stamp, Timestamp>()
    }
}

/// A nullable time read as [`Stamp`] reads one: `#[diesel(deserialize_as =
/// MaybeStamp)]` on an `Option<NaiveDateTime>` field.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

impl<DB: Backend> FromSql<Nullable<Timestamp>, DB> for MaybeStamp
where
    Stamp: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(MaybeStamp(Some(Stamp::from_sql(value)?.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(MaybeStamp(None)), Self::from_sql)
    }
}

impl ToSql<Timestamp, Sqlite> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_text(self.0));
        Ok(IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Timestamp, Pg>::to_sql(&self.0, out)
    }
}

/// For queries on [`DbConn`](super::DbConn) itself, which bind through each backend's
/// impl above.
impl ToSql<Timestamp, MultiBackend> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Timestamp, self));
        Ok(IsNull::No)
    }
}

/// `at` as diesel stores it on SQLite: `%F %T%.f`, the fraction as 3, 6 or 9 digits as
/// its precision needs, none when whole.
fn sqlite_text(at: NaiveDateTime) -> String {
    let nanos = at.nanosecond();
    let year = at.year();
    // A leap second, or a year chrono would write with a sign: its own way.
    if nanos >= 1_000_000_000 || !(0..=9999).contains(&year) {
        return at.format("%F %T%.f").to_string();
    }
    let mut out = String::with_capacity(29);
    let year = u32::try_from(year).unwrap_or_default();
    for (value, width, then) in [
        (year, 4, '-'),
        (at.month(), 2, '-'),
        (at.day(), 2, ' '),
        (at.hour(), 2, ':'),
        (at.minute(), 2, ':'),
    ] {
        digits(&mut out, value, width);
        out.push(then);
    }
    digits(&mut out, at.second(), 2);
    if nanos != 0 {
        out.push('.');
        if nanos.is_multiple_of(1_000_000) {
            digits(&mut out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            digits(&mut out, nanos / 1_000, 6);
        } else {
            digits(&mut out, nanos, 9);
        }
    }
    out
}

/// `text` as [`sqlite_text`] writes it (`YYYY-MM-DD HH:MM:SS`, a fraction of 1 to 9
/// digits or none), or `None` for anything else.
fn parse_sqlite_text(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || [b[4], b[7], b[10], b[13], b[16]] != *b"-- ::" {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0_u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(20..b.len())? * 10_u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)?.and_hms_nano_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
        nanos,
    )
}

/// `value`'s last `width` decimal digits, zero-padded.
fn digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10_u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeDelta};

    #[test]
    fn writes_exactly_what_diesel_writes() {
        let base = NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(8, 5, 9))
            .unwrap_or_default();
        let mut cases = vec![
            base,
            NaiveDateTime::default(),
            NaiveDate::from_ymd_opt(9999, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 999_999_999))
                .unwrap_or_default(),
            NaiveDate::from_ymd_opt(-44, 3, 15)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .unwrap_or_default(),
            NaiveDate::from_ymd_opt(12345, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default(),
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
                .unwrap_or_default(),
        ];
        for step in [1, 7, 1_000, 123_000, 1_000_000, 250_000_000, 999_999_999] {
            cases.push(base + TimeDelta::nanoseconds(step));
        }
        // A spread of times, as `store::now` makes them (microseconds) and not.
        let mut at = base;
        for i in 0..20_000_i64 {
            at += TimeDelta::nanoseconds(i * 7_919_113_117 + 1_000 * (i % 3));
            cases.push(at);
            cases.push(at - TimeDelta::nanoseconds(i64::from(at.nanosecond() % 1_000)));
        }
        for at in cases {
            assert_eq!(sqlite_text(at), at.format("%F %T%.f").to_string(), "{at:?}");
        }
    }

    #[test]
    fn reads_what_it_writes_and_declines_other_spellings() {
        let base = NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(8, 5, 9))
            .unwrap_or_default();
        let mut at = base;
        for i in 0..20_000_i64 {
            at += TimeDelta::nanoseconds(i * 7_919_113_117 + 1_000 * (i % 3));
            for at in [at, at - TimeDelta::nanoseconds(i64::from(at.nanosecond()))] {
                assert_eq!(parse_sqlite_text(&sqlite_text(at)), Some(at), "{at:?}");
            }
        }
        assert_eq!(
            parse_sqlite_text("2026-12-07 08:05:09.5"),
            Some(base + TimeDelta::milliseconds(500))
        );
        // Other spellings diesel accepts (and nonsense) are not this reader's.
        for other in [
            "2026-12-07T08:05:09",
            "2026-12-07 08:05",
            "2026-12-07 08:05:09Z",
            "2026-12-07 08:05:09+01:00",
            "2026-12-07 08:05:09.",
            "2026-12-07 08:05:09.1234567890",
            "2026-13-07 08:05:09",
            "2026-12-07 24:05:09",
            "2026-1a-07 08:05:09",
            "+026-12-07 08:05:09",
            "2461016.5",
            "",
        ] {
            assert_eq!(parse_sqlite_text(other), None, "{other}");
        }
    }
}
