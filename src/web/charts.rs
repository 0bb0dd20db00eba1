//! Server-drawn SVG charts for leaders' dashboards: a monthly trend, 100% stacked bars, a weekday × hour heatmap and a ranking's forest plot.
//! Hand-written, not plotters: without a ttf font backend plotters sizes text by byte count (Vietnamese diacritics take 2–3 bytes) and its SVG has no title/desc/role, patterns or gaps; these four charts are simple enough to draw directly.
//!
//! Every function returns a complete `<svg>` element for an askama template to insert with `|safe`.
//! The markup is self-contained: no script, no `style` attribute or element (the page's CSP has no
//! 'unsafe-inline'), only presentation attributes, so page CSS can still override them. Each chart is
//! 720 user units wide (`viewBox`), `width="100%"`, and takes its height from the viewBox ratio; text
//! inherits the page's font. Every chart has `role="img"`, a `<title>` and a generated `<desc>`
//! summarising the numbers for screen readers, and draws its title visibly at the top.
//! Meaning never rests on colour alone: series differ by marker shape and dash pattern and are
//! labelled at their ends, stacked segments differ by lightness and hatching, greyed rows by hollow
//! markers. Root classes for CSS: `chart` plus `chart-line`, `chart-stacked`, `chart-heatmap`,
//! `chart-interval` or `chart-empty`.

use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Width of every chart's viewBox, in user units.
pub const WIDTH: f64 = 720.0;

/// Shown (and read out) when a chart has nothing to draw.
pub const NO_DATA: &str = "Chưa có dữ liệu";

/// Suffix of greyed rows' labels in the forest plot.
pub const GREYED_SUFFIX: &str = " (chưa đủ phiếu)";

const INK: &str = "#1a1a1a";
const MUTED: &str = "#4d4d4d";
const GRID: &str = "#d9d9d9";
/// Points and intervals of ranked rows in the forest plot.
const RANK: &str = "#1b4f8a";
/// Greyed (not ranked) rows in the forest plot: lines and markers, then text.
const GREY_LINE: &str = "#b3b3b3";
const GREY_TEXT: &str = "#808080";
/// Series colours: all dark enough to print as near-black, and told apart by marker and dash too.
const SERIES: [&str; 5] = ["#1b4f8a", "#a33b12", "#2d6a2f", "#5e3a8c", "#4d4d4d"];
/// The target/reference line is dash-dot, unlike any series.
const TARGET_DASH: &str = "8 3 2 3";
const SERIES_DASH: &str = "6 4";
const FS: f64 = 12.0;
const FS_SMALL: f64 = 11.0;
const FS_TITLE: f64 = 14.0;

macro_rules! w {
    ($dst:expr, $($arg:tt)*) => {{ let _ = write!($dst, $($arg)*); }};
}

// ---------------------------------------------------------------------------------------------
// Number formatting (Vietnamese: decimal comma, dot between thousands)
// ---------------------------------------------------------------------------------------------

/// A rate in 0..1 as a Vietnamese percentage: `fmt_pct(0.853, 1)` is "85,3%". Not finite: "–".
pub fn fmt_pct(rate: f64, decimals: usize) -> String {
    if !rate.is_finite() {
        return "–".into();
    }
    let scale = 10f64.powi(decimals as i32);
    // Adding 0.0 turns a rounded -0.0 into 0.0, so a tiny negative never prints "-0,0%".
    let v = (rate * 100.0 * scale).round() / scale + 0.0;
    let s = format!("{v:.decimals$}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = format!("{sign}{}", group_thousands(digits));
    if !frac.is_empty() {
        w!(out, ",{frac}");
    }
    out.push('%');
    out
}

/// A count with a dot between thousands: `fmt_count(1234567)` is "1.234.567".
pub fn fmt_count(n: u64) -> String {
    group_thousands(&n.to_string())
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Specs
// ---------------------------------------------------------------------------------------------

/// A trend over months (up to about 24 points per series).
#[derive(Debug, Clone, Default)]
pub struct LineChart {
    pub title: String,
    /// One label per x position, e.g. "11/2026".
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub y: YAxis,
    /// A horizontal dash-dot line with its label, e.g. `(0.8, "Mục tiêu 80%")` (in the y axis' unit).
    pub target: Option<(f64, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Series {
    pub label: String,
    /// One per x label; `None` (or a non-finite value) leaves a gap in the line.
    pub points: Vec<Option<f64>>,
    /// A 95% interval per point, drawn as a light band behind the line.
    pub band: Option<Vec<Option<(f64, f64)>>>,
    pub dashed: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum YAxis {
    /// Rates in 0..1, drawn 0–100% with a tick every 20%.
    #[default]
    Percent,
    /// Counts, drawn from 0 to a round maximum.
    Count,
}

/// Horizontal 100% stacked bars, one row per item (e.g. a question with a count per answer level).
#[derive(Debug, Clone, Default)]
pub struct StackedBars {
    pub title: String,
    /// Legend, in drawing order from the left.
    pub categories: Vec<Category>,
    /// Row label and one count per category.
    pub rows: Vec<(String, Vec<u64>)>,
}

#[derive(Debug, Clone, Default)]
pub struct Category {
    pub label: String,
    /// 0.0 darkest … 1.0 lightest. Every other category is also hatched so they differ in print.
    pub shade: f64,
}

impl Category {
    /// Categories shaded evenly from darkest (first) to lightest (last).
    pub fn ramp<S: AsRef<str>>(labels: &[S]) -> Vec<Category> {
        let k = labels.len().saturating_sub(1).max(1) as f64;
        let cat = |(i, l): (usize, &S)| Category {
            label: l.as_ref().to_owned(),
            shade: i as f64 / k,
        };
        labels.iter().enumerate().map(cat).collect()
    }
}

/// A weekday × hour pattern of rates.
#[derive(Debug, Clone, Default)]
pub struct Heatmap {
    pub title: String,
    /// E.g. "T2" … "CN".
    pub row_labels: Vec<String>,
    /// E.g. "7h" … "17h".
    pub col_labels: Vec<String>,
    /// `cells[row][col]`: rate in 0..1 and its number of ballots; `None`: no ballot.
    pub cells: Vec<Vec<Option<(f64, u64)>>>,
    /// Cells with fewer ballots are hatched and show no value.
    pub min_n: u64,
}

/// A ranking drawn as a forest plot: a point per rate and a line per 95% interval.
#[derive(Debug, Clone, Default)]
pub struct IntervalPlot {
    pub title: String,
    /// In ranking order, top first.
    pub rows: Vec<IntervalRow>,
    /// A vertical dash-dot reference line, e.g. `(0.8, "Mục tiêu 80%")`.
    pub target: Option<(f64, String)>,
    /// Zoom the x axis to [lowest bound of a ranked row rounded down to 10%, 100%] instead of
    /// 0–100%. The axis caption states the range either way.
    pub auto_zoom: bool,
}

#[derive(Debug, Clone, Default)]
pub struct IntervalRow {
    pub label: String,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: u64,
    /// Below the minimum number of ballots: light grey, hollow, suffixed with [`GREYED_SUFFIX`].
    pub greyed: bool,
    /// Adjacent rows with the same band are statistically indistinguishable: they share a bracket.
    pub band: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers
// ---------------------------------------------------------------------------------------------

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: one decimal at most, never NaN or inf.
fn f(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 10.0).round() / 10.0 + 0.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn max_of(it: impl Iterator<Item = f64>) -> f64 {
    it.fold(0.0, f64::max)
}

/// Rough width of a text in a proportional sans font such as DejaVu Sans (combining marks take
/// no width). Generous, so that labels are shortened rather than clipped.
fn text_w(s: &str, size: f64) -> f64 {
    let combining = |c: &char| ('\u{0300}'..='\u{036F}').contains(c);
    s.chars().filter(|c| !combining(c)).count() as f64 * size * 0.62
}

/// Shortens a text to about `max_w` with an ellipsis; the flag says whether it was shortened.
fn fit(s: &str, max_w: f64, size: f64) -> (String, bool) {
    if text_w(s, size) <= max_w {
        return (s.to_owned(), false);
    }
    let keep = ((max_w / (size * 0.62)) as usize).saturating_sub(1).max(1);
    let kept: String = s.chars().take(keep).collect();
    (format!("{}…", kept.trim_end()), true)
}

/// A `<text>` element: `txt(x, y, "…").end().small().fill(MUTED).to(&mut s)`. Starts as
/// left-aligned ink at the body size; a text shortened by `max` keeps the full one as tooltip.
struct Txt<'a> {
    x: f64,
    y: f64,
    content: &'a str,
    anchor: &'static str,
    size: f64,
    fill: &'a str,
    bold: bool,
    halo: Option<&'a str>,
    max_w: Option<f64>,
}

fn txt(x: f64, y: f64, content: &str) -> Txt<'_> {
    Txt {
        x,
        y,
        content,
        anchor: "start",
        size: FS,
        fill: INK,
        bold: false,
        halo: None,
        max_w: None,
    }
}

impl<'a> Txt<'a> {
    fn end(self) -> Self {
        Txt {
            anchor: "end",
            ..self
        }
    }
    fn mid(self) -> Self {
        Txt {
            anchor: "middle",
            ..self
        }
    }
    fn small(self) -> Self {
        self.size(FS_SMALL)
    }
    fn size(self, size: f64) -> Self {
        Txt { size, ..self }
    }
    fn bold(self) -> Self {
        Txt { bold: true, ..self }
    }
    fn fill(self, fill: &'a str) -> Self {
        Txt { fill, ..self }
    }
    /// An outline in the background's colour, so the text stays legible over lines and hatching.
    fn halo(self, colour: &'a str) -> Self {
        Txt {
            halo: Some(colour),
            ..self
        }
    }
    fn max(self, w: f64) -> Self {
        Txt {
            max_w: Some(w),
            ..self
        }
    }
    fn to(self, out: &mut String) {
        let (shown, cut) = match self.max_w {
            Some(m) => fit(self.content, m, self.size),
            None => (self.content.to_owned(), false),
        };
        w!(
            out,
            r#"<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}""#,
            f(self.x),
            f(self.y),
            self.anchor,
            f(self.size),
            self.fill
        );
        if self.bold {
            out.push_str(r#" font-weight="bold""#);
        }
        if let Some(h) = self.halo {
            w!(
                out,
                r#" stroke="{h}" stroke-width="3" paint-order="stroke""#
            );
        }
        out.push('>');
        if cut {
            w!(out, "<title>{}</title>", esc(self.content));
        }
        w!(out, "{}</text>", esc(&shown));
    }
}

/// `stroke` and `stroke-width` attributes.
fn stroke(colour: &str, width: f64) -> String {
    format!(r#"stroke="{colour}" stroke-width="{}""#, f(width))
}

fn line(out: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), attrs: &str) {
    w!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#,
        f(x1),
        f(y1),
        f(x2),
        f(y2)
    );
}

fn rect(out: &mut String, (x, y): (f64, f64), (w, h): (f64, f64), attrs: &str) {
    w!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
        f(x),
        f(y),
        f(w.max(0.0)),
        f(h.max(0.0))
    );
}

/// A stable id for a chart, so several charts on one page keep their ids (and patterns) apart.
fn chart_id(kind: &str, spec: &impl std::fmt::Debug) -> String {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    format!("{spec:?}").hash(&mut h);
    format!("chart-{kind}-{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// The `<svg>` start tag, its `<title>` and `<desc>`, and the visible title.
fn open(id: &str, class: &str, height: f64, title: &str, desc: &str) -> String {
    let mut s = String::with_capacity(8192);
    w!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {class}" id="{id}" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{id}-t {id}-d" font-family="inherit" font-size="{}" fill="{INK}">"#,
        f(WIDTH),
        f(height),
        f(FS)
    );
    w!(
        s,
        r#"<title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    txt(0.0, FS_TITLE + 2.0, title)
        .size(FS_TITLE)
        .bold()
        .max(WIDTH)
        .to(&mut s);
    s
}

fn empty(id: &str, title: &str) -> String {
    let mut s = open(id, "chart-empty", 80.0, title, NO_DATA);
    let frame = format!(r#"fill="none" {}"#, stroke(GRID, 1.0));
    rect(&mut s, (0.5, 26.0), (WIDTH - 1.0, 50.0), &frame);
    txt(WIDTH / 2.0, 56.0, NO_DATA).mid().fill(MUTED).to(&mut s);
    s.push_str("</svg>");
    s
}

/// Hatching patterns: `{id}-hd` dark lines (on light fills), `{id}-hl` light lines (on dark fills).
fn hatch_defs(id: &str) -> String {
    let pattern = |suffix: &str, colour: &str, opacity: &str| {
        format!(
            r#"<pattern id="{id}-{suffix}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-opacity="{opacity}" stroke-width="1.5"/></pattern>"#
        )
    };
    format!(
        "<defs>{}{}</defs>",
        pattern("hd", "#000", "0.35"),
        pattern("hl", "#fff", "0.5")
    )
}

fn shade_rgb(t: f64) -> [u8; 3] {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let dark = [11.0, 48.0, 92.0];
    let light = [236.0, 241.0, 247.0];
    let mut c = [0u8; 3];
    for (i, v) in c.iter_mut().enumerate() {
        *v = (dark[i] + (light[i] - dark[i]) * t).round() as u8;
    }
    c
}

/// A single-hue ramp: 0.0 dark blue … 1.0 nearly white; its luminance rises steadily, so it
/// prints as a grey ramp.
fn shade_colour(t: f64) -> String {
    let [r, g, b] = shade_rgb(t);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// White or ink, whichever contrasts more with `shade_colour(t)` (WCAG relative luminance).
fn on_shade(t: f64) -> &'static str {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let [r, g, b] = shade_rgb(t);
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    // Ink #1a1a1a has a luminance of about 0.01.
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.06 {
        "#ffffff"
    } else {
        INK
    }
}

/// A marker with its tooltip; the shape follows the series index: circle, square, triangle,
/// diamond, cross.
fn marker(out: &mut String, shape: usize, (x, y): (f64, f64), colour: &str, tip: &str) {
    let r = 3.5;
    let paint = format!(r##"fill="{colour}" stroke="#fff" stroke-width="1""##);
    let poly = |pts: &[(f64, f64)]| {
        let d: Vec<String> = pts
            .iter()
            .map(|(dx, dy)| format!("{} {}", f(x + dx), f(y + dy)))
            .collect();
        format!(r#"<path d="M{}Z" {paint}/>"#, d.join("L"))
    };
    w!(out, "<g><title>{}</title>", esc(tip));
    match shape % 5 {
        0 => w!(
            out,
            r#"<circle cx="{}" cy="{}" r="{}" {paint}/>"#,
            f(x),
            f(y),
            f(r)
        ),
        1 => rect(out, (x - r, y - r), (2.0 * r, 2.0 * r), &paint),
        2 => out.push_str(&poly(&[(0.0, -r - 1.0), (r + 0.5, r), (-r - 0.5, r)])),
        3 => out.push_str(&poly(&[
            (0.0, -r - 1.0),
            (r + 1.0, 0.0),
            (0.0, r + 1.0),
            (-r - 1.0, 0.0),
        ])),
        _ => {
            let st = stroke(colour, 2.0);
            line(out, (x - r, y - r), (x + r, y + r), &st);
            line(out, (x - r, y + r), (x + r, y - r), &st);
        }
    }
    out.push_str("</g>");
}

/// A round step for an axis reaching `max` in about `ticks` steps.
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = [1.0, 2.0, 2.5, 5.0]
        .into_iter()
        .find(|n| norm <= *n)
        .unwrap_or(10.0);
    nice * mag
}

/// Spreads label positions (sorted ascending) at least `gap` apart within [lo, hi].
fn spread(ys: &mut [f64], gap: f64, lo: f64, hi: f64) {
    for i in 1..ys.len() {
        ys[i] = ys[i].max(ys[i - 1] + gap);
    }
    if let Some(&last) = ys.last()
        && last > hi
    {
        ys.iter_mut().for_each(|y| *y -= last - hi);
        for i in (1..ys.len()).rev() {
            ys[i - 1] = ys[i - 1].min(ys[i] - gap);
        }
    }
    ys.iter_mut().for_each(|y| *y = y.max(lo));
}

/// Runs of consecutive `Some` items, as (index, value) lists.
fn runs<T: Copy>(items: &[Option<T>]) -> Vec<Vec<(usize, T)>> {
    let mut out: Vec<Vec<(usize, T)>> = Vec::new();
    let mut in_run = false;
    for (i, item) in items.iter().enumerate() {
        match item {
            Some(v) if in_run => out.last_mut().expect("a run is open").push((i, *v)),
            Some(v) => {
                out.push(vec![(i, *v)]);
                in_run = true;
            }
            None => in_run = false,
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// 1. Line chart
// ---------------------------------------------------------------------------------------------

/// A trend: one line per series with a marker at every point, gaps where a month has no data,
/// an optional shaded 95% band and target line, and each series' last value labelled at the
/// right end (which doubles as the legend: line style, marker and name).
pub fn line_chart(spec: &LineChart) -> String {
    let id = chart_id("line", spec);
    let longest = spec.series.iter().map(|s| s.points.len()).max();
    let n = longest.unwrap_or(0).max(spec.x_labels.len());
    let has_data = spec
        .series
        .iter()
        .any(|s| s.points.iter().any(|p| finite(*p).is_some()));
    if n == 0 || !has_data {
        return empty(&id, &spec.title);
    }
    let pct = spec.y == YAxis::Percent;
    let fmt_v = |v: f64| {
        if pct {
            fmt_pct(v, 1)
        } else if (v - v.round()).abs() < 1e-9 {
            fmt_count(v.max(0.0).round() as u64)
        } else {
            format!("{v:.1}").replace('.', ",")
        }
    };
    let target = spec
        .target
        .as_ref()
        .and_then(|(v, l)| finite(Some(*v)).map(|v| (v, l.as_str())));

    // Y scale.
    let (y_max, step) = if pct {
        (1.0, 0.2)
    } else {
        let points = spec.series.iter().flat_map(|s| s.points.iter().copied());
        let highs = spec
            .series
            .iter()
            .flat_map(|s| s.band.iter().flatten().map(|b| b.map(|(_, hi)| hi)));
        let m = max_of(
            points
                .chain(highs)
                .chain([target.map(|t| t.0)])
                .filter_map(finite),
        );
        let step = nice_step(m.max(1.0), 5.0).max(1.0);
        ((m / step).ceil().max(1.0) * step, step)
    };
    let ticks: Vec<f64> = (0..=((y_max / step).round() as usize))
        .map(|i| i as f64 * step)
        .collect();
    let tick_label = |v: f64| {
        if pct {
            fmt_pct(v, 0)
        } else {
            fmt_count(v.round() as u64)
        }
    };

    // End labels ("87,2% Phường Nha Trang") sit right of the plot: series index, value, text.
    let ends: Vec<(usize, f64, String)> = spec
        .series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let last = s.points.iter().rev().find_map(|p| finite(*p))?;
            Some((i, last, format!("{} {}", fmt_v(last), s.label)))
        })
        .collect();
    // Bold text runs wider.
    let right_w = max_of(ends.iter().map(|e| text_w(&e.2, FS_SMALL) * 1.08)).clamp(60.0, 220.0);
    let left_w = max_of(ticks.iter().map(|t| text_w(&tick_label(*t), FS_SMALL))) + 10.0;
    let top = 38.0;
    let plot_h = 220.0;
    let bottom = top + plot_h;
    let height = bottom + 30.0;
    let x0 = left_w + 8.0;
    let x1 = WIDTH - right_w - 34.0;
    let xpos = |i: usize| match n {
        1 => (x0 + x1) / 2.0,
        _ => x0 + (x1 - x0) * i as f64 / (n - 1) as f64,
    };
    let ypos = |v: f64| bottom - plot_h * (v / y_max).clamp(0.0, 1.0);

    let mut desc = String::from("Biểu đồ đường");
    if let (Some(a), Some(b)) = (spec.x_labels.first(), spec.x_labels.last()) {
        w!(desc, ", {n} mốc từ {a} đến {b}");
    }
    desc.push('.');
    for (i, v, _) in &ends {
        let s = &spec.series[*i];
        let missing = s.points.iter().filter(|p| finite(**p).is_none()).count()
            + n.saturating_sub(s.points.len());
        w!(desc, " {}: gần nhất {}", s.label, fmt_v(*v));
        if missing > 0 {
            w!(desc, ", {missing} mốc không có dữ liệu");
        }
        desc.push('.');
    }
    if let Some((v, l)) = target {
        w!(desc, " Đường mục tiêu: {l} ({}).", fmt_v(v));
    }

    let mut s = open(&id, "chart-line", height, &spec.title, &desc);

    // Grid and y axis.
    s.push_str(r#"<g class="axis y">"#);
    for t in &ticks {
        let y = ypos(*t);
        let colour = if *t == 0.0 { MUTED } else { GRID };
        line(&mut s, (x0 - 8.0, y), (x1 + 8.0, y), &stroke(colour, 1.0));
        let label = tick_label(*t);
        txt(left_w, y + 4.0, &label)
            .end()
            .small()
            .fill(MUTED)
            .to(&mut s);
    }
    s.push_str("</g>");

    // X labels, thinned so they do not collide; the last one is always shown.
    let label_w = max_of(spec.x_labels.iter().map(|l| text_w(l, FS_SMALL))) + 8.0;
    let per = (x1 - x0) / (n.max(2) - 1) as f64;
    let every = ((label_w / per).ceil() as usize).max(1);
    s.push_str(r#"<g class="axis x">"#);
    for (i, l) in spec.x_labels.iter().enumerate().take(n) {
        let x = xpos(i);
        line(&mut s, (x, bottom), (x, bottom + 4.0), &stroke(MUTED, 1.0));
        if (n - 1 - i).is_multiple_of(every) {
            txt(x, bottom + 17.0, l)
                .mid()
                .small()
                .fill(MUTED)
                .max(per * every as f64 - 4.0)
                .to(&mut s);
        }
    }
    s.push_str("</g>");

    // Bands, behind the lines: upper edge forward, lower edge back; a lone interval is a bar.
    for (si, ser) in spec.series.iter().enumerate() {
        let Some(band) = &ser.band else { continue };
        let valid = |b: &Option<(f64, f64)>| b.filter(|(lo, hi)| lo.is_finite() && hi.is_finite());
        let pts: Vec<Option<(f64, f64)>> = band.iter().map(valid).collect();
        let mut d = String::new();
        for run in runs(&pts) {
            let mut upper: Vec<(f64, f64)> = Vec::new();
            let mut lower: Vec<(f64, f64)> = Vec::new();
            for (j, (lo, hi)) in &run {
                let x = xpos(*j);
                if run.len() == 1 {
                    upper.extend([(x - 3.0, ypos(*hi)), (x + 3.0, ypos(*hi))]);
                    lower.extend([(x - 3.0, ypos(*lo)), (x + 3.0, ypos(*lo))]);
                } else {
                    upper.push((x, ypos(*hi)));
                    lower.push((x, ypos(*lo)));
                }
            }
            let ring: Vec<String> = upper
                .iter()
                .chain(lower.iter().rev())
                .map(|(x, y)| format!("{} {}", f(*x), f(*y)))
                .collect();
            w!(d, "M{}Z", ring.join("L"));
        }
        if !d.is_empty() {
            let colour = SERIES[si % SERIES.len()];
            w!(
                s,
                r#"<path class="band" d="{d}" fill="{colour}" fill-opacity="0.14" stroke="none"/>"#
            );
        }
    }

    if let Some((v, l)) = target {
        let y = ypos(v);
        let attrs = format!(r#"{} stroke-dasharray="{TARGET_DASH}""#, stroke(INK, 1.3));
        s.push_str(r#"<g class="target">"#);
        line(&mut s, (x0 - 8.0, y), (x1 + 8.0, y), &attrs);
        txt(x0, y - 5.0, l)
            .small()
            .halo("#fff")
            .max(x1 - x0)
            .to(&mut s);
        s.push_str("</g>");
    }

    // Lines (one subpath per run of two or more points) and markers.
    let dash = |ser: &Series| match ser.dashed {
        true => format!(r#" stroke-dasharray="{SERIES_DASH}""#),
        false => String::new(),
    };
    for (si, ser) in spec.series.iter().enumerate() {
        let colour = SERIES[si % SERIES.len()];
        let pts: Vec<Option<f64>> = ser.points.iter().map(|p| finite(*p)).collect();
        let mut d = String::new();
        for run in runs(&pts).iter().filter(|r| r.len() >= 2) {
            let xy: Vec<String> = run
                .iter()
                .map(|(i, v)| format!("{} {}", f(xpos(*i)), f(ypos(*v))))
                .collect();
            w!(d, "M{}", xy.join("L"));
        }
        w!(s, r#"<g class="series" data-series="{si}">"#);
        if !d.is_empty() {
            w!(
                s,
                r#"<path d="{d}" fill="none" {} stroke-linejoin="round"{}/>"#,
                stroke(colour, 2.0),
                dash(ser)
            );
        }
        for (i, v) in pts.iter().enumerate() {
            if let Some(v) = v {
                let when = spec.x_labels.get(i).map_or("", String::as_str);
                let tip = format!("{}, {when}: {}", ser.label, fmt_v(*v));
                marker(&mut s, si, (xpos(i), ypos(*v)), colour, &tip);
            }
        }
        s.push_str("</g>");
    }

    // End labels with a sample of the line and marker, spread so they never overlap.
    let mut ends: Vec<(f64, usize, String)> =
        ends.into_iter().map(|(i, v, t)| (ypos(v), i, t)).collect();
    ends.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ys: Vec<f64> = ends.iter().map(|e| e.0).collect();
    spread(&mut ys, 14.0, top, bottom);
    let lx = x1 + 14.0;
    s.push_str(r#"<g class="end-labels">"#);
    for ((_, i, label), y) in ends.iter().zip(ys) {
        let ser = &spec.series[*i];
        let colour = SERIES[i % SERIES.len()];
        let attrs = format!("{}{}", stroke(colour, 2.0), dash(ser));
        line(&mut s, (lx, y), (lx + 14.0, y), &attrs);
        marker(&mut s, *i, (lx + 7.0, y), colour, &ser.label);
        txt(lx + 19.0, y + 4.0, label)
            .small()
            .bold()
            .fill(colour)
            .max(WIDTH - lx - 19.0)
            .to(&mut s);
    }
    s.push_str("</g></svg>");
    s
}

// ---------------------------------------------------------------------------------------------
// 2. 100% stacked bars
// ---------------------------------------------------------------------------------------------

/// Horizontal 100% stacked bars: a legend on top, one bar per row, each segment's share printed
/// inside when it fits, and the row's number of ballots ("n = 1.234") at its end.
pub fn stacked_bars(spec: &StackedBars) -> String {
    let id = chart_id("stacked", spec);
    if spec.rows.is_empty() || spec.categories.is_empty() {
        return empty(&id, &spec.title);
    }
    let k = spec.categories.len();
    let counts = |row: &[u64]| -> Vec<u64> { (0..k).map(|i| *row.get(i).unwrap_or(&0)).collect() };
    let totals: Vec<u64> = spec
        .rows
        .iter()
        .map(|(_, r)| counts(r).iter().fold(0u64, |a, b| a.saturating_add(*b)))
        .collect();

    // Legend layout, wrapping.
    let mut legend: Vec<(f64, f64)> = Vec::new();
    let (mut lx, mut ly) = (0.0, 34.0);
    for c in &spec.categories {
        let w = 18.0 + text_w(&c.label, FS_SMALL).min(200.0) + 16.0;
        if lx > 0.0 && lx + w > WIDTH {
            (lx, ly) = (0.0, ly + 18.0);
        }
        legend.push((lx, ly));
        lx += w;
    }
    let label_w = max_of(spec.rows.iter().map(|(l, _)| text_w(l, FS))).clamp(60.0, 230.0);
    let n_text = |t: u64| format!("n = {}", fmt_count(t));
    let n_w = max_of(totals.iter().map(|t| text_w(&n_text(*t), FS_SMALL))) + 8.0;
    let bx0 = label_w + 10.0;
    let bx1 = WIDTH - n_w;
    let bw = bx1 - bx0;
    let top = ly + 22.0;
    let row_h = 30.0;
    let bar_h = 20.0;
    let height = top + row_h * spec.rows.len() as f64 + 4.0;

    let names: Vec<&str> = spec.categories.iter().map(|c| c.label.as_str()).collect();
    let mut desc = format!(
        "Biểu đồ thanh xếp chồng 100%, {} hàng; các mức từ trái sang phải: {}.",
        spec.rows.len(),
        names.join(", ")
    );
    for ((label, row), total) in spec.rows.iter().zip(&totals).take(40) {
        if *total == 0 {
            w!(desc, " {label}: {NO_DATA}.");
            continue;
        }
        let parts: Vec<String> = names
            .iter()
            .zip(counts(row))
            .map(|(name, c)| format!("{name} {}", fmt_pct(c as f64 / *total as f64, 0)))
            .collect();
        w!(
            desc,
            " {label}: {} (n = {}).",
            parts.join(", "),
            fmt_count(*total)
        );
    }

    let mut s = open(&id, "chart-stacked", height, &spec.title, &desc);
    s.push_str(&hatch_defs(&id));
    let shade = |i: usize| spec.categories[i].shade;
    // Every other category is hatched, in light lines on dark shades and dark ones on light.
    let hatch = |i: usize| match (i % 2 == 1, shade(i) < 0.5) {
        (false, _) => None,
        (true, true) => Some(format!(r#"fill="url(#{id}-hl)""#)),
        (true, false) => Some(format!(r#"fill="url(#{id}-hd)""#)),
    };

    s.push_str(r#"<g class="legend">"#);
    for (i, (x, y)) in legend.iter().enumerate() {
        let attrs = format!(r#"fill="{}" {}"#, shade_colour(shade(i)), stroke(INK, 0.75));
        rect(&mut s, (x + 0.5, *y), (12.0, 12.0), &attrs);
        if let Some(h) = hatch(i) {
            rect(&mut s, (x + 0.5, *y), (12.0, 12.0), &h);
        }
        txt(x + 17.0, y + 10.5, &spec.categories[i].label)
            .small()
            .max(200.0)
            .to(&mut s);
    }
    s.push_str("</g>");

    for (r, ((label, row), total)) in spec.rows.iter().zip(&totals).enumerate() {
        let by = top + r as f64 * row_h + (row_h - bar_h) / 2.0;
        let ty = by + bar_h / 2.0 + 4.0;
        s.push_str(r#"<g class="row">"#);
        txt(label_w, ty, label).end().max(label_w).to(&mut s);
        let mut x = bx0;
        for (i, c) in counts(row).into_iter().enumerate() {
            if *total == 0 || c == 0 {
                continue;
            }
            let share = c as f64 / *total as f64;
            let sw = bw * share;
            let fill = shade_colour(shade(i));
            w!(
                s,
                "<g><title>{}: {} {} ({})</title>",
                esc(label),
                esc(&spec.categories[i].label),
                fmt_pct(share, 1),
                fmt_count(c)
            );
            let attrs = format!(r#"fill="{fill}" {}"#, stroke("#fff", 1.0));
            rect(&mut s, (x, by), (sw, bar_h), &attrs);
            if let Some(h) = hatch(i) {
                rect(&mut s, (x, by), (sw, bar_h), &h);
            }
            let t = fmt_pct(share, 0);
            if sw >= text_w(&t, FS_SMALL) + 6.0 {
                txt(x + sw / 2.0, ty, &t)
                    .mid()
                    .small()
                    .bold()
                    .fill(on_shade(shade(i)))
                    .halo(&fill)
                    .to(&mut s);
            }
            s.push_str("</g>");
            x += sw;
        }
        if *total == 0 {
            txt(bx0 + bw / 2.0, ty, NO_DATA)
                .mid()
                .small()
                .fill(MUTED)
                .to(&mut s);
        }
        let frame = format!(r#"fill="none" {}"#, stroke(INK, 0.75));
        rect(&mut s, (bx0, by), (bw, bar_h), &frame);
        txt(bx1 + 6.0, ty, &n_text(*total))
            .small()
            .fill(MUTED)
            .to(&mut s);
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

// ---------------------------------------------------------------------------------------------
// 3. Heatmap
// ---------------------------------------------------------------------------------------------

/// A weekday × hour grid: darker cells have higher rates, cells with too few ballots are hatched
/// and show no value, values are printed in cells large enough, with a legend below.
pub fn heatmap(spec: &Heatmap) -> String {
    let id = chart_id("heatmap", spec);
    let rows = spec.row_labels.len().max(spec.cells.len());
    let widest = spec.cells.iter().map(Vec::len).max().unwrap_or(0);
    let cols = spec.col_labels.len().max(widest);
    if rows == 0 || cols == 0 {
        return empty(&id, &spec.title);
    }
    let cell = |r: usize, c: usize| -> Option<(f64, u64)> {
        let (v, n) = spec.cells.get(r)?.get(c).copied().flatten()?;
        v.is_finite().then(|| (v.clamp(0.0, 1.0), n))
    };
    let rated = |r: usize, c: usize| cell(r, c).filter(|(_, n)| *n >= spec.min_n);
    let name = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    let label_w = max_of(spec.row_labels.iter().map(|l| text_w(l, FS))).clamp(20.0, 160.0) + 8.0;
    let cw = ((WIDTH - label_w) / cols as f64).min(64.0);
    let ch = 30.0;
    let top = 48.0;
    let grid_bottom = top + ch * rows as f64;
    let height = grid_bottom + 56.0;
    let show_values = cw >= text_w("100%", FS_SMALL) + 4.0;

    // Description: shape, then the best and worst cells with enough ballots.
    let mut desc = format!(
        "Bản đồ nhiệt tỉ lệ hài lòng: {rows} hàng ({}), {cols} cột ({}). Ô càng đậm tỉ lệ càng cao; ô gạch chéo có dưới {} phiếu.",
        spec.row_labels.join(", "),
        spec.col_labels.join(", "),
        fmt_count(spec.min_n)
    );
    let mut valid: Vec<(f64, usize, usize)> = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .filter_map(|(r, c)| rated(r, c).map(|(v, _)| (v, r, c)))
        .collect();
    valid.sort_by(|a, b| a.0.total_cmp(&b.0));
    let at = |(v, r, c): (f64, usize, usize)| {
        let place = format!(
            "{} {}",
            name(&spec.row_labels, r),
            name(&spec.col_labels, c)
        );
        format!("{place} ({})", fmt_pct(v, 0))
    };
    match (valid.first(), valid.last()) {
        (Some(lo), Some(hi)) => w!(desc, " Cao nhất: {}; thấp nhất: {}.", at(*hi), at(*lo)),
        _ => w!(desc, " {NO_DATA}."),
    }

    let mut s = open(&id, "chart-heatmap", height, &spec.title, &desc);
    s.push_str(&hatch_defs(&id));
    s.push_str(r#"<g class="axis">"#);
    for c in 0..cols {
        txt(
            label_w + cw * (c as f64 + 0.5),
            top - 7.0,
            &name(&spec.col_labels, c),
        )
        .mid()
        .small()
        .fill(MUTED)
        .max(cw)
        .to(&mut s);
    }
    for r in 0..rows {
        txt(
            label_w - 8.0,
            top + ch * (r as f64 + 0.5) + 4.0,
            &name(&spec.row_labels, r),
        )
        .end()
        .max(label_w - 8.0)
        .to(&mut s);
    }
    s.push_str("</g>");

    let few_fill = "#f0f0f0";
    let hatched = format!(r#"fill="url(#{id}-hd)""#);
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (label_w + cw * c as f64, top + ch * r as f64);
            let place = format!(
                "{} {}",
                name(&spec.row_labels, r),
                name(&spec.col_labels, c)
            );
            let cell_rect = |s: &mut String, fill: &str| {
                let attrs = format!(r#"fill="{fill}" {}"#, stroke("#fff", 2.0));
                rect(s, (x, y), (cw, ch), &attrs);
            };
            match (cell(r, c), rated(r, c)) {
                (_, Some((v, n))) => {
                    let t = 1.0 - v;
                    w!(
                        s,
                        r#"<g class="cell"><title>{}: {} (n = {})</title>"#,
                        esc(&place),
                        fmt_pct(v, 1),
                        fmt_count(n)
                    );
                    cell_rect(&mut s, &shade_colour(t));
                    if show_values {
                        txt(x + cw / 2.0, y + ch / 2.0 + 4.0, &fmt_pct(v, 0))
                            .mid()
                            .small()
                            .fill(on_shade(t))
                            .to(&mut s);
                    }
                }
                (Some((_, n)), None) => {
                    w!(
                        s,
                        r#"<g class="cell few"><title>{}: n = {}, dưới {} phiếu</title>"#,
                        esc(&place),
                        fmt_count(n),
                        fmt_count(spec.min_n)
                    );
                    cell_rect(&mut s, few_fill);
                    rect(&mut s, (x + 1.0, y + 1.0), (cw - 2.0, ch - 2.0), &hatched);
                }
                (None, _) => {
                    w!(
                        s,
                        r#"<g class="cell none"><title>{}: không có phiếu</title>"#,
                        esc(&place)
                    );
                    cell_rect(&mut s, "#fff");
                    let frame = format!(r#"fill="none" {}"#, stroke(GRID, 1.0));
                    rect(&mut s, (x + 1.5, y + 1.5), (cw - 3.0, ch - 3.0), &frame);
                }
            }
            s.push_str("</g>");
        }
    }

    // Legend: the ramp in six steps, then a hatched and an empty cell.
    let ly = grid_bottom + 14.0;
    let swatch = (34.0, 14.0);
    s.push_str(r#"<g class="legend">"#);
    let mut x = label_w;
    for i in 0..=5 {
        let v = i as f64 / 5.0;
        let attrs = format!(r#"fill="{}" {}"#, shade_colour(1.0 - v), stroke(INK, 0.5));
        rect(&mut s, (x, ly), swatch, &attrs);
        txt(x + 17.0, ly + 28.0, &fmt_pct(v, 0))
            .mid()
            .small()
            .fill(MUTED)
            .to(&mut s);
        x += 36.0;
    }
    x += 20.0;
    let attrs = format!(r#"fill="{few_fill}" {}"#, stroke(INK, 0.5));
    rect(&mut s, (x, ly), swatch, &attrs);
    rect(&mut s, (x, ly), swatch, &hatched);
    let few = format!("dưới {} phiếu", fmt_count(spec.min_n));
    txt(x + 40.0, ly + 11.0, &few).small().to(&mut s);
    x += 40.0 + text_w(&few, FS_SMALL) + 20.0;
    let attrs = format!(r##"fill="#fff" {}"##, stroke(GRID, 1.0));
    rect(&mut s, (x, ly), swatch, &attrs);
    txt(x + 40.0, ly + 11.0, "không có phiếu")
        .small()
        .to(&mut s);
    s.push_str("</g></svg>");
    s
}

// ---------------------------------------------------------------------------------------------
// 4. Interval (forest) plot
// ---------------------------------------------------------------------------------------------

/// A ranking's forest plot: per row a point at the rate and a line over its 95% Wilson interval,
/// the rate and n at the right; rows that tie statistically (same `band`, adjacent) share a
/// bracket and background; greyed rows are light grey, hollow and suffixed; the axis caption
/// states its range, which may be zoomed.
pub fn interval_plot(spec: &IntervalPlot) -> String {
    let id = chart_id("interval", spec);
    if spec.rows.is_empty() {
        return empty(&id, &spec.title);
    }
    let target = spec
        .target
        .as_ref()
        .and_then(|(v, l)| finite(Some(*v)).map(|v| (v.clamp(0.0, 1.0), l.as_str())));

    // X range: zoomed to the ranked rows' lowest bound (and the target), rounded down to 10%.
    let lo = if spec.auto_zoom {
        let ranked = spec.rows.iter().filter(|r| !r.greyed);
        let m = ranked
            .flat_map(|r| [r.low, r.rate])
            .chain([target.map(|t| t.0)])
            .filter_map(finite)
            .fold(1.0, f64::min);
        ((m.clamp(0.0, 1.0) * 10.0).floor() / 10.0).min(0.9)
    } else {
        0.0
    };
    let hi = 1.0;
    let step = if hi - lo <= 0.5 + 1e-9 { 0.1 } else { 0.2 };

    let labels: Vec<String> = spec
        .rows
        .iter()
        .map(|r| match r.greyed {
            true => format!("{}{GREYED_SUFFIX}", r.label),
            false => r.label.clone(),
        })
        .collect();
    let right: Vec<String> = spec
        .rows
        .iter()
        .map(|r| {
            let rate = finite(r.rate).map_or("–".into(), |v| fmt_pct(v, 1));
            format!("{rate} · n = {}", fmt_count(r.n))
        })
        .collect();
    let bracket_w = 12.0;
    let label_w = max_of(labels.iter().map(|l| text_w(l, FS))).clamp(80.0, 250.0);
    let right_w = max_of(right.iter().map(|t| text_w(t, FS_SMALL))) + 12.0;
    let x0 = bracket_w + label_w + 16.0;
    let x1 = WIDTH - right_w - 10.0;
    let xpos = |v: f64| x0 + (x1 - x0) * ((v.clamp(lo, hi) - lo) / (hi - lo));
    let top = if target.is_some() { 48.0 } else { 32.0 };
    let row_h = 24.0;
    let rows_bottom = top + row_h * spec.rows.len() as f64;

    // Groups of two or more adjacent rows in the same band, as [first, end).
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < spec.rows.len() {
        let band = spec.rows[i].band;
        let len = spec.rows[i..]
            .iter()
            .take_while(|r| band.is_some() && r.band == band)
            .count()
            .max(1);
        if len >= 2 {
            groups.push((i, i + len));
        }
        i += len;
    }
    let height = rows_bottom + if groups.is_empty() { 46.0 } else { 62.0 };

    let range_text = format!("trục từ {} đến {}", fmt_pct(lo, 0), fmt_pct(hi, 0));
    let mut desc = format!(
        "Xếp hạng {} mục theo tỉ lệ hài lòng, mỗi mục có khoảng tin cậy 95%; {range_text}.",
        spec.rows.len()
    );
    if let Some((t, l)) = target {
        w!(desc, " Đường tham chiếu: {l} ({}).", fmt_pct(t, 1));
    }
    for (k, (r, label)) in spec.rows.iter().zip(&labels).enumerate().take(60) {
        let rate = finite(r.rate).map_or("–".into(), |v| fmt_pct(v, 1));
        w!(desc, " {}. {label}: {rate}", k + 1);
        if let (Some(a), Some(b)) = (finite(r.low), finite(r.high)) {
            w!(desc, " ({}–{})", fmt_pct(a, 1), fmt_pct(b, 1));
        }
        w!(desc, ", n = {}.", fmt_count(r.n));
    }
    let tie_note = "Các mục chung một dấu ngoặc ở lề trái không khác biệt có ý nghĩa thống kê.";
    if !groups.is_empty() {
        w!(desc, " {tie_note}");
    }

    let mut s = open(&id, "chart-interval", height, &spec.title, &desc);

    // Band backgrounds (alternating) and brackets.
    s.push_str(r#"<g class="bands">"#);
    for (g, (a, b)) in groups.iter().enumerate() {
        let (ya, yb) = (top + row_h * *a as f64, top + row_h * *b as f64);
        let fill = if g % 2 == 0 { "#eef2f7" } else { "#f4f4f4" };
        rect(
            &mut s,
            (0.0, ya + 1.0),
            (WIDTH, yb - ya - 2.0),
            &format!(r#"fill="{fill}""#),
        );
        w!(
            s,
            r#"<path d="M{} {}H3V{}H{}" fill="none" {}/>"#,
            f(bracket_w - 2.0),
            f(ya + 5.0),
            f(yb - 5.0),
            f(bracket_w - 2.0),
            stroke(INK, 1.5)
        );
    }
    s.push_str("</g>");

    // Grid, axis and its caption.
    s.push_str(r#"<g class="axis x">"#);
    let nt = ((hi - lo) / step).round() as usize;
    for t in 0..=nt {
        let v = lo + step * t as f64;
        let x = xpos(v);
        line(&mut s, (x, top), (x, rows_bottom + 4.0), &stroke(GRID, 1.0));
        txt(x, rows_bottom + 17.0, &fmt_pct(v, 0))
            .mid()
            .small()
            .fill(MUTED)
            .to(&mut s);
    }
    let axis_y = rows_bottom + 4.0;
    line(&mut s, (x0, axis_y), (x1, axis_y), &stroke(MUTED, 1.0));
    let from_zero = if lo > 0.0 {
        ", không bắt đầu từ 0%"
    } else {
        ""
    };
    let caption = format!("Tỉ lệ hài lòng và khoảng tin cậy 95% ({range_text}{from_zero})");
    txt((x0 + x1) / 2.0, rows_bottom + 34.0, &caption)
        .mid()
        .small()
        .max(WIDTH)
        .to(&mut s);
    if !groups.is_empty() {
        txt(0.0, rows_bottom + 50.0, tie_note)
            .small()
            .max(WIDTH)
            .to(&mut s);
    }
    s.push_str("</g>");

    if let Some((t, l)) = target {
        let x = xpos(t);
        let attrs = format!(r#"{} stroke-dasharray="{TARGET_DASH}""#, stroke(INK, 1.3));
        s.push_str(r#"<g class="target">"#);
        line(&mut s, (x, top - 6.0), (x, rows_bottom + 4.0), &attrs);
        let label = txt(x, top - 10.0, l).small().max(WIDTH / 2.0);
        match x {
            x if x > x1 - 60.0 => label.end(),
            x if x < x0 + 60.0 => label,
            _ => label.mid(),
        }
        .to(&mut s);
        s.push_str("</g>");
    }

    for (k, (r, label)) in spec.rows.iter().zip(&labels).enumerate() {
        let yc = top + row_h * (k as f64 + 0.5);
        let (ink, text_ink, class) = match r.greyed {
            true => (GREY_LINE, GREY_TEXT, "row greyed"),
            false => (RANK, INK, "row"),
        };
        w!(s, r#"<g class="{class}" data-row="{k}">"#);
        txt(bracket_w + label_w + 6.0, yc + 4.0, label)
            .end()
            .fill(text_ink)
            .max(label_w)
            .to(&mut s);
        if let (Some(a), Some(b)) = (finite(r.low), finite(r.high)) {
            let (a, b) = (a.min(b), a.max(b));
            let st = stroke(ink, 2.0);
            line(&mut s, (xpos(a), yc), (xpos(b), yc), &st);
            // End caps, left off where the interval runs past the zoomed axis.
            for v in [a, b].into_iter().filter(|v| *v >= lo - 1e-9) {
                line(&mut s, (xpos(v), yc - 4.0), (xpos(v), yc + 4.0), &st);
            }
        }
        if let Some(v) = finite(r.rate) {
            let (fill, edge) = if r.greyed {
                ("#fff", GREY_LINE)
            } else {
                (RANK, "#fff")
            };
            w!(
                s,
                r#"<circle cx="{}" cy="{}" r="4.5" fill="{fill}" {}/>"#,
                f(xpos(v)),
                f(yc),
                stroke(edge, 1.5)
            );
        }
        txt(x1 + 12.0, yc + 4.0, &right[k])
            .small()
            .fill(if r.greyed { GREY_TEXT } else { MUTED })
            .to(&mut s);
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("width"), Some("100%"));
        assert!(root.attribute("viewBox").is_some());
        // aria-labelledby points at the svg's own title and desc.
        let ids: Vec<&str> = root
            .attribute("aria-labelledby")
            .unwrap()
            .split(' ')
            .collect();
        assert_eq!(ids.len(), 2);
        let title = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(ids[0]))
            .expect("title");
        assert_eq!(title.tag_name().name(), "title");
        assert_eq!(title.parent(), Some(root));
        let desc = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(ids[1]))
            .expect("desc");
        assert_eq!(desc.tag_name().name(), "desc");
        assert!(!desc.text().unwrap_or("").is_empty());
        // No style attributes or elements: the CSP would block them.
        assert!(
            doc.descendants()
                .all(|n| n.attribute("style").is_none() && n.tag_name().name() != "style")
        );
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        doc
    }

    fn months(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("{:02}/{}", i % 12 + 1, 2025 + i / 12))
            .collect()
    }

    fn sample_line() -> LineChart {
        let a: Vec<Option<f64>> = (0..24)
            .map(|i| {
                if i == 7 || i == 8 {
                    None
                } else {
                    Some(0.78 + 0.004 * i as f64)
                }
            })
            .collect();
        let b: Vec<Option<f64>> = (0..24)
            .map(|i| Some(0.70 + 0.05 * ((i as f64) / 3.0).sin()))
            .collect();
        LineChart {
            title: "Tỉ lệ hài lòng theo tháng".into(),
            x_labels: months(24),
            series: vec![
                Series {
                    label: "Phường Nha Trang".into(),
                    band: Some(
                        a.iter()
                            .map(|p| p.map(|v| (v - 0.04, (v + 0.04).min(1.0))))
                            .collect(),
                    ),
                    points: a,
                    dashed: false,
                },
                Series {
                    label: "Toàn tỉnh".into(),
                    points: b,
                    band: None,
                    dashed: true,
                },
            ],
            y: YAxis::Percent,
            target: Some((0.8, "Mục tiêu 80%".into())),
        }
    }

    fn sample_bars() -> StackedBars {
        StackedBars {
            title: "Mức hài lòng theo tiêu chí".into(),
            categories: Category::ramp(&[
                "Rất hài lòng",
                "Hài lòng",
                "Bình thường",
                "Không hài lòng",
                "Rất không hài lòng",
            ]),
            rows: vec![
                ("Thái độ phục vụ".into(), vec![620, 410, 120, 60, 24]),
                ("Thời gian chờ".into(), vec![300, 500, 250, 150, 80]),
                ("Hướng dẫn hồ sơ".into(), vec![12, 3, 1, 0, 0]),
                ("Cơ sở vật chất".into(), vec![0, 0, 0, 0, 0]),
            ],
        }
    }

    fn sample_heatmap() -> Heatmap {
        let days = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];
        let hours: Vec<String> = (7..=17).map(|h| format!("{h}h")).collect();
        let cells = (0..7)
            .map(|d| {
                (0..11)
                    .map(|h| {
                        if d == 6 {
                            None
                        } else if d == 5 && h > 4 {
                            Some((0.9, 3))
                        } else {
                            Some((
                                0.55 + 0.04 * h as f64 - 0.02 * d as f64,
                                40 + (h * d) as u64,
                            ))
                        }
                    })
                    .collect()
            })
            .collect();
        Heatmap {
            title: "Hài lòng theo thứ và giờ".into(),
            row_labels: days.iter().map(|s| s.to_string()).collect(),
            col_labels: hours,
            cells,
            min_n: 10,
        }
    }

    fn sample_intervals() -> IntervalPlot {
        let row = |label: &str, rate: f64, half: f64, n: u64, band: Option<u32>, greyed: bool| {
            IntervalRow {
                label: label.into(),
                rate: Some(rate),
                low: Some((rate - half).max(0.0)),
                high: Some((rate + half).min(1.0)),
                n,
                greyed,
                band,
            }
        };
        IntervalPlot {
            title: "Xếp hạng các phường, xã".into(),
            rows: vec![
                row("1. Phường Nha Trang", 0.93, 0.02, 1234, Some(1), false),
                row("2. Phường Bắc Nha Trang", 0.91, 0.03, 830, Some(1), false),
                row("3. Xã Cam Lâm", 0.86, 0.04, 410, Some(2), false),
                row("4. Phường Cam Ranh", 0.85, 0.04, 390, Some(2), false),
                row("5. Xã Diên Khánh", 0.84, 0.05, 260, Some(2), false),
                row("6. Xã Vạn Ninh", 0.74, 0.05, 300, Some(3), false),
                row("Xã Khánh Sơn", 0.6, 0.25, 12, None, true),
            ],
            target: Some((0.8, "Mục tiêu 80%".into())),
            auto_zoom: true,
        }
    }

    #[test]
    fn formats_numbers_the_vietnamese_way() {
        assert_eq!(fmt_pct(0.853, 1), "85,3%");
        assert_eq!(fmt_pct(0.8, 0), "80%");
        assert_eq!(fmt_pct(1.0, 1), "100,0%");
        assert_eq!(fmt_pct(-0.00001, 1), "0,0%");
        assert_eq!(fmt_pct(12.345, 1), "1.234,5%");
        assert_eq!(fmt_pct(f64::NAN, 1), "–");
        assert_eq!(fmt_pct(f64::INFINITY, 0), "–");
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1234), "1.234");
        assert_eq!(fmt_count(1_234_567), "1.234.567");
    }

    #[test]
    fn all_four_charts_are_well_formed_and_accessible() {
        for svg in [
            line_chart(&sample_line()),
            stacked_bars(&sample_bars()),
            heatmap(&sample_heatmap()),
            interval_plot(&sample_intervals()),
        ] {
            let doc = parse(&svg);
            assert!(!doc.root_element().has_attribute("height"));
        }
        let mut counts = sample_line();
        counts.y = YAxis::Count;
        for s in &mut counts.series {
            for p in s.points.iter_mut().flatten() {
                *p *= 1500.0;
            }
            s.band = None;
        }
        counts.target = Some((1000.0, "Chỉ tiêu".into()));
        let svg = line_chart(&counts);
        parse(&svg);
        assert!(svg.contains(">1.400<") || svg.contains(">1.500<"), "{svg}");
    }

    #[test]
    fn names_with_markup_characters_are_escaped() {
        let nasty = r#"UBND <Xã> "A" & 'B'"#;
        let mut line = sample_line();
        line.title = nasty.into();
        line.series[0].label = nasty.into();
        line.target = Some((0.8, nasty.into()));
        let mut bars = sample_bars();
        bars.title = nasty.into();
        bars.categories[0].label = nasty.into();
        bars.rows[0].0 = nasty.into();
        let mut heat = sample_heatmap();
        heat.title = nasty.into();
        heat.row_labels[0] = nasty.into();
        let mut ranks = sample_intervals();
        ranks.title = nasty.into();
        ranks.rows[0].label = nasty.into();
        for svg in [
            line_chart(&line),
            stacked_bars(&bars),
            heatmap(&heat),
            interval_plot(&ranks),
        ] {
            let doc = parse(&svg);
            let title = doc
                .root_element()
                .children()
                .find(|n| n.has_tag_name("title"))
                .unwrap();
            assert_eq!(title.text(), Some(nasty));
            assert!(svg.contains("&lt;Xã&gt;") && svg.contains("&amp;"));
            assert!(!svg.contains("<Xã>"));
        }
        // Control characters XML cannot hold are dropped instead of breaking the document.
        let mut line = sample_line();
        line.title = "a\u{0001}b\u{000B}c".into();
        let svg = line_chart(&line);
        assert_eq!(
            parse(&svg)
                .root_element()
                .first_element_child()
                .unwrap()
                .text(),
            Some("abc")
        );
    }

    #[test]
    fn a_missing_point_leaves_a_gap() {
        let spec = LineChart {
            title: "Gap".into(),
            x_labels: months(5),
            series: vec![Series {
                label: "A".into(),
                points: vec![Some(0.5), Some(0.6), None, Some(0.7), Some(0.8)],
                band: None,
                dashed: false,
            }],
            y: YAxis::Percent,
            target: None,
        };
        let svg = line_chart(&spec);
        let doc = parse(&svg);
        let series = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("series"))
            .unwrap();
        let path = series
            .children()
            .find(|n| n.has_tag_name("path"))
            .unwrap()
            .attribute("d")
            .unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(path.matches('L').count(), 2, "{path}");
        // The gap is not drawn at zero: no vertex of the line sits on the x axis.
        let zero_y = "258"; // bottom of the plot area
        assert!(!path.contains(&format!(" {zero_y}")), "{path}");
        // All four present points still get a marker (each carries a tooltip).
        assert_eq!(series.children().filter(|n| n.has_tag_name("g")).count(), 4);
    }

    #[test]
    fn greyed_rows_carry_no_rank_colour() {
        let svg = interval_plot(&sample_intervals());
        let doc = parse(&svg);
        let rows: Vec<_> = doc
            .descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.split(' ').any(|w| w == "row"))
            })
            .collect();
        assert_eq!(rows.len(), 7);
        let uses_rank = |n: &roxmltree::Node| {
            n.descendants()
                .any(|d| d.attributes().any(|a| a.value().eq_ignore_ascii_case(RANK)))
        };
        for r in &rows {
            let greyed = r.attribute("class").unwrap().contains("greyed");
            assert_eq!(uses_rank(r), !greyed, "row {:?}", r.attribute("data-row"));
        }
        let greyed = rows
            .iter()
            .find(|r| r.attribute("class").unwrap().contains("greyed"))
            .unwrap();
        assert!(
            greyed
                .descendants()
                .any(|d| d.text().is_some_and(|t| t.ends_with(GREYED_SUFFIX)))
        );
        // The zoomed axis says where it starts.
        assert!(
            svg.contains("trục từ 60% đến 100%, không bắt đầu từ 0%"),
            "{svg}"
        );
        // Two multi-row bands: two brackets.
        let bands = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("bands"))
            .unwrap();
        assert_eq!(
            bands.children().filter(|n| n.has_tag_name("path")).count(),
            2
        );
    }

    #[test]
    fn empty_inputs_say_there_is_no_data() {
        let svgs = [
            line_chart(&LineChart::default()),
            line_chart(&LineChart {
                title: "Không có điểm".into(),
                x_labels: months(3),
                series: vec![Series {
                    label: "A".into(),
                    points: vec![None, Some(f64::NAN), None],
                    ..Default::default()
                }],
                ..Default::default()
            }),
            stacked_bars(&StackedBars::default()),
            stacked_bars(&StackedBars {
                title: "x".into(),
                categories: Category::ramp(&["a", "b"]),
                rows: vec![],
            }),
            heatmap(&Heatmap::default()),
            interval_plot(&IntervalPlot::default()),
        ];
        for svg in svgs {
            parse(&svg);
            assert!(svg.contains(NO_DATA), "{svg}");
        }
    }

    #[test]
    fn nan_and_infinity_never_reach_the_markup() {
        let line = LineChart {
            title: "Test".into(),
            x_labels: months(4),
            series: vec![Series {
                label: "A".into(),
                points: vec![Some(f64::NAN), Some(f64::INFINITY), Some(0.5), Some(0.6)],
                band: Some(vec![
                    Some((f64::NEG_INFINITY, 1.0)),
                    None,
                    Some((0.4, f64::NAN)),
                    Some((0.5, 0.7)),
                ]),
                dashed: true,
            }],
            y: YAxis::Count,
            target: Some((f64::NAN, "T".into())),
        };
        parse(&line_chart(&line));
        let mut l2 = line.clone();
        l2.y = YAxis::Percent;
        parse(&line_chart(&l2));
        let mut bars = sample_bars();
        bars.categories[1].shade = f64::NAN;
        bars.rows[0].1 = vec![u64::MAX / 2, u64::MAX / 4];
        parse(&stacked_bars(&bars));
        let mut heat = sample_heatmap();
        heat.cells[0][0] = Some((f64::NAN, 100));
        heat.cells[0][1] = Some((f64::INFINITY, 100));
        parse(&heatmap(&heat));
        let mut ranks = sample_intervals();
        ranks.rows[0].rate = Some(f64::NAN);
        ranks.rows[1].low = Some(f64::NEG_INFINITY);
        ranks.rows[2].high = Some(f64::INFINITY);
        ranks.target = Some((f64::INFINITY, "T".into()));
        parse(&interval_plot(&ranks));
        ranks.rows.iter_mut().for_each(|r| {
            r.low = Some(f64::NAN);
            r.rate = None;
        });
        parse(&interval_plot(&ranks));
    }

    #[test]
    fn charts_on_one_page_have_distinct_ids() {
        let a = line_chart(&sample_line());
        let mut other = sample_line();
        other.title.push_str(" (2)");
        let b = line_chart(&other);
        let id = |s: &str| {
            roxmltree::Document::parse(s)
                .unwrap()
                .root_element()
                .attribute("id")
                .unwrap()
                .to_owned()
        };
        assert_ne!(id(&a), id(&b));
        assert_eq!(line_chart(&sample_line()), a, "deterministic");
    }

    #[test]
    fn a_single_month_and_crowded_labels_do_not_break() {
        let mut one = sample_line();
        one.x_labels.truncate(1);
        for s in &mut one.series {
            s.points.truncate(1);
            s.band = None;
        }
        parse(&line_chart(&one));
        // 24 labels do not all fit: some are left out, the last is kept.
        let svg = line_chart(&sample_line());
        let doc = parse(&svg);
        let axis = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("axis x"))
            .unwrap();
        let shown: Vec<&str> = axis
            .children()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert!(shown.len() < 24 && shown.len() >= 6, "{shown:?}");
        assert_eq!(shown.last(), Some(&"12/2026"));
    }

    /// Writes the four sample charts to /tmp/charts-sample.html to look at in a browser.
    #[test]
    #[ignore]
    fn write_sample_page() {
        let empty = StackedBars {
            title: "Không có phiếu".into(),
            ..Default::default()
        };
        let html = format!(
            r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Charts</title></head>
<body style="font-family: 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif; max-width: 760px; margin: 1rem auto; color: #1a1a1a">
{}<hr>{}<hr>{}<hr>{}<hr>{}</body></html>"#,
            line_chart(&sample_line()),
            stacked_bars(&sample_bars()),
            heatmap(&sample_heatmap()),
            interval_plot(&sample_intervals()),
            stacked_bars(&empty),
        );
        std::fs::write(
            "/tmp/charts-sample-grey.html",
            html.replace("<body style=\"", "<body style=\"filter: grayscale(1); "),
        )
        .unwrap();
        std::fs::write("/tmp/charts-sample.html", html).unwrap();
    }
}
