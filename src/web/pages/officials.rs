//! Officials (cán bộ, công chức): list a subtree's officials, create and edit them, upload a
//! photo for the counter kiosk. Also the small helpers the other management pages share.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Ctx, Page, html};
use crate::domain::msg::Lang;
use crate::domain::role::Role;
use crate::store::officials::{Official, OfficialInput};
use crate::store::units::Unit;
use crate::web::AppState;
use crate::web::auth::{Access, CurrentUser};
use crate::web::error::WebError;

/// A photo may be at most this large.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// The message of an error the user can correct in the form they sent (shown in the form with
/// 422); any other error (403, 404, 500) is passed on.
pub(crate) fn fixable(e: WebError, lang: Lang) -> Result<String, WebError> {
    match &e {
        WebError::Unprocessable(m) | WebError::Conflict(m) | WebError::BadRequest(m) => {
            Ok(m.get(lang).to_string())
        }
        _ => Err(e),
    }
}

/// An optional id from a form field ("" → None).
pub(crate) fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// A required id from a form field.
pub(crate) fn req_id(s: &str, vi: &str, en: &str) -> Result<i64, WebError> {
    opt_id(s).ok_or_else(|| WebError::bad(vi, en))
}

/// A checkbox: present (any value but "false"/"0"/"off") means checked.
pub(crate) fn checked(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| !matches!(v.trim(), "" | "false" | "0" | "off"))
}

/// Units the user may put things in, for a unit picker: a leader's own subtree, an
/// administrator's subtree around `around` (the unit they are looking at).
pub(crate) async fn writable_units(
    state: &AppState,
    u: &CurrentUser,
    around: i64,
) -> Result<Vec<Unit>, WebError> {
    let root = match (u.role(), u.user.unit_id) {
        (Role::Admin, _) => around,
        (Role::Leader, Some(own)) => own,
        _ => return Ok(Vec::new()),
    };
    Ok(state.store.units_in_subtree(root, "", 1000).await?)
}

#[derive(Template)]
#[template(path = "officials.html")]
struct OfficialsPage {
    page: Page,
    unit: Unit,
    q: String,
    officials: Vec<Official>,
    can_write: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    unit: Option<i64>,
    #[serde(default)]
    q: String,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let unit = state.unit_for(u, q.unit, Access::Read).await?;
    let can_write = state.check_unit(u, unit.id, Access::Write).await.is_ok();
    let officials = state.store.officials_in_subtree(unit.id, &q.q).await?;
    Ok(html(&OfficialsPage {
        page: ctx.page("Cán bộ, công chức", "Officials", "officials"),
        unit,
        q: q.q,
        officials,
        can_write,
    }))
}

#[derive(Template)]
#[template(path = "official_form.html")]
struct OfficialFormPage {
    page: Page,
    id: Option<i64>,
    units: Vec<Unit>,
    unit_id: i64,
    code: String,
    full_name: String,
    title: String,
    active: bool,
    has_photo: bool,
    error: Option<String>,
    max_photo_mb: usize,
}

impl OfficialFormPage {
    fn blank(page: Page, units: Vec<Unit>, unit_id: i64) -> Self {
        OfficialFormPage {
            page,
            id: None,
            units,
            unit_id,
            code: String::new(),
            full_name: String::new(),
            title: String::new(),
            active: true,
            has_photo: false,
            error: None,
            max_photo_mb: MAX_PHOTO_BYTES / (1024 * 1024),
        }
    }

    fn of(page: Page, units: Vec<Unit>, o: &Official) -> Self {
        OfficialFormPage {
            id: Some(o.id),
            code: o.code.clone(),
            full_name: o.full_name.clone(),
            title: o.title.clone(),
            active: o.active,
            has_photo: o.has_photo,
            ..Self::blank(page, units, o.unit_id)
        }
    }
}

#[derive(Deserialize)]
struct NewQuery {
    unit: Option<i64>,
}

async fn new_official(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, WebError> {
    let u = ctx.user()?;
    let unit = state.unit_for(u, q.unit, Access::Write).await?;
    let units = writable_units(&state, u, unit.id).await?;
    Ok(html(&OfficialFormPage::blank(
        ctx.page("Thêm cán bộ", "New official", "officials"),
        units,
        unit.id,
    )))
}

async fn edit_page(state: &AppState, ctx: &Ctx, id: i64) -> Result<OfficialFormPage, WebError> {
    let u = ctx.user()?;
    let o = state.store.official(id).await?;
    state.check_unit(u, o.unit_id, Access::Write).await?;
    let units = writable_units(state, u, o.unit_id).await?;
    Ok(OfficialFormPage::of(
        ctx.page("Sửa thông tin cán bộ", "Edit official", "officials"),
        units,
        &o,
    ))
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    Ok(html(&edit_page(&state, &ctx, id).await?))
}

#[derive(Deserialize)]
struct OfficialForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    title: String,
    active: Option<String>,
}

impl OfficialForm {
    fn input(&self) -> Result<OfficialInput, WebError> {
        Ok(OfficialInput {
            unit_id: req_id(&self.unit_id, "Hãy chọn đơn vị", "Choose a unit")?,
            code: self.code.clone(),
            full_name: self.full_name.clone(),
            title: self.title.clone(),
            active: checked(&self.active),
        })
    }
}

async fn save(
    state: &AppState,
    u: &CurrentUser,
    id: Option<i64>,
    f: &OfficialForm,
) -> Result<i64, WebError> {
    // Access first: a refusal must not depend on whether the form was filled in correctly.
    if let Some(id) = id {
        let old = state.store.official(id).await?;
        state.check_unit(u, old.unit_id, Access::Write).await?;
    }
    if let Some(unit) = opt_id(&f.unit_id) {
        state.check_unit(u, unit, Access::Write).await?;
    } else if !u.role().can_manage() {
        return Err(WebError::Forbidden);
    }
    let input = f.input()?;
    let id = match id {
        Some(id) => {
            state.store.official_update(id, &input).await?;
            id
        }
        None => state.store.official_create(&input).await?,
    };
    state
        .store
        .audit(Some(u.user.id), "official.save", &id.to_string())
        .await?;
    Ok(id)
}

async fn save_response(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    f: OfficialForm,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    match save(state, u, id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/officials?unit={}",
            opt_id(&f.unit_id).unwrap_or_default()
        ))
        .into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            let around = opt_id(&f.unit_id).unwrap_or_default();
            let units = writable_units(state, u, around).await?;
            let has_photo = match id {
                Some(id) => state.store.official(id).await?.has_photo,
                None => false,
            };
            let page = OfficialFormPage {
                id,
                code: f.code,
                full_name: f.full_name,
                title: f.title,
                active: checked(&f.active),
                has_photo,
                error: Some(msg),
                ..OfficialFormPage::blank(
                    ctx.page("Cán bộ, công chức", "Official", "officials"),
                    units,
                    around,
                )
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<OfficialForm>,
) -> Result<Response, WebError> {
    save_response(&state, &ctx, None, f).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<OfficialForm>,
) -> Result<Response, WebError> {
    save_response(&state, &ctx, Some(id), f).await
}

/// The image type of a file, from its first bytes (the browser's declared type is not trusted).
fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        return Some("image/jpeg");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let head = text.trim_start_matches('\u{feff}').trim_start();
    let lower = text.to_ascii_lowercase();
    if (head.starts_with("<svg") || head.starts_with("<?xml") || head.starts_with("<!--"))
        && lower.contains("<svg")
        // Kiosks show photos in <img>, where scripts never run; refuse them anyway.
        && !lower.contains("<script")
        && !lower.contains("<foreignobject")
        && !lower.contains("javascript:")
    {
        return Some("image/svg+xml");
    }
    None
}

/// Reads the `photo` field of an upload: (bytes, content type), or a message for the user.
async fn read_photo(
    mp: &mut Multipart,
) -> Result<(Vec<u8>, &'static str), (&'static str, &'static str)> {
    const TOO_BIG: (&str, &str) = (
        "Ảnh quá lớn: tối đa 2 MB",
        "The photo is too large: 2 MB at most",
    );
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => {
                return Err(("Chưa chọn ảnh để tải lên", "No photo was chosen"));
            }
            Err(_) => return Err(TOO_BIG),
        };
        if field.name() != Some("photo") {
            continue;
        }
        let mut field = field;
        let mut buf: Vec<u8> = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    buf.extend_from_slice(&chunk);
                    if buf.len() > MAX_PHOTO_BYTES {
                        return Err(TOO_BIG);
                    }
                }
                Ok(None) => break,
                Err(_) => return Err(TOO_BIG),
            }
        }
        if buf.is_empty() {
            return Err(("Chưa chọn ảnh để tải lên", "No photo was chosen"));
        }
        return match sniff_image(&buf) {
            Some(ct) => Ok((buf, ct)),
            None => Err((
                "Chỉ nhận ảnh PNG, JPEG, WebP hoặc SVG (không chứa mã lệnh)",
                "Only PNG, JPEG, WebP or SVG images (without scripts) are accepted",
            )),
        };
    }
}

async fn upload_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    let o = state.store.official(id).await?;
    state.check_unit(u, o.unit_id, Access::Write).await?;
    let photo = read_photo(&mut mp).await;
    if photo.is_err() {
        // Read what the browser is still sending, so that it sees our answer.
        while let Ok(Some(mut f)) = mp.next_field().await {
            while let Ok(Some(_)) = f.chunk().await {}
        }
    }
    match photo {
        Ok((bytes, ct)) => {
            state.store.official_set_photo(id, &bytes, ct).await?;
            state
                .store
                .audit(Some(u.user.id), "official.photo", &id.to_string())
                .await?;
            Ok(Redirect::to(&format!("/officials/{id}/edit")).into_response())
        }
        Err((vi, en)) => {
            let mut page = edit_page(&state, &ctx, id).await?;
            page.error = Some(if ctx.lang == Lang::Vi { vi } else { en }.to_string());
            // The action's URL carries the CSRF token: keep it out of the language links.
            page.page.path = format!("/officials/{id}/edit");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/officials", get(list).post(create))
        .route("/officials/new", get(new_official))
        .route("/officials/{id}/edit", get(edit))
        .route("/officials/{id}", post(update))
        .route(
            "/officials/{id}/photo",
            // Read a little past the limit ourselves, to answer with a clear message.
            post(upload_photo).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES * 3)),
        )
}

#[cfg(test)]
mod tests {
    use super::sniff_image;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(
            sniff_image(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Some("image/jpeg")
        );
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
            Some("image/svg+xml")
        );
        assert_eq!(sniff_image(b"<svg><script>alert(1)</script></svg>"), None);
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"hello"), None);
    }
}
