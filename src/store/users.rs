//! Staff accounts and their login sessions.

use serde::Serialize;

use super::kiosks::token_hash;
use super::{Result, Store, StoreError, unique_as, with_pool};
use crate::domain::role::Role;
use crate::domain::time::{Millis, now_ms};

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    /// The subtree a leader or inspector works on.
    pub unit_id: Option<i64>,
    /// The official this account belongs to (role official).
    pub official_id: Option<i64>,
    pub disabled: bool,
    /// Where alerts are e-mailed; none: alerts stay in the application only.
    pub email: Option<String>,
}

impl User {
    pub fn role(&self) -> Role {
        // An unknown role can only come from a hand-edited database: give it the least power.
        Role::parse(&self.role).unwrap_or(Role::Official)
    }
}

#[derive(Debug, Clone)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub official_id: Option<i64>,
}

/// A signed-in session with its user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: Millis,
}

const USER_COLS: &str =
    "id, username, display_name, password_hash, role, unit_id, official_id, disabled, email";

fn check(input: &UserInput) -> Result<()> {
    let u = input.username.trim();
    if u.len() < 3
        || u.len() > 64
        || !u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(StoreError::invalid(
            "Tên đăng nhập gồm 3–64 ký tự: chữ không dấu, số, dấu . _ - @",
            "A username has 3–64 characters: ASCII letters, digits, . _ - @",
        ));
    }
    if input.role.needs_unit() && input.unit_id.is_none() {
        return Err(StoreError::invalid(
            "Vai trò này cần chọn đơn vị",
            "This role needs a unit",
        ));
    }
    if input.role == Role::Official && input.official_id.is_none() {
        return Err(StoreError::invalid(
            "Tài khoản cán bộ cần gắn với một cán bộ",
            "An official's account needs an official",
        ));
    }
    Ok(())
}

/// An e-mail address as typed: trimmed, empty for none. Only its shape is checked here; the
/// mail server has the last word.
pub fn check_email(s: &str) -> Result<Option<String>> {
    let e = s.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let ok = e.len() <= 254
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c))
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.contains('@')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok {
        Ok(Some(e.to_string()))
    } else {
        Err(StoreError::invalid(
            format!("Địa chỉ thư điện tử '{e}' không hợp lệ"),
            format!("'{e}' is not a valid e-mail address"),
        ))
    }
}

impl Store {
    /// Sets or clears (empty) the address alerts are e-mailed to.
    pub async fn user_set_email(&self, id: i64, email: &str) -> Result<()> {
        let email = check_email(email)?;
        let n = with_pool!(self, p => sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
            .bind(id).bind(email).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("Không có tài khoản số {id}"),
                format!("No account {id}"),
            ));
        }
        Ok(())
    }

    pub async fn user_create(&self, input: &UserInput, password_hash: &str) -> Result<i64> {
        check(input)?;
        let name = input.username.trim().to_lowercase();
        with_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, unit_id, official_id, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) RETURNING id")
            .bind(&name).bind(input.display_name.trim()).bind(password_hash).bind(input.role.as_str())
            .bind(input.unit_id).bind(input.official_id).bind(now_ms()).fetch_one(p).await)
        .map_err(|e| unique_as(e, format!("Tên đăng nhập {name} đã có"), format!("Username {name} is taken")))
    }

    pub async fn user_update(&self, id: i64, input: &UserInput, disabled: bool) -> Result<()> {
        check(input)?;
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE users SET display_name = $2, role = $3, unit_id = $4, official_id = $5, disabled = $6 WHERE id = $1")
                .bind(id).bind(input.display_name.trim()).bind(input.role.as_str()).bind(input.unit_id)
                .bind(input.official_id).bind(disabled).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::not_found(format!("Không có tài khoản số {id}"), format!("No account {id}")));
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Replaces a password and ends the user's other sessions.
    pub async fn user_set_password(&self, id: i64, password_hash: &str) -> Result<()> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(id).bind(password_hash).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let u: Option<User> =
            with_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?;
        u.ok_or_else(|| {
            StoreError::not_found(
                format!("Không có tài khoản số {id}"),
                format!("No account {id}"),
            )
        })
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(&sql).bind(username.trim().to_lowercase()).fetch_optional(p).await)?,
        )
    }

    pub async fn user_by_official(&self, official_id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE official_id = $1 LIMIT 1");
        Ok(with_pool!(self, p => sqlx::query_as(&sql).bind(official_id).fetch_optional(p).await)?)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY role, username");
        Ok(with_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// Opens a session; the caller keeps `token` (in a cookie or as a bearer token).
    pub async fn session_create(
        &self,
        user_id: i64,
        token: &str,
        csrf: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash(token)).bind(user_id).bind(csrf).bind(now).bind(now + ttl_ms).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The live session for a token, if any (expired sessions and disabled users have none).
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let sql =
            format!(
            "SELECT s.csrf_token, s.expires_at, {} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
            USER_COLS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            csrf_token: String,
            expires_at: Millis,
            #[sqlx(flatten)]
            user: User,
        }
        let r: Option<Row> = with_pool!(self, p => sqlx::query_as(&sql).bind(token_hash(token)).bind(now_ms()).fetch_optional(p).await)?;
        Ok(r.map(|r| Session {
            user: r.user,
            csrf_token: r.csrf_token,
            expires_at: r.expires_at,
        }))
    }

    pub async fn session_delete(&self, token: &str) -> Result<()> {
        with_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_email;

    #[test]
    fn email_addresses_are_checked_for_shape() {
        assert_eq!(
            check_email("  lanhdao@vanhung.gov.vn ").unwrap().as_deref(),
            Some("lanhdao@vanhung.gov.vn")
        );
        assert_eq!(check_email("").unwrap(), None);
        for bad in [
            "lanhdao",
            "a@b",
            "a b@c.vn",
            "a@b@c.vn",
            "<a@b.vn>",
            "a@.vn",
            "a@b.vn,c@d.vn",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
