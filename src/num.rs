//! Exact arithmetic for the counting rules: decimals as written, rounding
//! half to even, and largest-remainder apportionment.
//!
//! Amounts are kept exact until the last step, so `fraction = 0.1` of 5
//! samples is exactly one half and rounds to 0, as the rule says, instead of
//! 0.5000000000000000277 rounding to 1. Integer arithmetic (`u128`) does the
//! common cases; rationals of any size ([`BigRational`]) the rest.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A decimal exactly as written: `mant` × 10^`exp` (`0.385` is 385 × 10^-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dec {
    pub mant: u64,
    pub exp: i32,
}

impl Dec {
    pub const ONE: Dec = Dec { mant: 1, exp: 0 };

    /// The decimal a float was written as (its shortest round-trip form);
    /// `None` for a negative, infinite or NaN value.
    pub fn from_f64(v: f64) -> Option<Dec> {
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        if v == 0.0 {
            return Some(Dec { mant: 0, exp: 0 });
        }
        let text = format!("{v:e}");
        let (digits, exp) = text.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let mant: u64 = format!("{int}{frac}").parse().ok()?;
        Some(Dec { mant, exp: exp - frac.len() as i32 }.normalized())
    }

    pub fn from_int(n: u64) -> Dec {
        Dec { mant: n, exp: 0 }.normalized()
    }

    /// Trailing zeros of the mantissa moved into the exponent.
    fn normalized(mut self) -> Dec {
        if self.mant == 0 {
            return Dec { mant: 0, exp: 0 };
        }
        while self.mant % 10 == 0 {
            self.mant /= 10;
            self.exp += 1;
        }
        self
    }

    pub fn is_zero(&self) -> bool {
        self.mant == 0
    }

    pub fn to_f64(&self) -> f64 {
        format!("{}e{}", self.mant, self.exp).parse().unwrap_or(f64::NAN)
    }

    pub fn to_rational(&self) -> BigRational {
        let ten = BigInt::from(10u32);
        let m = BigInt::from(self.mant);
        if self.exp >= 0 {
            BigRational::from_integer(m * ten.pow(self.exp as u32))
        } else {
            BigRational::new(m, ten.pow(self.exp.unsigned_abs()))
        }
    }

    /// Whether the value is a whole number.
    pub fn is_integer(&self) -> bool {
        self.exp >= 0 || self.mant == 0
    }

    pub fn cmp_int(&self, n: u64) -> Ordering {
        self.to_rational().cmp(&int(n))
    }

    /// round_half_even(self × n); `None` when it does not fit in 64 bits.
    pub fn times(&self, n: u64) -> Option<u64> {
        let x = u128::from(self.mant) * u128::from(n); // < 2^64 · 2^64
        let v = if self.exp >= 0 {
            x.checked_mul(10u128.checked_pow(self.exp as u32)?)?
        } else {
            let k = self.exp.unsigned_abs();
            if k > 38 {
                // x < 2^128 < 10^39 / 2: the value is below one half
                0
            } else {
                div_round_half_even(x, 10u128.pow(k))
            }
        };
        u64::try_from(v).ok()
    }

    /// The decimal as text, exactly: `0.5`, `2`, `1e-300`.
    pub fn text(&self) -> String {
        if self.mant == 0 {
            return "0".into();
        }
        let digits = self.mant.to_string();
        match self.exp {
            0 => digits,
            e if e > 0 && e <= 12 => format!("{digits}{}", "0".repeat(e as usize)),
            e if e < 0 && e.unsigned_abs() as usize <= digits.len() + 8 => {
                let k = e.unsigned_abs() as usize;
                if k < digits.len() {
                    format!("{}.{}", &digits[..digits.len() - k], &digits[digits.len() - k..])
                } else {
                    format!("0.{}{digits}", "0".repeat(k - digits.len()))
                }
            }
            e => format!("{digits}e{e}"),
        }
    }
}

/// ⌊√n⌋, exactly.
pub fn isqrt(n: u64) -> u64 {
    let mut r = (n as f64).sqrt() as u64;
    while r.checked_mul(r).is_none_or(|sq| sq > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= n) {
        r += 1;
    }
    r
}

/// x ÷ d rounded half to even.
pub fn div_round_half_even(x: u128, d: u128) -> u128 {
    let (q, r) = (x / d, x % d);
    match r.cmp(&(d - r)) {
        Ordering::Greater => q + 1,
        Ordering::Equal if q % 2 == 1 => q + 1,
        _ => q,
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Thousands separators in the whole part of a number written in decimal:
/// "1234.5" → "1,234.5", "-20000" → "-20,000"; anything else (an exponent,
/// text) is returned as it is.
pub fn group(s: &str) -> String {
    let (sign, body) = s.strip_prefix('-').map_or(("", s), |b| ("-", b));
    let (whole, frac) = body.split_once('.').map_or((body, None), |(w, f)| (w, Some(f)));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f)) || whole.len() > 39 {
        return s.to_string();
    }
    let grouped = whole.parse::<u128>().map_or_else(|_| whole.to_string(), thousands);
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// "1 dataset", "2 datasets", "1,024 datasets".
pub fn counted(n: u128, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `r × h ÷ d` exactly (`d` > 0). The small factors are cancelled against
/// `r`'s own before multiplying, which leaves the result in lowest terms:
/// no gcd of two big numbers (a mass halved at each of 1,000 levels has a
/// denominator of 1,000 bits).
pub fn scale(r: &BigRational, h: u128, d: u128) -> BigRational {
    assert!(d > 0, "scale by h / 0");
    if h == 0 || r.is_zero() {
        return BigRational::zero();
    }
    let g = gcd(h, d);
    let (h, d) = (h / g, d / g);
    // gcd(n, d) and gcd(h, m) for r = n / m; then n/g1 and d/g1 share no
    // factor, nor h/g2 and m/g2, nor (r and h/d being in lowest terms)
    // any numerator factor and any denominator factor.
    let g1 = gcd(d, small_rem(r.numer(), d));
    let g2 = gcd(h, small_rem(r.denom(), h));
    BigRational::new_raw((r.numer() / g1) * (h / g2), (r.denom() / g2) * (d / g1))
}

/// `|n| mod m`.
fn small_rem(n: &BigInt, m: u128) -> u128 {
    (n.magnitude() % m).to_u128().unwrap_or(0)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

pub fn int(n: u64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

pub fn to_f64(r: &BigRational) -> f64 {
    r.to_f64().unwrap_or(f64::NAN)
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

/// Splits `total` into integer counts proportional to integer `weights` by
/// the largest-remainder method: floor every exact share total × w ÷ Σw, then
/// hand the samples left over one each to the largest remainders, equal
/// remainders in the order `tie` gives. The counts add up to `total` and
/// each is within one of its exact share. Integer arithmetic when the
/// products fit in 128 bits, exact big integers otherwise.
pub fn apportion_weights(total: u128, weights: &[u128], tie: impl Fn(usize, usize) -> Ordering) -> Vec<u128> {
    let sum: Option<u128> = weights.iter().try_fold(0u128, |a, &w| a.checked_add(w));
    let fits = sum.is_some_and(|s| s > 0) && weights.iter().all(|&w| w.checked_mul(total).is_some());
    if !fits {
        let exact: Vec<BigRational> = {
            let s: BigInt = weights.iter().map(|&w| BigInt::from(w)).sum();
            if s.is_zero() {
                return vec![0; weights.len()];
            }
            weights
                .iter()
                .map(|&w| BigRational::new(BigInt::from(w) * BigInt::from(total), s.clone()))
                .collect()
        };
        return apportion(&BigInt::from(total), &exact, tie)
            .iter()
            .map(|n| n.to_u128().unwrap_or(0))
            .collect();
    }
    let sum = sum.unwrap_or(1);
    let t = total;
    let mut counts: Vec<u128> = Vec::with_capacity(weights.len());
    let mut rems: Vec<u128> = Vec::with_capacity(weights.len());
    let mut assigned: u128 = 0;
    for &w in weights {
        let x = w * t;
        let q = x / sum;
        assigned += q;
        counts.push(q);
        rems.push(x % sum);
    }
    hand_out(&mut counts, (t - assigned) as usize, |a, b| rems[b].cmp(&rems[a]).then_with(|| tie(a, b)));
    counts
}

/// Gives one more to the first `leftover` indices in `order`.
fn hand_out(counts: &mut [u128], leftover: usize, order: impl Fn(usize, usize) -> Ordering) {
    if leftover == 0 {
        return;
    }
    let mut idx: Vec<usize> = (0..counts.len()).collect();
    if leftover < idx.len() {
        idx.select_nth_unstable_by(leftover - 1, |&a, &b| order(a, b));
        idx.truncate(leftover);
    }
    for i in idx {
        counts[i] += 1;
    }
}

/// Splits `total` into integer counts proportional to `exact` shares by the
/// largest-remainder method, exact rationals of any size. `exact` must add
/// up to `total`; the result does too.
pub fn apportion(
    total: &BigInt,
    exact: &[BigRational],
    tie: impl Fn(usize, usize) -> Ordering,
) -> Vec<BigInt> {
    let mut counts: Vec<BigInt> = exact.iter().map(|x| x.floor().to_integer()).collect();
    let assigned: BigInt = counts.iter().sum();
    let leftover = total - assigned;
    let remainders: Vec<BigRational> =
        exact.iter().zip(&counts).map(|(x, c)| x - BigRational::from_integer(c.clone())).collect();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then_with(|| tie(a, b)));
    let n = leftover.to_usize().unwrap_or(0).min(order.len());
    for &i in &order[..n] {
        counts[i] += 1;
    }
    counts
}

/// Bounds of one count: at least `lo`, at most `hi` (`None`: no upper bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub lo: u128,
    pub hi: Option<u128>,
}

impl Bound {
    pub const FREE: Bound = Bound { lo: 0, hi: None };

    pub fn contains(&self, n: u128) -> bool {
        n >= self.lo && self.hi.is_none_or(|h| n <= h)
    }

    pub fn clamp(&self, n: u128) -> u128 {
        let n = n.max(self.lo);
        self.hi.map_or(n, |h| n.min(h))
    }
}

/// Why [`waterfill`] found no split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Infeasible {
    /// The minimums add up to more than the total.
    TooMuch { minimums: u128 },
    /// The maximums add up to less than the total.
    TooLittle { maximums: u128 },
}

/// Splits `total` over parts with positive `rates`, each within its bounds:
/// part i gets clamp(λ·rateᵢ, loᵢ, hiᵢ) for the one λ that makes the parts
/// add up to `total` (parts held at a bound give their surplus or deficit
/// to the others, in proportion to their rates), then whole counts by the
/// largest remainder, equal remainders in the order `tie` gives. Every
/// count is within its bounds and within one of its exact share.
///
/// This one routine does every sampling policy: the policy only sets the
/// rates (n, √n, min(n, K)^(1/T), 1) and the bounds (UniMax's N·n, a cap t).
pub fn waterfill(
    total: u128,
    rates: &[BigRational],
    bounds: &[Bound],
    tie: impl Fn(usize, usize) -> Ordering,
) -> Result<Vec<u128>, Infeasible> {
    let minimums: u128 = bounds.iter().map(|b| b.lo).fold(0u128, u128::saturating_add);
    if minimums > total {
        return Err(Infeasible::TooMuch { minimums });
    }
    let maximums: Option<u128> = bounds.iter().try_fold(0u128, |a, b| b.hi.map(|h| a.saturating_add(h)));
    if let Some(m) = maximums.filter(|&m| m < total) {
        return Err(Infeasible::TooLittle { maximums: m });
    }
    if rates.is_empty() {
        return Ok(Vec::new());
    }
    let lambda = level(total, rates, bounds);
    let exact: Vec<BigRational> = rates
        .iter()
        .zip(bounds)
        .map(|(r, b)| {
            let x = r * &lambda;
            let lo = BigRational::from_integer(BigInt::from(b.lo));
            let x = if x < lo { lo } else { x };
            match b.hi {
                Some(h) if x > BigRational::from_integer(BigInt::from(h)) => {
                    BigRational::from_integer(BigInt::from(h))
                }
                _ => x,
            }
        })
        .collect();
    Ok(apportion(&BigInt::from(total), &exact, tie).iter().map(|n| n.to_u128().unwrap_or(0)).collect())
}

/// The λ at which Σ clamp(λ·rᵢ, loᵢ, hiᵢ) = total (the caller has checked
/// that the bounds allow it): a sweep over the points where parts leave
/// their lower bound or reach their upper one.
fn level(total: u128, rates: &[BigRational], bounds: &[Bound]) -> BigRational {
    // (λ at which it happens, part, true when the part reaches its maximum)
    let mut events: Vec<(BigRational, usize, bool)> = Vec::with_capacity(rates.len() * 2);
    for (i, (r, b)) in rates.iter().zip(bounds).enumerate() {
        if r.is_zero() {
            continue;
        }
        events.push((BigRational::from_integer(BigInt::from(b.lo)) / r, i, false));
        if let Some(h) = b.hi {
            events.push((BigRational::from_integer(BigInt::from(h)) / r, i, true));
        }
    }
    // at equal λ, parts leave their minimum before others reach a maximum
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)).then(a.1.cmp(&b.1)));
    let target = BigRational::from_integer(BigInt::from(total));
    let mut fixed = BigRational::from_integer(bounds.iter().map(|b| BigInt::from(b.lo)).sum());
    let mut slope = BigRational::zero();
    let mut last = BigRational::zero();
    for (at, i, reaches_max) in events {
        let value = &fixed + &slope * &at;
        if value >= target && slope.is_positive() {
            return (&target - &fixed) / &slope;
        }
        if value >= target {
            return last;
        }
        if reaches_max {
            slope -= &rates[i];
            fixed += BigRational::from_integer(BigInt::from(bounds[i].hi.unwrap_or(0)));
        } else {
            slope += &rates[i];
            fixed -= BigRational::from_integer(BigInt::from(bounds[i].lo));
        }
        last = at;
    }
    if slope.is_positive() {
        (&target - &fixed) / &slope
    } else {
        last
    }
}

/// 0.12443 → "12.44%"; never "-0.00%".
pub fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{:.2}%", (p * 100.0).max(0.0)))
}

/// A float without trailing zeros: 2 → "2", 0.25 → "0.25".
pub fn trim_float(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A float for reading: no trailing zeros, thousands separated (1500 → "1,500").
pub fn number(v: f64) -> String {
    group(&trim_float(v))
}

/// A float with `places` decimals and thousands separators.
pub fn decimal(v: f64, places: usize) -> String {
    group(&format!("{v:.places$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn scaling_is_exact_and_in_lowest_terms() {
        let big = |e: u32| BigInt::from(2u8).pow(e);
        let cases = [
            (r(3, 4), 2, 3, r(1, 2)),
            (r(3, 4), 0, 3, r(0, 1)),
            (r(0, 1), 5, 7, r(0, 1)),
            (r(6, 35), 14, 9, r(4, 15)),
            (r(-6, 35), 14, 9, r(-4, 15)),
            (r(1, 1), u128::MAX, u128::MAX - 1, BigRational::new(u128::MAX.into(), (u128::MAX - 1).into())),
            (r(2, 3), 3 << 100, 1 << 101, r(1, 1)),
            (BigRational::new(big(300) + 1, big(999)), 1, 2, BigRational::new(big(300) + 1, big(1000))),
        ];
        for (x, h, d, want) in cases {
            let got = scale(&x, h, d);
            assert_eq!(got, want, "{x} x {h}/{d}");
            // new_raw keeps what it is given: the parts must be reduced already.
            assert_eq!(
                (got.numer().clone(), got.denom().clone()),
                (want.numer().clone(), want.denom().clone())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn scaling_agrees_with_multiplying(n in 0i64..1_000_000, m in 1i64..1_000_000, h in 0u128..100_000, d in 1u128..100_000, k in 0u32..200) {
            // a big denominator too: m x 2^k
            let x = BigRational::new(BigInt::from(n), BigInt::from(m) * BigInt::from(2u8).pow(k));
            let want = &x * BigRational::new(BigInt::from(h), BigInt::from(d));
            let got = scale(&x, h, d);
            proptest::prop_assert_eq!(got.numer(), want.numer());
            proptest::prop_assert_eq!(got.denom(), want.denom());
        }
    }

    #[test]
    fn decimals_are_taken_as_written() {
        assert_eq!(Dec::from_f64(0.1).unwrap().to_rational(), r(1, 10));
        assert_eq!(Dec::from_f64(2.0).unwrap(), Dec { mant: 2, exp: 0 });
        assert_eq!(Dec::from_f64(0.385).unwrap().to_rational(), r(385, 1000));
        assert_eq!(Dec::from_f64(1e-7).unwrap(), Dec { mant: 1, exp: -7 });
        assert_eq!(Dec::from_f64(5e-324).unwrap(), Dec { mant: 5, exp: -324 });
        assert_eq!(Dec::from_f64(1500.0).unwrap(), Dec { mant: 15, exp: 2 });
        assert_eq!(Dec::from_f64(f64::NAN), None);
        assert_eq!(Dec::from_f64(-1.0), None);
    }

    #[test]
    fn decimals_print_exactly() {
        assert_eq!(group("1234.5"), "1,234.5");
        assert_eq!(group("-20000"), "-20,000");
        assert_eq!(group("0.001"), "0.001");
        assert_eq!(group("1e300"), "1e300");
        assert_eq!(group("lr"), "lr");
        assert_eq!(Dec::from_f64(0.5).unwrap().text(), "0.5");
        assert_eq!(Dec::from_f64(2.0).unwrap().text(), "2");
        assert_eq!(Dec::from_f64(1500.0).unwrap().text(), "1500");
        assert_eq!(Dec::from_f64(0.001).unwrap().text(), "0.001");
        assert_eq!(Dec::from_f64(5e-324).unwrap().text(), "5e-324");
        assert_eq!(Dec::from_f64(1e300).unwrap().text(), "1e300");
    }

    #[test]
    fn a_decimal_times_a_count_rounds_half_to_even() {
        // 0.1 × 5 = 0.5 → 0; 0.3 × 5 = 1.5 → 2; 2.5 × 1 = 2.5 → 2
        assert_eq!(Dec::from_f64(0.1).unwrap().times(5), Some(0));
        assert_eq!(Dec::from_f64(0.3).unwrap().times(5), Some(2));
        assert_eq!(Dec::from_f64(2.5).unwrap().times(1), Some(2));
        // 0.385 × 207,572 = 79,915.22 → 79,915
        assert_eq!(Dec::from_f64(0.385).unwrap().times(207_572), Some(79_915));
        // 5e-324 of the largest count is still far below one half
        assert_eq!(Dec::from_f64(5e-324).unwrap().times(u64::MAX), Some(0));
        // 3 × (2^64 − 1) does not fit
        assert_eq!(Dec::from_f64(3.0).unwrap().times(u64::MAX), None);
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
        assert_eq!(div_round_half_even(5, 2), 2);
        assert_eq!(div_round_half_even(7, 2), 4);
        assert_eq!(div_round_half_even(u128::MAX, u128::MAX - 1), 1);
    }

    #[test]
    fn largest_remainder_with_ties_to_the_first_key() {
        // 10 split 1:1:1 -> exact 3.333 each; floors 3+3+3 = 9; one left over,
        // all remainders equal (1/3) so it goes to the smallest key "a".
        let keys = ["c", "a", "b"];
        let got = apportion_weights(10, &[1, 1, 1], |x, y| keys[x].cmp(keys[y]));
        assert_eq!(got, vec![3, 4, 3]);
        let third = r(10, 3);
        let got = apportion(&10.into(), &[third.clone(), third.clone(), third], |x, y| keys[x].cmp(keys[y]));
        assert_eq!(got, vec![3.into(), 4.into(), 3.into()]);
    }

    #[test]
    fn largest_remainder_prefers_the_largest_remainder() {
        // 7 split as 12:25:33 (exact 1.2 / 2.5 / 3.3): floors 1+2+3 = 6; the
        // leftover one goes to remainder 0.5, not 0.3 or 0.2.
        let got = apportion_weights(7, &[12, 25, 33], |a, b| a.cmp(&b));
        assert_eq!(got, vec![1, 3, 3]);
    }

    fn rates(v: &[u64]) -> Vec<BigRational> {
        v.iter().map(|&x| BigRational::from_integer(x.into())).collect()
    }

    #[test]
    fn waterfill_without_bounds_is_largest_remainder() {
        // 10 over rates 1:1:1 → 3.33 each; the one left to the first index
        let free = [Bound::FREE; 3];
        assert_eq!(waterfill(10, &rates(&[1, 1, 1]), &free, |a, b| a.cmp(&b)), Ok(vec![4, 3, 3]));
    }

    #[test]
    fn waterfill_gives_a_capped_part_s_surplus_to_the_others() {
        // UniMax toy: sizes 100 / 1,000 / 10,000, uniform rates, at most one
        // epoch each, budget 3,000: λ with min(λ,100) + min(λ,1000) + λ = 3,000
        // → λ = 1,900 → 100 / 1,000 / 1,900
        let b = [
            Bound { lo: 0, hi: Some(100) },
            Bound { lo: 0, hi: Some(1_000) },
            Bound { lo: 0, hi: Some(10_000) },
        ];
        assert_eq!(waterfill(3_000, &rates(&[1, 1, 1]), &b, |a, b| a.cmp(&b)), Ok(vec![100, 1_000, 1_900]));
        // a minimum lifts a part above its rate: 100 over 1:1 with the
        // second at least 80 → 20 / 80
        let b = [Bound::FREE, Bound { lo: 80, hi: None }];
        assert_eq!(waterfill(100, &rates(&[1, 1]), &b, |a, b| a.cmp(&b)), Ok(vec![20, 80]));
        // minimums equal to the total: every part at its minimum
        let b = [Bound { lo: 60, hi: None }, Bound { lo: 40, hi: None }];
        assert_eq!(waterfill(100, &rates(&[5, 1]), &b, |a, b| a.cmp(&b)), Ok(vec![60, 40]));
    }

    #[test]
    fn waterfill_refuses_bounds_that_cannot_add_up() {
        let b = [Bound { lo: 0, hi: Some(10) }, Bound { lo: 0, hi: Some(20) }];
        assert_eq!(
            waterfill(31, &rates(&[1, 1]), &b, |a, b| a.cmp(&b)),
            Err(Infeasible::TooLittle { maximums: 30 })
        );
        let b = [Bound { lo: 20, hi: None }, Bound { lo: 20, hi: None }];
        assert_eq!(
            waterfill(39, &rates(&[1, 1]), &b, |a, b| a.cmp(&b)),
            Err(Infeasible::TooMuch { minimums: 40 })
        );
        assert_eq!(waterfill(0, &[], &[], |a, b| a.cmp(&b)), Ok(vec![]));
        assert_eq!(waterfill(1, &[], &[], |a, b| a.cmp(&b)), Err(Infeasible::TooLittle { maximums: 0 }));
    }

    #[test]
    fn integer_square_roots_are_exact() {
        assert_eq!(isqrt(576), 24);
        assert_eq!(isqrt(575), 23);
        assert_eq!(isqrt(729), 27);
        assert_eq!(isqrt(u64::MAX), 4_294_967_295);
        assert_eq!(isqrt(0), 0);
    }

    #[test]
    fn huge_weights_fall_back_to_big_integers() {
        // weights 2^127 and 2^127: total × w overflows 128 bits; the split
        // is still exact: 2^64 − 1 into 2^63 and 2^63 − 1, the odd one to
        // the first key
        let w = 1u128 << 127;
        let got = apportion_weights(u128::from(u64::MAX), &[w, w], |a, b| a.cmp(&b));
        assert_eq!(got, vec![1u128 << 63, (1u128 << 63) - 1]);
    }
}
