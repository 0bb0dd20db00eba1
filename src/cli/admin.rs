//! `hailong admin`: staff accounts from the command line (the first administrator above all).

use std::io::Read;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::domain::password;
use crate::domain::role::Role;
use crate::store::users::UserInput;

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a staff account. The password is read from standard input with
    /// --password-stdin; otherwise a strong one is generated and printed once.
    Create {
        #[arg(long)]
        username: String,
        /// Name shown in the interface (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// admin, leader, official or inspector.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Unit code of the subtree (leader, inspector).
        #[arg(long)]
        unit: Option<String>,
        /// Staff code of the official (role official).
        #[arg(long)]
        official: Option<String>,
        /// Where alerts are e-mailed (leaders).
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input) and end the account's sessions.
    SetPassword {
        #[arg(long)]
        username: String,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading the password from standard input")?;
    let p = s.trim_end_matches(['\n', '\r']).to_string();
    password::check_strength(&p).map_err(|m| anyhow::anyhow!("{} / {}", m.vi, m.en))?;
    Ok(p)
}

pub async fn run(database_url: &str, cmd: AdminCommand) -> anyhow::Result<()> {
    super::with_store(database_url, |store| run_on(store, cmd)).await
}

async fn run_on(store: crate::store::Store, cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::Create {
            username,
            display_name,
            role,
            unit,
            official,
            email,
            password_stdin,
        } => {
            // Checked before anything is stored, so a typo leaves no half-made account.
            if let Some(e) = &email {
                crate::store::users::check_email(e).map_err(|e| match e {
                    crate::store::StoreError::Invalid(m) => anyhow::anyhow!("{} / {}", m.vi, m.en),
                    other => anyhow::anyhow!("{other}"),
                })?;
            }
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role '{role}' (admin, leader, official, inspector)")
            })?;
            let unit_id = match unit {
                Some(code) => Some(
                    store
                        .unit_by_code(&code)
                        .await?
                        .with_context(|| format!("no unit with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let official_id = match official {
                Some(code) => Some(
                    store
                        .official_by_code(&code)
                        .await?
                        .with_context(|| format!("no official with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let (pw, generated) = if password_stdin {
                (read_password()?, false)
            } else {
                (crate::store::kiosks::new_secret(""), true)
            };
            let to_hash = pw.clone();
            let hash = tokio::task::spawn_blocking(move || password::hash(&to_hash)).await?;
            let input = UserInput {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                unit_id,
                official_id,
            };
            let id = store
                .user_create(&input, &hash)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(e) = &email {
                store
                    .user_set_email(id, e)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            store
                .audit(None, "user.create.cli", &input.username)
                .await?;
            println!(
                "Đã tạo tài khoản / account created: {} (#{id}, {})",
                input.username,
                role.as_str()
            );
            if generated {
                // Printed once to the operator's terminal, never logged.
                println!("Mật khẩu / password: {pw}");
                println!(
                    "(Hãy đổi mật khẩu sau lần đăng nhập đầu / change it after the first sign-in)"
                );
            }
            Ok(())
        }
        AdminCommand::SetPassword { username } => {
            let user = store.user_by_username(&username).await?;
            let Some(user) = user else {
                bail!("no account '{username}'")
            };
            let pw = read_password()?;
            let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await?;
            store.user_set_password(user.id, &hash).await?;
            println!("Đã đổi mật khẩu / password changed: {username}");
            Ok(())
        }
    }
}
