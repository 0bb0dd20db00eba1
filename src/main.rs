use clap::Parser;
use tracing_subscriber::EnvFilter;

// Bulk imports allocate rows on one thread and free them on another; glibc's allocator spent a
// quarter of the writer's time on that, mimalloc a fraction of it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("HAILONG_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    hailong::cli::run(hailong::cli::Cli::parse()).await
}
