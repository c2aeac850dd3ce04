//! Enums stored as their names in a text column, on both backends: one impl of
//! diesel's `ToSql`/`FromSql` for every such enum, and its names in one list.

/// Stores `$ty` by name: `as_str` and `stored` from the list of variants and names
/// (the names are the serde names too), and diesel's `ToSql`/`FromSql` through them
/// (`None` for a name the code does not know is a read error naming `$what`).
/// The type derives `AsExpression` and `FromSqlRow` with `sql_type = Text`.
#[macro_export]
macro_rules! stored_as_text {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The name it is stored and sent as.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// The value a stored name stands for.
            pub fn stored(s: &str) -> Option<$ty> {
                match s {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let name = String::from_sql(bytes)?;
                <$ty>::stored(&name).ok_or_else(|| format!("{} of {name:?}", $what).into())
            }
        }
    };
}
