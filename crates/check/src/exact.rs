//! Exact order of JSON numbers. The bench keeps every number a node prints
//! as its original text (serde_json's `arbitrary_precision`), as Maelstrom
//! keeps big integers exact; comparing them must not go through `f64`,
//! where `10^21 + 1` and `10^21 + 2` are the same double.

use serde_json::{Number, Value};
use std::cmp::Ordering;

/// A finite decimal `sign · 0.d₁d₂… · 10^exp`, digits without leading or
/// trailing zeros (zero has no digits).
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Parses JSON number text (`-?int(.frac)?([eE][+-]?exp)?`).
    fn parse(text: &str) -> Option<Self> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (mantissa, exp_text) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let exp: i64 = match exp_text {
            Some(e) => e.trim_start_matches('+').parse().ok()?,
            None => 0,
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let all: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        let leading = all.iter().take_while(|&&d| d == 0).count();
        let mut digits = all[leading..].to_vec();
        while digits.last() == Some(&0) {
            digits.pop();
        }
        // Value = 0.all · 10^(len(int)), shifted left past the leading zeros.
        let exp = exp.saturating_add(int.len() as i64 - leading as i64);
        Some(Self {
            negative: negative && !digits.is_empty(),
            exp: if digits.is_empty() { 0 } else { exp },
            digits,
        })
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => self
                .exp
                .cmp(&other.exp)
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two JSON numbers by value, exactly (`1` equals `1.0` here, as in
/// Clojure's `compare`). Text that is not a number sorts by `f64`.
pub fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    let (x, y) = (a.to_string(), b.to_string());
    match (Decimal::parse(&x), Decimal::parse(&y)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a
            .as_f64()
            .unwrap_or(f64::NAN)
            .total_cmp(&b.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Orders values: numbers by exact value, anything else by its JSON text.
pub fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        serde_json::from_str(text).expect("a JSON number")
    }

    #[test]
    fn big_integers_compare_exactly() {
        let a = n("1000000000000000000001");
        let b = n("1000000000000000000002");
        assert_eq!(a.as_f64(), b.as_f64(), "equal as doubles");
        assert_eq!(cmp_numbers(&a, &b), Ordering::Less);
        assert_eq!(cmp_numbers(&b, &a), Ordering::Greater);
        assert_eq!(cmp_numbers(&a, &a), Ordering::Equal);
    }

    #[test]
    fn numbers_compare_by_value_across_notations() {
        let order = [
            "-1e30",
            "-12.5",
            "-12",
            "-0.001",
            "0",
            "1e-9",
            "0.5",
            "1",
            "1.5",
            "2",
            "99",
            "1e2",
            "100.5",
            "1e21",
            "1000000000000000000001",
        ];
        for (i, x) in order.iter().enumerate() {
            for (j, y) in order.iter().enumerate() {
                let got = cmp_numbers(&n(x), &n(y));
                assert_eq!(got, i.cmp(&j), "{x} vs {y}");
            }
        }
        for (x, y) in [
            ("1", "1.0"),
            ("100", "1e2"),
            ("0", "-0.0"),
            ("1.50", "15E-1"),
        ] {
            assert_eq!(cmp_numbers(&n(x), &n(y)), Ordering::Equal, "{x} vs {y}");
        }
    }
}
