//! Generated avatars: initials on a colour picked from the name, for officials without a photo.

/// An SVG with the initials of the last two words of a Vietnamese name ("Nguyễn Thị Lan" → "TL").
pub fn initials_svg(full_name: &str) -> String {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    let initials: String = words
        .iter()
        .rev()
        .take(2)
        .rev()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect();
    const PALETTE: [&str; 8] = [
        "#1e6091", "#2a9d8f", "#e76f51", "#6a4c93", "#c1121f", "#3a5a40", "#b5838d", "#386641",
    ];
    let h = full_name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let bg = PALETTE[(h % PALETTE.len() as u32) as usize];
    let esc = initials.replace('&', "&amp;").replace('<', "&lt;");
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240"><rect width="240" height="240" fill="{bg}"/><circle cx="120" cy="95" r="48" fill="#ffffff" opacity="0.18"/><text x="120" y="140" font-family="DejaVu Sans, Arial, sans-serif" font-size="84" font-weight="bold" fill="#ffffff" text-anchor="middle">{esc}</text></svg>"##
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_come_from_given_names() {
        let s = super::initials_svg("Nguyễn Thị Lan");
        assert!(s.contains(">TL<"), "{s}");
        assert!(super::initials_svg("Đặng Ánh").contains(">ĐÁ<"));
    }
}
