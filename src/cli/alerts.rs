//! `hailong alerts check`: judges every unit under a target once, as the service does hourly,
//! and raises and e-mails the alerts not raised before.

use std::sync::Arc;

use clap::{Args, Subcommand};

use crate::alerts::Alerter;
use crate::notify::Notifier;

/// Where alert e-mails go. Shared by `serve` and `alerts check`.
#[derive(Args, Debug, Clone, Default)]
pub struct MailArgs {
    /// SMTP server for alert e-mails, e.g. smtps://user:password@mail.example.vn:465
    /// (smtp://…?tls=required for STARTTLS). Without it e-mails are written to the log.
    #[arg(long, env = "HAILONG_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of alert e-mails, e.g. "Hài Lòng <canhbao@khanhhoa.gov.vn>".
    #[arg(long, env = "HAILONG_SMTP_FROM")]
    pub smtp_from: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AlertsCommand {
    /// Check targets for last month and this month so far; raise each missed one once.
    Check {
        /// Minimum n behind a figure for a miss to raise an alert.
        #[arg(long, env = "HAILONG_MIN_N", default_value_t = 30)]
        min_n: u64,
        /// The service's address, for links in e-mails.
        #[arg(
            long,
            env = "HAILONG_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        #[command(flatten)]
        mail: MailArgs,
    },
}

pub async fn run(database_url: &str, cmd: AlertsCommand) -> anyhow::Result<()> {
    super::with_store(database_url, |store| run_on(store, cmd)).await
}

async fn run_on(store: crate::store::Store, cmd: AlertsCommand) -> anyhow::Result<()> {
    let AlertsCommand::Check {
        min_n,
        public_url,
        mail,
    } = cmd;
    let notifier = Notifier::from_config(mail.smtp_url.as_deref(), mail.smtp_from.as_deref())?;
    tracing::info!(mail = %notifier.describe(), "alert e-mails");
    let alerter = Alerter::new(store.clone(), Arc::new(notifier), min_n.max(1), &public_url);
    let sum = alerter.check_and_send().await?;
    println!(
        "Đã kiểm tra {} đơn vị: {} chỉ tiêu chưa đạt, {} cảnh báo mới / checked {} units: {} missed, {} new alerts",
        sum.units, sum.missed, sum.raised, sum.units, sum.missed, sum.raised
    );
    Ok(())
}
