/* For bench/native/successors: expand many encoded states in C, counting the successors,
 * so that the time measured is the spec's compiled code and not calls from Python. */
#include <stddef.h>
#include <stdint.h>

#include "mc_model.h"

static int count(void *user, int action, const uint8_t *state, size_t len) {
    (void)action; (void)state; (void)len;
    ++*(long *)user;
    return 0;
}

/* states: n encoded states back to back, state k at offsets[k]..offsets[k + 1];
 * returns the successors generated, or -1 if the spec's code failed on a state */
long bench_successors(const uint8_t *states, const size_t *offsets, long n) {
    mc_ctx *ctx = mc_ctx_new();
    long total = 0;
    for (long k = 0; k < n; k++) {
        if (mc_successors(ctx, states + offsets[k], offsets[k + 1] - offsets[k], count, &total) != MC_OK) {
            total = -1;
            break;
        }
    }
    mc_ctx_free(ctx);
    return total;
}
