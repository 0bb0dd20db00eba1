//! Dossiers (hồ sơ): the national status codes, what may follow what, intake channels, how
//! results go back, and the dossier code printed on the receipt (DOMAIN §6).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Msg;
use super::msg::Lang;

/// Status with its national synchronisation code (1–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    RegisteredOnline,
    Received,
    Refused,
    InProgress,
    SupplementRequested,
    AwaitingPayment,
    Withdrawn,
    Stopped,
    ResultReady,
    ResultReturned,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::RegisteredOnline,
        Status::Received,
        Status::Refused,
        Status::InProgress,
        Status::SupplementRequested,
        Status::AwaitingPayment,
        Status::Withdrawn,
        Status::Stopped,
        Status::ResultReady,
        Status::ResultReturned,
    ];

    pub fn code(self) -> i16 {
        match self {
            Status::RegisteredOnline => 1,
            Status::Received => 2,
            Status::Refused => 3,
            Status::InProgress => 4,
            Status::SupplementRequested => 5,
            Status::AwaitingPayment => 6,
            Status::Withdrawn => 7,
            Status::Stopped => 8,
            Status::ResultReady => 9,
            Status::ResultReturned => 10,
        }
    }

    pub fn from_code(code: i16) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::RegisteredOnline, Lang::Vi) => "Đăng ký trực tuyến, chờ tiếp nhận",
            (Status::Received, Lang::Vi) => "Đã tiếp nhận",
            (Status::Refused, Lang::Vi) => "Từ chối giải quyết",
            (Status::InProgress, Lang::Vi) => "Đang giải quyết",
            (Status::SupplementRequested, Lang::Vi) => "Yêu cầu bổ sung hồ sơ",
            (Status::AwaitingPayment, Lang::Vi) => "Chờ thực hiện nghĩa vụ tài chính",
            (Status::Withdrawn, Lang::Vi) => "Công dân rút hồ sơ",
            (Status::Stopped, Lang::Vi) => "Dừng xử lý",
            (Status::ResultReady, Lang::Vi) => "Đã có kết quả, chờ trả",
            (Status::ResultReturned, Lang::Vi) => "Đã trả kết quả",
            (Status::RegisteredOnline, Lang::En) => "Registered online, awaiting intake",
            (Status::Received, Lang::En) => "Received",
            (Status::Refused, Lang::En) => "Refused",
            (Status::InProgress, Lang::En) => "In progress",
            (Status::SupplementRequested, Lang::En) => "Supplement requested",
            (Status::AwaitingPayment, Lang::En) => "Awaiting payment",
            (Status::Withdrawn, Lang::En) => "Withdrawn by the applicant",
            (Status::Stopped, Lang::En) => "Stopped",
            (Status::ResultReady, Lang::En) => "Result ready for return",
            (Status::ResultReturned, Lang::En) => "Result returned",
        }
    }

    /// Nothing more happens to the dossier.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Refused | Status::Withdrawn | Status::Stopped | Status::ResultReturned
        )
    }

    /// The desk's work is done: the result exists (returned or not), so timeliness is decided.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::ResultReady | Status::ResultReturned)
    }
}

/// What an official (or the applicant) does to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Accept an online registration at the desk.
    Accept,
    /// Start handling (or resume after payment).
    Start,
    /// Ask the applicant for missing papers (Mẫu 02); the clock stops.
    RequestSupplement,
    /// The applicant brought the papers; the clock runs again.
    CompleteSupplement,
    /// Fees or taxes are due before the result.
    RequestPayment,
    /// The result is ready to hand back.
    ResultReady,
    /// The result was handed back (desk, post or home).
    ReturnResult,
    /// Refuse with reasons (Mẫu 03).
    Refuse,
    /// The applicant withdraws the dossier.
    Withdraw,
    /// Stop handling (e.g. the applicant never completed the papers).
    Stop,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Accept,
        Action::Start,
        Action::RequestSupplement,
        Action::CompleteSupplement,
        Action::RequestPayment,
        Action::ResultReady,
        Action::ReturnResult,
        Action::Refuse,
        Action::Withdraw,
        Action::Stop,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Action::Accept, Lang::Vi) => "Tiếp nhận",
            (Action::Start, Lang::Vi) => "Chuyển xử lý",
            (Action::RequestSupplement, Lang::Vi) => "Yêu cầu bổ sung",
            (Action::CompleteSupplement, Lang::Vi) => "Đã bổ sung đủ",
            (Action::RequestPayment, Lang::Vi) => "Chờ nộp phí, thuế",
            (Action::ResultReady, Lang::Vi) => "Có kết quả",
            (Action::ReturnResult, Lang::Vi) => "Trả kết quả",
            (Action::Refuse, Lang::Vi) => "Từ chối",
            (Action::Withdraw, Lang::Vi) => "Rút hồ sơ",
            (Action::Stop, Lang::Vi) => "Dừng xử lý",
            (Action::Accept, Lang::En) => "Accept",
            (Action::Start, Lang::En) => "Start handling",
            (Action::RequestSupplement, Lang::En) => "Request supplement",
            (Action::CompleteSupplement, Lang::En) => "Supplement complete",
            (Action::RequestPayment, Lang::En) => "Await payment",
            (Action::ResultReady, Lang::En) => "Result ready",
            (Action::ReturnResult, Lang::En) => "Return result",
            (Action::Refuse, Lang::En) => "Refuse",
            (Action::Withdraw, Lang::En) => "Withdraw",
            (Action::Stop, Lang::En) => "Stop",
        }
    }

    /// The name used in the API, in forms and in the history (`dossier_events.action`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Start => "start",
            Action::RequestSupplement => "request_supplement",
            Action::CompleteSupplement => "complete_supplement",
            Action::RequestPayment => "request_payment",
            Action::ResultReady => "result_ready",
            Action::ReturnResult => "return_result",
            Action::Refuse => "refuse",
            Action::Withdraw => "withdraw",
            Action::Stop => "stop",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Refusals, stops and supplement requests must say why, to the applicant.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Action::Refuse | Action::Stop | Action::RequestSupplement
        )
    }

    /// The status this action leads to from `from`, or why it may not be taken.
    pub fn apply(self, from: Status) -> Result<Status, Msg> {
        use Status::*;
        let to = match (self, from) {
            (Action::Accept, RegisteredOnline) => Some(Received),
            (Action::Start, Received | AwaitingPayment) => Some(InProgress),
            (Action::RequestSupplement, Received | InProgress) => Some(SupplementRequested),
            (Action::CompleteSupplement, SupplementRequested) => Some(InProgress),
            (Action::RequestPayment, Received | InProgress) => Some(AwaitingPayment),
            (Action::ResultReady, Received | InProgress | AwaitingPayment) => Some(ResultReady),
            (Action::ReturnResult, ResultReady) => Some(ResultReturned),
            (Action::Refuse, RegisteredOnline | Received | InProgress | SupplementRequested) => {
                Some(Refused)
            }
            (Action::Withdraw, s) if !s.is_closed() && s != ResultReady => Some(Withdrawn),
            (Action::Stop, Received | InProgress | SupplementRequested | AwaitingPayment) => {
                Some(Stopped)
            }
            _ => None,
        };
        to.ok_or_else(|| {
            Msg::new(
                format!(
                    "Không thể “{}” khi hồ sơ đang ở trạng thái “{}”",
                    self.label(Lang::Vi),
                    from.label(Lang::Vi)
                ),
                format!(
                    "Cannot “{}” a dossier whose status is “{}”",
                    self.label(Lang::En),
                    from.label(Lang::En)
                ),
            )
        })
    }
}

/// How the dossier came in (national channel codes 1–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntakeChannel {
    InPerson,
    Online,
    Post,
}

impl IntakeChannel {
    pub fn code(self) -> i16 {
        match self {
            IntakeChannel::InPerson => 1,
            IntakeChannel::Online => 2,
            IntakeChannel::Post => 3,
        }
    }

    pub fn from_code(code: i16) -> Option<IntakeChannel> {
        [
            IntakeChannel::InPerson,
            IntakeChannel::Online,
            IntakeChannel::Post,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (IntakeChannel::InPerson, Lang::Vi) => "Trực tiếp",
            (IntakeChannel::Online, Lang::Vi) => "Trực tuyến",
            (IntakeChannel::Post, Lang::Vi) => "Qua bưu chính công ích",
            (IntakeChannel::InPerson, Lang::En) => "In person",
            (IntakeChannel::Online, Lang::En) => "Online",
            (IntakeChannel::Post, Lang::En) => "By post",
        }
    }
}

/// Where the result goes back to the applicant (seed 001: to the home for civil status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnMethod {
    Desk,
    Post,
    Home,
}

impl ReturnMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnMethod::Desk => "desk",
            ReturnMethod::Post => "post",
            ReturnMethod::Home => "home",
        }
    }

    pub fn parse(s: &str) -> Option<ReturnMethod> {
        match s {
            "desk" => Some(ReturnMethod::Desk),
            "post" => Some(ReturnMethod::Post),
            "home" => Some(ReturnMethod::Home),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ReturnMethod::Desk, Lang::Vi) => "Tại Bộ phận Một cửa",
            (ReturnMethod::Post, Lang::Vi) => "Qua dịch vụ bưu chính",
            (ReturnMethod::Home, Lang::Vi) => "Trả tận nhà",
            (ReturnMethod::Desk, Lang::En) => "At the one-stop desk",
            (ReturnMethod::Post, Lang::En) => "By post",
            (ReturnMethod::Home, Lang::En) => "At home",
        }
    }
}

/// `{receiving unit code}-{yyMMdd}-{NNNN}`, the sequence starting again each day per unit.
pub fn dossier_code(unit_code: &str, day: NaiveDate, seq: i64) -> String {
    format!("{unit_code}-{}-{seq:04}", day.format("%y%m%d"))
}

/// Letters and digits that cannot be misread on a printed receipt (no 0/O, 1/I/L).
const SECRET_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A short look-up secret for the receipt, from caller-supplied random bytes (the domain does
/// no I/O, so the caller brings the randomness).
pub fn lookup_secret(random: [u8; 6]) -> String {
    random
        .iter()
        .map(|b| SECRET_ALPHABET[usize::from(*b) % SECRET_ALPHABET.len()] as char)
        .collect()
}

/// Normalises what a citizen types: case and spaces do not matter.
pub fn normalise_secret(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_the_national_ones_and_round_trip() {
        assert_eq!(Status::Received.code(), 2);
        assert_eq!(Status::SupplementRequested.code(), 5);
        assert_eq!(Status::ResultReturned.code(), 10);
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert_eq!(Status::from_code(11), None);
    }

    #[test]
    fn the_usual_path_is_allowed_and_illegal_steps_are_refused_with_a_reason() {
        let mut s = Status::Received;
        for a in [
            Action::Start,
            Action::RequestSupplement,
            Action::CompleteSupplement,
            Action::ResultReady,
            Action::ReturnResult,
        ] {
            s = a.apply(s).unwrap();
        }
        assert_eq!(s, Status::ResultReturned);
        let err = Action::Start.apply(Status::ResultReturned).unwrap_err();
        assert!(err.vi.contains("Đã trả kết quả"), "{}", err.vi);
        assert!(Action::ReturnResult.apply(Status::InProgress).is_err());
        assert!(Action::Withdraw.apply(Status::Refused).is_err());
        assert!(Action::Accept.apply(Status::Received).is_err());
    }

    #[test]
    fn action_names_are_the_api_names_and_round_trip() {
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("delete"), None);
    }

    #[test]
    fn no_action_leaves_a_closed_dossier() {
        for s in Status::ALL.into_iter().filter(|s| s.is_closed()) {
            for a in Action::ALL {
                assert!(a.apply(s).is_err(), "{a:?} from {s:?}");
            }
        }
    }

    #[test]
    fn codes_and_secrets_are_what_the_receipt_prints() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(dossier_code("22525", d, 7), "22525-261123-0007");
        assert_eq!(dossier_code("22525", d, 12345), "22525-261123-12345");
        let s = lookup_secret([0, 1, 2, 3, 255, 128]);
        assert_eq!(s.len(), 6);
        assert!(s.chars().all(|c| SECRET_ALPHABET.contains(&(c as u8))));
        assert_eq!(normalise_secret(" ab 2c "), "AB2C");
    }
}
