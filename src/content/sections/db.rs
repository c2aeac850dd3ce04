//! Section queries. Tree changes are serialised so concurrent moves cannot form a cycle.

use diesel::prelude::*;

use super::model::{SectionInput, SectionRow, Tree};
use crate::content::keys;
use crate::content::slug;
use crate::error::{AppError, AppResult};
use crate::store::invalidation::invalidate;
use crate::store::schema::sections;
use crate::store::{DbConn, inner, new_id, now};
use crate::store::{check_version, versioned};

/// Every section (a site has tens to hundreds; the tree is read whole).
pub fn all(conn: &mut DbConn) -> AppResult<Vec<SectionRow>> {
    Ok(sections::table.select(SectionRow::as_select()).load(conn)?)
}

slugged_lookups!(sections, SectionRow, "section");

/// `id` and every section below it: a walk down the parent index, as many rows as the
/// subtree, where reading the whole tree cost a list a tenth of its instructions.
pub fn with_descendants(conn: &mut DbConn, id: &str) -> AppResult<Vec<String>> {
    #[derive(diesel::QueryableByName)]
    struct Below {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    // UNION, not UNION ALL: a loop (which moves refuse) would end, not run forever.
    const BELOW: &str = "WITH RECURSIVE below(id) AS ( \
           SELECT CAST($1 AS TEXT) \
           UNION SELECT s.id FROM sections s JOIN below b ON s.parent_id = b.id) \
         SELECT id FROM below";
    let found: Vec<Below> = inner!(conn, |c| diesel::sql_query(BELOW)
        .bind::<diesel::sql_types::Text, _>(id)
        .load(c))?;
    Ok(found.into_iter().map(|b| b.id).collect())
}

/// Two moves checked concurrently could each pass the cycle check and together form a
/// loop, so tree writes take turns.
fn lock_tree(conn: &mut DbConn) -> AppResult<()> {
    crate::store::lock(conn, "sections")
}

fn resolve_parent(conn: &mut DbConn, key: &str) -> AppResult<SectionRow> {
    get(conn, key).map_err(|e| match e {
        AppError::NotFound(_) => AppError::invalid("parent", format!("no section '{key}'")),
        other => other,
    })
}

fn next_position(conn: &mut DbConn, parent: Option<&str>) -> AppResult<i32> {
    let max: Option<i32> = match parent {
        Some(p) => sections::table
            .filter(sections::parent_id.eq(p))
            .select(diesel::dsl::max(sections::position))
            .first(conn)?,
        None => sections::table
            .filter(sections::parent_id.is_null())
            .select(diesel::dsl::max(sections::position))
            .first(conn)?,
    };
    Ok(max.map_or(0, |m| m + 1))
}

/// Creates a section under `parent` (or at the top level).
pub fn insert(conn: &mut DbConn, input: SectionInput) -> AppResult<SectionRow> {
    lock_tree(conn)?;
    let name = input.name.unwrap_or_default();
    let parent_id = match input.parent.flatten() {
        Some(key) => {
            let parent = resolve_parent(conn, &key)?;
            let rows = all(conn)?;
            Tree::new(&rows).check_depth(&parent, 1)?;
            Some(parent.id)
        }
        None => None,
    };
    let slug = slug::choose(input.slug, &name, |s| slug_taken(conn, s, ""))?;
    let position = match input.position {
        Some(p) => p,
        None => next_position(conn, parent_id.as_deref())?,
    };
    let id = new_id();
    let at = now();
    diesel::insert_into(sections::table)
        .values((
            sections::id.eq(&id),
            sections::slug.eq(slug.as_str()),
            sections::name.eq(&name),
            sections::description.eq(input.description.unwrap_or_default()),
            sections::parent_id.eq(parent_id),
            sections::position.eq(position),
            sections::version.eq(1),
            sections::created_at.eq(at),
            sections::updated_at.eq(at),
        ))
        .execute(conn)?;
    invalidate([keys::SECTIONS]);
    get(conn, &id)
}

/// The fields an edit sent (`None`: not sent, left as it is); the parent and position
/// are worked out apart.
#[derive(AsChangeset)]
#[diesel(table_name = sections)]
struct SectionChanges<'a> {
    name: Option<&'a str>,
    slug: Option<&'a str>,
    description: Option<&'a str>,
}

impl<'a> From<&'a SectionInput> for SectionChanges<'a> {
    fn from(input: &'a SectionInput) -> Self {
        SectionChanges {
            name: input.name.as_deref(),
            slug: input.slug.as_ref().map(|s| s.as_str()),
            description: input.description.as_deref(),
        }
    }
}

/// Applies an edit if the section is still at `expected`; refuses cycles.
pub fn update(
    conn: &mut DbConn,
    key: &str,
    expected: i64,
    input: SectionInput,
) -> AppResult<SectionRow> {
    lock_tree(conn)?;
    let current = get(conn, key)?;
    check_version(current.version, expected)?;
    slug::ensure_free(input.slug.as_ref(), |s| slug_taken(conn, s, &current.id))?;
    let parent_id = match &input.parent {
        None => current.parent_id.clone(),
        Some(None) => None,
        Some(Some(parent_key)) => {
            let parent = resolve_parent(conn, parent_key)?;
            let rows = all(conn)?;
            let tree = Tree::new(&rows);
            let under_itself = parent.id == current.id
                || tree
                    .ancestors(&parent.id)
                    .iter()
                    .any(|a| a.id == current.id);
            if under_itself {
                return Err(AppError::invalid(
                    "parent",
                    format!(
                        "'{}' is this section or one of its subsections; a section cannot be its own ancestor",
                        parent.slug
                    ),
                ));
            }
            tree.check_depth(&parent, tree.height(&current.id))?;
            Some(parent.id)
        }
    };
    let moved = parent_id != current.parent_id;
    let position = match input.position {
        Some(p) => p,
        None if moved => next_position(conn, parent_id.as_deref())?,
        None => current.position,
    };
    versioned(
        conn,
        |c| {
            diesel::update(sections::table.find(&current.id))
                .filter(sections::version.eq(expected))
                .set((
                    SectionChanges::from(&input),
                    sections::parent_id.eq(parent_id),
                    sections::position.eq(position),
                    sections::version.eq(expected + 1),
                    sections::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| {
            sections::table
                .find(&current.id)
                .select(sections::version)
                .first(c)
        },
    )?;
    invalidate([keys::SECTIONS.to_owned(), keys::section(&current.id)]);
    if moved {
        // Its stories leave the lists of its old ancestors (which carry its key) and
        // join those of its new ones.
        let rows = all(conn)?;
        let tree = Tree::new(&rows);
        let mut named = vec![keys::section_articles(&current.id)];
        named.extend(
            tree.ancestors(&current.id)
                .iter()
                .map(|a| keys::section_articles(&a.id)),
        );
        invalidate(named);
    }
    get(conn, &current.id)
}

/// Deletes a section that has no subsections.
pub fn delete(conn: &mut DbConn, key: &str) -> AppResult<()> {
    lock_tree(conn)?;
    let current = get(conn, key)?;
    let children: i64 = sections::table
        .filter(sections::parent_id.eq(&current.id))
        .count()
        .get_result(conn)?;
    if children > 0 {
        return Err(AppError::Conflict {
            detail: format!(
                "'{}' has {children} subsection(s); move or delete them first",
                current.slug
            ),
            field: None,
        });
    }
    diesel::delete(sections::table.find(&current.id)).execute(conn)?;
    invalidate([keys::SECTIONS.to_owned(), keys::section(&current.id)]);
    Ok(())
}
