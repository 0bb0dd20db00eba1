//! `hailong serve`: the web service.

use std::net::SocketAddr;

use clap::Args;

use crate::web::{Application, Settings, shutdown_signal};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "HAILONG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load demo data (one province, its communes, officials and 12 months of ratings) when the
    /// database is empty.
    #[arg(long, env = "HAILONG_DEMO")]
    pub demo: bool,
    /// Always mark cookies Secure (set this when served over HTTPS; requests forwarded with
    /// X-Forwarded-Proto: https get Secure cookies anyway).
    #[arg(long, env = "HAILONG_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Seconds a kiosk must wait between two ratings.
    #[arg(long, env = "HAILONG_KIOSK_REPEAT_SECONDS", default_value_t = 30)]
    pub kiosk_repeat_seconds: i64,
    /// Seconds of inactivity before the kiosk returns to its start screen.
    #[arg(long, env = "HAILONG_KIOSK_IDLE_SECONDS", default_value_t = 20)]
    pub kiosk_idle_seconds: i64,
    /// Password attempts allowed per minute, per address and per username.
    #[arg(long, env = "HAILONG_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    pub login_attempts_per_minute: u32,
    /// Minimum ballots for a row to be judged (below it: greyed, never ranked).
    #[arg(long, env = "HAILONG_MIN_N", default_value_t = 30)]
    pub min_n: u64,
    /// Hours a staff session lasts.
    #[arg(long, env = "HAILONG_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,
    /// The address citizens reach the service at (printed as a QR code on dossier receipts),
    /// e.g. https://motcua.vanhung.gov.vn; default: http:// and the listen address.
    #[arg(long, env = "HAILONG_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds between two checks of targets against actuals (alerts to leaders); 0: none.
    #[arg(long, env = "HAILONG_ALERT_CHECK_SECONDS", default_value_t = 3600)]
    pub alert_check_seconds: u64,
    #[command(flatten)]
    pub mail: super::alerts::MailArgs,
}

pub async fn run(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    super::with_store(database_url, |store| serve(store, database_url, args)).await
}

async fn serve(
    store: crate::store::Store,
    database_url: &str,
    args: ServeArgs,
) -> anyhow::Result<()> {
    let mut demo = false;
    if args.demo {
        if store.is_empty().await? {
            tracing::info!("loading demo data");
            let sum = super::demo::load(&store).await?;
            tracing::info!(?sum, "demo data loaded");
        }
        demo = store.setting("demo").await?.is_some();
    }
    let settings = Settings {
        listen: args.listen,
        secure_cookies: args.secure_cookies,
        kiosk_repeat_seconds: args.kiosk_repeat_seconds.max(0),
        kiosk_idle_seconds: args.kiosk_idle_seconds.max(5),
        login_attempts_per_minute: args.login_attempts_per_minute,
        min_n: args.min_n,
        session_hours: args.session_hours.max(1),
        demo,
        public_url: args
            .public_url
            .unwrap_or_else(|| format!("http://{}", args.listen)),
        smtp_url: args.mail.smtp_url,
        smtp_from: args.mail.smtp_from,
        alert_check_seconds: args.alert_check_seconds,
    };
    let app = Application::build(store.clone(), settings).await?;
    tracing::info!(addr = %app.local_addr(), database = %super::redact(database_url), backend = store.backend(), "Hài Lòng is serving");
    println!("Hài Lòng: http://{}", app.local_addr());
    app.run_until(shutdown_signal()).await?;
    Ok(())
}
