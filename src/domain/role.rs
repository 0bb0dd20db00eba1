//! Staff roles and what each may do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// IT administrator: everything, everywhere.
    Admin,
    /// Unit leader: manages and reads their unit's subtree.
    Leader,
    /// Counter official: their own results and the counter sign-in.
    Official,
    /// Home Affairs / inspection: reads a subtree, changes nothing.
    Inspector,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Leader, Role::Official, Role::Inspector];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Official => "official",
            Role::Inspector => "inspector",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::Leader => "Lãnh đạo đơn vị",
            Role::Official => "Cán bộ, công chức",
            Role::Inspector => "Thanh tra, kiểm tra",
        }
    }

    /// May change units, officials, counters, kiosks and forms (within scope).
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Admin | Role::Leader)
    }

    /// May read reports of a whole unit subtree (not only their own results).
    pub fn can_read_unit_reports(self) -> bool {
        matches!(self, Role::Admin | Role::Leader | Role::Inspector)
    }

    /// Whether the role needs a unit to scope it.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::Leader | Role::Inspector)
    }
}
