//! A time bound into a query, written without chrono's format machinery on SQLite.
//!
//! SQLite keeps times as text, and diesel writes a bound `NaiveDateTime` through
//! `format("%F %T%.f")`, which parses that format string again on every bind: on an
//! uncached story page, whose look-ups bind the current time a dozen times, that was a
//! twentieth of the server's CPU. [`Stamp`] writes the same text directly (times
//! compare as text there, so it must be exactly the same text), and on PostgreSQL
//! binds as a `NaiveDateTime` does.

use chrono::{Datelike, NaiveDateTime, Timelike};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// A `NaiveDateTime` bound as a `Timestamp` (or a nullable one).
#[derive(Debug, Clone, Copy, AsExpression)]
#[diesel(sql_type = Timestamp)]
pub struct Stamp(pub NaiveDateTime);

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
}
