//! Vietnamese text folding for search: what a citizen types without diacritics, in any case,
//! must find the procedure written with them ("dang ky khai sinh" finds "Đăng ký khai sinh").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, strips every diacritic (tones and vowel marks; đ → d) and collapses everything
/// that is not a letter or a digit into single spaces.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' | 'ð' | 'Ð' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The folded words of a search query, each of which must occur in the folded text.
pub fn tokens(q: &str) -> Vec<String> {
    let mut t: Vec<String> = fold(q)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    t.dedup();
    t
}

/// Whether every token of `q` occurs in `text` (both folded): the same rule the store applies.
pub fn matches(text: &str, q: &str) -> bool {
    let text = fold(text);
    tokens(q).iter().all(|t| text.contains(t.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The twelve vowels of Vietnamese, each with the five tones (sắc, huyền, hỏi, ngã, nặng),
    /// in both cases, fold to the bare Latin vowel.
    #[test]
    fn all_vowels_with_all_tones_fold_to_the_bare_vowel() {
        let rows: [(&str, &str); 12] = [
            ("a", "aáàảãạ"),
            ("a", "ăắằẳẵặ"),
            ("a", "âấầẩẫậ"),
            ("e", "eéèẻẽẹ"),
            ("e", "êếềểễệ"),
            ("i", "iíìỉĩị"),
            ("o", "oóòỏõọ"),
            ("o", "ôốồổỗộ"),
            ("o", "ơớờởỡợ"),
            ("u", "uúùủũụ"),
            ("u", "ưứừửữự"),
            ("y", "yýỳỷỹỵ"),
        ];
        for (bare, forms) in rows {
            assert_eq!(forms.chars().count(), 6);
            for c in forms.chars() {
                assert_eq!(fold(&c.to_string()), bare, "{c}");
                let upper: String = c.to_uppercase().collect();
                assert_eq!(fold(&upper), bare, "{upper}");
            }
        }
        assert_eq!(fold("đĐ"), "dd");
    }

    #[test]
    fn precomposed_and_decomposed_input_fold_alike() {
        let nfc: String = "Đăng ký khai sinh".nfc().collect();
        let nfd: String = "Đăng ký khai sinh".nfd().collect();
        assert_eq!(fold(&nfc), "dang ky khai sinh");
        assert_eq!(fold(&nfd), "dang ky khai sinh");
    }

    #[test]
    fn queries_ignore_case_diacritics_and_punctuation() {
        let name = "Đăng ký khai sinh";
        for q in [
            "khai sinh",
            "KHAI SINH",
            "dang ky khai sinh",
            "Đăng  ký",
            "sinh, khai",
        ] {
            assert!(matches(name, q), "{q}");
        }
        assert!(!matches(name, "khai tu"));
        assert_eq!(
            fold("  Chứng thực bản sao (từ bản chính)  "),
            "chung thuc ban sao tu ban chinh"
        );
        assert_eq!(tokens("1.001193"), vec!["1", "001193"]);
        assert!(matches("1.001193 Đăng ký khai sinh", "1.001193"));
        assert!(tokens(" ,. ").is_empty());
    }
}
