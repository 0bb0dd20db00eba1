//! Rankings with honest statistics (DOMAIN §10): ordered by the lower bound of the 95% Wilson
//! interval, not by the rate, so that 10 of 10 does not beat 960 of 1,000; rows below the
//! minimum n are greyed and unranked; neighbours whose intervals overlap share a band, so that
//! the page does not claim a precision the data does not have.

use serde::Serialize;

use super::ReportError;
use super::figures::Satisfaction;
use super::table::{Cell, Table, satisfaction_cells, satisfaction_headers};
use crate::domain::aggregate::{LevelCounts, dim};
use crate::domain::period::Period;
use crate::store::Store;
use crate::store::dashboards::UnitSet;

/// What is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankingOf {
    /// The unit's direct sub-units.
    SubUnits,
    /// Every commune below the unit (or in the country, for administrators).
    Communes,
    /// Officials rated within the unit.
    Officials,
}

impl RankingOf {
    pub fn as_str(self) -> &'static str {
        match self {
            RankingOf::SubUnits => "sub_units",
            RankingOf::Communes => "communes",
            RankingOf::Officials => "officials",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankRow {
    /// Position by Wilson lower bound; None when below the minimum n.
    pub rank: Option<u32>,
    /// Band number (1 = best); rows of a band cannot be told apart at 95%.
    pub band: Option<u32>,
    /// "3–7": the positions the band spans (just "3" for a band of one).
    pub band_positions: Option<String>,
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The province of a commune, the unit of an official.
    pub place: String,
    pub satisfaction: Satisfaction,
    pub below_min_n: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranking {
    /// None: the whole country.
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub of: RankingOf,
    pub period: String,
    pub period_label_vi: String,
    pub period_label_en: String,
    pub min_n: u64,
    pub rows: Vec<RankRow>,
    pub ranked: usize,
    pub bands: u32,
}

/// Orders, ranks and bands rows. A band starts at the best row not yet banded and takes every
/// following row whose interval reaches up to the band leader's lower bound.
pub fn rank(mut rows: Vec<RankRow>, min_n: u64) -> Vec<RankRow> {
    for r in &mut rows {
        r.below_min_n = r.satisfaction.ballots < min_n || r.satisfaction.low.is_none();
        r.rank = None;
        r.band = None;
        r.band_positions = None;
    }
    let key = |r: &RankRow| r.satisfaction.low.unwrap_or(-1.0);
    // Sorted as a permutation of compact keys: moving the rows themselves (about 300 bytes
    // each), or reaching into them at every comparison, was most of the time to rank the
    // country's 3,321 communes.
    let mut order: Vec<(bool, f64, f64, u64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let s = &r.satisfaction;
            (r.below_min_n, key(r), s.rate.unwrap_or(-1.0), s.ballots, i)
        })
        .collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| b.1.total_cmp(&a.1))
            .then_with(|| b.2.total_cmp(&a.2))
            .then_with(|| b.3.cmp(&a.3))
            .then_with(|| rows[a.4].code.cmp(&rows[b.4].code))
            .then_with(|| a.4.cmp(&b.4))
    });
    let mut slots: Vec<Option<RankRow>> = rows.into_iter().map(Some).collect();
    let mut rows: Vec<RankRow> = order
        .into_iter()
        .map(|(.., i)| slots[i].take().expect("each row once"))
        .collect();
    let ranked = rows.iter().take_while(|r| !r.below_min_n).count();
    let mut band = 0;
    let mut start = 0;
    while start < ranked {
        band += 1;
        let leader_low = key(&rows[start]);
        let mut end = start + 1;
        while end < ranked && rows[end].satisfaction.high.unwrap_or(0.0) >= leader_low {
            end += 1;
        }
        let label = if end - start == 1 {
            (start + 1).to_string()
        } else {
            format!("{}–{}", start + 1, end)
        };
        for (i, r) in rows.iter_mut().enumerate().take(end).skip(start) {
            r.rank = Some(i as u32 + 1);
            r.band = Some(band);
            r.band_positions = Some(label.clone());
        }
        start = end;
    }
    rows
}

impl Ranking {
    /// `root` None ranks the communes of the whole country (administrators only).
    pub async fn build(
        store: &Store,
        root: Option<&crate::store::units::Unit>,
        of: RankingOf,
        period: Period,
        min_n: u64,
    ) -> Result<Ranking, ReportError> {
        let buckets = period.cover();
        let rows: Vec<RankRow> = match (of, root) {
            (RankingOf::Officials, Some(u)) => {
                let counts = store
                    .rating_agg_by_key(u.id, dim::OFFICIAL, &buckets)
                    .await?;
                let ids: Vec<i64> = counts.iter().map(|r| r.0).filter(|k| *k != 0).collect();
                let labels: std::collections::HashMap<i64, _> = store
                    .official_labels(&ids)
                    .await?
                    .into_iter()
                    .map(|l| (l.id, l))
                    .collect();
                counts
                    .into_iter()
                    .filter_map(|(k, _, c)| {
                        let l = labels.get(&k)?;
                        Some(row(l.id, &l.code, &l.name, &l.place, &c))
                    })
                    .collect()
            }
            (RankingOf::Officials, None) => Vec::new(),
            (of, root) => {
                let set = match (of, root) {
                    (RankingOf::SubUnits, Some(u)) => UnitSet::ChildrenOf(u.id),
                    (RankingOf::SubUnits, None) => UnitSet::LevelWithin("province", None),
                    (_, r) => UnitSet::LevelWithin("commune", r.map(|u| u.id)),
                };
                let (labels, counts) = store.units_satisfaction(set, &buckets).await?;
                labels
                    .iter()
                    .zip(&counts)
                    .map(|(l, c)| {
                        row(
                            l.id,
                            &l.code,
                            &l.name,
                            l.parent_name.as_deref().unwrap_or(""),
                            c,
                        )
                    })
                    .collect()
            }
        };
        let rows = rank(rows, min_n);
        let ranked = rows.iter().filter(|r| r.rank.is_some()).count();
        let bands = rows.iter().filter_map(|r| r.band).max().unwrap_or(0);
        Ok(Ranking {
            unit_id: root.map(|u| u.id),
            unit_name: root.map_or_else(|| "Toàn quốc".into(), |u| u.name.clone()),
            of,
            period: period.slug(),
            period_label_vi: period.label_vi(),
            period_label_en: period.label_en(),
            min_n,
            rows,
            ranked,
            bands,
        })
    }
}

impl Ranking {
    pub fn title_lines(&self) -> Vec<String> {
        let what = match self.of {
            RankingOf::SubUnits => "ĐƠN VỊ TRỰC THUỘC",
            RankingOf::Communes => "CẤP XÃ",
            RankingOf::Officials => "CÁN BỘ, CÔNG CHỨC",
        };
        vec![
            format!(
                "XẾP HẠNG MỨC ĐỘ HÀI LÒNG – {what} – {}",
                self.period_label_vi.to_uppercase()
            ),
            format!(
                "{} · xếp theo cận dưới khoảng tin cậy 95% (Wilson); dưới {} phiếu không xếp hạng",
                self.unit_name, self.min_n
            ),
        ]
    }

    pub fn table(&self) -> Table {
        let mut headers = vec![
            "Hạng".to_string(),
            "Nhóm (không phân biệt được ở mức 95%)".into(),
            "Mã".into(),
            "Tên".into(),
            "Thuộc".into(),
        ];
        headers.extend(satisfaction_headers());
        Table {
            key: "ranking",
            sheet: "Xếp hạng".into(),
            headers,
            greyed: self.rows.iter().map(|r| r.below_min_n).collect(),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    let mut v = vec![
                        Cell::Text(r.rank.map(|n| n.to_string()).unwrap_or_default()),
                        Cell::Text(
                            r.band_positions
                                .clone()
                                .unwrap_or_else(|| "chưa đủ phiếu".into()),
                        ),
                        Cell::Text(r.code.clone()),
                        Cell::Text(r.name.clone()),
                        Cell::Text(r.place.clone()),
                    ];
                    v.extend(satisfaction_cells(&r.satisfaction));
                    v
                })
                .collect(),
        }
    }
}

fn row(id: i64, code: &str, name: &str, place: &str, c: &LevelCounts) -> RankRow {
    RankRow {
        rank: None,
        band: None,
        band_positions: None,
        id,
        code: code.into(),
        name: name.into(),
        place: place.into(),
        satisfaction: Satisfaction::of(c),
        below_min_n: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(code: &str, satisfied: i64, n: i64) -> RankRow {
        row(
            0,
            code,
            code,
            "",
            &LevelCounts {
                levels: [n - satisfied, 0, 0, satisfied, 0],
                top_offered: n,
                flagged: 0,
            },
        )
    }

    #[test]
    fn the_lower_bound_orders_and_small_samples_are_not_ranked() {
        let rows = rank(
            vec![
                r("perfect-but-few", 10, 10),
                r("large", 960, 1000),
                r("middling", 800, 1000),
                r("tiny", 3, 3),
            ],
            30,
        );
        let order: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        // 10/10 is below the minimum n of 30: greyed, after every ranked row, unranked.
        assert_eq!(order, ["large", "middling", "perfect-but-few", "tiny"]);
        assert_eq!(rows[0].rank, Some(1));
        assert_eq!(rows[1].rank, Some(2));
        assert!(rows[2].below_min_n && rows[2].rank.is_none() && rows[2].band.is_none());
    }

    #[test]
    fn equal_figures_are_ordered_by_code_whatever_the_input_order() {
        let rows = rank(
            vec![
                r("c", 900, 1000),
                r("a", 900, 1000),
                r("few", 5, 10),
                r("b", 900, 1000),
                r("d", 950, 1000),
            ],
            30,
        );
        let order: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(order, ["d", "a", "b", "c", "few"]);
    }

    #[test]
    fn overlapping_neighbours_share_a_band() {
        let rows = rank(
            vec![
                r("a", 950, 1000),
                r("b", 940, 1000), // overlaps a
                r("c", 900, 1000), // clearly lower
                r("d", 895, 1000), // overlaps c
                r("e", 500, 1000),
            ],
            30,
        );
        let bands: Vec<Option<u32>> = rows.iter().map(|r| r.band).collect();
        assert_eq!(bands, [Some(1), Some(1), Some(2), Some(2), Some(3)]);
        assert_eq!(rows[0].band_positions.as_deref(), Some("1–2"));
        assert_eq!(rows[4].band_positions.as_deref(), Some("5"));
        assert_eq!(rows[3].rank, Some(4));
    }
}
