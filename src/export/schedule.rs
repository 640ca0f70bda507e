//! Megatron-LM's blend schedule, bit for bit.
//!
//! `build_blending_indices` (megatron/core/datasets/helpers.cpp) walks the
//! samples in order and gives each to the dataset whose error
//! `wᵢ · max(k, 1) − countᵢ` is largest, the first such dataset on a tie
//! (a strict `>`). The weights it sees are normalised twice: once by the
//! blend builder (`normalize` of the file's weights) and again by
//! `BlendedDataset` (normalize of those), each time `w / numpy.sum(w)` in
//! float64. The blended dataset holds Σ ⌈N · wᵢ⌉ samples for `N` training
//! samples, a few more than N; training reads the first N, and the greedy
//! index of a longer run starts with that of a shorter one.
//!
//! [`Blender`] fills the two index arrays in chunks, so 100M samples need
//! no gigabyte buffers; [`write_npy`] writes them as NumPy `.npy` files
//! (version 1.0 header, little-endian data).

use std::io::Write;

/// numpy's float64 sum of a contiguous array (pairwise summation with an
/// 8-way unrolled block below 128 elements), so that the normalised
/// weights match numpy's to the bit.
pub fn numpy_sum(a: &[f64]) -> f64 {
    // `np.sum` reduces from the additive identity, 0.0, with the pairwise
    // inner loop over the whole array.
    0.0 + pairwise(a)
}

fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

/// Megatron's `normalize`: `w / numpy.sum(w)` in float64.
pub fn normalize(w: &[f64]) -> Vec<f64> {
    let s = numpy_sum(w);
    w.iter().map(|x| x / s).collect()
}

/// What Megatron derives from a blend's weights and `N` training samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Blend {
    /// The weights the builder uses: the file's weights normalised once.
    pub builder_weights: Vec<f64>,
    /// The weights `build_blending_indices` sees: normalised again.
    pub index_weights: Vec<f64>,
    /// ⌈N · wᵢ⌉ per dataset, and their sum: the blended dataset's size.
    pub targets: Vec<u64>,
    pub size: u64,
}

impl Blend {
    pub fn new(file_weights: &[f64], train_samples: u64) -> Blend {
        let builder_weights = normalize(file_weights);
        let index_weights = normalize(&builder_weights);
        let targets: Vec<u64> =
            builder_weights.iter().map(|w| (train_samples as f64 * w).ceil() as u64).collect();
        let size = targets.iter().sum();
        Blend { builder_weights, index_weights, targets, size }
    }
}

/// The greedy index builder, resumable chunk by chunk.
///
/// Three things make it faster than a transcription of the C++ loop while
/// computing the same bits: the counts are kept as doubles (Megatron
/// converts its int64 counts to double before subtracting, exact below
/// 2^53), `max(k, 1)` is kept as a double that steps by one (exact below
/// 2^53), and the argmax is specialised: up to 16 datasets a loop compiled
/// for the exact number; above that two passes, the errors into a buffer
/// with the largest found over four independent lanes (the maximum of
/// doubles is exact whatever the order), then the first dataset whose
/// error equals it — the same choice as the strict `>` in order, so ties
/// still go to the lowest index.
pub struct Blender<'w> {
    weights: &'w [f64],
    current: Vec<f64>,
    next: u64,
}

impl<'w> Blender<'w> {
    /// `weights` must not be empty.
    pub fn new(weights: &'w [f64]) -> Blender<'w> {
        Blender { weights, current: vec![0.0; weights.len()], next: 0 }
    }

    /// The samples drawn from each dataset so far.
    pub fn counts(&self) -> Vec<u64> {
        self.current.iter().map(|&c| c as u64).collect()
    }

    /// Fills the next `dataset_index.len()` samples (both slices the same length).
    pub fn fill(&mut self, dataset_index: &mut [i16], sample_index: &mut [i64]) {
        let n = dataset_index.len().min(sample_index.len());
        self.run::<true>(&mut dataset_index[..n], &mut sample_index[..n], n);
    }

    /// Advances `n` samples, counting only.
    pub fn skip(&mut self, n: u64) {
        let mut left = n;
        while left > 0 {
            let step = left.min(1 << 30) as usize;
            self.run::<false>(&mut [], &mut [], step);
            left -= step as u64;
        }
    }

    fn run<const WRITE: bool>(&mut self, d: &mut [i16], s: &mut [i64], n: usize) {
        let (w, cur, start) = (self.weights, &mut self.current[..], self.next);
        macro_rules! fixed {
            ($($k:literal)*) => {
                match w.len() {
                    3 => run_registers::<3, WRITE>(w, cur, start, d, s, n),
                    4 => run_registers::<4, WRITE>(w, cur, start, d, s, n),
                    5 => run_registers::<5, WRITE>(w, cur, start, d, s, n),
                    $($k => run_fixed::<$k, WRITE>(w, cur, start, d, s, n),)*
                    _ => run_two_pass::<WRITE>(w, cur, start, d, s, n),
                }
            };
        }
        fixed!(1 2 6 7 8 9 10 11 12 13 14 15 16);
        self.next += n as u64;
    }
}

/// `max(k, 1)` for sample `k`, as Megatron computes it.
fn x_of(k: u64) -> f64 {
    f64::max(k as f64, 1.0)
}

/// The loop for exactly `K` datasets; `WRITE` false only counts.
///
/// This loop and [`run_registers`] are written out in full on purpose:
/// folding their shared pick and set-up into helpers measured 10–20% slower
/// for ten datasets (`cargo bench --bench schedule`).
#[inline(never)]
fn run_fixed<const K: usize, const WRITE: bool>(
    weights: &[f64],
    current: &mut [f64],
    start: u64,
    d: &mut [i16],
    s: &mut [i64],
    n: usize,
) {
    let mut w = [0.0f64; K];
    w.copy_from_slice(&weights[..K]);
    let mut cur = [0.0f64; K];
    cur.copy_from_slice(&current[..K]);
    let mut x = x_of(start);
    for k in 0..n {
        let mut best = 0usize;
        let mut max_error = w[0] * x - cur[0];
        for j in 1..K {
            let e = w[j] * x - cur[j];
            if e > max_error {
                max_error = e;
                best = j;
            }
        }
        if WRITE {
            d[k] = best as i16;
            s[k] = cur[best] as i64;
        }
        cur[best] += 1.0;
        if start + k as u64 > 0 {
            x += 1.0;
        }
    }
    current[..K].copy_from_slice(&cur);
}

/// Three to five datasets: as [`run_fixed`], but the counts are updated
/// without indexing (each adds 1 or 0), so they stay in registers; measured
/// faster than the indexed update at these sizes only.
#[inline(never)]
fn run_registers<const K: usize, const WRITE: bool>(
    weights: &[f64],
    current: &mut [f64],
    start: u64,
    d: &mut [i16],
    s: &mut [i64],
    n: usize,
) {
    let mut w = [0.0f64; K];
    w.copy_from_slice(&weights[..K]);
    let mut cur = [0.0f64; K];
    cur.copy_from_slice(&current[..K]);
    let mut x = x_of(start);
    for k in 0..n {
        let mut best = 0usize;
        let mut max_error = w[0] * x - cur[0];
        for j in 1..K {
            let e = w[j] * x - cur[j];
            if e > max_error {
                max_error = e;
                best = j;
            }
        }
        if WRITE {
            let mut drawn = 0.0;
            for (j, c) in cur.iter().enumerate() {
                if j == best {
                    drawn = *c;
                }
            }
            d[k] = best as i16;
            s[k] = drawn as i64;
        }
        for (j, c) in cur.iter_mut().enumerate() {
            *c += if j == best { 1.0 } else { 0.0 };
        }
        if start + k as u64 > 0 {
            x += 1.0;
        }
    }
    current[..K].copy_from_slice(&cur);
}

/// Any number of datasets: errors into a buffer, their maximum over four
/// lanes, then the first dataset with that error.
#[inline(never)]
fn run_two_pass<const WRITE: bool>(
    w: &[f64],
    cur: &mut [f64],
    start: u64,
    d: &mut [i16],
    s: &mut [i64],
    n: usize,
) {
    let cur = &mut cur[..w.len()];
    let mut e = vec![0.0f64; w.len()];
    let mut x = x_of(start);
    for k in 0..n {
        for ((ej, &wj), &cj) in e.iter_mut().zip(w).zip(cur.iter()) {
            *ej = wj * x - cj;
        }
        let mut lanes = [f64::NEG_INFINITY; 4];
        let chunks = e.chunks_exact(4);
        let rest = chunks.remainder();
        for c in chunks {
            for (m, &v) in lanes.iter_mut().zip(c) {
                *m = if v > *m { v } else { *m };
            }
        }
        let mut max_error = lanes[0];
        for &v in lanes[1..].iter().chain(rest) {
            max_error = if v > max_error { v } else { max_error };
        }
        let best = e.iter().position(|&v| v == max_error).unwrap_or(0);
        if WRITE {
            d[k] = best as i16;
            s[k] = cur[best] as i64;
        }
        cur[best] += 1.0;
        if start + k as u64 > 0 {
            x += 1.0;
        }
    }
}

/// The loop as Megatron writes it, for tests: one dataset after another,
/// a strict `>`, int64 counts.
pub fn reference(weights: &[f64], size: usize) -> (Vec<i16>, Vec<i64>) {
    let mut cur = vec![0i64; weights.len()];
    let (mut d, mut s) = (vec![0i16; size], vec![0i64; size]);
    for k in 0..size {
        let x = f64::max(k as f64, 1.0);
        let mut best = 0;
        let mut max_error = weights[0] * x - cur[0] as f64;
        for j in 1..weights.len() {
            let e = weights[j] * x - cur[j] as f64;
            if e > max_error {
                max_error = e;
                best = j;
            }
        }
        d[k] = best as i16;
        s[k] = cur[best];
        cur[best] += 1;
    }
    (d, s)
}

/// The samples each dataset gets in the first `n` of the greedy index.
pub fn counts(weights: &[f64], n: u64) -> Vec<u64> {
    let mut b = Blender::new(weights);
    b.skip(n);
    b.counts()
}

/// An element type of an `.npy` file.
pub trait NpyElement: Copy {
    const DESCR: &'static str;
    fn put(self, out: &mut Vec<u8>);
}

impl NpyElement for i16 {
    const DESCR: &'static str = "<i2";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl NpyElement for i64 {
    const DESCR: &'static str = "<i8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// The `.npy` version 1.0 header of a one-dimensional array of `len`
/// elements, padded with spaces so the data starts at a multiple of 64.
pub fn npy_header(descr: &str, len: u64) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({len},), }}");
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut h = Vec::with_capacity(total);
    h.extend_from_slice(b"\x93NUMPY\x01\x00");
    h.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h
}

/// Writes a whole array as `.npy` to `w`.
pub fn write_npy<T: NpyElement, W: Write>(w: &mut W, data: &[T]) -> std::io::Result<()> {
    w.write_all(&npy_header(T::DESCR, data.len() as u64))?;
    write_data(w, data)
}

/// Writes elements little-endian (after a header from [`npy_header`]).
pub fn write_data<T: NpyElement, W: Write>(w: &mut W, data: &[T]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(data.len() * 8);
    for x in data {
        x.put(&mut buf);
    }
    w.write_all(&buf)
}

/// Writes Megatron's two index arrays for `weights` (already normalised as
/// `build_blending_indices` sees them) and `size` samples, streaming in
/// chunks, to `dataset_index` and `sample_index`; returns the counts.
pub fn write_indices<W1: Write, W2: Write>(
    weights: &[f64],
    size: u64,
    dataset_index: &mut W1,
    sample_index: &mut W2,
) -> std::io::Result<Vec<u64>> {
    const CHUNK: usize = 1 << 20;
    dataset_index.write_all(&npy_header(i16::DESCR, size))?;
    sample_index.write_all(&npy_header(i64::DESCR, size))?;
    let mut b = Blender::new(weights);
    let mut d = vec![0i16; CHUNK];
    let mut s = vec![0i64; CHUNK];
    let mut left = size;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        b.fill(&mut d[..n], &mut s[..n]);
        write_data(dataset_index, &d[..n])?;
        write_data(sample_index, &s[..n])?;
        left -= n as u64;
    }
    Ok(b.counts())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(w: &[f64], n: usize) -> (Vec<i16>, Vec<i64>) {
        let mut d = vec![0; n];
        let mut s = vec![0; n];
        Blender::new(w).fill(&mut d, &mut s);
        (d, s)
    }

    #[test]
    fn the_references_worked_examples() {
        // W = [0.3, 0.7], S = 10 (trainer-formats.md a3)
        let (d, s) = run(&[0.3, 0.7], 10);
        assert_eq!(d, [1, 0, 1, 1, 0, 1, 1, 0, 1, 1]);
        assert_eq!(s, [0, 0, 1, 2, 1, 3, 4, 2, 5, 6]);
        // Megatron's readme: W = [1/2, 1/4, 1/4], S = 4
        let (d, s) = run(&[0.5, 0.25, 0.25], 4);
        assert_eq!(d, [0, 1, 2, 0]);
        assert_eq!(s, [0, 0, 0, 1]);
    }

    #[test]
    fn targets_of_weights_one_two_three() {
        // weights [1, 2, 3], N = 1000: targets ceil(1000 × [1/6, 1/3, 1/2]) = [167, 334, 500], 1001 in all
        let b = Blend::new(&[1.0, 2.0, 3.0], 1000);
        assert_eq!(b.targets, [167, 334, 500]);
        assert_eq!(b.size, 1001);
    }

    #[test]
    fn every_specialisation_gives_the_reference_loops_bits() {
        // 1..=40 datasets cover the fixed loops and the two-pass one; equal
        // weights make ties at every step
        for k in 1..=40usize {
            for w in [normalize(&(1..=k).map(|i| i as f64).collect::<Vec<_>>()), normalize(&vec![1.0; k])] {
                let (d, s) = run(&w, 5000);
                assert_eq!((d, s), reference(&w, 5000), "{k} datasets");
            }
        }
    }

    #[test]
    fn chunks_give_the_same_index_as_one_run() {
        let w = normalize(&[5.0, 3.0, 1.0, 1.0]);
        let (d, s) = run(&w, 1000);
        let mut b = Blender::new(&w);
        let (mut d2, mut s2) = (vec![0; 1000], vec![0; 1000]);
        b.fill(&mut d2[..333], &mut s2[..333]);
        b.fill(&mut d2[333..], &mut s2[333..]);
        assert_eq!((d, s), (d2, s2));
        assert_eq!(counts(&w, 1000), [500, 300, 100, 100]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Any blend: the reference loop's bits, counts near their share at
        /// every prefix (the reference notes saw at most 1.24 in random
        /// trials), and a shorter run is a prefix of a longer one.
        #[test]
        fn any_blend_matches_the_reference_and_stays_near_its_shares(
            counts in proptest::collection::vec(1u32..1000, 1..24),
            n in 1usize..3000,
        ) {
            let w = normalize(&normalize(&counts.iter().map(|&c| f64::from(c)).collect::<Vec<_>>()));
            let (d, s) = run(&w, n);
            proptest::prop_assert_eq!((&d, &s), (&reference(&w, n).0, &reference(&w, n).1));
            let mut c = vec![0f64; w.len()];
            for (k, &i) in d.iter().enumerate() {
                proptest::prop_assert_eq!(s[k] as f64, c[i as usize]);
                c[i as usize] += 1.0;
                for (cj, wj) in c.iter().zip(&w) {
                    proptest::prop_assert!((cj - wj * (k + 1) as f64).abs() < 1.5);
                }
            }
            let (d2, _) = run(&w, n / 2);
            proptest::prop_assert_eq!(&d[..n / 2], &d2[..]);
        }
    }

    #[test]
    fn the_npy_header_is_aligned_and_parsable() {
        let h = npy_header("<i2", 10);
        assert_eq!(h.len() % 64, 0);
        assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
        let hl = u16::from_le_bytes([h[8], h[9]]) as usize;
        assert_eq!(hl + 10, h.len());
        let text = std::str::from_utf8(&h[10..]).unwrap();
        assert!(text.starts_with("{'descr': '<i2', 'fortran_order': False, 'shape': (10,), }"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn numpy_sums_in_blocks_of_eight() {
        // below 8 elements: left to right
        assert_eq!(numpy_sum(&[0.1, 0.2, 0.3]), (0.1 + 0.2) + 0.3);
        // 9 elements: 8 accumulators (one element each), paired, then the 9th
        let a: Vec<f64> = (1..=9).map(|i| 1.0 / i as f64).collect();
        let r = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        assert_eq!(numpy_sum(&a), r + a[8]);
    }
}
