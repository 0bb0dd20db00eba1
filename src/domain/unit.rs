//! Administrative units: province, district (before 1 July 2025) and commune.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnitLevel {
    Province,
    District,
    Commune,
}

impl UnitLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Province => "province",
            UnitLevel::District => "district",
            UnitLevel::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<UnitLevel> {
        match s.trim().to_lowercase().as_str() {
            "province" | "tinh" | "tỉnh" => Some(UnitLevel::Province),
            "district" | "huyen" | "huyện" => Some(UnitLevel::District),
            "commune" | "xa" | "xã" => Some(UnitLevel::Commune),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitLevel::Province => "Cấp tỉnh",
            UnitLevel::District => "Cấp huyện",
            UnitLevel::Commune => "Cấp xã",
        }
    }

    /// Which level may be the parent of this one: communes hang under districts in the
    /// pre-2025 map and directly under provinces in the current one.
    pub fn may_have_parent(self, parent: UnitLevel) -> bool {
        matches!(
            (self, parent),
            (UnitLevel::District, UnitLevel::Province)
                | (UnitLevel::Commune, UnitLevel::Province)
                | (UnitLevel::Commune, UnitLevel::District)
        )
    }
}
