//! Rating forms: the questions a kiosk asks, on which scale, with optional reasons for a low level
//! and an optional comment. A form is versioned; a rating keeps the version it was given on.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use super::msg::{Lang, Msg};
use super::scale::{Level, Scale};

pub const MAX_COMMENT_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LabelledItem {
    /// Stable key, kept across versions so results can be compared (e.g. "attitude").
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
}

impl LabelledItem {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.label_vi,
            Lang::En if self.label_en.is_empty() => &self.label_vi,
            Lang::En => &self.label_en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormDefinition {
    #[schema(value_type = i16, example = 3)]
    pub scale: Scale,
    /// The first question is the headline one that reports count by default.
    pub questions: Vec<LabelledItem>,
    /// Offered when any answer is "bình thường" or lower.
    #[serde(default)]
    pub reasons: Vec<LabelledItem>,
    #[serde(default)]
    pub allow_comment: bool,
}

/// What a citizen submitted, before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Submission {
    pub answers: Vec<AnswerInput>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AnswerInput {
    pub question: String,
    /// Meaning of the level: 5 very satisfied, 4 satisfied, 3 neutral, 2 dissatisfied,
    /// 1 very dissatisfied. A form's scale offers 2, 3 or 5 of them.
    pub level: i16,
}

/// A submission that fits its form.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRating {
    pub headline: Level,
    pub answers: Vec<(String, Level)>,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
}

fn keys_ok(items: &[LabelledItem], what_vi: &str, what_en: &str) -> Result<(), Msg> {
    let mut seen = HashSet::new();
    for it in items {
        let k = it.key.trim();
        if k.is_empty() || k.len() > 40 || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Msg::new(
                format!(
                    "Mã {what_vi} '{k}' không hợp lệ (chỉ chữ không dấu, số, dấu _; tối đa 40 ký tự)"
                ),
                format!(
                    "Invalid {what_en} key '{k}' (ASCII letters, digits and _ only, at most 40)"
                ),
            ));
        }
        if it.label_vi.trim().is_empty() {
            return Err(Msg::new(
                format!("{what_vi} '{k}' thiếu nội dung tiếng Việt"),
                format!("{what_en} '{k}' has no Vietnamese label"),
            ));
        }
        if !seen.insert(k) {
            return Err(Msg::new(
                format!("Mã {what_vi} '{k}' bị trùng"),
                format!("Duplicate {what_en} key '{k}'"),
            ));
        }
    }
    Ok(())
}

impl FormDefinition {
    /// The form most one-stop desks use: three levels, the official's attitude and the handling
    /// of the procedure (seed 002 asks about both).
    pub fn standard() -> FormDefinition {
        let item = |k: &str, vi: &str, en: &str| LabelledItem {
            key: k.into(),
            label_vi: vi.into(),
            label_en: en.into(),
        };
        FormDefinition {
            scale: Scale::Three,
            questions: vec![
                item(
                    "attitude",
                    "Thái độ phục vụ của cán bộ",
                    "The official's attitude",
                ),
                item(
                    "handling",
                    "Quá trình giải quyết thủ tục",
                    "Handling of your procedure",
                ),
            ],
            reasons: vec![
                item(
                    "impolite",
                    "Thái độ chưa lịch sự, thiếu tôn trọng",
                    "Impolite or disrespectful",
                ),
                item(
                    "unclear",
                    "Hướng dẫn chưa rõ ràng, đầy đủ",
                    "Unclear or incomplete guidance",
                ),
                item("waiting", "Phải chờ đợi lâu", "Long wait"),
                item(
                    "extra_papers",
                    "Yêu cầu giấy tờ ngoài quy định",
                    "Papers beyond the rules were asked",
                ),
                item("late", "Trả kết quả trễ hẹn", "Result returned late"),
            ],
            allow_comment: true,
        }
    }

    pub fn validate(&self) -> Result<(), Msg> {
        if self.questions.is_empty() || self.questions.len() > 10 {
            return Err(Msg::new(
                "Phiếu đánh giá phải có từ 1 đến 10 câu hỏi",
                "A form needs 1 to 10 questions",
            ));
        }
        if self.reasons.len() > 20 {
            return Err(Msg::new("Tối đa 20 lý do", "At most 20 reasons"));
        }
        keys_ok(&self.questions, "câu hỏi", "question")?;
        keys_ok(&self.reasons, "lý do", "reason")
    }

    /// Checks a citizen's submission against this form.
    pub fn check(&self, sub: &Submission) -> Result<ValidRating, Msg> {
        let mut answers = Vec::with_capacity(self.questions.len());
        for q in &self.questions {
            let mut given = sub.answers.iter().filter(|a| a.question == q.key);
            let a = given.next().ok_or_else(|| {
                Msg::new(
                    format!("Chưa trả lời câu hỏi: {}", q.label_vi),
                    format!("Question not answered: {}", q.label(Lang::En)),
                )
            })?;
            if given.next().is_some() {
                return Err(Msg::new(
                    format!("Câu hỏi '{}' được trả lời hai lần", q.label_vi),
                    format!("Question '{}' answered twice", q.label(Lang::En)),
                ));
            }
            let level = Level::new(a.level)
                .filter(|l| self.scale.offers(*l))
                .ok_or_else(|| {
                    Msg::new(
                        format!(
                            "Mức đánh giá {} không có trong thang {} mức",
                            a.level,
                            self.scale.size()
                        ),
                        format!(
                            "Level {} is not on the {}-level scale",
                            a.level,
                            self.scale.size()
                        ),
                    )
                })?;
            answers.push((q.key.clone(), level));
        }
        if let Some(extra) = sub
            .answers
            .iter()
            .find(|a| !self.questions.iter().any(|q| q.key == a.question))
        {
            return Err(Msg::new(
                format!("Câu hỏi '{}' không có trong phiếu", extra.question),
                format!("Question '{}' is not on the form", extra.question),
            ));
        }
        let mut reasons: Vec<String> = Vec::new();
        for r in &sub.reasons {
            if !self.reasons.iter().any(|x| &x.key == r) {
                return Err(Msg::new(
                    format!("Lý do '{r}' không có trong phiếu"),
                    format!("Reason '{r}' is not on the form"),
                ));
            }
            if !reasons.contains(r) {
                reasons.push(r.clone());
            }
        }
        if !reasons.is_empty() && !answers.iter().any(|(_, l)| l.is_low()) {
            return Err(Msg::new(
                "Chỉ chọn lý do khi đánh giá chưa hài lòng",
                "Reasons are only given with a low rating",
            ));
        }
        let comment = sub
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if comment.is_some() && !self.allow_comment {
            return Err(Msg::new(
                "Phiếu này không nhận ý kiến khác",
                "This form takes no comment",
            ));
        }
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return Err(Msg::new(
                format!("Ý kiến dài quá {MAX_COMMENT_CHARS} ký tự"),
                format!("Comment longer than {MAX_COMMENT_CHARS} characters"),
            ));
        }
        Ok(ValidRating {
            headline: answers[0].1,
            answers,
            reasons,
            comment: comment.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(levels: &[(&str, i16)]) -> Submission {
        Submission {
            answers: levels
                .iter()
                .map(|(q, l)| AnswerInput {
                    question: q.to_string(),
                    level: *l,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn standard_form_is_valid_and_takes_a_full_answer() {
        let f = FormDefinition::standard();
        f.validate().unwrap();
        let v = f.check(&sub(&[("attitude", 5), ("handling", 4)])).unwrap();
        assert_eq!(v.headline, Level::VERY_SATISFIED);
    }

    #[test]
    fn level_outside_the_scale_is_refused() {
        let f = FormDefinition::standard();
        let e = f
            .check(&sub(&[("attitude", 3), ("handling", 4)]))
            .unwrap_err();
        assert!(e.vi.contains("thang 3 mức"), "{}", e.vi);
    }

    #[test]
    fn missing_and_unknown_questions_are_refused() {
        let f = FormDefinition::standard();
        assert!(f.check(&sub(&[("attitude", 5)])).is_err());
        assert!(
            f.check(&sub(&[("attitude", 5), ("handling", 5), ("x", 5)]))
                .is_err()
        );
    }

    #[test]
    fn reasons_need_a_low_answer() {
        let f = FormDefinition::standard();
        let mut s = sub(&[("attitude", 5), ("handling", 5)]);
        s.reasons = vec!["waiting".into()];
        assert!(f.check(&s).is_err());
        let mut s = sub(&[("attitude", 2), ("handling", 5)]);
        s.reasons = vec!["waiting".into(), "waiting".into()];
        assert_eq!(f.check(&s).unwrap().reasons, vec!["waiting".to_string()]);
    }

    #[test]
    fn duplicate_question_keys_are_refused() {
        let mut f = FormDefinition::standard();
        f.questions[1].key = "attitude".into();
        assert!(f.validate().is_err());
    }
}
