//! `hailong rebuild`: recomputes the report aggregates from raw ratings and dossiers. They are
//! kept up to date as data arrives; this is for after a restore from backup, a manual SQL fix,
//! or to check them.

pub async fn run(database_url: &str) -> anyhow::Result<()> {
    super::with_store(database_url, run_on).await
}

async fn run_on(store: crate::store::Store) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let before = store.aggregates_dump().await?;
    store.aggregates_rebuild().await?;
    let after = store.aggregates_dump().await?;
    let changed = {
        let a: std::collections::HashSet<&String> = before.iter().collect();
        let b: std::collections::HashSet<&String> = after.iter().collect();
        a.symmetric_difference(&b).count()
    };
    println!(
        "Đã tính lại số liệu tổng hợp: {} dòng, {} dòng khác trước ({:.1} s) / aggregates rebuilt: {} rows, {} differed ({:.1} s)",
        after.len(),
        changed,
        started.elapsed().as_secs_f64(),
        after.len(),
        changed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
