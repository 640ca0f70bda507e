// A reimplementation of the loop of Megatron-LM's build_blending_indices
// (megatron/core/datasets/helpers.cpp), written for mixplan's benchmark:
// the same arithmetic (weight * max(sample, 1.0) - double(count)), the same
// strict comparison, int16 dataset index and int64 sample index arrays.
// It reads the weights from the command line, times the loop alone, and
// prints the time and an FNV-1a hash of both arrays, so the benchmark can
// check that mixplan's arrays are the same bits.
//
// usage: blend SIZE W0 W1 ...   (weights already normalised)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

static void build(int16_t *dataset_index, int64_t *dataset_sample_index, const double *weights,
                  const int32_t num_datasets, const int64_t size) {
    std::vector<int64_t> current(num_datasets, 0);
    for (int64_t sample = 0; sample < size; ++sample) {
        double x = std::max(static_cast<double>(sample), 1.0);
        int64_t best = 0;
        double best_error = weights[0] * x - static_cast<double>(current[0]);
        for (int64_t d = 1; d < num_datasets; ++d) {
            double error = weights[d] * x - static_cast<double>(current[d]);
            if (error > best_error) {
                best_error = error;
                best = d;
            }
        }
        dataset_index[sample] = static_cast<int16_t>(best);
        dataset_sample_index[sample] = current[best];
        current[best] += 1;
    }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = static_cast<const unsigned char *>(p);
    for (size_t i = 0; i < n; ++i) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: blend SIZE W0 W1 ...\n");
        return 2;
    }
    int64_t size = std::atoll(argv[1]);
    std::vector<double> w;
    for (int i = 2; i < argc; ++i) w.push_back(std::strtod(argv[i], nullptr));
    std::vector<int16_t> di(size);
    std::vector<int64_t> si(size);
    auto t0 = std::chrono::steady_clock::now();
    build(di.data(), si.data(), w.data(), static_cast<int32_t>(w.size()), size);
    auto t1 = std::chrono::steady_clock::now();
    uint64_t h = fnv(1469598103934665603ULL, di.data(), di.size() * sizeof(int16_t));
    h = fnv(h, si.data(), si.size() * sizeof(int64_t));
    std::printf("%.6f %016llx\n", std::chrono::duration<double>(t1 - t0).count(), (unsigned long long)h);
    return 0;
}
