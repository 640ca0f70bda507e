//! Exact arithmetic for the counting rules: decimals as written, rounding
//! half to even, and largest-remainder apportionment.
//!
//! Amounts are kept as exact rationals until the last step, so `fraction =
//! 0.1` of 5 samples is exactly one half and rounds to 0, as the rule says,
//! instead of 0.5000000000000000277 rounding to 1.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// The decimal a float was written as (its shortest round-trip form).
pub fn exact_decimal(v: f64) -> BigRational {
    let text = format!("{v}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits: BigInt = format!("{int}{frac}").parse().unwrap_or_default();
    let scale = BigInt::from(10u32).pow(frac.len() as u32);
    BigRational::new(digits, scale)
}

/// A rational as a short decimal (at most 6 places), for messages.
pub fn decimal_string(r: &BigRational) -> String {
    let v = to_f64(r);
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn to_f64(r: &BigRational) -> f64 {
    r.to_f64().unwrap_or(f64::NAN)
}

pub fn int(n: u64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

/// Rounds to the nearest integer, halves to the even neighbour.
pub fn round_half_even(r: &BigRational) -> BigInt {
    let floor = r.floor().to_integer();
    let rem = r - BigRational::from_integer(floor.clone());
    let twice = &rem + &rem;
    if twice > BigRational::one() || (twice == BigRational::one() && (&floor % 2u32) != BigInt::zero()) {
        floor + 1
    } else {
        floor
    }
}

/// A count that fits in 64 bits, or `None` if it overflows (or is negative).
pub fn to_count(n: &BigInt) -> Option<u64> {
    if n.is_negative() {
        return None;
    }
    n.to_u64()
}

/// Splits `total` into integer counts proportional to `exact` shares by the
/// largest-remainder method: floor every share, then hand the leftover
/// samples one each to the largest remainders, equal remainders to the
/// smaller key first. `exact` must add up to `total`; the result does too.
pub fn apportion<K: Ord>(total: &BigInt, exact: &[(K, BigRational)]) -> Vec<BigInt> {
    let mut counts: Vec<BigInt> = exact.iter().map(|(_, x)| x.floor().to_integer()).collect();
    let assigned: BigInt = counts.iter().sum();
    let mut leftover = total - assigned;
    let mut order: Vec<usize> = (0..exact.len()).collect();
    let rem = |i: usize| &exact[i].1 - BigRational::from_integer(counts[i].clone());
    let remainders: Vec<BigRational> = order.iter().map(|&i| rem(i)).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then_with(|| exact[a].0.cmp(&exact[b].0)));
    for &i in order.iter().cycle().take(exact.len().max(1) * 2) {
        if leftover <= BigInt::zero() {
            break;
        }
        counts[i] += 1;
        leftover -= 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn decimals_are_taken_as_written() {
        assert_eq!(exact_decimal(0.1), r(1, 10));
        assert_eq!(exact_decimal(2.0), r(2, 1));
        assert_eq!(exact_decimal(0.385), r(385, 1000));
        assert_eq!(exact_decimal(1e-7), r(1, 10_000_000));
    }

    #[test]
    fn halves_go_to_the_even_neighbour() {
        // 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4; anything else to the nearest
        assert_eq!(round_half_even(&r(1, 2)), 0.into());
        assert_eq!(round_half_even(&r(3, 2)), 2.into());
        assert_eq!(round_half_even(&r(5, 2)), 2.into());
        assert_eq!(round_half_even(&r(7, 2)), 4.into());
        assert_eq!(round_half_even(&r(26, 10)), 3.into());
        assert_eq!(round_half_even(&r(24, 10)), 2.into());
    }

    #[test]
    fn largest_remainder_with_ties_to_the_smaller_key() {
        // 10 split 1:1:1 -> exact 3.333 each; floors 3+3+3 = 9; one left over,
        // all remainders equal (1/3) so it goes to the smallest key "a".
        let third = r(10, 3);
        let got = apportion(&10.into(), &[("c", third.clone()), ("a", third.clone()), ("b", third)]);
        assert_eq!(got, vec![3.into(), 4.into(), 3.into()]);
    }

    #[test]
    fn largest_remainder_prefers_the_largest_remainder() {
        // 7 split as 1.2 / 2.5 / 3.3: floors 1+2+3 = 6; the leftover one goes
        // to remainder 0.5 (key "y"), not 0.3 or 0.2.
        let got = apportion(&7.into(), &[("x", r(12, 10)), ("y", r(25, 10)), ("z", r(33, 10))]);
        assert_eq!(got, vec![1.into(), 3.into(), 3.into()]);
    }
}
