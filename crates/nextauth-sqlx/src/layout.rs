//! Where the adapter's data lives ([`Layout`]: table and column names) and the statements built
//! from it once, when an adapter is made ([`Statements`]).
//!
//! The SQL text is written here and nowhere else; a [`Dialect`] only decides the pieces that
//! differ between databases (placeholders, identifier quoting). Every `SELECT` lists its columns
//! in a fixed order and the adapter decodes rows by position, so a layout with other column
//! names needs no other code.
//!
//! Three layouts are data here: [`Layout::PG_ADAPTER`] (`@auth/pg-adapter`'s tables, the
//! default), [`Layout::PRISMA`] (the v4 Prisma adapter's models) and [`Layout::DRIZZLE`]
//! (`@auth/drizzle-adapter`'s default tables). A layout carries its names, who makes its ids
//! ([`Ids`]), how it keeps timestamps ([`Timestamps`]) and the DDL its own tool writes
//! ([`Ddl`]); the statements below and the one adapter serve all of them.

use std::sync::Arc;

use crate::dialect::Dialect;

/// The names of the four tables of v4's adapter model and of their columns, unquoted (the
/// dialect quotes them). The column order of each table here is the order of the statements'
/// column lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The name of the layout in the configuration (`[database] layout`).
    pub name: &'static str,
    /// Who makes the row ids and in which form.
    pub ids: Ids,
    /// How timestamps are kept on PostgreSQL (SQLite keeps INTEGER milliseconds in every
    /// layout; text timestamps are read too).
    pub timestamps: Timestamps,
    /// The DDL that creates the four tables, per database.
    pub ddl: Ddl,
    /// The users table.
    pub users: UserColumns,
    /// The accounts table (OAuth/OIDC links).
    pub accounts: AccountColumns,
    /// The database sessions table.
    pub sessions: SessionColumns,
    /// The magic-link tokens table.
    pub verification_tokens: VerificationTokenColumns,
}

/// The users table: `AdapterUser`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserColumns {
    /// The table.
    pub table: &'static str,
    /// `id`: the key, a string to the core.
    pub id: &'static str,
    /// `name`
    pub name: &'static str,
    /// `email` (unique)
    pub email: &'static str,
    /// `emailVerified`: a timestamp.
    pub email_verified: &'static str,
    /// `image`
    pub image: &'static str,
}

/// The accounts table: `AdapterAccount`'s fields (`kind` is v4's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountColumns {
    /// The table.
    pub table: &'static str,
    /// A key column the application fills (Prisma's `id String @default(cuid())`), `None`
    /// where the database makes it (pg-adapter's `SERIAL`) or there is none (Drizzle).
    pub id: Option<&'static str>,
    /// `userId`: the user it signs in.
    pub user_id: &'static str,
    /// `type` (`oauth`, `oidc`, `email`, `credentials`).
    pub kind: &'static str,
    /// `provider`: the provider id.
    pub provider: &'static str,
    /// `providerAccountId`: the user id at the provider.
    pub provider_account_id: &'static str,
    /// `refresh_token`
    pub refresh_token: &'static str,
    /// `access_token`
    pub access_token: &'static str,
    /// `expires_at`: seconds since the epoch.
    pub expires_at: &'static str,
    /// `token_type`
    pub token_type: &'static str,
    /// `scope`
    pub scope: &'static str,
    /// `id_token`
    pub id_token: &'static str,
    /// `session_state`
    pub session_state: &'static str,
}

/// The sessions table: `AdapterSession`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionColumns {
    /// The table.
    pub table: &'static str,
    /// A key column the application fills (Prisma's `id`), as [`AccountColumns::id`].
    pub id: Option<&'static str>,
    /// `sessionToken` (unique): the cookie value.
    pub session_token: &'static str,
    /// `userId`
    pub user_id: &'static str,
    /// `expires`: a timestamp.
    pub expires: &'static str,
}

/// The verification tokens table: `VerificationToken`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationTokenColumns {
    /// The table.
    pub table: &'static str,
    /// `identifier`: the e-mail address.
    pub identifier: &'static str,
    /// `token`: the hashed token.
    pub token: &'static str,
    /// `expires`: a timestamp.
    pub expires: &'static str,
}

/// Who makes a layout's row ids (users, and accounts and sessions where they have an id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// The database: `SERIAL` on PostgreSQL, the rowid on SQLite (pg-adapter's).
    Serial,
    /// The application, a cuid-like text id (Prisma's `@default(cuid())`, which is Prisma
    /// Client's, not the database's).
    Cuid,
    /// The application, a random UUID as text (Drizzle's `$defaultFn(() => crypto.randomUUID())`).
    Uuid,
}

impl Ids {
    /// A new id for a row, or `None` where the database makes it.
    pub fn new_id(self) -> Option<String> {
        match self {
            Ids::Serial => None,
            Ids::Uuid => Some(uuid::Uuid::new_v4().to_string()),
            Ids::Cuid => Some(cuid_like()),
        }
    }
}

/// A cuid-shaped id: `c` and 24 lowercase base-36 characters (a cuid's length and alphabet;
/// 124 random bits rather than cuid's timestamp and counter, which Prisma does not rely on).
fn cuid_like() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(25);
    id.push('c');
    for _ in 0..24 {
        id.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    }
    id
}

/// How a layout keeps timestamps on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamps {
    /// `TIMESTAMPTZ` (pg-adapter).
    WithTimeZone,
    /// `TIMESTAMP` without time zone holding UTC (Prisma's `TIMESTAMP(3)`, Drizzle's
    /// `timestamp`, mode `date`).
    Utc,
}

/// A layout's DDL for the four tables, per database, as its own tool writes it (Prisma Migrate,
/// drizzle-kit, pg-adapter's schema.sql), so that tables made by `nextauth migrate` are the
/// ones the Next.js side expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ddl {
    /// PostgreSQL.
    pub postgres: &'static str,
    /// SQLite.
    pub sqlite: &'static str,
    /// MySQL/MariaDB, where the layout's adapter runs there (not pg-adapter's).
    pub mysql: Option<&'static str>,
}

impl Layout {
    /// The names accepted by `[database] layout`.
    pub const NAMES: [&'static str; 3] = ["pg-adapter", "prisma", "drizzle"];

    /// The layout named `name` in the configuration (`pg-adapter`, `prisma`, `drizzle`).
    pub fn by_name(name: &str) -> Option<Layout> {
        [Layout::PG_ADAPTER, Layout::PRISMA, Layout::DRIZZLE]
            .into_iter()
            .find(|l| l.name == name)
    }

    /// A user id as this layout stores it; `None` for an id that cannot exist (pg-adapter's
    /// ids are numbers; v4's pg adapter answers null for another id rather than an error).
    pub(crate) fn parse_id(&self, id: &str) -> Option<crate::values::RowId> {
        use crate::values::RowId;
        match self.ids {
            Ids::Serial => id.trim().parse().ok().map(RowId::Int),
            Ids::Cuid | Ids::Uuid if id.is_empty() => None,
            Ids::Cuid | Ids::Uuid => Some(RowId::Text(id.to_string())),
        }
    }

    /// Milliseconds since the epoch as this layout writes them. An error is a value the
    /// database cannot hold ([`nextauth_core::adapter::AdapterError::Conflict`]).
    pub(crate) fn encode_time(
        &self,
        ms: i64,
    ) -> nextauth_core::adapter::AdapterResult<crate::values::Millis> {
        // The range of PostgreSQL's and `time`'s dates; SQLite's integers hold more, but a
        // date outside this range is a bug, not a session.
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map_err(
            |e| nextauth_core::adapter::AdapterError::Conflict(format!("timestamp {ms} ms: {e}")),
        )?;
        Ok(crate::values::Millis {
            ms,
            with_zone: self.timestamps == Timestamps::WithTimeZone,
        })
    }

    /// The schema of `@auth/pg-adapter` (`packages/adapter-pg/schema.sql`; spec §16.2): the one
    /// both migrations create, on SQLite in SQLite's types.
    pub const PG_ADAPTER: Layout = Layout {
        name: "pg-adapter",
        ids: Ids::Serial,
        timestamps: Timestamps::WithTimeZone,
        ddl: Ddl {
            postgres: include_str!("../migrations/postgres/0001_pg_adapter_schema.sql"),
            sqlite: include_str!("../migrations/sqlite/0001_schema.sql"),
            mysql: None,
        },
        users: UserColumns {
            table: "users",
            id: "id",
            name: "name",
            email: "email",
            email_verified: "emailVerified",
            image: "image",
        },
        accounts: AccountColumns {
            table: "accounts",
            id: None,
            user_id: "userId",
            kind: "type",
            provider: "provider",
            provider_account_id: "providerAccountId",
            refresh_token: "refresh_token",
            access_token: "access_token",
            expires_at: "expires_at",
            token_type: "token_type",
            scope: "scope",
            id_token: "id_token",
            session_state: "session_state",
        },
        sessions: SessionColumns {
            table: "sessions",
            id: None,
            session_token: "sessionToken",
            user_id: "userId",
            expires: "expires",
        },
        verification_tokens: VerificationTokenColumns {
            table: "verification_token",
            identifier: "identifier",
            token: "token",
            expires: "expires",
        },
    };

    /// The models of the v4 Prisma adapter's documented schema (`@next-auth/prisma-adapter`:
    /// `User`, `Account`, `Session`, `VerificationToken`) as Prisma Migrate creates them: quoted
    /// PascalCase tables, camelCase columns, text ids made by Prisma Client (`cuid()`, so here by
    /// `nextauth`), `TIMESTAMP(3)` in UTC, `Account` unique on `(provider, providerAccountId)`.
    pub const PRISMA: Layout = Layout {
        name: "prisma",
        ids: Ids::Cuid,
        timestamps: Timestamps::Utc,
        ddl: Ddl {
            postgres: PRISMA_POSTGRES,
            sqlite: PRISMA_SQLITE,
            mysql: Some(PRISMA_MYSQL),
        },
        users: UserColumns {
            table: "User",
            ..Layout::PG_ADAPTER.users
        },
        accounts: AccountColumns {
            table: "Account",
            id: Some("id"),
            ..Layout::PG_ADAPTER.accounts
        },
        sessions: SessionColumns {
            table: "Session",
            id: Some("id"),
            ..Layout::PG_ADAPTER.sessions
        },
        verification_tokens: VerificationTokenColumns {
            table: "VerificationToken",
            ..Layout::PG_ADAPTER.verification_tokens
        },
    };

    /// The default tables of `@auth/drizzle-adapter` (`lib/pg.js`, `lib/sqlite.js`): `user`,
    /// `account`, `session`, `verificationToken`; text ids (`crypto.randomUUID()`), composite
    /// keys for accounts and tokens, `timestamp` (mode `date`, UTC) on PostgreSQL and INTEGER
    /// milliseconds (`timestamp_ms`) on SQLite.
    pub const DRIZZLE: Layout = Layout {
        name: "drizzle",
        ids: Ids::Uuid,
        timestamps: Timestamps::Utc,
        ddl: Ddl {
            postgres: DRIZZLE_POSTGRES,
            sqlite: DRIZZLE_SQLITE,
            mysql: Some(DRIZZLE_MYSQL),
        },
        users: UserColumns {
            table: "user",
            ..Layout::PG_ADAPTER.users
        },
        accounts: AccountColumns {
            table: "account",
            ..Layout::PG_ADAPTER.accounts
        },
        sessions: SessionColumns {
            table: "session",
            ..Layout::PG_ADAPTER.sessions
        },
        verification_tokens: VerificationTokenColumns {
            table: "verificationToken",
            ..Layout::PG_ADAPTER.verification_tokens
        },
    };

    /// Every table of the layout.
    pub fn tables(&self) -> [&'static str; 4] {
        [
            self.users.table,
            self.accounts.table,
            self.sessions.table,
            self.verification_tokens.table,
        ]
    }

    /// Every column the adapter reads or writes, with what it holds, per table.
    pub fn columns(&self) -> Vec<(&'static str, &'static str, ColumnKind)> {
        use ColumnKind::*;
        let (u, a, s, v) = (
            &self.users,
            &self.accounts,
            &self.sessions,
            &self.verification_tokens,
        );
        let mut cols = vec![
            (u.table, u.id, Id),
            (u.table, u.name, Text),
            (u.table, u.email, Text),
            (u.table, u.email_verified, Time),
            (u.table, u.image, Text),
        ];
        if let Some(id) = a.id {
            cols.push((a.table, id, Id));
        }
        cols.push((a.table, a.user_id, Id));
        for c in [
            a.kind,
            a.provider,
            a.provider_account_id,
            a.refresh_token,
            a.access_token,
        ] {
            cols.push((a.table, c, Text));
        }
        cols.push((a.table, a.expires_at, Integer));
        for c in [a.token_type, a.scope, a.id_token, a.session_state] {
            cols.push((a.table, c, Text));
        }
        if let Some(id) = s.id {
            cols.push((s.table, id, Id));
        }
        cols.extend([
            (s.table, s.session_token, Text),
            (s.table, s.user_id, Id),
            (s.table, s.expires, Time),
            (v.table, v.identifier, Text),
            (v.table, v.token, Text),
            (v.table, v.expires, Time),
        ]);
        cols
    }
}

/// What a column holds, for the catalogue check (`[database] migrate = false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A row id or a reference to one: integer for [`Ids::Serial`], text otherwise.
    Id,
    /// Text.
    Text,
    /// An integer (`expires_at`, seconds).
    Integer,
    /// A timestamp.
    Time,
}

/// `prisma migrate diff --from-empty --to-schema-datamodel` for the v4 adapter's schema on
/// PostgreSQL (the documented models; Prisma's constraint and index names).
const PRISMA_POSTGRES: &str = r#"-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "emailVerified" TIMESTAMP(3),
    "image" TEXT,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account"("provider", "providerAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token");

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
"#;

/// The same for SQLite. Prisma's native SQLite connector keeps `DateTime` as INTEGER
/// milliseconds since the epoch, which is what `nextauth` writes; its driver adapters (libSQL,
/// D1) write ISO 8601 text instead (prisma/orm#25948), which is read too.
const PRISMA_SQLITE: &str = r#"-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,
    CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "email" TEXT,
    "emailVerified" DATETIME,
    "image" TEXT
);

-- CreateTable
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account"("provider", "providerAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token");
"#;

/// Prisma Migrate for the v4 schema's MySQL variant (the adapter's docs: `String` is
/// `VARCHAR(191)`, the tokens `@db.Text`; `DateTime` is `DATETIME(3)` in UTC).
const PRISMA_MYSQL: &str = r#"-- CreateTable
CREATE TABLE `Account` (
    `id` VARCHAR(191) NOT NULL,
    `userId` VARCHAR(191) NOT NULL,
    `type` VARCHAR(191) NOT NULL,
    `provider` VARCHAR(191) NOT NULL,
    `providerAccountId` VARCHAR(191) NOT NULL,
    `refresh_token` TEXT NULL,
    `access_token` TEXT NULL,
    `expires_at` INTEGER NULL,
    `token_type` VARCHAR(191) NULL,
    `scope` VARCHAR(191) NULL,
    `id_token` TEXT NULL,
    `session_state` VARCHAR(191) NULL,

    UNIQUE INDEX `Account_provider_providerAccountId_key`(`provider`, `providerAccountId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Session` (
    `id` VARCHAR(191) NOT NULL,
    `sessionToken` VARCHAR(191) NOT NULL,
    `userId` VARCHAR(191) NOT NULL,
    `expires` DATETIME(3) NOT NULL,

    UNIQUE INDEX `Session_sessionToken_key`(`sessionToken`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `User` (
    `id` VARCHAR(191) NOT NULL,
    `name` VARCHAR(191) NULL,
    `email` VARCHAR(191) NULL,
    `emailVerified` DATETIME(3) NULL,
    `image` VARCHAR(191) NULL,

    UNIQUE INDEX `User_email_key`(`email`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `VerificationToken` (
    `identifier` VARCHAR(191) NOT NULL,
    `token` VARCHAR(191) NOT NULL,
    `expires` DATETIME(3) NOT NULL,

    UNIQUE INDEX `VerificationToken_token_key`(`token`),
    UNIQUE INDEX `VerificationToken_identifier_token_key`(`identifier`, `token`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Account` ADD CONSTRAINT `Account_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Session` ADD CONSTRAINT `Session_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
"#;

/// `drizzle-kit generate` for the default `mysqlTable`s (without `authenticator`): `varchar(255)`
/// ids, `timestamp(3)` for `emailVerified`, `timestamp` (whole seconds) for the expiries.
const DRIZZLE_MYSQL: &str = r#"CREATE TABLE `account` (
	`userId` varchar(255) NOT NULL,
	`type` varchar(255) NOT NULL,
	`provider` varchar(255) NOT NULL,
	`providerAccountId` varchar(255) NOT NULL,
	`refresh_token` varchar(255),
	`access_token` varchar(255),
	`expires_at` int,
	`token_type` varchar(255),
	`scope` varchar(255),
	`id_token` varchar(2048),
	`session_state` varchar(255),
	CONSTRAINT `account_provider_providerAccountId_pk` PRIMARY KEY(`provider`,`providerAccountId`)
);
--> statement-breakpoint
CREATE TABLE `session` (
	`sessionToken` varchar(255) NOT NULL,
	`userId` varchar(255) NOT NULL,
	`expires` timestamp NOT NULL,
	CONSTRAINT `session_sessionToken` PRIMARY KEY(`sessionToken`)
);
--> statement-breakpoint
CREATE TABLE `user` (
	`id` varchar(255) NOT NULL,
	`name` varchar(255),
	`email` varchar(255),
	`emailVerified` timestamp(3),
	`image` varchar(255),
	CONSTRAINT `user_id` PRIMARY KEY(`id`),
	CONSTRAINT `user_email_unique` UNIQUE(`email`)
);
--> statement-breakpoint
CREATE TABLE `verificationToken` (
	`identifier` varchar(255) NOT NULL,
	`token` varchar(255) NOT NULL,
	`expires` timestamp NOT NULL,
	CONSTRAINT `verificationToken_identifier_token_pk` PRIMARY KEY(`identifier`,`token`)
);
--> statement-breakpoint
ALTER TABLE `account` ADD CONSTRAINT `account_userId_user_id_fk` FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE `session` ADD CONSTRAINT `session_userId_user_id_fk` FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON DELETE cascade ON UPDATE no action;
"#;

/// `drizzle-kit generate` for `@auth/drizzle-adapter`'s default `pgTable`s (without the
/// `authenticator` table, which v4 does not use; the foreign keys unqualified by schema).
const DRIZZLE_POSTGRES: &str = r#"CREATE TABLE "account" (
	"userId" text NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"providerAccountId" text NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"expires_at" integer,
	"token_type" text,
	"scope" text,
	"id_token" text,
	"session_state" text,
	CONSTRAINT "account_provider_providerAccountId_pk" PRIMARY KEY("provider","providerAccountId")
);
--> statement-breakpoint
CREATE TABLE "session" (
	"sessionToken" text PRIMARY KEY NOT NULL,
	"userId" text NOT NULL,
	"expires" timestamp NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"email" text,
	"emailVerified" timestamp,
	"image" text,
	CONSTRAINT "user_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "verificationToken" (
	"identifier" text NOT NULL,
	"token" text NOT NULL,
	"expires" timestamp NOT NULL,
	CONSTRAINT "verificationToken_identifier_token_pk" PRIMARY KEY("identifier","token")
);
--> statement-breakpoint
ALTER TABLE "account" ADD CONSTRAINT "account_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "session" ADD CONSTRAINT "session_userId_user_id_fk" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE cascade ON UPDATE no action;
"#;

/// `drizzle-kit generate` for the default `sqliteTable`s (without `authenticator`).
const DRIZZLE_SQLITE: &str = r#"CREATE TABLE `account` (
	`userId` text NOT NULL,
	`type` text NOT NULL,
	`provider` text NOT NULL,
	`providerAccountId` text NOT NULL,
	`refresh_token` text,
	`access_token` text,
	`expires_at` integer,
	`token_type` text,
	`scope` text,
	`id_token` text,
	`session_state` text,
	PRIMARY KEY(`provider`, `providerAccountId`),
	FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `session` (
	`sessionToken` text PRIMARY KEY NOT NULL,
	`userId` text NOT NULL,
	`expires` integer NOT NULL,
	FOREIGN KEY (`userId`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`email` text,
	`emailVerified` integer,
	`image` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_email_unique` ON `user` (`email`);
--> statement-breakpoint
CREATE TABLE `verificationToken` (
	`identifier` text NOT NULL,
	`token` text NOT NULL,
	`expires` integer NOT NULL,
	PRIMARY KEY(`identifier`, `token`)
);
"#;

/// Every statement of the adapter, built once per adapter from a [`Layout`] in a [`Dialect`]'s
/// syntax. Parameters are numbered in the order the adapter binds them.
///
/// Rows come back in a fixed column order, which the adapter decodes by position:
/// a user is `id, name, email, emailVerified, image`; [`Statements::session_and_user`] is
/// `sessionToken, expires` followed by a user; a verification token is
/// `identifier, token, expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statements {
    /// `createUser`: binds name, email, emailVerified, image (after the new id where the
    /// application makes ids); returns a user.
    pub create_user: Arc<str>,
    /// `getUser`: binds the id; a user.
    pub get_user: Arc<str>,
    /// `getUserByEmail`: binds the e-mail; a user.
    pub get_user_by_email: Arc<str>,
    /// `getUserByAccount`: binds provider, providerAccountId; a user, then the account's
    /// `provider` and `providerAccountId` (the adapter re-checks them exactly: see
    /// `SqlAdapter::get_user_by_account`).
    pub get_user_by_account: Arc<str>,
    /// The account of a user at a provider: binds userId, provider; returns `type`, `provider`,
    /// `providerAccountId`, `refresh_token`, `access_token`, `expires_at`, `token_type`,
    /// `scope`, `id_token`, `session_state` (the first row, should there be several).
    pub get_account: Arc<str>,
    /// The tokens of an account after a refresh: binds access_token, refresh_token, expires_at,
    /// token_type, scope, id_token, provider, providerAccountId.
    pub update_account_tokens: Arc<str>,
    /// `updateUser`: binds name, email, emailVerified, image, id; returns a user.
    pub update_user: Arc<str>,
    /// `linkAccount`: binds the eleven account columns in [`AccountColumns`] order (after a new
    /// id where the layout has an id column the application fills).
    pub link_account: Arc<str>,
    /// `createSession`: binds sessionToken, userId, expires (after a new id, as
    /// `link_account`).
    pub create_session: Arc<str>,
    /// `getSessionAndUser`, the hot path of database sessions: binds sessionToken; one join.
    pub session_and_user: Arc<str>,
    /// `updateSession`: binds expires, sessionToken.
    pub update_session_expiry: Arc<str>,
    /// `deleteSession`: binds sessionToken.
    pub delete_session: Arc<str>,
    /// Every session of a user (`nextauth sessions revoke`): binds userId.
    pub delete_user_sessions: Arc<str>,
    /// The claims kept with a user's sessions (`nextauth_session_claims`, ours): binds userId.
    pub delete_user_session_claims: Arc<str>,
    /// `createVerificationToken`: binds identifier, token, expires.
    pub create_verification_token: Arc<str>,
    /// `useVerificationToken`: binds identifier, token; deletes and returns the row in one
    /// statement, so that of concurrent uses exactly one gets it. Without `RETURNING`
    /// ([`Dialect::RETURNING`]): the plain `DELETE`, after [`Statements::lock_verification_token`]
    /// in the same transaction.
    pub use_verification_token: Arc<str>,
    /// The row of a magic link, locked for the transaction (`SELECT … FOR UPDATE`): binds
    /// identifier, token. Used where the database has no `DELETE … RETURNING`.
    pub lock_verification_token: Arc<str>,
}

impl Statements {
    /// The statements for `layout` in `D`'s syntax.
    pub fn new<D: Dialect>(layout: &Layout) -> Statements {
        let q = |name: &str| D::quote(name);
        let p = |n: usize| D::placeholder(n);
        // "$1, $2, …" or "?, ?, …".
        let params = |n: usize| (1..=n).map(p).collect::<Vec<_>>().join(", ");
        let list = |cols: &[&str]| cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ");
        let qualified = |alias: &str, cols: &[&str]| {
            cols.iter()
                .map(|c| format!("{alias}.{}", q(c)))
                .collect::<Vec<_>>()
                .join(", ")
        };

        let u = &layout.users;
        let a = &layout.accounts;
        let s = &layout.sessions;
        let v = &layout.verification_tokens;
        let user_cols = [u.id, u.name, u.email, u.email_verified, u.image];
        let user_fields = [u.name, u.email, u.email_verified, u.image];
        // Where the application makes ids, the inserts list the id column first.
        let made_here = layout.ids != Ids::Serial;
        let insert_user: &[&str] = if made_here { &user_cols } else { &user_fields };
        let users = q(u.table);
        let user_list = list(&user_cols);
        let account_cols = [
            a.user_id,
            a.kind,
            a.provider,
            a.provider_account_id,
            a.refresh_token,
            a.access_token,
            a.expires_at,
            a.token_type,
            a.scope,
            a.id_token,
            a.session_state,
        ];
        let insert_account: Vec<&str> =
            a.id.filter(|_| made_here)
                .into_iter()
                .chain(account_cols)
                .collect();
        let session_cols = [s.session_token, s.user_id, s.expires];
        let insert_session: Vec<&str> =
            s.id.filter(|_| made_here)
                .into_iter()
                .chain(session_cols)
                .collect();
        let token_cols = [v.identifier, v.token, v.expires];
        let tokens = q(v.table);

        // Where the database has no RETURNING, the adapter reads the row back itself.
        let returning = |cols: &str| {
            if D::RETURNING {
                format!(" RETURNING {cols}")
            } else {
                String::new()
            }
        };
        let token_list = list(&token_cols);

        Statements {
            create_user: Arc::from(format!(
                "INSERT INTO {users} ({}) VALUES ({}){}",
                list(insert_user),
                params(insert_user.len()),
                returning(&user_list),
            )),
            get_user: Arc::from(format!(
                "SELECT {user_list} FROM {users} WHERE {} = {}",
                q(u.id),
                p(1)
            )),
            get_user_by_email: Arc::from(format!(
                "SELECT {user_list} FROM {users} WHERE {} = {}",
                q(u.email),
                p(1)
            )),
            get_user_by_account: Arc::from(format!(
                "SELECT {}, {} FROM {} a JOIN {users} u ON u.{} = a.{} WHERE a.{} = {} AND a.{} = {}",
                qualified("u", &user_cols),
                qualified("a", &[a.provider, a.provider_account_id]),
                q(a.table),
                q(u.id),
                q(a.user_id),
                q(a.provider),
                p(1),
                q(a.provider_account_id),
                p(2),
            )),
            get_account: Arc::from(format!(
                "SELECT {} FROM {} WHERE {} = {} AND {} = {} LIMIT 1",
                list(&account_cols[1..]),
                q(a.table),
                q(a.user_id),
                p(1),
                q(a.provider),
                p(2),
            )),
            update_account_tokens: Arc::from(format!(
                "UPDATE {} SET {} = {}, {} = {}, {} = {}, {} = {}, {} = {}, {} = {} WHERE {} = {} AND {} = {}",
                q(a.table),
                q(a.access_token),
                p(1),
                q(a.refresh_token),
                p(2),
                q(a.expires_at),
                p(3),
                q(a.token_type),
                p(4),
                q(a.scope),
                p(5),
                q(a.id_token),
                p(6),
                q(a.provider),
                p(7),
                q(a.provider_account_id),
                p(8),
            )),
            update_user: Arc::from(format!(
                "UPDATE {users} SET {} WHERE {} = {}{}",
                user_fields
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} = {}", q(c), p(i + 1)))
                    .collect::<Vec<_>>()
                    .join(", "),
                q(u.id),
                p(user_fields.len() + 1),
                returning(&user_list),
            )),
            link_account: Arc::from(format!(
                "INSERT INTO {} ({}) VALUES ({})",
                q(a.table),
                list(&insert_account),
                params(insert_account.len()),
            )),
            create_session: Arc::from(format!(
                "INSERT INTO {} ({}) VALUES ({})",
                q(s.table),
                list(&insert_session),
                params(insert_session.len()),
            )),
            session_and_user: Arc::from(format!(
                "SELECT {}, {} FROM {} s JOIN {users} u ON u.{} = s.{} WHERE s.{} = {}",
                qualified("s", &[s.session_token, s.expires]),
                qualified("u", &user_cols),
                q(s.table),
                q(u.id),
                q(s.user_id),
                q(s.session_token),
                p(1),
            )),
            update_session_expiry: Arc::from(format!(
                "UPDATE {} SET {} = {} WHERE {} = {}",
                q(s.table),
                q(s.expires),
                p(1),
                q(s.session_token),
                p(2),
            )),
            delete_session: Arc::from(format!(
                "DELETE FROM {} WHERE {} = {}",
                q(s.table),
                q(s.session_token),
                p(1)
            )),
            delete_user_sessions: Arc::from(format!(
                "DELETE FROM {} WHERE {} = {}",
                q(s.table),
                q(s.user_id),
                p(1)
            )),
            delete_user_session_claims: Arc::from(format!(
                "DELETE FROM nextauth_session_claims WHERE session_token IN \
                 (SELECT {} FROM {} WHERE {} = {})",
                q(s.session_token),
                q(s.table),
                q(s.user_id),
                p(1)
            )),
            create_verification_token: Arc::from(format!(
                "INSERT INTO {tokens} ({}) VALUES ({})",
                list(&token_cols),
                params(token_cols.len()),
            )),
            use_verification_token: Arc::from(format!(
                "DELETE FROM {tokens} WHERE {} = {} AND {} = {}{}",
                q(v.identifier),
                p(1),
                q(v.token),
                p(2),
                returning(&token_list),
            )),
            lock_verification_token: Arc::from(format!(
                "SELECT {token_list} FROM {tokens} WHERE {} = {} AND {} = {} FOR UPDATE",
                q(v.identifier),
                p(1),
                q(v.token),
                p(2),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PostgresDialect, SqliteDialect};

    /// Every statement's text for the pg-adapter layout on PostgreSQL, as the database gets it.
    #[test]
    fn postgres_statements() {
        let s = Statements::new::<PostgresDialect>(&Layout::PG_ADAPTER);
        let user = r#""id", "name", "email", "emailVerified", "image""#;
        let want = [
            format!(
                r#"INSERT INTO "users" ("name", "email", "emailVerified", "image") VALUES ($1, $2, $3, $4) RETURNING {user}"#
            ),
            format!(r#"SELECT {user} FROM "users" WHERE "id" = $1"#),
            format!(r#"SELECT {user} FROM "users" WHERE "email" = $1"#),
            r#"SELECT u."id", u."name", u."email", u."emailVerified", u."image", a."provider", a."providerAccountId" FROM "accounts" a JOIN "users" u ON u."id" = a."userId" WHERE a."provider" = $1 AND a."providerAccountId" = $2"#.to_string(),
            r#"SELECT "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state" FROM "accounts" WHERE "userId" = $1 AND "provider" = $2 LIMIT 1"#.to_string(),
            r#"UPDATE "accounts" SET "access_token" = $1, "refresh_token" = $2, "expires_at" = $3, "token_type" = $4, "scope" = $5, "id_token" = $6 WHERE "provider" = $7 AND "providerAccountId" = $8"#.to_string(),
            format!(
                r#"UPDATE "users" SET "name" = $1, "email" = $2, "emailVerified" = $3, "image" = $4 WHERE "id" = $5 RETURNING {user}"#
            ),
            r#"INSERT INTO "accounts" ("userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#.to_string(),
            r#"INSERT INTO "sessions" ("sessionToken", "userId", "expires") VALUES ($1, $2, $3)"#.to_string(),
            r#"SELECT s."sessionToken", s."expires", u."id", u."name", u."email", u."emailVerified", u."image" FROM "sessions" s JOIN "users" u ON u."id" = s."userId" WHERE s."sessionToken" = $1"#.to_string(),
            r#"UPDATE "sessions" SET "expires" = $1 WHERE "sessionToken" = $2"#.to_string(),
            r#"DELETE FROM "sessions" WHERE "sessionToken" = $1"#.to_string(),
            r#"DELETE FROM "sessions" WHERE "userId" = $1"#.to_string(),
            r#"DELETE FROM nextauth_session_claims WHERE session_token IN (SELECT "sessionToken" FROM "sessions" WHERE "userId" = $1)"#.to_string(),
            r#"INSERT INTO "verification_token" ("identifier", "token", "expires") VALUES ($1, $2, $3)"#.to_string(),
            r#"DELETE FROM "verification_token" WHERE "identifier" = $1 AND "token" = $2 RETURNING "identifier", "token", "expires""#.to_string(),
        ];
        assert_eq!(all(&s), want);
    }

    /// SQLite's statements are PostgreSQL's with `?` for every `$n` (which SQLite binds in
    /// order of appearance: each statement numbers its parameters in that order).
    #[test]
    fn sqlite_statements_differ_only_in_placeholders() {
        let pg = all(&Statements::new::<PostgresDialect>(&Layout::PG_ADAPTER));
        let sqlite = all(&Statements::new::<SqliteDialect>(&Layout::PG_ADAPTER));
        assert_eq!(pg.len(), sqlite.len());
        for (pg, sqlite) in pg.iter().zip(&sqlite) {
            // The PostgreSQL form numbers its parameters 1, 2, 3, … in order of appearance.
            let numbers: Vec<usize> = pg
                .split('$')
                .skip(1)
                .map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().unwrap_or(0)
                })
                .collect();
            assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>(), "{pg}");
            let mut expected = pg.clone();
            // Highest first, so that replacing $1 does not eat the start of $10.
            for n in (1..=numbers.len()).rev() {
                expected = expected.replace(&format!("${n}"), "?");
            }
            assert_eq!(sqlite, &expected);
        }
    }

    #[test]
    fn identifiers_are_quoted_and_escaped() {
        assert_eq!(SqliteDialect::quote("emailVerified"), r#""emailVerified""#);
        assert_eq!(PostgresDialect::quote(r#"a"b"#), r#""a""b""#);
    }

    fn all(s: &Statements) -> Vec<String> {
        [
            &s.create_user,
            &s.get_user,
            &s.get_user_by_email,
            &s.get_user_by_account,
            &s.get_account,
            &s.update_account_tokens,
            &s.update_user,
            &s.link_account,
            &s.create_session,
            &s.session_and_user,
            &s.update_session_expiry,
            &s.delete_session,
            &s.delete_user_sessions,
            &s.delete_user_session_claims,
            &s.create_verification_token,
            &s.use_verification_token,
        ]
        .iter()
        .map(|sql| sql.to_string())
        .collect()
    }
}
