/* mc_entry.h: the functions of mc_model.h, over the generated functions of one spec.
 * Included at the end of the generated file, which defines before it:
 *   MC_NACTIONS, ACTION_NAMES, GEN_ACTIONS, MC_NINVARIANTS, INVARIANT_NAMES,
 *   MC_NPREDICATES, PREDICATE_NAMES, gen_init, gen_invariant, gen_predicate, gen_constraint,
 *   MC_HAS_CONSTRAINT, INVARIANT_READS and CONSTRAINT_READS (masks of the variables read),
 *   gen_type_var (one variable's type check), TYPE_CHECKED (the MC_NTYPECHECKED variables tested),
 *   CONST_BYTES (the constants' canonical bytes, in declaration order) and consts_decode,
 *   MC_NPERMS and PERMS (symbol id -> symbol id, one row per symmetry permutation).
 */
#ifndef MC_ENTRY_H
#define MC_ENTRY_H

int mc_action_count(void) { return MC_NACTIONS; }
const char *mc_action_name(int action) { return action >= 0 && action < MC_NACTIONS ? ACTION_NAMES[action] : NULL; }
int mc_invariant_count(void) { return MC_NINVARIANTS; }
const char *mc_invariant_name(int k) { return k >= 0 && k < MC_NINVARIANTS ? INVARIANT_NAMES[k] : NULL; }
int mc_predicate_count(void) { return MC_NPREDICATES; }
const char *mc_predicate_name(int k) { return k >= 0 && k < MC_NPREDICATES ? PREDICATE_NAMES[k] : NULL; }
const char *mc_error(mc_ctx *ctx) { return ctx->err; }

void mc_instance(mc_ctx *X, const uint8_t **out, size_t *len) {
    *out = X->inst.p;
    *len = X->inst.len;
}

void mc_instances_of_all(mc_ctx *X, int every) { X->all_instances = every; }

const uint32_t *mc_instance_ends(mc_ctx *X) { return X->inst_ends; }

mc_ctx *mc_ctx_new(void) {
    pthread_once(&scalars_once, init_scalars);
    mc_ctx *X = calloc(1, sizeof(mc_ctx));
    if (X == NULL) return NULL;
    X->ar = &X->perm;
    X->jb = &X->top;
    if (setjmp(X->top)) {  /* the constants were written by codec.py: this cannot fail */
        fprintf(stderr, "modelcheck native: cannot read the constants: %s\n", X->err);
        abort();
    }
    Reader r = {CONST_BYTES, CONST_BYTES + sizeof CONST_BYTES};
    consts_decode(X, &r);
    X->ar = &X->tmp;
    return X;
}

void mc_ctx_free(mc_ctx *X) {
    if (X == NULL) return;
    for (int m = 0; m < MC_NMEMO; m++) free(X->memo[m]);
    free(X->kept.p);
    ar_free(&X->tmp);
    ar_free(&X->perm);
    free(X->out.p);
    free(X->best.p);
    free(X->inst.p);
    free(X);
}

/* a new state to read: scratch memory reset, operator caches invalidated */
static void begin(mc_ctx *X) {
    X->has_kept = 0;
    ar_reset(&X->tmp);
    X->ar = &X->tmp;
    X->cur = &X->state;
    X->gen = ++X->gens;
    X->err[0] = 0;
    memset(X->depth, 0, sizeof X->depth);  /* an error may have left a recursion mid-way */
}

static void read_state(mc_ctx *X, const uint8_t *state, size_t len) {
    Reader r = {state, state + len};
    Frame *f = &X->state;
    f->raw = state;
    memset(f->vhash_ok, 0, sizeof f->vhash_ok);
    memset(f->known, 0, sizeof f->known);
    for (int k = 0; k < MC_NVARS; k++) {
        f->slice[k] = (uint32_t)(r.p - state);
        f->st[k] = NULL;  /* decoded when read: ST() */
        var_skip(X, &r, k);
    }
    f->slice[MC_NVARS] = (uint32_t)(r.p - state);
    if (r.p != r.end) mc_fail(X, "malformed state: %zu bytes after the last variable", (size_t)(r.end - r.p));
}

static int outcome(int jumped) { return jumped == JUMP_STOPPED ? MC_STOPPED : MC_ERROR; }

int mc_init(mc_ctx *X, mc_emit_fn emit, void *user) {
    begin(X);
    X->emit = emit;
    X->user = user;
    X->jb = &X->top;
    int jumped = setjmp(X->top);
    if (jumped) return outcome(jumped);
    gen_init(X);
    return MC_OK;
}

int mc_successors(mc_ctx *X, const uint8_t *state, size_t len, mc_emit_fn emit, void *user) {
    begin(X);
    X->emit = emit;
    X->user = user;
    X->jb = &X->top;
    int jumped = setjmp(X->top);
    if (jumped) return outcome(jumped);
    read_state(X, state, len);
    for (int a = 0; a < MC_NACTIONS; a++) GEN_ACTIONS[a](X);
    return MC_OK;
}

/* The state to check: the context keeps a copy of the last one it checked with its decoded
 * variables and operator values, so that the type check and each invariant of a state
 * decode it and compute each operator once. */
static void enter_state(mc_ctx *X, const uint8_t *state, size_t len) {
    if (X->has_kept && X->kept.len == len && memcmp(X->kept.p, state, len) == 0) {
        X->err[0] = 0;
        memset(X->depth, 0, sizeof X->depth);
        return;
    }
    begin(X);
    Buf *b = &X->kept;
    b->len = 0;
    buf_reserve(b, len ? len : 1);
    memcpy(b->p, state, len);
    b->len = len;
    read_state(X, b->p, len);  /* values decoded from it may point into its bytes */
    X->has_kept = 1;
}

static int eval_invariant(mc_ctx *X, int k) { return gen_invariant(X, k) ? 1 : 0; }
static int eval_constraint(mc_ctx *X, int unused) { (void)unused; return gen_constraint(X) ? 1 : 0; }
static int eval_type(mc_ctx *X, int k) { return gen_type_var(X, k) ? 1 : 0; }
static int predicate_of(mc_ctx *X, int k) { return gen_predicate(X, k) ? 1 : 0; }

/* The checks of the state being read, remembered by the variables they read. */
static int invariant_of(mc_ctx *X, int k) { return remembered(X, k, INVARIANT_READS[k], eval_invariant, k); }
static int constraint_of(mc_ctx *X, int unused) {
    return remembered(X, MEMO_CONSTRAINT, CONSTRAINT_READS, eval_constraint, unused);
}
static int type_of(mc_ctx *X, int unused) {
    (void)unused;
    for (int j = 0; j < MC_NTYPECHECKED; j++) {
        int k = TYPE_CHECKED[j];
        X->checking = k;
        if (!remembered(X, MEMO_TYPE + k, k < 64 ? UINT64_C(1) << k : 0, eval_type, k)) return k;
    }
    return -1;
}

/* Whether `state` is the successor X is emitting: mc_model.h lets the checks be called on it
 * from inside the emit callback. */
static int is_emitted(mc_ctx *X, const uint8_t *state, size_t len) {
    return X->emitting && state == X->out.p && len == X->out.len;
}

/* Check `body` of the successor being emitted, read from the frame mc_out made of it (its new
 * values as the action built them, the others its parent's), then back to the parent, whose
 * action goes on: its jump buffer, arena and operator cache generation are put back. A check
 * that fails to evaluate returns JUMPED. */
#define JUMPED INT32_MIN
static int check_emitted(mc_ctx *X, int (*body)(mc_ctx *, int), int arg) {
    jmp_buf here, *outer = X->jb;
    uint64_t gen = X->gen;
    Arena *ar = X->ar;
    X->cur = &X->emitted;
    /* operators cached for the parent are not the successor's; those computed by one check
       of the successor serve its next ones (its values stay in the arena until the parent's
       next state) */
    X->gen = X->emitted_gen;
    X->jb = &here;
    int result;
    if (setjmp(here)) result = JUMPED;
    else result = body(X, arg);
    X->jb = outer;
    X->cur = &X->state;
    X->gen = gen;
    X->ar = ar;
    memset(X->depth, 0, sizeof X->depth);  /* as mc_out found it: no operator call under way */
    return result;
}

/* Check number k of `count` (an invariant, a state predicate: `what`) on the state. */
static int numbered_check(mc_ctx *X, int (*body)(mc_ctx *, int), int k, int count, const char *what,
                          const uint8_t *state, size_t len) {
    if (k < 0 || k >= count) {
        snprintf(X->err, sizeof X->err, "no %s number %d", what, k);
        return MC_ERROR;
    }
    if (is_emitted(X, state, len)) {
        int r = check_emitted(X, body, k);
        return r == JUMPED ? MC_ERROR : r;
    }
    X->jb = &X->top;
    if (setjmp(X->top)) { X->has_kept = 0; return MC_ERROR; }
    enter_state(X, state, len);
    return body(X, k);
}

int mc_invariant(mc_ctx *X, int k, const uint8_t *state, size_t len) {
    return numbered_check(X, invariant_of, k, MC_NINVARIANTS, "invariant", state, len);
}

int mc_predicate(mc_ctx *X, int k, const uint8_t *state, size_t len) {
    return numbered_check(X, predicate_of, k, MC_NPREDICATES, "state predicate", state, len);
}

int mc_constraint(mc_ctx *X, const uint8_t *state, size_t len) {
    if (!MC_HAS_CONSTRAINT) return 1;
    if (is_emitted(X, state, len)) {
        int r = check_emitted(X, constraint_of, 0);
        return r == JUMPED ? MC_ERROR : r;
    }
    X->jb = &X->top;
    if (setjmp(X->top)) { X->has_kept = 0; return MC_ERROR; }
    enter_state(X, state, len);
    return constraint_of(X, 0);
}

/* -1 (which is also MC_ERROR's value) when every variable is in type: a check that fails to
 * evaluate counts as outside the type, with mc_error saying why; a state that cannot be read
 * as outside variable 0. */
int mc_type_check(mc_ctx *X, const uint8_t *state, size_t len) {
    X->checking = 0;
    if (is_emitted(X, state, len)) {
        int r = check_emitted(X, type_of, 0);
        return r == JUMPED ? X->checking : r;
    }
    X->jb = &X->top;
    if (setjmp(X->top)) { X->has_kept = 0; return X->checking; }
    enter_state(X, state, len);
    return type_of(X, 0);
}

/* mc_checks' checks of the state being read; X->check_at: -1 during the type check, then the
 * position of the invariant being evaluated. */
static int checks_of(mc_ctx *X, int unused) {
    (void)unused;
    X->check_at = -1;
    int var = type_of(X, 0);
    if (var >= 0) {
        X->check_at = var;
        return MC_CHECK_TYPE;
    }
    for (int k = 0; k < X->check_count; k++) {
        X->check_at = k;
        if (!invariant_of(X, X->check_list[k])) return MC_CHECK_BROKEN;
    }
    return MC_OK;
}

/* What a check that failed to evaluate means: during the type check, its variable is outside
 * its type (as mc_type_check); else the invariant being evaluated failed. */
static int checks_failed(mc_ctx *X, int *which) {
    if (X->check_at < 0) {
        *which = X->checking;
        return MC_CHECK_TYPE;
    }
    *which = X->check_at;
    return MC_ERROR;
}

int mc_checks(mc_ctx *X, const int *invariants, int count, const uint8_t *state, size_t len, int *which) {
    for (int k = 0; k < count; k++)
        if (invariants[k] < 0 || invariants[k] >= MC_NINVARIANTS) {
            snprintf(X->err, sizeof X->err, "no invariant number %d", invariants[k]);
            *which = k;
            return MC_ERROR;
        }
    X->check_list = invariants;
    X->check_count = count;
    X->check_at = -1;
    X->checking = 0;
    int r;
    if (is_emitted(X, state, len)) r = check_emitted(X, checks_of, 0);
    else {
        X->jb = &X->top;
        if (setjmp(X->top)) {
            X->has_kept = 0;
            return checks_failed(X, which);
        }
        enter_state(X, state, len);
        r = checks_of(X, 0);
    }
    if (r == JUMPED) return checks_failed(X, which);
    *which = X->check_at;
    return r;
}

/* ---------------------------------------------------------------- symmetry */

static V *permuted(mc_ctx *X, V *v, const int32_t *perm) {
    switch (v->tag) {
    case T_SYM: return mk_sym(X, v->i >= 0 && v->i < MC_NSYMS ? perm[v->i] : v->i);
    case T_TUP: case T_REC: {
        V *r = mk_node(X, v->tag, v->n, v->n);
        r->layout = v->layout;
        for (uint32_t k = 0; k < v->n; k++) r->a[k] = permuted(X, v->a[k], perm);
        return r;
    }
    case T_SET: {
        Vec out = {0};
        for (uint32_t k = 0; k < v->n; k++) vec_push(X, &out, permuted(X, v->a[k], perm));
        return vec_set(X, &out);
    }
    case T_MAP: {
        V *r = mk_node(X, T_MAP, 0, 2 * v->n);
        for (uint32_t k = 0; k < v->n; k++)
            r = map_put(X, r, permuted(X, v->a[k], perm), permuted(X, v->a[v->n + k], perm));
        return r;
    }
    default: return v;
    }
}

int mc_canonical(mc_ctx *X, const uint8_t *state, size_t len, const uint8_t **out, size_t *out_len) {
    if (MC_NPERMS == 0) {
        *out = state;
        *out_len = len;
        return MC_OK;
    }
    begin(X);
    X->jb = &X->top;
    if (setjmp(X->top)) return MC_ERROR;
    read_state(X, state, len);
    Buf *best = &X->best;
    best->len = 0;
    buf_reserve(best, len);
    memcpy(best->p, state, len);
    best->len = len;
    for (int p = 0; p < MC_NPERMS; p++) {
        Buf *b = &X->out;
        b->len = 0;
        /* Compared with the least so far variable by variable: most permutations are found
           greater in the first variables, and the rest of the state is not permuted. */
        int order = 0;  /* -1: b is less than best already; 0: their prefixes are equal */
        for (int k = 0; k < MC_NVARS && order <= 0; k++) {
            size_t start = b->len;
            var_encode(b, k, permuted(X, ST(X, k), PERMS[p]));
            if (order < 0) continue;
            size_t end = b->len < best->len ? b->len : best->len;
            int c = memcmp(b->p + start, best->p + start, end > start ? end - start : 0);
            if (c < 0) order = -1;
            else if (c > 0 || b->len > best->len) order = 1;  /* greater, or best is a prefix of it */
        }
        if (order < 0 || (order == 0 && b->len < best->len)) {
            Buf t = *best;
            *best = *b;
            *b = t;
        }
    }
    *out = best->p;
    *out_len = best->len;
    return MC_OK;
}

#endif
