//! Staff accounts (tài khoản), administrators only: list, create, edit role and scope, disable,
//! reset a password.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::{checked, fixable};
use super::{Ctx, Page, html};
use crate::domain::Msg;
use crate::domain::role::Role;
use crate::store::users::{User, UserInput, check_email};
use crate::web::AppState;
use crate::web::auth::{CurrentUser, require_admin};
use crate::web::error::WebError;

/// An account with the names of its unit and official.
struct UserView {
    u: User,
    unit: String,
    unit_code: String,
    official: String,
    official_code: String,
}

impl UserView {
    fn role_label(&self, vi: bool) -> &'static str {
        let r = self.u.role();
        if vi { r.label_vi() } else { r.as_str() }
    }
}

async fn view(state: &AppState, u: User) -> Result<UserView, WebError> {
    let (unit, unit_code) = match u.unit_id {
        Some(id) => {
            let x = state.store.unit(id).await?;
            (x.name, x.code)
        }
        None => Default::default(),
    };
    let (official, official_code) = match u.official_id {
        Some(id) => {
            let o = state.store.official(id).await?;
            (o.full_name, o.code)
        }
        None => Default::default(),
    };
    Ok(UserView {
        u,
        unit,
        unit_code,
        official,
        official_code,
    })
}

/// What the account editor shows.
struct Editor {
    username: String,
    display_name: String,
    role: String,
    unit_code: String,
    official_code: String,
    email: String,
    disabled: bool,
    error: Option<String>,
}

impl Editor {
    fn blank() -> Editor {
        Editor {
            username: String::new(),
            display_name: String::new(),
            role: "leader".into(),
            unit_code: String::new(),
            official_code: String::new(),
            email: String::new(),
            disabled: false,
            error: None,
        }
    }

    fn sent(f: &UserForm, error: String) -> Editor {
        Editor {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            role: f.role.clone(),
            unit_code: f.unit_code.clone(),
            official_code: f.official_code.clone(),
            email: f.email.clone(),
            disabled: checked(&f.disabled),
            error: Some(error),
        }
    }
}

struct RoleOption {
    value: &'static str,
    label_vi: &'static str,
}

fn role_options() -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label_vi: r.label_vi(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<UserView>,
    editor: Editor,
    roles: Vec<RoleOption>,
    min_password: usize,
}

async fn render_list(state: &AppState, ctx: &Ctx, editor: Editor) -> Result<Response, WebError> {
    require_admin(ctx.user()?)?;
    let mut users = Vec::new();
    for u in state.store.users().await? {
        users.push(view(state, u).await?);
    }
    let status = if editor.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut page = ctx.page("Tài khoản người dùng", "Accounts", "users");
    page.path = "/users".into();
    Ok((
        status,
        html(&UsersPage {
            page,
            users,
            editor,
            roles: role_options(),
            min_password: crate::domain::password::MIN_PASSWORD_CHARS,
        }),
    )
        .into_response())
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render_list(&state, &ctx, Editor::blank()).await
}

#[derive(Deserialize)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    /// The unit's statistics code (leaders and inspectors).
    #[serde(default)]
    unit_code: String,
    /// The official's staff code (role official).
    #[serde(default)]
    official_code: String,
    /// Where alerts are e-mailed; empty for none.
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    disabled: Option<String>,
}

fn invalid(vi: impl Into<String>, en: impl Into<String>) -> WebError {
    WebError::Unprocessable(Msg::new(vi, en))
}

impl UserForm {
    /// Resolves the codes the administrator typed into the account's scope.
    async fn input(&self, state: &AppState, username: String) -> Result<UserInput, WebError> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| invalid("Vai trò không hợp lệ", "Invalid role"))?;
        let unit_id = if role.needs_unit() {
            let code = self.unit_code.trim();
            if code.is_empty() {
                return Err(invalid(
                    "Vai trò này cần mã đơn vị",
                    "This role needs a unit code",
                ));
            }
            let unit = state.store.unit_by_code(code).await?.ok_or_else(|| {
                invalid(
                    format!("Không có đơn vị mã {code}"),
                    format!("No unit with code {code}"),
                )
            })?;
            Some(unit.id)
        } else {
            None
        };
        let official_id = if role == Role::Official {
            let code = self.official_code.trim();
            if code.is_empty() {
                return Err(invalid(
                    "Tài khoản cán bộ cần mã cán bộ",
                    "An official's account needs a staff code",
                ));
            }
            let o = state.store.official_by_code(code).await?.ok_or_else(|| {
                invalid(
                    format!("Không có cán bộ mã {code}"),
                    format!("No official with staff code {code}"),
                )
            })?;
            Some(o.id)
        } else {
            None
        };
        let display_name = if self.display_name.trim().is_empty() {
            username.clone()
        } else {
            self.display_name.trim().to_string()
        };
        Ok(UserInput {
            username,
            display_name,
            role,
            unit_id,
            official_id,
        })
    }
}

/// Argon2 is slow on purpose: hash off the async workers.
async fn hash_password(password: &str) -> Result<String, WebError> {
    crate::domain::password::check_strength(password).map_err(WebError::Unprocessable)?;
    let p = password.to_owned();
    tokio::task::spawn_blocking(move || crate::domain::password::hash(&p))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))
}

async fn do_create(state: &AppState, me: &CurrentUser, f: &UserForm) -> Result<i64, WebError> {
    let input = f.input(state, f.username.trim().to_string()).await?;
    check_email(&f.email)?;
    let hash = hash_password(&f.password).await?;
    let id = state.store.user_create(&input, &hash).await?;
    state.store.user_set_email(id, &f.email).await?;
    state
        .store
        .audit(
            Some(me.user.id),
            "user.create",
            &format!("{id} {}", input.role.as_str()),
        )
        .await?;
    Ok(id)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let me = ctx.user()?;
    require_admin(me)?;
    match do_create(&state, me, &f).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let mut ed = Editor::sent(&f, msg);
            ed.disabled = false;
            render_list(&state, &ctx, ed).await
        }
    }
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserEditPage {
    page: Page,
    v: UserView,
    editor: Editor,
    roles: Vec<RoleOption>,
    min_password: usize,
    password_error: Option<String>,
    notice: Option<String>,
    is_me: bool,
}

#[derive(Deserialize)]
struct EditQuery {
    saved: Option<String>,
}

async fn render_edit(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    editor: Option<Editor>,
    password_error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let me = ctx.user()?;
    require_admin(me)?;
    let v = view(state, state.store.user(id).await?).await?;
    let status = if editor.as_ref().is_some_and(|e| e.error.is_some()) || password_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let editor = editor.unwrap_or_else(|| Editor {
        username: v.u.username.clone(),
        display_name: v.u.display_name.clone(),
        role: v.u.role.clone(),
        unit_code: v.unit_code.clone(),
        official_code: v.official_code.clone(),
        email: v.u.email.clone().unwrap_or_default(),
        disabled: v.u.disabled,
        error: None,
    });
    let mut page = ctx.page("Sửa tài khoản", "Edit account", "users");
    page.path = format!("/users/{id}/edit");
    Ok((
        status,
        html(&UserEditPage {
            page,
            is_me: me.user.id == id,
            v,
            editor,
            roles: role_options(),
            min_password: crate::domain::password::MIN_PASSWORD_CHARS,
            password_error,
            notice,
        }),
    )
        .into_response())
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let notice = match q.saved.as_deref() {
        Some("password") => Some(
            if ctx.lang == crate::domain::msg::Lang::Vi {
                "Đã đặt lại mật khẩu; các phiên đăng nhập của tài khoản đã kết thúc."
            } else {
                "Password reset; the account's sessions were ended."
            }
            .to_string(),
        ),
        Some(_) => Some(
            if ctx.lang == crate::domain::msg::Lang::Vi {
                "Đã lưu."
            } else {
                "Saved."
            }
            .to_string(),
        ),
        None => None,
    };
    render_edit(&state, &ctx, id, None, None, notice).await
}

async fn do_update(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    f: &UserForm,
) -> Result<(), WebError> {
    let old = state.store.user(id).await?;
    let input = f.input(state, old.username.clone()).await?;
    // Checked before anything is saved, so a typo in the address leaves the account as it was.
    check_email(&f.email)?;
    let disabled = checked(&f.disabled);
    if me.user.id == id && (disabled || input.role != Role::Admin) {
        return Err(invalid(
            "Không thể tự khóa hoặc bỏ quyền quản trị của chính mình",
            "You cannot disable your own account or remove your own administrator role",
        ));
    }
    state.store.user_update(id, &input, disabled).await?;
    state.store.user_set_email(id, &f.email).await?;
    state
        .store
        .audit(
            Some(me.user.id),
            "user.update",
            &format!(
                "{id} {}{}",
                input.role.as_str(),
                if disabled { " disabled" } else { "" }
            ),
        )
        .await?;
    Ok(())
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let me = ctx.user()?;
    require_admin(me)?;
    match do_update(&state, me, id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/users/{id}/edit?saved=1")).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let mut ed = Editor::sent(&f, msg);
            ed.username = state.store.user(id).await?.username;
            render_edit(&state, &ctx, id, Some(ed), None, None).await
        }
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let me = ctx.user()?;
    require_admin(me)?;
    state.store.user(id).await?;
    match hash_password(&f.password).await {
        Ok(hash) => {
            state.store.user_set_password(id, &hash).await?;
            state
                .store
                .audit(Some(me.user.id), "user.password", &id.to_string())
                .await?;
            Ok(Redirect::to(&format!("/users/{id}/edit?saved=password")).into_response())
        }
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            render_edit(&state, &ctx, id, None, Some(msg), None).await
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}/edit", get(edit))
        .route("/users/{id}", post(update))
        .route("/users/{id}/password", post(reset_password))
}
