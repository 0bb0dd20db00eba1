//! Password hashing with Argon2id (the OWASP-recommended default of the `argon2` crate).

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

use super::Msg;

pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_strength(password: &str) -> Result<(), Msg> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Msg::new(
            format!("Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự"),
            format!("A password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any input")
        .to_string()
}

/// Constant work whether or not the hash parses, so timing does not reveal unknown users.
pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => {
            let _ = Argon2::default()
                .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_verifies_only_its_password() {
        let h = super::hash("mật khẩu rất dài");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("mật khẩu rất dài", &h));
        assert!(!super::verify("mat khau rat dai", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
