/* A hand-written model behind mc_model.h, the twin of toy.py: three counters a, b, c in
 * 0..K, one byte each, with parameters (below) that give every variant the tests need
 * (a broken invariant, a constraint, a runtime error, a deadlock, symmetry). */
#include "mc_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parameters, read from the environment when a context is made (TOY_K=12 ...), so that
 * one build serves every variant: K; INV_SUM (invariant SumBelow: a + b + c < INV_SUM, 0:
 * always holds); CMAX (constraint a <= CMAX); ERR_C (Div fails when c == ERR_C); TYPE_MAX
 * (b's type is 0..TYPE_MAX); INV_ERR_B (invariant BNotErr fails to evaluate when b == it);
 * SYM (a and b are interchangeable). */
static int param(const char *name, int otherwise) {
    const char *v = getenv(name);
    return v ? atoi(v) : otherwise;
}

struct mc_ctx {
    int K, INV_SUM, CMAX, ERR_C, TYPE_MAX, INV_ERR_B, SYM;
    uint8_t canon[3];
    char error[128];
};

static const char *actions[] = {"IncA", "IncB", "IncC", "Swap", "Div"};
static const char *invariants[] = {"SumBelow", "BNotErr"};

int mc_action_count(void) { return 5; }
const char *mc_action_name(int a) { return actions[a]; }
int mc_invariant_count(void) { return 2; }
const char *mc_invariant_name(int k) { return invariants[k]; }
/* no temporal properties, no fair actions */
int mc_predicate_count(void) { return 0; }
const char *mc_predicate_name(int k) { (void)k; return NULL; }
void mc_instance(mc_ctx *ctx, const uint8_t **out, size_t *len) { (void)ctx; *out = NULL; *len = 0; }
void mc_instances_of_all(mc_ctx *ctx, int every) { (void)ctx; (void)every; }
const uint32_t *mc_instance_ends(mc_ctx *ctx) { (void)ctx; return NULL; }

mc_ctx *mc_ctx_new(void) {
    mc_ctx *X = calloc(1, sizeof(mc_ctx));
    if (!X) return NULL;
    X->K = param("TOY_K", 12);
    X->INV_SUM = param("TOY_INV_SUM", 0);
    X->CMAX = param("TOY_CMAX", 255);
    X->ERR_C = param("TOY_ERR_C", 255);
    X->TYPE_MAX = param("TOY_TYPE_MAX", 255);
    X->INV_ERR_B = param("TOY_INV_ERR_B", 255);
    X->SYM = param("TOY_SYM", 0);
    return X;
}
void mc_ctx_free(mc_ctx *ctx) { free(ctx); }
const char *mc_error(mc_ctx *ctx) { return ctx->error; }

int mc_init(mc_ctx *ctx, mc_emit_fn emit, void *user) {
    (void)ctx;
    for (uint8_t a = 0; a < 2; a++) {
        uint8_t s[3] = {a, 0, 0};
        if (emit(user, -1, s, 3)) return MC_STOPPED;
    }
    return MC_OK;
}

#define EMIT(action, x, y, z) do { uint8_t t[3] = {x, y, z}; if (emit(user, action, t, 3)) return MC_STOPPED; } while (0)

int mc_successors(mc_ctx *ctx, const uint8_t *s, size_t len, mc_emit_fn emit, void *user) {
    (void)len;
    uint8_t a = s[0], b = s[1], c = s[2];
    if (a < ctx->K) EMIT(0, a + 1, b, c);
    for (int d = 1; d <= 2; d++)
        if (b + d <= ctx->K) EMIT(1, a, b + d, c);
    if (c < ctx->K) EMIT(2, a, b, c + 1);
    if (a < b) EMIT(3, b, a, c);
    if (c == ctx->ERR_C) {
        snprintf(ctx->error, sizeof ctx->error, "division by zero");
        return MC_ERROR;
    }
    if (c > a && a > 0) EMIT(4, a, b, c / a);
    return MC_OK;
}

int mc_invariant(mc_ctx *ctx, int k, const uint8_t *s, size_t len) {
    (void)len;
    if (k == 0) return ctx->INV_SUM == 0 || s[0] + s[1] + s[2] < ctx->INV_SUM;
    if (s[1] == ctx->INV_ERR_B) {
        snprintf(ctx->error, sizeof ctx->error, "map outside its domain");
        return MC_ERROR;
    }
    return 1;
}

int mc_predicate(mc_ctx *ctx, int k, const uint8_t *s, size_t len) {
    (void)s; (void)len;
    snprintf(ctx->error, sizeof ctx->error, "no state predicate number %d", k);
    return MC_ERROR;
}

int mc_constraint(mc_ctx *ctx, const uint8_t *s, size_t len) {
    (void)ctx; (void)len;
    return s[0] <= ctx->CMAX;
}

int mc_type_check(mc_ctx *ctx, const uint8_t *s, size_t len) {
    (void)ctx; (void)len;
    return s[1] <= ctx->TYPE_MAX ? -1 : 1;
}

int mc_checks(mc_ctx *ctx, const int *invariants, int count, const uint8_t *s, size_t len, int *which) {
    int var = mc_type_check(ctx, s, len);
    if (var >= 0) {
        *which = var;
        return MC_CHECK_TYPE;
    }
    for (int k = 0; k < count; k++) {
        int r = mc_invariant(ctx, invariants[k], s, len);
        if (r != 1) {
            *which = k;
            return r == 0 ? MC_CHECK_BROKEN : MC_ERROR;
        }
    }
    return MC_OK;
}

int mc_canonical(mc_ctx *ctx, const uint8_t *s, size_t len, const uint8_t **out, size_t *out_len) {
    memcpy(ctx->canon, s, 3);
    if (ctx->SYM && s[0] > s[1]) {
        ctx->canon[0] = s[1];
        ctx->canon[1] = s[0];
    }
    *out = ctx->canon;
    *out_len = len;
    return MC_OK;
}
