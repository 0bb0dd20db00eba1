//! `hailong export raw --out DIR`: the raw rows as CSV files (units, officials, ratings,
//! rating_answers, dossiers; instants as epoch milliseconds), for analysis with other tools —
//! the DuckDB comparison in `bench/` reads them. No citizen's personal data is written.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::store::export::{TABLES, Value};

#[derive(Subcommand, Debug)]
pub enum ExportWhat {
    /// Every raw table as DIR/<table>.csv.
    Raw {
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(database_url: &str, what: ExportWhat) -> anyhow::Result<()> {
    super::with_store(database_url, |store| run_on(store, what)).await
}

async fn run_on(store: crate::store::Store, what: ExportWhat) -> anyhow::Result<()> {
    let ExportWhat::Raw { out } = what;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for t in &TABLES {
        let table = t.name;
        let started = std::time::Instant::now();
        let path = out.join(format!("{table}.csv"));
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
        let mut header_done = false;
        let n = store
            .export_table(table, |row| {
                if !header_done {
                    header_done = true;
                    let cols = t.header();
                    w.write_record(cols).map_err(std::io::Error::other)?;
                }
                w.write_record(row.iter().map(|v| match v {
                    Value::Int(Some(i)) => i.to_string(),
                    Value::Int(None) => String::new(),
                    Value::Text(s) => s.clone(),
                }))
                .map_err(std::io::Error::other)
            })
            .await?;
        if !header_done {
            w.write_record(t.header())?;
        }
        w.into_inner()
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .flush()?;
        println!(
            "{table}: {n} dòng / rows → {} ({:.1} s)",
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
