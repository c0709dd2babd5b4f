//! A layout's tables in a database: created where missing (`[database] migrate = true`), or
//! only compared with the catalogue (`migrate = false`), and our own `nextauth_*` tables.
//!
//! * `migrate = true`, layout `pg-adapter`: the embedded migrations as before (`CREATE TABLE IF
//!   NOT EXISTS`, so tables made by pg-adapter's `schema.sql` are adopted; ledger
//!   `_sqlx_migrations`).
//! * `migrate = true`, another layout: if none of the layout's four tables exists, its DDL
//!   ([`crate::Ddl`]) runs in one transaction; if all exist, they are checked; if only some
//!   exist, nothing is done and opening fails naming them. Then our own tables are migrated
//!   (ledger `nextauth_migrations`, so every table we add carries the prefix).
//! * `migrate = false`: nothing is written at all, not even our own tables; the catalogue
//!   (`information_schema.columns`, SQLite's `pragma_table_info`) is read, and opening fails
//!   listing every missing table, missing column or column of the wrong type, and our own
//!   tables if their migrations have not run (`nextauth migrate` runs them).

use std::collections::BTreeMap;
use std::fmt;

use sqlx::migrate::Migrator;
use sqlx::{Connection, Row};

use crate::call::OpenError;
use crate::layout::{ColumnKind, Ids, Layout};

/// How [`crate::open_with`] treats the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The table layout (`[database] layout`).
    pub layout: Layout,
    /// Create missing tables (`true`) or only check them (`false`): `[database] migrate`.
    pub migrate: bool,
}

impl Options {
    /// The defaults for `url` and `layout`: `migrate = true` for the embedded SQLite and for
    /// layout `pg-adapter` (today's behaviour), `false` for any other database URL in another
    /// layout (a schema shared with a Next.js app is never changed unless asked).
    pub fn defaults(url: &str, layout: Layout) -> Options {
        Options {
            layout,
            migrate: layout.name == Layout::PG_ADAPTER.name || url.starts_with("sqlite:"),
        }
    }
}

/// What the catalogue check found wrong with one table or column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A table of the layout does not exist.
    MissingTable {
        /// The table.
        table: String,
    },
    /// A column the adapter reads or writes does not exist.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column exists with a type the layout does not keep there.
    WrongType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type in the catalogue.
        found: String,
        /// What the layout needs there.
        expected: &'static str,
    },
    /// Our own tables (`nextauth_*`) are missing or behind: `nextauth migrate` creates them.
    OwnTables {
        /// Which migrations have not run.
        missing: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingTable { table } => write!(f, "table {table:?} is missing"),
            Problem::MissingColumn { table, column } => {
                write!(f, "table {table:?}: column {column:?} is missing")
            }
            Problem::WrongType {
                table,
                column,
                found,
                expected,
            } => write!(
                f,
                "table {table:?}: column {column:?} is {found}, expected {expected}"
            ),
            Problem::OwnTables { missing } => write!(
                f,
                "nextauth's own tables (nextauth_*) are missing or behind ({missing}): run `nextauth migrate`"
            ),
        }
    }
}

/// The database kinds the layouts' DDL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Postgres,
    Sqlite,
    MySql,
}

/// The catalogue of the layout's tables: table → (column, declared type, lowercase).
type Catalogue = BTreeMap<String, Vec<(String, String)>>;

/// The ledger table of our own migrations in `layout`.
fn ledger(layout: &Layout) -> &'static str {
    if layout.name == Layout::PG_ADAPTER.name {
        "_sqlx_migrations"
    } else {
        "nextauth_migrations"
    }
}

/// The migrations that touch pg-adapter's own tables: 0001 creates them, 0009 indexes
/// `accounts` and `sessions` by `userId`. Another layout's tables belong to its tool (Prisma,
/// drizzle-kit) and never get them.
const PG_ADAPTER_TABLE_MIGRATIONS: [i64; 2] = [1, 9];

/// The migrations to run for `layout`: all of `base` for pg-adapter (its 0001 is pg-adapter's
/// schema); for another layout, our own tables only, with a ledger of our own name.
pub(crate) fn migrator(base: &'static Migrator, layout: &Layout) -> Migrator {
    let all = layout.name == Layout::PG_ADAPTER.name;
    let mut m = Migrator::with_migrations(
        base.iter()
            .filter(|m| all || !PG_ADAPTER_TABLE_MIGRATIONS.contains(&m.version))
            .cloned()
            .collect(),
    );
    m.dangerous_set_table_name(ledger(layout));
    m
}

/// The whole DDL `nextauth migrate` applies for `layout`: the layout's tables, then ours.
pub(crate) fn ddl(base: &'static Migrator, layout: &Layout, engine: Engine) -> String {
    let mut out = String::new();
    if layout.name != Layout::PG_ADAPTER.name {
        out.push_str(&format!("-- The tables of layout {:?}\n", layout.name));
        out.push_str(match engine {
            Engine::Postgres => layout.ddl.postgres,
            Engine::Sqlite => layout.ddl.sqlite,
            Engine::MySql => layout.ddl.mysql.unwrap_or_default(),
        });
        out.push('\n');
    }
    for m in migrator(base, layout).iter() {
        out.push_str(&format!("-- {} {}\n", m.version, m.description));
        out.push_str(m.sql.as_str());
        out.push('\n');
    }
    out
}

/// A layout's DDL in the pieces drizzle-kit separates with `--> statement-breakpoint` (which
/// is no comment to MySQL, whose comments need `-- `); one piece for the others.
fn statements(ddl: &'static str) -> impl Iterator<Item = &'static str> {
    ddl.split("--> statement-breakpoint")
        .filter(|part| !part.trim().is_empty())
}

/// Whether a declared type holds `kind` in `layout` on `engine`; else what it should be.
fn type_fits(engine: Engine, ids: Ids, kind: ColumnKind, found: &str) -> Result<(), &'static str> {
    let t = found.to_ascii_lowercase();
    let (ok, expected) = match engine {
        Engine::Postgres => {
            let text = matches!(t.as_str(), "text" | "character varying" | "character");
            let integer = matches!(t.as_str(), "integer" | "bigint" | "smallint");
            match kind {
                ColumnKind::Id if ids == Ids::Serial => (integer, "an integer"),
                ColumnKind::Id | ColumnKind::Text => (text, "text"),
                ColumnKind::Integer => (integer, "an integer"),
                ColumnKind::Time => (
                    t.starts_with("timestamp"),
                    "a timestamp (timestamp or timestamptz)",
                ),
            }
        }
        Engine::MySql => {
            let text = t.contains("char") || t.contains("text");
            let integer = t.ends_with("int");
            match kind {
                ColumnKind::Id if ids == Ids::Serial => (integer, "an integer"),
                ColumnKind::Id | ColumnKind::Text => (text, "varchar or text"),
                ColumnKind::Integer => (integer, "an integer"),
                ColumnKind::Time => (t == "datetime" || t == "timestamp", "datetime or timestamp"),
            }
        }
        Engine::Sqlite => {
            // SQLite's affinity rules (https://www.sqlite.org/datatype3.html §3.1).
            let integer = t.contains("int");
            let text = !integer && (t.contains("char") || t.contains("clob") || t.contains("text"));
            match kind {
                ColumnKind::Id if ids == Ids::Serial => (integer, "INTEGER"),
                ColumnKind::Id | ColumnKind::Text => (text, "TEXT"),
                ColumnKind::Integer => (integer, "INTEGER"),
                // INTEGER ms (ours, Drizzle's timestamp_ms), DATETIME (Prisma), or text.
                ColumnKind::Time => (
                    integer
                        || text
                        || t.contains("date")
                        || t.contains("time")
                        || t.contains("numeric"),
                    "INTEGER or DATETIME",
                ),
            }
        }
    };
    if ok { Ok(()) } else { Err(expected) }
}

/// Everything wrong with the layout's tables in `catalogue`.
fn problems(layout: &Layout, engine: Engine, catalogue: &Catalogue) -> Vec<Problem> {
    let mut out = Vec::new();
    for table in layout.tables() {
        if !catalogue.contains_key(table) {
            out.push(Problem::MissingTable {
                table: table.into(),
            });
        }
    }
    for (table, column, kind) in layout.columns() {
        let Some(cols) = catalogue.get(table) else {
            continue;
        };
        match cols.iter().find(|(c, _)| c == column) {
            None => out.push(Problem::MissingColumn {
                table: table.into(),
                column: column.into(),
            }),
            Some((_, found)) => {
                if let Err(expected) = type_fits(engine, layout.ids, kind, found) {
                    out.push(Problem::WrongType {
                        table: table.into(),
                        column: column.into(),
                        found: found.clone(),
                        expected,
                    });
                }
            }
        }
    }
    out
}

/// Which of `migrator`'s versions are not in the ledger (`applied`; `None`: no ledger).
fn own_tables_problem(migrator: &Migrator, applied: Option<Vec<i64>>) -> Option<Problem> {
    let applied = applied.unwrap_or_default();
    let missing: Vec<String> = migrator
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .map(|m| format!("{} {}", m.version, m.description))
        .collect();
    (!missing.is_empty()).then(|| Problem::OwnTables {
        missing: missing.join(", "),
    })
}

fn schema_error(layout: &Layout, problems: &[Problem]) -> OpenError {
    OpenError::Schema(format!(
        "layout {:?}: {}",
        layout.name,
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

/// What to do with the layout's tables given the catalogue, with `migrate = true`: `Ok(true)`
/// create them all, `Ok(false)` they are there and fit, `Err` some exist in another shape.
fn plan_create(layout: &Layout, engine: Engine, catalogue: &Catalogue) -> Result<bool, OpenError> {
    let present: Vec<&str> = layout
        .tables()
        .into_iter()
        .filter(|t| catalogue.contains_key(*t))
        .collect();
    if present.is_empty() {
        return Ok(true);
    }
    let found = problems(layout, engine, catalogue);
    if found.is_empty() {
        return Ok(false);
    }
    Err(OpenError::Schema(format!(
        "layout {:?}: refusing to create tables beside existing ones of another shape ({} exist): {}",
        layout.name,
        present
            .iter()
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    )))
}

// ---- PostgreSQL ----------------------------------------------------------------------------

async fn catalogue_postgres(
    conn: &mut sqlx::PgConnection,
    layout: &Layout,
) -> Result<Catalogue, sqlx::Error> {
    let tables: Vec<String> = layout.tables().iter().map(|t| t.to_string()).collect();
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = ANY($1) \
         ORDER BY table_name, ordinal_position",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    let mut cat = Catalogue::new();
    for r in rows {
        cat.entry(r.try_get(0)?)
            .or_default()
            .push((r.try_get(1)?, r.try_get(2)?));
    }
    Ok(cat)
}

async fn ledger_postgres(
    conn: &mut sqlx::PgConnection,
    layout: &Layout,
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = $1)",
    )
    .bind(ledger(layout))
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(None);
    }
    let sql = format!("SELECT version FROM {} WHERE success", ledger(layout));
    Ok(Some(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?,
    ))
}

/// Every problem of `layout` in the PostgreSQL database of `conn`, our own tables included.
pub(crate) async fn check_postgres(
    conn: &mut sqlx::PgConnection,
    base: &'static Migrator,
    layout: &Layout,
) -> Result<Vec<Problem>, OpenError> {
    let err = |e: sqlx::Error| OpenError::Connect(format!("reading the catalogue: {e}"));
    let cat = catalogue_postgres(conn, layout).await.map_err(err)?;
    let mut found = problems(layout, Engine::Postgres, &cat);
    let applied = ledger_postgres(conn, layout).await.map_err(err)?;
    found.extend(own_tables_problem(&migrator(base, layout), applied));
    Ok(found)
}

/// Prepares the PostgreSQL database behind `pool` for `options` (see the module documentation).
pub(crate) async fn prepare_postgres(
    pool: &sqlx::PgPool,
    base: &'static Migrator,
    options: &Options,
) -> Result<(), OpenError> {
    let layout = &options.layout;
    let err = |e: sqlx::Error| OpenError::Migrate(e.to_string());
    if !options.migrate {
        let mut conn = pool.acquire().await.map_err(err)?;
        let found = check_postgres(&mut conn, base, layout).await?;
        return if found.is_empty() {
            Ok(())
        } else {
            Err(schema_error(layout, &found))
        };
    }
    if layout.name != Layout::PG_ADAPTER.name {
        let mut conn = pool.acquire().await.map_err(err)?;
        let mut tx = conn.begin().await.map_err(err)?;
        // One creator at a time: instances starting together wait here, and the later ones
        // find the tables made.
        sqlx::query("SELECT pg_advisory_xact_lock(7120150715)")
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let cat = catalogue_postgres(&mut tx, layout).await.map_err(err)?;
        if plan_create(layout, Engine::Postgres, &cat)? {
            for part in statements(layout.ddl.postgres) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(part))
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
            }
        }
        tx.commit().await.map_err(err)?;
    }
    migrator(base, layout)
        .run(pool)
        .await
        .map_err(|e| OpenError::Migrate(e.to_string()))
}

// ---- SQLite --------------------------------------------------------------------------------

async fn catalogue_sqlite(
    conn: &mut sqlx::SqliteConnection,
    layout: &Layout,
) -> Result<Catalogue, sqlx::Error> {
    let mut cat = Catalogue::new();
    for table in layout.tables() {
        let rows = sqlx::query("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            continue;
        }
        let cols = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<(String, String)>, sqlx::Error>>()?;
        cat.insert(table.to_string(), cols);
    }
    Ok(cat)
}

async fn ledger_sqlite(
    conn: &mut sqlx::SqliteConnection,
    layout: &Layout,
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
    )
    .bind(ledger(layout))
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(None);
    }
    let sql = format!("SELECT version FROM {} WHERE success", ledger(layout));
    Ok(Some(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?,
    ))
}

/// Every problem of `layout` in the SQLite database of `conn`, our own tables included.
pub(crate) async fn check_sqlite(
    conn: &mut sqlx::SqliteConnection,
    base: &'static Migrator,
    layout: &Layout,
) -> Result<Vec<Problem>, OpenError> {
    let err = |e: sqlx::Error| OpenError::Connect(format!("reading the catalogue: {e}"));
    let cat = catalogue_sqlite(conn, layout).await.map_err(err)?;
    let mut found = problems(layout, Engine::Sqlite, &cat);
    let applied = ledger_sqlite(conn, layout).await.map_err(err)?;
    found.extend(own_tables_problem(&migrator(base, layout), applied));
    Ok(found)
}

/// Prepares the SQLite database behind `pool` for `options` (see the module documentation).
pub(crate) async fn prepare_sqlite(
    pool: &sqlx::SqlitePool,
    base: &'static Migrator,
    options: &Options,
) -> Result<(), OpenError> {
    let layout = &options.layout;
    let err = |e: sqlx::Error| OpenError::Migrate(e.to_string());
    if !options.migrate {
        let mut conn = pool.acquire().await.map_err(err)?;
        let found = check_sqlite(&mut conn, base, layout).await?;
        return if found.is_empty() {
            Ok(())
        } else {
            Err(schema_error(layout, &found))
        };
    }
    if layout.name != Layout::PG_ADAPTER.name {
        let mut conn = pool.acquire().await.map_err(err)?;
        // BEGIN IMMEDIATE: the write lock first, so two openers do not both create.
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        let created = async {
            let cat = catalogue_sqlite(&mut conn, layout).await.map_err(err)?;
            if plan_create(layout, Engine::Sqlite, &cat)? {
                for part in statements(layout.ddl.sqlite) {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(part))
                        .execute(&mut *conn)
                        .await
                        .map_err(err)?;
                }
            }
            Ok::<(), OpenError>(())
        }
        .await;
        let end = if created.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        sqlx::query(end).execute(&mut *conn).await.map_err(err)?;
        created?;
    }
    migrator(base, layout)
        .run(pool)
        .await
        .map_err(|e| OpenError::Migrate(e.to_string()))
}

// ---- MySQL / MariaDB -----------------------------------------------------------------------

async fn catalogue_mysql(
    conn: &mut sqlx::MySqlConnection,
    layout: &Layout,
) -> Result<Catalogue, sqlx::Error> {
    let t = layout.tables();
    let rows = sqlx::query(
        "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR), CAST(data_type AS CHAR) \
         FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name IN (?, ?, ?, ?) \
         ORDER BY table_name, ordinal_position",
    )
    .bind(t[0])
    .bind(t[1])
    .bind(t[2])
    .bind(t[3])
    .fetch_all(&mut *conn)
    .await?;
    let mut cat = Catalogue::new();
    for r in rows {
        cat.entry(r.try_get(0)?)
            .or_default()
            .push((r.try_get(1)?, r.try_get(2)?));
    }
    Ok(cat)
}

async fn ledger_mysql(
    conn: &mut sqlx::MySqlConnection,
    layout: &Layout,
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name = ?",
    )
    .bind(ledger(layout))
    .fetch_one(&mut *conn)
    .await?;
    if exists == 0 {
        return Ok(None);
    }
    let sql = format!("SELECT version FROM {} WHERE success", ledger(layout));
    Ok(Some(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?,
    ))
}

/// Every problem of `layout` in the MySQL database of `conn`, our own tables included.
pub(crate) async fn check_mysql(
    conn: &mut sqlx::MySqlConnection,
    base: &'static Migrator,
    layout: &Layout,
) -> Result<Vec<Problem>, OpenError> {
    let err = |e: sqlx::Error| OpenError::Connect(format!("reading the catalogue: {e}"));
    let cat = catalogue_mysql(conn, layout).await.map_err(err)?;
    let mut found = problems(layout, Engine::MySql, &cat);
    let applied = ledger_mysql(conn, layout).await.map_err(err)?;
    found.extend(own_tables_problem(&migrator(base, layout), applied));
    Ok(found)
}

/// Prepares the MySQL database behind `pool` for `options` (see the module documentation).
/// MySQL's DDL is not transactional: instances starting together on an empty database take a
/// named lock (`GET_LOCK`) around the check and the creation.
pub(crate) async fn prepare_mysql(
    pool: &sqlx::MySqlPool,
    base: &'static Migrator,
    options: &Options,
) -> Result<(), OpenError> {
    let layout = &options.layout;
    let err = |e: sqlx::Error| OpenError::Migrate(e.to_string());
    let mut conn = pool.acquire().await.map_err(err)?;
    if !options.migrate {
        let found = check_mysql(&mut conn, base, layout).await?;
        return if found.is_empty() {
            Ok(())
        } else {
            Err(schema_error(layout, &found))
        };
    }
    let ddl = layout.ddl.mysql.ok_or_else(|| {
        OpenError::Migrate(format!("layout {:?} has no MySQL tables", layout.name))
    })?;
    // 1 when taken; 0 after the 30 s wait, NULL on an error: then another instance is still
    // creating the tables (Prisma's DDL has no IF NOT EXISTS), so refuse rather than race it.
    let locked: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK('nextauth_create_tables', 30)")
        .fetch_one(&mut *conn)
        .await
        .map_err(err)?;
    if locked != Some(1) {
        return Err(OpenError::Migrate(
            "another instance held the lock `nextauth_create_tables` for 30 s while creating \
             the tables: start again once it is up"
                .into(),
        ));
    }
    let created = async {
        let cat = catalogue_mysql(&mut conn, layout).await.map_err(err)?;
        if plan_create(layout, Engine::MySql, &cat)? {
            for part in statements(ddl) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(part))
                    .execute(&mut *conn)
                    .await
                    .map_err(err)?;
            }
        }
        Ok::<(), OpenError>(())
    }
    .await;
    let _ = sqlx::query("SELECT RELEASE_LOCK('nextauth_create_tables')")
        .execute(&mut *conn)
        .await;
    created?;
    drop(conn);
    migrator(base, layout)
        .run(pool)
        .await
        .map_err(|e| OpenError::Migrate(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_and_a_wrong_type_are_named() {
        let layout = Layout::PRISMA;
        let mut cat = Catalogue::new();
        for (table, column, _) in layout.columns() {
            let ty = match (table, column) {
                ("User", "emailVerified") => continue,
                ("Session", "expires") => "text",
                (_, "expires") | (_, "emailVerified") => "timestamp without time zone",
                (_, "expires_at") => "integer",
                _ => "text",
            };
            cat.entry(table.to_string())
                .or_default()
                .push((column.to_string(), ty.to_string()));
        }
        cat.remove("VerificationToken");
        let found: Vec<String> = problems(&layout, Engine::Postgres, &cat)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                r#"table "VerificationToken" is missing"#,
                r#"table "User": column "emailVerified" is missing"#,
                r#"table "Session": column "expires" is text, expected a timestamp (timestamp or timestamptz)"#,
            ]
        );
        assert!(plan_create(&layout, Engine::Postgres, &cat).is_err());
        assert!(plan_create(&layout, Engine::Postgres, &Catalogue::new()).unwrap_or(false));
    }

    #[test]
    fn defaults() {
        assert!(Options::defaults("sqlite:x.db", Layout::PRISMA).migrate);
        assert!(Options::defaults("postgres://h/db", Layout::PG_ADAPTER).migrate);
        assert!(!Options::defaults("postgres://h/db", Layout::PRISMA).migrate);
        assert!(!Options::defaults("postgres://h/db", Layout::DRIZZLE).migrate);
    }
}
