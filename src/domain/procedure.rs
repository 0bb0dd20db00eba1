//! Administrative procedures (thủ tục hành chính) of the national catalogue: the level of
//! government that decides them and how far they can be done online (Decree 42/2022/NĐ-CP).

use serde::{Deserialize, Serialize};

use super::Msg;
use super::text::fold;

/// Online service level under Decree 42/2022/NĐ-CP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnlineLevel {
    /// Dịch vụ công trực tuyến toàn trình: everything, payment and result included, online.
    Full,
    /// Dịch vụ công trực tuyến một phần: some steps still need the applicant at the desk.
    Partial,
    /// Not offered online.
    None,
}

impl OnlineLevel {
    pub const ALL: [OnlineLevel; 3] = [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::None];

    pub fn as_str(self) -> &'static str {
        match self {
            OnlineLevel::Full => "full",
            OnlineLevel::Partial => "partial",
            OnlineLevel::None => "none",
        }
    }

    /// Accepts the code names and the Vietnamese names, with or without diacritics.
    pub fn parse(s: &str) -> Option<OnlineLevel> {
        match fold(s).as_str() {
            "full" | "toan trinh" | "truc tuyen toan trinh" | "muc do 4" | "4" => {
                Some(OnlineLevel::Full)
            }
            "partial" | "mot phan" | "truc tuyen mot phan" | "muc do 3" | "3" => {
                Some(OnlineLevel::Partial)
            }
            "none" | "khong" | "" => Some(OnlineLevel::None),
            _ => None,
        }
    }

    pub fn parse_msg(s: &str) -> Result<OnlineLevel, Msg> {
        OnlineLevel::parse(s).ok_or_else(|| {
            Msg::new(
                format!("Mức độ trực tuyến không hợp lệ: '{s}' (full, partial hoặc none)"),
                format!("Invalid online level: '{s}' (full, partial or none)"),
            )
        })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            OnlineLevel::Full => "Dịch vụ công trực tuyến toàn trình",
            OnlineLevel::Partial => "Dịch vụ công trực tuyến một phần",
            OnlineLevel::None => "Chưa cung cấp trực tuyến",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OnlineLevel::Full => "Full online service",
            OnlineLevel::Partial => "Partial online service",
            OnlineLevel::None => "Not online",
        }
    }
}

/// The level of government that decides the procedure. District procedures belong to the
/// three-level map in force until 30 June 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProcedureLevel {
    Province,
    District,
    Commune,
}

impl ProcedureLevel {
    pub const ALL: [ProcedureLevel; 3] = [
        ProcedureLevel::Province,
        ProcedureLevel::District,
        ProcedureLevel::Commune,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProcedureLevel::Province => "province",
            ProcedureLevel::District => "district",
            ProcedureLevel::Commune => "commune",
        }
    }

    /// Accepts the code names and the Vietnamese names, with or without diacritics.
    pub fn parse(s: &str) -> Option<ProcedureLevel> {
        match fold(s).as_str() {
            "province" | "tinh" | "cap tinh" => Some(ProcedureLevel::Province),
            "district" | "huyen" | "cap huyen" => Some(ProcedureLevel::District),
            "commune" | "xa" | "cap xa" => Some(ProcedureLevel::Commune),
            _ => None,
        }
    }

    pub fn parse_msg(s: &str) -> Result<ProcedureLevel, Msg> {
        ProcedureLevel::parse(s).ok_or_else(|| {
            Msg::new(
                format!("Cấp thực hiện không hợp lệ: '{s}' (province, district hoặc commune)"),
                format!("Invalid procedure level: '{s}' (province, district or commune)"),
            )
        })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ProcedureLevel::Province => "Cấp tỉnh",
            ProcedureLevel::District => "Cấp huyện (trước 01/7/2025)",
            ProcedureLevel::Commune => "Cấp xã",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProcedureLevel::Province => "Province",
            ProcedureLevel::District => "District (before 1 July 2025)",
            ProcedureLevel::Commune => "Commune",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_code_and_vietnamese_names() {
        for l in OnlineLevel::ALL {
            assert_eq!(OnlineLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(OnlineLevel::parse("Toàn trình"), Some(OnlineLevel::Full));
        assert_eq!(OnlineLevel::parse("một phần"), Some(OnlineLevel::Partial));
        assert_eq!(OnlineLevel::parse("MOT PHAN"), Some(OnlineLevel::Partial));
        assert!(OnlineLevel::parse("mức 5").is_none());
        assert!(
            OnlineLevel::parse_msg("x")
                .unwrap_err()
                .en
                .contains("full, partial")
        );
        for l in ProcedureLevel::ALL {
            assert_eq!(ProcedureLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(
            ProcedureLevel::parse("Cấp xã"),
            Some(ProcedureLevel::Commune)
        );
        assert_eq!(
            ProcedureLevel::parse("huyện"),
            Some(ProcedureLevel::District)
        );
        assert!(ProcedureLevel::parse("ward").is_none());
    }
}
