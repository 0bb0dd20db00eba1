//! Rating scales. A level is stored by its meaning, not its position on the screen, so that 2-, 3-
//! and 5-level ratings add up in one report: 5 = very satisfied … 1 = very dissatisfied.

use serde::{Deserialize, Serialize};

use super::msg::Lang;

/// The meaning of a level, shared by all scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i16", into = "i16")]
pub struct Level(i16);

impl Level {
    pub const VERY_SATISFIED: Level = Level(5);
    pub const SATISFIED: Level = Level(4);
    pub const NEUTRAL: Level = Level(3);
    pub const DISSATISFIED: Level = Level(2);
    pub const VERY_DISSATISFIED: Level = Level(1);
    /// Best first, as reports list them.
    pub const ALL: [Level; 5] = [
        Level::VERY_SATISFIED,
        Level::SATISFIED,
        Level::NEUTRAL,
        Level::DISSATISFIED,
        Level::VERY_DISSATISFIED,
    ];

    pub fn new(v: i16) -> Option<Level> {
        (1..=5).contains(&v).then_some(Level(v))
    }

    pub fn value(self) -> i16 {
        self.0
    }

    /// Counts toward the satisfaction rate ("hài lòng" or better).
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }

    /// Low enough that the form may ask for reasons.
    pub fn is_low(self) -> bool {
        self.0 <= 3
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self.0, lang) {
            (5, Lang::Vi) => "Rất hài lòng",
            (4, Lang::Vi) => "Hài lòng",
            (3, Lang::Vi) => "Bình thường",
            (2, Lang::Vi) => "Không hài lòng",
            (_, Lang::Vi) => "Rất không hài lòng",
            (5, Lang::En) => "Very satisfied",
            (4, Lang::En) => "Satisfied",
            (3, Lang::En) => "Neutral",
            (2, Lang::En) => "Dissatisfied",
            (_, Lang::En) => "Very dissatisfied",
        }
    }
}

impl TryFrom<i16> for Level {
    type Error = String;
    fn try_from(v: i16) -> Result<Self, Self::Error> {
        Level::new(v).ok_or_else(|| format!("level must be 1..5, got {v}"))
    }
}

impl From<Level> for i16 {
    fn from(l: Level) -> i16 {
        l.0
    }
}

/// The number of levels a form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i16", into = "i16")]
pub enum Scale {
    Two,
    Three,
    Five,
}

impl Scale {
    pub fn new(n: i16) -> Option<Scale> {
        match n {
            2 => Some(Scale::Two),
            3 => Some(Scale::Three),
            5 => Some(Scale::Five),
            _ => None,
        }
    }

    pub fn size(self) -> i16 {
        match self {
            Scale::Two => 2,
            Scale::Three => 3,
            Scale::Five => 5,
        }
    }

    /// The levels this scale offers, best first: 2 levels is the Vạn Hưng scale, 3 the deployed
    /// norm, 5 the ministries' surveys.
    pub fn levels(self) -> &'static [Level] {
        match self {
            Scale::Two => &[Level::SATISFIED, Level::DISSATISFIED],
            Scale::Three => &[Level::VERY_SATISFIED, Level::SATISFIED, Level::DISSATISFIED],
            Scale::Five => &Level::ALL,
        }
    }

    pub fn offers(self, level: Level) -> bool {
        self.levels().contains(&level)
    }
}

impl TryFrom<i16> for Scale {
    type Error = String;
    fn try_from(v: i16) -> Result<Self, Self::Error> {
        Scale::new(v).ok_or_else(|| format!("scale must be 2, 3 or 5, got {v}"))
    }
}

impl From<Scale> for i16 {
    fn from(s: Scale) -> i16 {
        s.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scale_has_satisfied_and_dissatisfied_ends() {
        for s in [Scale::Two, Scale::Three, Scale::Five] {
            let lv = s.levels();
            assert_eq!(lv.len() as i16, s.size());
            assert!(lv[0].is_satisfied());
            assert!(!lv[lv.len() - 1].is_satisfied());
            assert!(lv.windows(2).all(|w| w[0] > w[1]), "best first");
        }
    }

    #[test]
    fn two_level_scale_has_no_very_satisfied() {
        assert!(!Scale::Two.offers(Level::VERY_SATISFIED));
        assert_eq!(Level::SATISFIED.label(Lang::Vi), "Hài lòng");
    }
}
