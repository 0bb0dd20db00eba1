//! The `hailong` command line: one module per subcommand.

use clap::{Parser, Subcommand};

pub mod admin;
pub mod alerts;
pub mod bulk;
pub mod demo;
pub mod demo_generate;
pub mod demo_procedures;
pub mod export;
pub mod import;
pub mod rebuild;
pub mod serve;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://hailong.db";

#[derive(Parser, Debug)]
#[command(
    name = "hailong",
    version,
    about = "Hài Lòng: đánh giá sự hài lòng của người dân tại Bộ phận Một cửa"
)]
pub struct Cli {
    /// Database: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "HAILONG_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web service (migrates the database first).
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Load units, officials, counters, procedures, past dossiers or past ratings from a CSV file (all or nothing).
    Import {
        #[command(subcommand)]
        what: import::ImportWhat,
    },
    /// Write raw rows as CSV for analysis with other tools.
    Export {
        #[command(subcommand)]
        what: export::ExportWhat,
    },
    /// Recompute the report aggregates from raw ratings and dossiers.
    Rebuild,
    /// Alerts to leaders: check targets against actuals once.
    Alerts {
        #[command(subcommand)]
        command: alerts::AlertsCommand,
    },
    /// Demo data.
    Demo {
        #[command(subcommand)]
        command: demo::DemoCommand,
    },
}

/// Connects and migrates: every subcommand works on an up-to-date schema.
pub async fn open_store(url: &str) -> anyhow::Result<crate::store::Store> {
    let store = crate::store::Store::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", redact(url)))?;
    store.migrate().await?;
    Ok(store)
}

/// Opens the store, runs `command` on it and closes it, whether the command succeeded or not:
/// a SQLite database is then left whole in its one file (the WAL checkpointed and removed), so
/// that a copy of the file taken afterwards has every change, and the next command finds no
/// connection of this one in its way.
pub async fn with_store<T, F>(
    url: &str,
    command: impl FnOnce(crate::store::Store) -> F,
) -> anyhow::Result<T>
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let store = open_store(url).await?;
    let outcome = command(store.clone()).await;
    store.close().await;
    outcome
}

/// A database URL with its password hidden, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.database_url, args).await,
        Command::Migrate => {
            open_store(&cli.database_url).await?.close().await;
            println!(
                "Đã cập nhật cơ sở dữ liệu / database migrated: {}",
                redact(&cli.database_url)
            );
            Ok(())
        }
        Command::Admin { command } => admin::run(&cli.database_url, command).await,
        Command::Import { what } => import::run(&cli.database_url, what).await,
        Command::Demo { command } => demo::run(&cli.database_url, command).await,
        Command::Rebuild => rebuild::run(&cli.database_url).await,
        Command::Export { what } => export::run(&cli.database_url, what).await,
        Command::Alerts { command } => alerts::run(&cli.database_url, command).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://hl:secret@db/hl"),
            "postgres://hl:***@db/hl"
        );
        assert_eq!(super::redact("sqlite://hailong.db"), "sqlite://hailong.db");
    }
}
