//! Kiosk devices: a touch screen registered to a counter with a secret token.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Result, SUBTREE_CTE, Store, StoreError, with_pool};
use crate::domain::time::{Millis, now_ms};

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct KioskDevice {
    pub id: i64,
    pub counter_id: i64,
    pub name: String,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
    pub last_seen_at: Option<Millis>,
    pub counter_name: String,
    pub center_name: String,
    pub unit_id: i64,
}

/// Device tokens are long random strings, so a plain SHA-256 (not a slow password hash) is
/// enough to keep a stolen database from yielding usable tokens.
pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random secret, URL-safe.
pub fn new_secret(prefix: &str) -> String {
    use base64::Engine;
    let bytes: [u8; 24] = rand::random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

const SELECT: &str = "SELECT d.id, d.counter_id, d.name, d.created_at, d.revoked_at, d.last_seen_at,
    k.name AS counter_name, c.name AS center_name, c.unit_id
    FROM kiosk_devices d JOIN counters k ON k.id = d.counter_id JOIN service_centers c ON c.id = k.service_center_id";

impl Store {
    /// Registers a device at a counter and returns it with its token, which is shown once and
    /// never stored in clear.
    pub async fn kiosk_register(&self, counter_id: i64, name: &str) -> Result<(i64, String)> {
        self.counter(counter_id).await?;
        let name = if name.trim().is_empty() {
            "Màn hình đánh giá"
        } else {
            name.trim()
        };
        let token = new_secret("hlk_");
        let id: i64 = with_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO kiosk_devices (counter_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(counter_id).bind(name).bind(token_hash(&token)).bind(now_ms()).fetch_one(p).await)?;
        Ok((id, token))
    }

    pub async fn kiosk_revoke(&self, id: i64) -> Result<()> {
        let n = with_pool!(self, p => sqlx::query("UPDATE kiosk_devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có thiết bị đang hoạt động số {id}"),
                format!("No active device {id}"),
            ));
        }
        Ok(())
    }

    pub async fn kiosk(&self, id: i64) -> Result<KioskDevice> {
        let sql = format!("{SELECT} WHERE d.id = $1");
        let d: Option<KioskDevice> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        d.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có thiết bị số {id}"),
                format!("No device {id}"),
            )
        })
    }

    /// The active device holding this token.
    pub async fn kiosk_by_token(&self, token: &str) -> Result<Option<KioskDevice>> {
        let sql = format!("{SELECT} WHERE d.token_hash = $1 AND d.revoked_at IS NULL");
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(token_hash(token)).fetch_optional(p).await)?,
        )
    }

    pub async fn kiosks_in_subtree(&self, root: i64) -> Result<Vec<KioskDevice>> {
        let sql = format!(
            "{SUBTREE_CTE} {SELECT} WHERE c.unit_id IN (SELECT id FROM subtree) ORDER BY d.revoked_at IS NOT NULL, c.name, k.code, d.id"
        );
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(root).fetch_all(p).await)?)
    }

    pub async fn kiosk_seen(&self, id: i64) -> Result<()> {
        with_pool!(self, p => sqlx::query("UPDATE kiosk_devices SET last_seen_at = $2 WHERE id = $1")
            .bind(id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
