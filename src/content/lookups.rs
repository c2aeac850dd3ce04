//! The lookups every slugged table (authors, sections, tags) shares.

/// Generates `get` (by id, then by slug; 404 otherwise) and `slug_taken` for a table
/// with `id` and `slug` columns. Ids come first because a slug could look like another
/// record's id.
macro_rules! slugged_lookups {
    ($table:ident, $row:ty, $what:literal) => {
        /// The record with this id or slug, or 404.
        pub fn get(conn: &mut DbConn, key: &str) -> AppResult<$row> {
            let by_id = $table::table
                .find(key)
                .select(<$row>::as_select())
                .first(conn)
                .optional()?;
            let found = match by_id {
                Some(row) => Some(row),
                None => $table::table
                    .filter($table::slug.eq(key))
                    .select(<$row>::as_select())
                    .first(conn)
                    .optional()?,
            };
            found.ok_or(AppError::NotFound($what))
        }

        fn slug_taken(conn: &mut DbConn, slug: &str, except: &str) -> AppResult<bool> {
            let n: i64 = $table::table
                .filter($table::slug.eq(slug))
                .filter($table::id.ne(except))
                .count()
                .get_result(conn)?;
            Ok(n > 0)
        }
    };
}
