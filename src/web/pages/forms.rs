//! Rating forms (mẫu phiếu đánh giá), administrators only: list, create, edit as a new version,
//! choose the default. Questions and reasons are edited as lines `key | nhãn | English label`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::officials::{checked, fixable};
use super::{Ctx, Page, html};
use crate::domain::form::{FormDefinition, LabelledItem};
use crate::domain::msg::Lang;
use crate::domain::scale::Scale;
use crate::domain::time::Millis;
use crate::store::forms::{FormVersionInfo, RatingForm};
use crate::web::AppState;
use crate::web::auth::require_admin;
use crate::web::error::WebError;

struct FormView {
    f: RatingForm,
    def: FormDefinition,
}

#[derive(Template)]
#[template(path = "forms.html")]
struct FormsPage {
    page: Page,
    forms: Vec<FormView>,
    editor: Editor,
}

/// What the form editor shows (empty for a new form, or what was sent back with an error).
struct Editor {
    name: String,
    scale: i16,
    questions: String,
    reasons: String,
    allow_comment: bool,
    error: Option<String>,
}

impl Editor {
    fn of(def: &FormDefinition) -> Editor {
        Editor {
            name: String::new(),
            scale: def.scale.size(),
            questions: items_text(&def.questions),
            reasons: items_text(&def.reasons),
            allow_comment: def.allow_comment,
            error: None,
        }
    }

    fn sent(f: &FormInput, error: String) -> Editor {
        Editor {
            name: f.name.clone(),
            scale: f.scale.trim().parse().unwrap_or(3),
            questions: f.questions.clone(),
            reasons: f.reasons.clone(),
            allow_comment: checked(&f.allow_comment),
            error: Some(error),
        }
    }
}

fn label(lang: Lang, it: &LabelledItem) -> &str {
    it.label(lang)
}

impl FormsPage {
    fn label<'a>(&self, it: &'a LabelledItem) -> &'a str {
        label(self.page.lang, it)
    }
}

/// Lines `key | nhãn tiếng Việt | English label` for the editor.
fn items_text(items: &[LabelledItem]) -> String {
    items
        .iter()
        .map(|i| {
            if i.label_en.is_empty() {
                format!("{} | {}", i.key, i.label_vi)
            } else {
                format!("{} | {} | {}", i.key, i.label_vi, i.label_en)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses editor lines; blank lines are skipped.
fn parse_items(text: &str, what_vi: &str, what_en: &str) -> Result<Vec<LabelledItem>, WebError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (key, vi, en) = match parts.as_slice() {
            [k, vi] => (*k, *vi, ""),
            [k, vi, en] => (*k, *vi, *en),
            _ => {
                return Err(WebError::Unprocessable(crate::domain::Msg::new(
                    format!(
                        "{what_vi}, dòng {}: cần dạng «mã | nhãn tiếng Việt | English label»",
                        i + 1
                    ),
                    format!(
                        "{what_en}, line {}: expected «key | Vietnamese label | English label»",
                        i + 1
                    ),
                )));
            }
        };
        out.push(LabelledItem {
            key: key.to_string(),
            label_vi: vi.to_string(),
            label_en: en.to_string(),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct FormInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scale: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    reasons: String,
    allow_comment: Option<String>,
}

impl FormInput {
    fn definition(&self) -> Result<FormDefinition, WebError> {
        let scale = self
            .scale
            .trim()
            .parse::<i16>()
            .ok()
            .and_then(Scale::new)
            .ok_or_else(|| {
                WebError::Unprocessable(crate::domain::Msg::new(
                    "Thang đánh giá phải là 2, 3 hoặc 5 mức",
                    "The scale must have 2, 3 or 5 levels",
                ))
            })?;
        let def = FormDefinition {
            scale,
            questions: parse_items(&self.questions, "Câu hỏi", "Questions")?,
            reasons: parse_items(&self.reasons, "Lý do", "Reasons")?,
            allow_comment: checked(&self.allow_comment),
        };
        def.validate().map_err(WebError::Unprocessable)?;
        Ok(def)
    }
}

async fn views(state: &AppState) -> Result<Vec<FormView>, WebError> {
    let mut out = Vec::new();
    for f in state.store.forms().await? {
        let v = state.store.form_version(f.current_version_id).await?;
        out.push(FormView {
            f,
            def: v.definition,
        });
    }
    Ok(out)
}

async fn render_list(state: &AppState, ctx: &Ctx, editor: Editor) -> Result<Response, WebError> {
    require_admin(ctx.user()?)?;
    let status = if editor.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut page = ctx.page("Mẫu phiếu đánh giá", "Rating forms", "forms");
    page.path = "/forms".into();
    Ok((
        status,
        html(&FormsPage {
            page,
            forms: views(state).await?,
            editor,
        }),
    )
        .into_response())
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render_list(&state, &ctx, Editor::of(&FormDefinition::standard())).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<FormInput>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    require_admin(u)?;
    let r = async {
        let def = f.definition()?;
        let id = state.store.form_create(&f.name, &def).await?;
        state
            .store
            .audit(Some(u.user.id), "form.create", &id.to_string())
            .await?;
        Ok::<_, WebError>(id)
    }
    .await;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/forms/{id}")).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            render_list(&state, &ctx, Editor::sent(&f, msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "form_edit.html")]
struct FormEditPage {
    page: Page,
    form: FormView,
    versions: Vec<FormVersionInfo>,
    editor: Editor,
}

impl FormEditPage {
    fn label<'a>(&self, it: &'a LabelledItem) -> &'a str {
        label(self.page.lang, it)
    }
    fn when(&self, ms: &Millis) -> String {
        self.page.fmt_time(ms)
    }
}

async fn render_edit(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    editor: Option<Editor>,
) -> Result<Response, WebError> {
    require_admin(ctx.user()?)?;
    let f = state.store.form(id).await?;
    let v = state.store.form_version(f.current_version_id).await?;
    let versions = state.store.form_versions(id).await?;
    let status = if editor.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let editor = editor.unwrap_or_else(|| Editor {
        name: f.name.clone(),
        ..Editor::of(&v.definition)
    });
    let mut page = ctx.page("Sửa mẫu phiếu", "Edit form", "forms");
    page.path = format!("/forms/{id}");
    Ok((
        status,
        html(&FormEditPage {
            page,
            form: FormView {
                f,
                def: v.definition,
            },
            versions,
            editor,
        }),
    )
        .into_response())
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    render_edit(&state, &ctx, id, None).await
}

async fn new_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<FormInput>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    require_admin(u)?;
    state.store.form(id).await?;
    let r = async {
        let def = f.definition()?;
        let v = state.store.form_new_version(id, &def).await?;
        state
            .store
            .audit(Some(u.user.id), "form.version", &format!("{id} v{v}"))
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/forms/{id}")).into_response()),
        Err(e) => {
            let msg = fixable(e, ctx.lang)?;
            render_edit(&state, &ctx, id, Some(Editor::sent(&f, msg))).await
        }
    }
}

async fn set_default(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let u = ctx.user()?;
    require_admin(u)?;
    state.store.form_set_default(id).await?;
    state
        .store
        .audit(Some(u.user.id), "form.default", &id.to_string())
        .await?;
    Ok(Redirect::to("/forms").into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forms", get(list).post(create))
        .route("/forms/{id}", get(edit).post(new_version))
        .route("/forms/{id}/default", post(set_default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_lines_round_trip() {
        let def = FormDefinition::standard();
        let text = items_text(&def.questions);
        assert_eq!(parse_items(&text, "", "").unwrap(), def.questions);
        let two = parse_items("overall | Hài lòng chung\n\n", "", "").unwrap();
        assert_eq!(two[0].label_en, "");
        assert!(parse_items("just a label", "", "").is_err());
    }
}
