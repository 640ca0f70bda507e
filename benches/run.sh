#!/usr/bin/env bash
# Whole-process timings of the performance table in the README: each case
# run RUNS times (default 5; the built-in case 20 times as many), the median
# wall time and the peak memory printed,
# next to the same files parsed by the `toml` crate alone
# (examples/parse_only.rs) where the target is a ratio to parsing.
#
#   bash benches/run.sh            # every case
#   RUNS=11 bash benches/run.sh    # more runs
#   CASES="flat-1m check" bash benches/run.sh
#
# Needs /usr/bin/time and bc (Debian packages `time` and `bc`). Inputs are written by
# `cargo run --release --example gen` into $BENCH_DIR (default
# target/bench-inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-target/bench-inputs}
CASES=${CASES:-"version builtin flat-100k flat-1m chain comb diamond extends include weights check"}
cargo build --release --quiet --bin mixplan --example gen --example parse_only
BIN=target/release/mixplan
GEN=target/release/examples/gen
PARSE=target/release/examples/parse_only
mkdir -p "$DIR"

gen() { # case n -> dir
    local d="$DIR/$1-$2"
    [ -d "$d" ] || "$GEN" "$1" "$2" "$d" > /dev/null
    echo "$d"
}

# Median wall seconds of RUNS runs of a command, timed with bash's
# microsecond clock (GNU time's 10 ms clock is too coarse for the small
# cases), and the peak KiB of one more run under /usr/bin/time (peak memory
# does not vary between runs).
measure() {
    local walls=() t0 t1 tmp
    for _ in $(seq "$RUNS"); do
        t0=$EPOCHREALTIME
        "$@" > /dev/null 2>&1 || true
        t1=$EPOCHREALTIME
        walls+=("$(echo "$t1 - $t0" | bc -l)")
    done
    tmp=$(mktemp)
    /usr/bin/time -f "%M" -o "$tmp" "$@" > /dev/null 2>&1 || true
    echo "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') $(tail -1 "$tmp")"
    rm -f "$tmp"
}

row() { # name, mixplan measurement, parse measurement (or -)
    local name=$1 a=$2 b=$3
    local aw=${a% *} am=${a#* }
    if [ "$b" = "-" ]; then
        printf '| %-44s | %8.4f s | %8.1f MB | %-18s |\n' "$name" "$aw" "$(echo "$am/1024" | bc -l)" ""
    else
        local bw=${b% *} bm=${b#* }
        printf '| %-44s | %8.4f s | %8.1f MB | %5.2fx time, %4.2fx memory of parsing (%.4f s, %.1f MB) |\n' \
            "$name" "$aw" "$(echo "$am/1024" | bc -l)" "$(echo "$aw/$bw" | bc -l)" "$(echo "$am/$bm" | bc -l)" \
            "$bw" "$(echo "$bm/1024" | bc -l)"
    fi
}

plan_case() { # label case n recipe
    local d
    d=$(gen "$2" "$3")
    row "$1" "$(measure "$BIN" --no-builtin --catalog "$d/catalog" --recipes "$d/recipes" plan "$4" --format json)" \
        "$(measure "$PARSE" "$d")"
}

echo "| case | wall (median) | peak memory | against |"
echo "|---|---:|---:|---|"
for c in $CASES; do
    case $c in
        version) row "mixplan --version (start-up alone)" "$(RUNS=$((RUNS * 20)) measure "$BIN" --version)" - ;;
        builtin) row "plan llava-1.5-7b --format json (built-in)" "$(RUNS=$((RUNS * 20)) measure "$BIN" plan llava-1.5-7b --format json)" - ;;
        flat-100k) plan_case "100k datasets, 10k-entry recipe" flat 100000 r ;;
        flat-1m) plan_case "1M datasets, 100k-entry recipe" flat 1000000 r ;;
        chain) plan_case "10,000-deep composite chain" chain 10000 r ;;
        comb) plan_case "10,000 leaves, the k-th k composites deep" comb 10000 r ;;
        diamond) plan_case "1,000-level composite diamond" diamond 1000 r ;;
        extends) plan_case "2,500 recipes each extends the previous" extends 2500 r2500 ;;
        include) plan_case "3,000 recipes each includes the previous" include 3000 r3000 ;;
        weights)
            d=$(gen weights 300000); s=$(gen samples 300000)
            a=$(measure "$BIN" --no-builtin --catalog "$d/catalog" --recipes "$d/recipes" plan r --format json)
            b=$(measure "$BIN" --no-builtin --catalog "$s/catalog" --recipes "$s/recipes" plan r --format json)
            aw=${a% *}; bw=${b% *}
            printf '| %-44s | %8.4f s | %8.1f MB | %5.2fx the same stage with samples (%.4f s) |\n' \
                "one stage of 300,000 weight entries" "$aw" "$(echo "${a#* }/1024" | bc -l)" "$(echo "$aw/$bw" | bc -l)" "$bw" ;;
        check)
            d=$(gen flat 695893)
            row "check of a $(du -sm "$d" | cut -f1) MB catalog (695,893 datasets)" \
                "$(measure "$BIN" --no-builtin --catalog "$d/catalog" --recipes "$d/recipes" check)" "$(measure "$PARSE" "$d")" ;;
    esac
done
