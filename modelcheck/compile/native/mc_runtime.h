/* mc_runtime.h: the values of a spec compiled to C, and the operations its generated code
 * calls. Included once, by the generated file, after it has defined the sizes of its tables:
 *   MC_NVARS, MC_NCONSTS, MC_NCACHE, MC_NDEPTH, MC_NSYMS, MC_NLAYOUTS and LAYOUT_SIZES (fields per layout)
 *
 * A value is a tagged struct allocated from the context's scratch arena, which is reset at
 * every entry point (one state expanded, one invariant checked): nothing is freed one by one.
 * Sets are sorted arrays without duplicates, maps sorted arrays of keys followed by their
 * values, all under one total order (vcmp), the same as the Python backend's canon(): so
 * equal values have equal canonical bytes, and `choose` and sorted map keys agree with it.
 *
 * The bytes of a value are directed by its kind, without tags (native/codec.py describes
 * them and writes the same): the generated file has one encoder, decoder and skipper per
 * kind, and var_encode / var_decode / var_skip / consts_decode over them.
 */
#ifndef MC_RUNTIME_H
#define MC_RUNTIME_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_model.h"

enum { T_INT = 0, T_FALSE = 1, T_TRUE = 2, T_SYM = 3, T_TUP = 4, T_REC = 5, T_SET = 6, T_MAP = 7 };  /* in memory only */

typedef struct V V;
struct V {
    uint8_t tag;
    uint32_t n;       /* elements (tuple, set), fields (record), pairs (map) */
    uint32_t layout;  /* record */
    uint32_t srclen;
    int32_t srckind;  /* the kind whose encoding src is */
    int64_t i;        /* int, bool (0/1), symbol id */
    V **a;            /* elements; a map's n keys then its n values */
    const uint8_t *src;  /* a collection read from a state: its bytes there (encoding copies them) */
};

/* ---------------------------------------------------------------- arenas */

typedef struct Block { struct Block *next; size_t cap, used; char data[]; } Block;
typedef struct { Block *first, *cur; } Arena;

static void *ar_grow(Arena *ar, size_t n) {
    Block *b = ar->cur;
    while (b == NULL || b->used + n > b->cap) {
        Block *next = b ? b->next : ar->first;
        if (next == NULL) {
            size_t cap = n > (1u << 20) ? n : (1u << 20);
            next = malloc(sizeof(Block) + cap);
            if (next == NULL) { fprintf(stderr, "modelcheck native: out of memory\n"); abort(); }
            next->next = NULL;
            next->cap = cap;
            if (b) b->next = next; else ar->first = next;
        }
        next->used = 0;
        b = ar->cur = next;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static inline void *ar_alloc(Arena *ar, size_t n) {
    n = (n + 15) & ~(size_t)15;
    Block *b = ar->cur;
    if (__builtin_expect(b != NULL && b->used + n <= b->cap, 1)) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    return ar_grow(ar, n);
}

static void ar_reset(Arena *ar) {
    ar->cur = ar->first;
    if (ar->cur) ar->cur->used = 0;
}

static void ar_free(Arena *ar) {
    for (Block *b = ar->first; b;) { Block *n = b->next; free(b); b = n; }
    ar->first = ar->cur = NULL;
}

/* ---------------------------------------------------------------- the context */

typedef struct { uint8_t *p; size_t len, cap; } Buf;

/* memo tables: the invariants', each variable's type check, the constraint's, then two per
 * remembered operator (by its variables, by its views) */
enum { MEMO_TYPE = MC_NINVARIANTS, MEMO_CONSTRAINT = MC_NINVARIANTS + MC_NVARS, MEMO_OPS,
       MC_NMEMO = MEMO_OPS + 2 * MC_NOPMEMO };

/* A state being read: its bytes, where each variable starts in them, the variables' values
 * (decoded when first read: ST) and the 128-bit hashes of their bytes (computed when first
 * needed: var_hash). The successor being emitted is read over its parent's frame: a variable
 * its step left unchanged is `inherited`, its value and hash those of the parent, so decoded
 * and hashed once for all the parent's successors; and a remembered check that reads only
 * such variables has the result it had for the other successors (`known`, remembered). */
typedef struct Frame {
    const uint8_t *raw;
    uint32_t slice[MC_NVARS + 2];
    V *st[MC_NVARS + 1];
    uint64_t vhash[MC_NVARS + 1][2];
    uint8_t vhash_ok[MC_NVARS + 1];
    uint8_t inherited[MC_NVARS + 1];
    uint64_t changed;        /* the variables below 64 not inherited */
    struct Frame *parent;
    int8_t known[MC_NMEMO];  /* as a parent: result + 1 of each memo table's check over
                                inherited variables, 0: not known yet */
} Frame;

/* the hash of a view's value for the state of one cache generation (view_hash) */
typedef struct { V *(*view)(mc_ctx *); uint64_t gen, h[2]; } ViewHash;
#define VIEW_HASHES 8

struct mc_ctx {
    Arena tmp, perm;
    Arena *ar;               /* where values are allocated now */
    jmp_buf top;             /* where a failure jumps from an entry point's code... */
    jmp_buf *jb;             /* ...or from a nested evaluation that handles its own (views_key) */
    char err[512];
    Frame state;             /* the state being read (expanded or checked) */
    Frame emitted;           /* the successor mc_out is emitting, for checks called from the emit callback */
    Frame *cur;              /* the one the generated code reads now */
    int emitting;            /* inside the emit callback: `emitted` is valid */
    V *consts[MC_NCONSTS + 1];
    V *cache[MC_NCACHE + 1]; /* parameterless operators, computed once per state */
    uint64_t cache_gen[MC_NCACHE + 1];
    uint64_t gen;            /* of the frame read now: the operators' cache is valid for it */
    uint64_t emitted_gen;    /* that of `emitted`: one for all the checks of a successor */
    uint64_t gens;           /* gen values handed out */
    ViewHash view_hashes[VIEW_HASHES];
    unsigned view_hashes_next;
    int depth[MC_NDEPTH];    /* nested calls of each recursive operator */
    volatile int checking;   /* the variable mc_type_check is testing */
    const int *check_list;   /* mc_checks' invariants, their count, and the one being */
    int check_count;         /*   evaluated (-1: the type check) */
    volatile int check_at;
    Buf out, best;
    Buf kept;                /* a copy of the state being checked (mc_entry.h enter_state) */
    Buf inst;                /* the parameters of the fair action being run (mc_instance) */
    uint32_t inst_ends[MC_MAXPARAMS];  /* where each one's bytes end in `inst` */
    int all_instances;       /* `inst` for every action (mc_instances_of_all) */
    int has_kept;            /* `state`, the cache and the arena hold the values of `kept` */
    struct MemoEntry *memo[MC_NMEMO];  /* remembered checks and operators (remembered) */
    mc_emit_fn emit;
    void *user;
};

#define JUMP_ERROR 1
#define JUMP_STOPPED 2

static void mc_fail(mc_ctx *X, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void mc_fail(mc_ctx *X, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(X->err, sizeof X->err, fmt, ap);
    va_end(ap);
    longjmp(*X->jb, JUMP_ERROR);
}

#define NEW(X, T, n) ((T *)ar_alloc((X)->ar, sizeof(T) * (size_t)(n)))

/* ---------------------------------------------------------------- scalars */

#define SMALL_MIN (-64)
#define SMALL_MAX 1024
static V SMALL_INTS[SMALL_MAX - SMALL_MIN + 1];
static V BOOLS[2];
static V SYMS[MC_NSYMS + 1];
static pthread_once_t scalars_once = PTHREAD_ONCE_INIT;

static void init_scalars(void) {
    for (int64_t i = SMALL_MIN; i <= SMALL_MAX; i++) {
        V *v = &SMALL_INTS[i - SMALL_MIN];
        v->tag = T_INT;
        v->i = i;
    }
    BOOLS[0].tag = T_FALSE;
    BOOLS[1].tag = T_TRUE;
    BOOLS[1].i = 1;
    for (int i = 0; i <= MC_NSYMS; i++) {
        SYMS[i].tag = T_SYM;
        SYMS[i].i = i;
    }
}

static inline V *mk_int(mc_ctx *X, int64_t i) {
    if (i >= SMALL_MIN && i <= SMALL_MAX) return &SMALL_INTS[i - SMALL_MIN];
    V *v = NEW(X, V, 1);
    v->tag = T_INT;
    v->i = i;
    return v;
}

static inline V *mk_bool(int64_t b) { return &BOOLS[b ? 1 : 0]; }

static inline V *mk_sym(mc_ctx *X, int64_t id) {
    if (id >= 0 && id <= MC_NSYMS) return &SYMS[id];
    V *v = NEW(X, V, 1);
    v->tag = T_SYM;
    v->i = id;
    return v;
}

static inline __attribute__((always_inline)) V *mk_node(mc_ctx *X, uint8_t tag, uint32_t n, uint32_t slots) {
    V *v = NEW(X, V, 1);
    v->tag = tag;
    v->n = n;
    v->layout = 0;
    v->i = 0;
    v->a = slots ? NEW(X, V *, slots) : NULL;
    v->src = NULL;
    return v;
}

static inline V *mk_tup(mc_ctx *X, uint32_t n) { return mk_node(X, T_TUP, n, n); }

static inline V *mk_rec(mc_ctx *X, uint32_t layout, uint32_t n) {
    V *v = mk_node(X, T_REC, n, n);
    v->layout = layout;
    return v;
}

static inline int64_t add_i(mc_ctx *X, int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) mc_fail(X, "integer overflow: the native engine's integers have 64 bits");
    return r;
}

static inline int64_t sub_i(mc_ctx *X, int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) mc_fail(X, "integer overflow: the native engine's integers have 64 bits");
    return r;
}

static inline int64_t mul_i(mc_ctx *X, int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) mc_fail(X, "integer overflow: the native engine's integers have 64 bits");
    return r;
}

static inline int64_t neg_i(mc_ctx *X, int64_t a) { return sub_i(X, 0, a); }

/* Python's floor division and modulo (the sign of the divisor) */
static inline int64_t div_i(mc_ctx *X, int64_t a, int64_t b) {
    if (b == 0) mc_fail(X, "division by zero");
    if (a == INT64_MIN && b == -1) mc_fail(X, "integer overflow: the native engine's integers have 64 bits");
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static inline int64_t mod_i(mc_ctx *X, int64_t a, int64_t b) {
    if (b == 0) mc_fail(X, "modulo by zero");
    if (b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

static inline int64_t min_i(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t max_i(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---------------------------------------------------------------- order */

static int vcmp(const V *a, const V *b);

static int lex(V *const *a, uint32_t na, V *const *b, uint32_t nb) {
    uint32_t n = na < nb ? na : nb;
    for (uint32_t k = 0; k < n; k++) {
        int c = vcmp(a[k], b[k]);
        if (c) return c;
    }
    return (na > nb) - (na < nb);
}

/* canon() of values.py: scalars by value; tuples, and records as (layout, fields...),
 * lexicographically; sets by size, then elements; maps as (keys, values). */
/* Tuples and records of scalars (most of them) compared without a call per element: 1 and
 * *c the order of a[0..n) and b[0..n) when they are scalars up to the first that differs;
 * 0 when a value that is not a scalar comes first (lex then compares them). */
static inline int lex_scalars(V *const *a, V *const *b, uint32_t n, int *c) {
    for (uint32_t k = 0; k < n; k++) {
        const V *x = a[k], *y = b[k];
        if (x->tag > T_SYM) return 0;
        if (x->i != y->i) { *c = x->i < y->i ? -1 : 1; return 1; }
    }
    *c = 0;
    return 1;
}

static int vcmp(const V *a, const V *b) {
    if (a == b) return 0;
    int c;
    switch (a->tag) {
    case T_INT: case T_FALSE: case T_TRUE: case T_SYM:
        return (a->i > b->i) - (a->i < b->i);
    case T_TUP:
        if (a->n == b->n && lex_scalars(a->a, b->a, a->n, &c)) return c;
        return lex(a->a, a->n, b->a, b->n);
    case T_REC:
        if (a->layout != b->layout) return a->layout < b->layout ? -1 : 1;
        if (lex_scalars(a->a, b->a, a->n, &c)) return c;
        return lex(a->a, a->n, b->a, b->n);
    case T_SET:
        if (a->n != b->n) return a->n < b->n ? -1 : 1;
        return lex(a->a, a->n, b->a, b->n);
    default: {  /* T_MAP */
        int c = lex(a->a, a->n, b->a, b->n);
        return c ? c : lex(a->a + a->n, a->n, b->a + b->n, b->n);
    }
    }
}

static inline int veq(const V *a, const V *b) { return a == b || vcmp(a, b) == 0; }

static int vcmp_qsort(const void *x, const void *y) { return vcmp(*(V *const *)x, *(V *const *)y); }

/* ---------------------------------------------------------------- sets */

/* index of x in sorted a[0..n), or -(insertion point) - 1 */
static long bsearch_v(V *const *a, uint32_t n, const V *x) {
    long lo = 0, hi = (long)n - 1;
    if (x->tag <= T_SYM) {  /* ints, bools, ids: the elements are of the same kind */
        int64_t key = x->i;
        while (lo <= hi) {
            long mid = (lo + hi) >> 1;
            int64_t m = a[mid]->i;
            if (m == key) return mid;
            if (m < key) lo = mid + 1; else hi = mid - 1;
        }
        return -lo - 1;
    }
    while (lo <= hi) {
        long mid = (lo + hi) >> 1;
        int c = vcmp(a[mid], x);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -lo - 1;
}

/* The elements of a set of scalars as bits, in its V.i (unused otherwise, 0 when made):
 * computed when it is first asked for a scalar, so that membership takes no search. Sets of
 * constants (a type's values, a quorum) are asked millions of times; a set is changed by
 * making a new one, so the bits stay right. (Maps' keys so gain nothing: measured on Paxos
 * and Raft, a binary search of their few keys costs no more.) */
#define BITS_KNOWN (INT64_C(1) << 63)   /* the bits are computed */
#define BITS_NONE (INT64_C(1) << 62)    /* some element is not a scalar in 0..BITS_MAX: no bits */
#define BITS_MAX 61

static int64_t set_bits(V *s) {
    int64_t m = BITS_KNOWN;
    for (uint32_t k = 0; k < s->n; k++) {
        const V *e = s->a[k];
        if (e->tag > T_SYM || e->i < 0 || e->i > BITS_MAX) return s->i = BITS_KNOWN | BITS_NONE;
        m |= INT64_C(1) << e->i;
    }
    return s->i = m;
}

static inline int set_has(const V *s, const V *x) {
    if (x->tag <= T_SYM) {
        int64_t m = s->i ? s->i : set_bits((V *)s);
        if (!(m & BITS_NONE)) return x->i >= 0 && x->i <= BITS_MAX && (m >> x->i & 1);
    }
    return bsearch_v(s->a, s->n, x) >= 0;
}

/* A growable list of values, for building sets, maps and sequences. */
typedef struct { V **a; uint32_t n, cap; } Vec;

static inline void vec_push(mc_ctx *X, Vec *v, V *x) {
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 8;
        V **a = NEW(X, V *, cap);
        if (v->n) memcpy(a, v->a, sizeof(V *) * v->n);
        v->a = a;
        v->cap = cap;
    }
    v->a[v->n++] = x;
}

/* the set of the values in v, which are sorted and distinct already */
static inline V *vec_sorted_set(mc_ctx *X, Vec *v) {
    V *s = mk_node(X, T_SET, v->n, 0);
    s->a = v->a;
    return s;
}

/* the set of the values in v: sorted, without duplicates (strictly increasing: none) */
static V *vec_set(mc_ctx *X, Vec *v) {
    int sorted = 1;
    for (uint32_t k = 1; k < v->n && sorted; k++) sorted = vcmp(v->a[k - 1], v->a[k]) < 0;
    if (!sorted) {
        qsort(v->a, v->n, sizeof(V *), vcmp_qsort);
        uint32_t m = 0;
        for (uint32_t k = 0; k < v->n; k++)
            if (m == 0 || vcmp(v->a[m - 1], v->a[k]) != 0) v->a[m++] = v->a[k];
        v->n = m;
    }
    return vec_sorted_set(X, v);
}

static inline V *vec_tup(mc_ctx *X, Vec *v) {
    V *s = mk_node(X, T_TUP, v->n, 0);
    s->a = v->a;
    return s;
}

static V *set_add(mc_ctx *X, V *s, V *x) {
    long i = bsearch_v(s->a, s->n, x);
    if (i >= 0) return s;
    uint32_t at = (uint32_t)(-i - 1);
    V *r = mk_node(X, T_SET, s->n + 1, s->n + 1);
    memcpy(r->a, s->a, sizeof(V *) * at);
    r->a[at] = x;
    memcpy(r->a + at + 1, s->a + at, sizeof(V *) * (s->n - at));
    return r;
}

static V *set_union(mc_ctx *X, V *a, V *b) {
    if (b->n == 0) return a;
    if (a->n == 0) return b;
    V *r = mk_node(X, T_SET, 0, a->n + b->n);
    uint32_t i = 0, j = 0, m = 0;
    while (i < a->n && j < b->n) {
        int c = vcmp(a->a[i], b->a[j]);
        if (c < 0) r->a[m++] = a->a[i++];
        else if (c > 0) r->a[m++] = b->a[j++];
        else { r->a[m++] = a->a[i++]; j++; }
    }
    while (i < a->n) r->a[m++] = a->a[i++];
    while (j < b->n) r->a[m++] = b->a[j++];
    if (m == a->n) return a;  /* nothing new: the same object, so the variable is seen unchanged */
    r->n = m;
    return r;
}

/* The elements of a that are in b (in_b = 1) or not in b (in_b = 0), in a's order. */
static V *set_sieve(mc_ctx *X, V *a, V *b, int in_b) {
    V *r = mk_node(X, T_SET, 0, a->n);
    uint32_t m = 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (set_has(b, a->a[i]) == in_b) r->a[m++] = a->a[i];
    r->n = m;
    return r;
}

static V *set_diff(mc_ctx *X, V *a, V *b) { return set_sieve(X, a, b, 0); }

static V *set_inter(mc_ctx *X, V *a, V *b) { return set_sieve(X, a, b, 1); }

static int subseteq(const V *a, const V *b) {
    if (a->n > b->n) return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (!set_has(b, a->a[i])) return 0;
    return 1;
}

#define SET_BOUND 1000000

static V *int_range(mc_ctx *X, int64_t lo, int64_t hi) {
    if (hi - lo >= SET_BOUND)
        mc_fail(X, "the set %lld..%lld has more than 1,000,000 elements", (long long)lo, (long long)hi);
    uint32_t n = hi >= lo ? (uint32_t)(hi - lo + 1) : 0;
    V *r = mk_node(X, T_SET, n, n);
    for (uint32_t k = 0; k < n; k++) r->a[k] = mk_int(X, lo + k);
    return r;
}

static V *powerset(mc_ctx *X, V *s) {
    if (s->n >= 20) mc_fail(X, "subsets of a set of %u elements: more than 1,000,000 sets", s->n);
    uint32_t total = 1u << s->n;
    Vec out = {0};
    for (uint32_t mask = 0; mask < total; mask++) {
        V *sub = mk_node(X, T_SET, (uint32_t)__builtin_popcount(mask), (uint32_t)__builtin_popcount(mask));
        uint32_t m = 0;
        for (uint32_t k = 0; k < s->n; k++)
            if (mask & (1u << k)) sub->a[m++] = s->a[k];
        vec_push(X, &out, sub);
    }
    return vec_set(X, &out);
}

static V *big_union(mc_ctx *X, V *ss) {
    Vec out = {0};
    for (uint32_t k = 0; k < ss->n; k++)
        for (uint32_t j = 0; j < ss->a[k]->n; j++) vec_push(X, &out, ss->a[k]->a[j]);
    return vec_set(X, &out);
}

static int64_t set_min_i(mc_ctx *X, V *s) {
    if (s->n == 0) mc_fail(X, "min of an empty set");
    return s->a[0]->i;
}

static int64_t set_max_i(mc_ctx *X, V *s) {
    if (s->n == 0) mc_fail(X, "max of an empty set");
    return s->a[s->n - 1]->i;
}

/* ---------------------------------------------------------------- maps and bags */

static V *map_get(mc_ctx *X, V *f, V *k) {
    long i = bsearch_v(f->a, f->n, k);
    if (i < 0) mc_fail(X, "map applied outside its domain");
    return f->a[f->n + i];
}

static V *map_with(mc_ctx *X, V *f, long i, V *v) {
    if (veq(f->a[f->n + i], v)) return f;  /* unchanged: the same object, as in values.except_ */
    V *r = mk_node(X, T_MAP, f->n, 2 * f->n);
    memcpy(r->a, f->a, sizeof(V *) * 2 * f->n);
    r->a[f->n + i] = v;
    return r;
}

static V *map_except(mc_ctx *X, V *f, V *k, V *v) {
    long i = bsearch_v(f->a, f->n, k);
    if (i < 0) mc_fail(X, "'with' updates a key outside the map's domain");
    return map_with(X, f, i, v);
}

static V *map_put(mc_ctx *X, V *f, V *k, V *v) {
    long i = bsearch_v(f->a, f->n, k);
    if (i >= 0) return map_with(X, f, i, v);
    uint32_t at = (uint32_t)(-i - 1), n = f->n;
    V *r = mk_node(X, T_MAP, n + 1, 2 * (n + 1));
    memcpy(r->a, f->a, sizeof(V *) * at);
    r->a[at] = k;
    memcpy(r->a + at + 1, f->a + at, sizeof(V *) * (n - at));
    memcpy(r->a + n + 1, f->a + n, sizeof(V *) * at);
    r->a[n + 1 + at] = v;
    memcpy(r->a + n + 1 + at + 1, f->a + n + at, sizeof(V *) * (n - at));
    return r;
}

static V *map_drop_at(mc_ctx *X, V *f, uint32_t at) {
    uint32_t n = f->n;
    V *r = mk_node(X, T_MAP, n - 1, 2 * (n - 1));
    memcpy(r->a, f->a, sizeof(V *) * at);
    memcpy(r->a + at, f->a + at + 1, sizeof(V *) * (n - at - 1));
    memcpy(r->a + n - 1, f->a + n, sizeof(V *) * at);
    memcpy(r->a + n - 1 + at, f->a + n + at + 1, sizeof(V *) * (n - at - 1));
    return r;
}

/* the keys of a map, as a set sharing its array */
static inline V *map_domain(mc_ctx *X, V *f) {
    V *s = mk_node(X, T_SET, f->n, 0);
    s->a = f->a;
    return s;
}

static V *map_range(mc_ctx *X, V *f) {
    Vec out = {0};
    for (uint32_t k = 0; k < f->n; k++) vec_push(X, &out, f->a[f->n + k]);
    return vec_set(X, &out);
}

/* a map over the sorted keys of set `keys`, its values filled in by the caller */
static inline V *mk_map(mc_ctx *X, V *keys) {
    V *r = mk_node(X, T_MAP, keys->n, 2 * keys->n);
    memcpy(r->a, keys->a, sizeof(V *) * keys->n);
    return r;
}

/* [S -> T]: every map with the keys of S and values in T (values.fn_set) */
static V *fn_set(mc_ctx *X, V *keys, V *values) {
    double count = 1;
    for (uint32_t k = 0; k < keys->n; k++) count *= values->n;
    if (count > SET_BOUND)
        mc_fail(X, "[S -> T] with %u keys and %u values has more than 1,000,000 maps", keys->n, values->n);
    Vec out = {0};
    uint32_t n = keys->n, *digit = NEW(X, uint32_t, n + 1);
    memset(digit, 0, sizeof(uint32_t) * (n + 1));
    if (values->n == 0 && n > 0) return vec_set(X, &out);
    for (;;) {
        V *m = mk_map(X, keys);
        for (uint32_t k = 0; k < n; k++) m->a[n + k] = values->a[digit[k]];
        vec_push(X, &out, m);
        uint32_t k = n;
        while (k > 0 && ++digit[k - 1] == values->n) digit[--k] = 0;
        if (k == 0) break;
    }
    return vec_set(X, &out);
}

static V *bag_add(mc_ctx *X, V *b, V *x) {
    long i = bsearch_v(b->a, b->n, x);
    if (i >= 0) return map_with(X, b, i, mk_int(X, add_i(X, b->a[b->n + i]->i, 1)));
    return map_put(X, b, x, mk_int(X, 1));
}

static V *bag_remove(mc_ctx *X, V *b, V *x) {
    long i = bsearch_v(b->a, b->n, x);
    if (i < 0) return b;
    int64_t n = b->a[b->n + i]->i;
    return n <= 1 ? map_drop_at(X, b, (uint32_t)i) : map_with(X, b, i, mk_int(X, n - 1));
}

static int64_t bag_count(V *b, V *x) {
    long i = bsearch_v(b->a, b->n, x);
    return i >= 0 ? b->a[b->n + i]->i : 0;
}

static int64_t bag_sum(mc_ctx *X, V *b) {
    int64_t s = 0;
    for (uint32_t k = 0; k < b->n; k++) s = add_i(X, s, b->a[b->n + k]->i);
    return s;
}

/* ---------------------------------------------------------------- sequences and records */

static V *seq_at(mc_ctx *X, V *s, int64_t i) {
    if (i < 1 || i > (int64_t)s->n)
        mc_fail(X, "sequence index %lld out of range 1..%u", (long long)i, s->n);
    return s->a[i - 1];
}

static V *seq_set(mc_ctx *X, V *s, int64_t i, V *v) {
    if (i < 1 || i > (int64_t)s->n)
        mc_fail(X, "sequence index %lld out of range 1..%u", (long long)i, s->n);
    V *r = mk_tup(X, s->n);
    memcpy(r->a, s->a, sizeof(V *) * s->n);
    r->a[i - 1] = v;
    return r;
}

static V *seq_slice(mc_ctx *X, V *s, uint32_t lo, uint32_t hi) {
    V *r = mk_tup(X, hi > lo ? hi - lo : 0);
    if (hi > lo) memcpy(r->a, s->a + lo, sizeof(V *) * (hi - lo));
    return r;
}

static V *seq_append(mc_ctx *X, V *s, V *x) {
    V *r = mk_tup(X, s->n + 1);
    memcpy(r->a, s->a, sizeof(V *) * s->n);
    r->a[s->n] = x;
    return r;
}

static V *seq_concat(mc_ctx *X, V *s, V *t) {
    V *r = mk_tup(X, s->n + t->n);
    memcpy(r->a, s->a, sizeof(V *) * s->n);
    memcpy(r->a + s->n, t->a, sizeof(V *) * t->n);
    return r;
}

static V *seq_head(mc_ctx *X, V *s) {
    if (s->n == 0) mc_fail(X, "head of an empty sequence");
    return s->a[0];
}

static V *seq_tail(mc_ctx *X, V *s) {
    if (s->n == 0) mc_fail(X, "tail of an empty sequence");
    return seq_slice(X, s, 1, s->n);
}

/* subseq(s, i, j) as the Python backend computes it: indices clamped to the sequence */
static V *seq_sub(mc_ctx *X, V *s, int64_t i, int64_t j) {
    if (i > j) return mk_tup(X, 0);
    int64_t lo = (i > 1 ? i : 1) - 1, hi = j > 0 ? j : 0;
    if (hi > (int64_t)s->n) hi = s->n;
    if (lo > hi) lo = hi;
    return seq_slice(X, s, (uint32_t)lo, (uint32_t)hi);
}

static V *seq_domain(mc_ctx *X, V *s) { return int_range(X, 1, s->n); }

static V *seq_range(mc_ctx *X, V *s) {
    Vec out = {0};
    for (uint32_t k = 0; k < s->n; k++) vec_push(X, &out, s->a[k]);
    return vec_set(X, &out);
}

/* a field of a record whose layout is known only at run time: positions[layout] (0: none) */
static inline V *get_field(mc_ctx *X, V *r, const int8_t *positions) {
    int8_t p = positions[r->layout];
    if (p == 0) mc_fail(X, "record has no such field (a message of another type?)");
    return r->a[p - 1];
}

static inline int field_pos(mc_ctx *X, V *r, const int8_t *positions) {
    int8_t p = positions[r->layout];
    if (p == 0) mc_fail(X, "record has no such field (a message of another type?)");
    return p - 1;
}

static V *rec_set(mc_ctx *X, V *r, int pos, V *v) {
    if (veq(r->a[pos], v)) return r;
    V *c = mk_rec(X, r->layout, r->n);
    memcpy(c->a, r->a, sizeof(V *) * r->n);
    c->a[pos] = v;
    return c;
}

#define MAX_RECURSION 100

static void recursion_too_deep(mc_ctx *X, const char *name) {
    mc_fail(X, "operator '%s' recursed %d calls deep: its recursion does not end, or needs more than %d "
            "nested calls", name, MAX_RECURSION, MAX_RECURSION);
}

static V *choose_none(mc_ctx *X) { mc_fail(X, "'choose' found no element satisfying its condition"); }

/* ---------------------------------------------------------------- bytes */

static inline void buf_reserve(Buf *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) cap *= 2;
    b->p = realloc(b->p, cap);
    if (b->p == NULL) { fprintf(stderr, "modelcheck native: out of memory\n"); abort(); }
    b->cap = cap;
}

static inline void put_varint(Buf *b, uint64_t x) {
    buf_reserve(b, 10);
    if (x < 0x80) { b->p[b->len++] = (uint8_t)x; return; }
    while (x >= 0x80) { b->p[b->len++] = (uint8_t)(x | 0x80); x >>= 7; }
    b->p[b->len++] = (uint8_t)x;
}

typedef struct { const uint8_t *p, *end; } Reader;

static uint64_t get_varint_slow(mc_ctx *X, Reader *r) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) mc_fail(X, "malformed state: it ends inside a number");
        uint8_t byte = *r->p++;
        x |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return x;
    }
    mc_fail(X, "malformed state: a number of more than 64 bits");
}

static inline uint64_t get_varint(mc_ctx *X, Reader *r) {
    if (__builtin_expect(r->p < r->end && *r->p < 0x80, 1)) return *r->p++;
    return get_varint_slow(X, r);
}

/* Bytes read back as they were written: copied when the same kind is encoded again. */
static inline void copy_src(Buf *b, const V *v) {
    buf_reserve(b, v->srclen);
    memcpy(b->p + b->len, v->src, v->srclen);
    b->len += v->srclen;
}

/* Elements a[0..n) of kind `kind`, by its encoder: a run of them read from adjacent bytes
 * (most of a set or sequence a step changed in one place) is copied at once. */
static inline void enc_runs(Buf *b, V *const *a, uint32_t n, int32_t kind, void (*enc)(Buf *, const V *)) {
    for (uint32_t k = 0; k < n;) {
        const V *x = a[k];
        if (x->src == NULL || x->srckind != kind) {
            enc(b, x);
            k++;
            continue;
        }
        const uint8_t *start = x->src, *end = start + x->srclen;
        for (k++; k < n && a[k]->src == end && a[k]->srckind == kind; k++) end += a[k]->srclen;
        buf_reserve(b, (size_t)(end - start));
        memcpy(b->p + b->len, start, (size_t)(end - start));
        b->len += (size_t)(end - start);
    }
}

static inline uint64_t zigzag(int64_t i) { return ((uint64_t)i << 1) ^ (uint64_t)(i >> 63); }
static inline int64_t unzigzag(uint64_t z) { return (int64_t)(z >> 1) ^ -(int64_t)(z & 1); }

static inline uint8_t get_byte(mc_ctx *X, Reader *r) {
    if (r->p >= r->end) mc_fail(X, "malformed state: it ends inside a value");
    return *r->p++;
}

static inline uint64_t get_count(mc_ctx *X, Reader *r) {
    uint64_t n = get_varint(X, r);
    if (n > (uint64_t)(r->end - r->p)) mc_fail(X, "malformed state: a collection longer than the state");
    return n;
}

/* defined by the generated file, over its kinds */
static void var_encode(Buf *b, int k, const V *v);
static V *var_decode(mc_ctx *X, Reader *r, int k);
static void var_skip(mc_ctx *X, Reader *r, int k);

/* Variable k of the state being read, decoded when first read. */
static inline V *ST(mc_ctx *X, int k) {
    Frame *f = X->cur->inherited[k] ? X->cur->parent : X->cur;
    V *v = f->st[k];
    if (v == NULL) {
        Reader r = {f->raw + f->slice[k], f->raw + f->slice[k + 1]};
        v = f->st[k] = var_decode(X, &r, k);
    }
    return v;
}

/* ---------------------------------------------------------------- emitting */

/* ---------------------------------------------------------------- hashes of variables */

/* A 128-bit hash of bytes (two 64-bit lanes with independent multipliers): what checks are
 * remembered by (mc_entry.h), so two keys meet by chance with probability 2^-128. */
static void hash128(const uint8_t *p, size_t n, uint64_t out[2]) {
    uint64_t a = 0x9E3779B97F4A7C15ull ^ n, b = 0xC2B2AE3D27D4EB4Full + n, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        a = (a ^ w) * 0xbf58476d1ce4e5b9ull;
        a ^= a >> 31;
        b = (b ^ w) * 0x94d049bb133111ebull;
        b ^= b >> 29;
    }
    w = 0;
    memcpy(&w, p, n);
    a = (a ^ w) * 0xff51afd7ed558ccdull;
    b = (b ^ w) * 0xc4ceb9fe1a85ec53ull;
    out[0] = a ^ (a >> 33);
    out[1] = b ^ (b >> 33);
}

/* the hash of variable k of the state being read, computed once per state */
static inline const uint64_t *var_hash(mc_ctx *X, int k) {
    Frame *f = X->cur->inherited[k] ? X->cur->parent : X->cur;
    if (!f->vhash_ok[k]) {
        hash128(f->raw + f->slice[k], f->slice[k + 1] - f->slice[k], f->vhash[k]);
        f->vhash_ok[k] = 1;
    }
    return f->vhash[k];
}

/* ---------------------------------------------------------------- remembered results */

/* The result of a check (an invariant that reads part of the state, one variable's type, the
 * constraint) or of a boolean operator by the values of what it reads, as the Python backend
 * remembers its invariants and operators (codegen.memo_keys): on Raft most steps change few
 * variables, so most checks were answered before; on Paxos OneValuePerBallot is computed once
 * per `votes`, not per message set. One direct-mapped table each, keyed by 128-bit hashes of
 * the variables' bytes and the views' values (a wrong answer needs two keys with equal
 * 128-bit hashes). Failed evaluations are not remembered (they fail again, with their
 * message). */
#define MEMO_SLOTS 4096
/* the key but the bits that chose its slot; result + 1, 0: empty */
typedef struct MemoEntry { uint64_t key1; uint32_t key0; int32_t result; } MemoEntry;

static inline void mix128(uint64_t h[2], uint64_t w) {
    h[0] = (h[0] ^ w) * 0xbf58476d1ce4e5b9ull + 0x9E3779B97F4A7C15ull;
    h[0] ^= h[0] >> 31;
    h[1] = (h[1] ^ w) * 0x94d049bb133111ebull + 0xC2B2AE3D27D4EB4Full;
    h[1] ^= h[1] >> 29;
}

/* the key of the variables in mask `vars` of the state being read */
static void vars_key(mc_ctx *X, uint64_t vars, uint64_t key[2]) {
    if ((vars & (vars - 1)) == 0) {
        const uint64_t *h = var_hash(X, __builtin_ctzll(vars));
        key[0] = h[0];
        key[1] = h[1];
        return;
    }
    /* the variables' hashes are uniform already: a polynomial of them in each lane */
    key[0] = key[1] = 0;
    for (uint64_t v = vars; v; v &= v - 1) {
        const uint64_t *h = var_hash(X, __builtin_ctzll(v));
        key[0] = (key[0] + h[0]) * 0x9E3779B97F4A7C15ull;
        key[1] = (key[1] + h[1]) * 0xC2B2AE3D27D4EB4Full;
    }
}

static void value_hash_node(const V *v, uint64_t h[2]);

/* a hash of a value, equal for equal values (tags included: values of other kinds differ);
 * scalars without a call, as most values hashed are scalars or hold them */
static inline void value_hash(const V *v, uint64_t h[2]) {
    if (v->tag <= T_SYM) mix128(h, (uint64_t)v->i * 8 + v->tag);
    else value_hash_node(v, h);
}

static void value_hash_node(const V *v, uint64_t h[2]) {
    uint32_t n = v->tag == T_MAP ? 2 * v->n : v->n;
    if (v->tag == T_REC) mix128(h, v->layout);
    mix128(h, (uint64_t)v->n << 8 | v->tag);
    for (uint32_t k = 0; k < n; k++) value_hash(v->a[k], h);
}

/* the entry of table `id` for `key` (NULL: no memory for the table) */
static MemoEntry *memo_slot(mc_ctx *X, int id, const uint64_t key[2]) {
    if (X->memo[id] == NULL && (X->memo[id] = calloc(MEMO_SLOTS, sizeof(MemoEntry))) == NULL) return NULL;
    return &X->memo[id][key[0] % MEMO_SLOTS];
}

static inline int memo_hit(const MemoEntry *e, const uint64_t key[2]) {
    return e != NULL && e->result != 0 && e->key1 == key[1] && e->key0 == (uint32_t)(key[0] >> 32);
}

static inline void memo_store(MemoEntry *e, const uint64_t key[2], int result) {
    if (e != NULL) *e = (MemoEntry){key[1], (uint32_t)(key[0] >> 32), result + 1};
}

/* Where the result of memo table `id` for the successor being read is kept when the
 * variables `vars` it reads are all inherited from its parent, else NULL. */
static inline int8_t *inherited_result(mc_ctx *X, int id, uint64_t vars) {
    Frame *f = X->cur;
    return f->parent != NULL && (vars & f->changed) == 0 ? &f->parent->known[id] : NULL;
}

/* check `id` of the state being read, `vars` the variables it reads (0: not remembered) */
static int remembered(mc_ctx *X, int id, uint64_t vars, int (*eval)(mc_ctx *, int), int arg) {
    if (vars == 0) return eval(X, arg);
    int8_t *known = inherited_result(X, id, vars);
    if (known && *known) return *known - 1;
    uint64_t key[2];
    vars_key(X, vars, key);
    MemoEntry *e = memo_slot(X, id, key);
    int result;
    if (memo_hit(e, key)) result = e->result - 1;
    else {
        result = eval(X, arg);
        memo_store(e, key, result);
    }
    if (known) *known = (int8_t)(result + 1);
    return result;
}

/* The hash of the value of `view` (a parameterless operator) for the state being read: once
 * per state, though several operators are remembered by the same view (Paxos's votes). */
static const uint64_t *view_hash(mc_ctx *X, V *(*view)(mc_ctx *)) {
    ViewHash *e = NULL;
    for (int k = 0; k < VIEW_HASHES; k++)
        if (X->view_hashes[k].view == view) e = &X->view_hashes[k];
    if (e == NULL) e = &X->view_hashes[X->view_hashes_next++ % VIEW_HASHES];
    if (e->view != view || e->gen != X->gen) {
        V *v = view(X);  /* may fail: the entry is written only after */
        uint64_t h[2] = {0, 0};
        value_hash(v, h);
        *e = (ViewHash){view, X->gen, {h[0], h[1]}};
    }
    return e->h;
}

/* The key of the variables `vars` and the values of the operators `views`, or 0 when a view
 * fails: it may where the operator, as written, would not read it (as in codegen.py). */
static int views_key(mc_ctx *X, uint64_t vars, V *(*const *views)(mc_ctx *), int nviews, uint64_t key[2]) {
    jmp_buf here, *outer = X->jb;
    int depth[MC_NDEPTH];
    Arena *ar = X->ar;
    memcpy(depth, X->depth, sizeof depth);
    X->jb = &here;
    if (setjmp(here)) {
        X->jb = outer;
        memcpy(X->depth, depth, sizeof depth);
        X->ar = ar;
        X->err[0] = 0;
        return 0;
    }
    key[0] = key[1] = 0;
    if (vars) vars_key(X, vars, key);
    for (int k = 0; k < nviews; k++) {
        const uint64_t *h = view_hash(X, views[k]);
        mix128(key, h[0]);
        mix128(key, h[1]);
    }
    X->jb = outer;
    return 1;
}

/* Boolean operator number `op` (tables MEMO_OPS + 2 op and + 1): remembered by the variables
 * `vars` (0: not so), else by the variables `view_vars` and the views `views`. */
static int remembered_op(mc_ctx *X, int op, uint64_t vars, uint64_t view_vars, V *(*const *views)(mc_ctx *),
                         int nviews, int (*eval)(mc_ctx *, int)) {
    uint64_t key[2], vkey[2];
    MemoEntry *by_vars = NULL, *by_views = NULL;
    int id = MEMO_OPS + 2 * op;
    int8_t *known = vars ? inherited_result(X, id, vars) : NULL;
    if (known && *known) return *known - 1;
    if (vars) {
        vars_key(X, vars, key);
        by_vars = memo_slot(X, id, key);
        if (memo_hit(by_vars, key)) {
            if (known) *known = (int8_t)by_vars->result;
            return by_vars->result - 1;
        }
    }
    if (nviews && views_key(X, view_vars, views, nviews, vkey)) {
        by_views = memo_slot(X, id + 1, vkey);
        if (memo_hit(by_views, vkey)) {
            int result = by_views->result - 1;
            if (vars) memo_store(by_vars, key, result);
            if (known) *known = (int8_t)(result + 1);
            return result;
        }
    }
    int result = eval(X, 0);
    if (vars) memo_store(by_vars, key, result);
    if (by_views) memo_store(by_views, vkey, result);
    if (known) *known = (int8_t)(result + 1);
    return result;
}

/* Emit the state whose variables are nv: a variable not assigned (NULL) or still holding the
 * value read is copied from the state's bytes, only the others are encoded. During the emit
 * callback the successor is also a frame over its parent's (`emitted`), so that checks called
 * from the callback read the values it was built from (mc_entry.h check_emitted). */
static void mc_out(mc_ctx *X, int action, V **nv) {
    Buf *b = &X->out;
    Frame *p = &X->state, *e = &X->emitted;
    b->len = 0;
    e->changed = 0;
    for (int k = 0; k < MC_NVARS;) {
        if (action >= 0 && (nv[k] == NULL || nv[k] == p->st[k])) {
            int end = k + 1;  /* a run of unchanged variables: one copy */
            while (end < MC_NVARS && (nv[end] == NULL || nv[end] == p->st[end])) end++;
            for (int j = k; j < end; j++) {
                e->slice[j] = (uint32_t)(b->len + p->slice[j] - p->slice[k]);
                e->inherited[j] = 1;
            }
            size_t n = p->slice[end] - p->slice[k];
            buf_reserve(b, n);
            memcpy(b->p + b->len, p->raw + p->slice[k], n);
            b->len += n;
            k = end;
        } else {
            e->slice[k] = (uint32_t)b->len;
            e->inherited[k] = 0;
            if (k < 64) e->changed |= UINT64_C(1) << k;
            e->st[k] = nv[k];
            e->vhash_ok[k] = 0;
            var_encode(b, k, nv[k]);
            k++;
        }
    }
    e->slice[MC_NVARS] = (uint32_t)b->len;
    e->raw = b->p;
    e->parent = p;
    X->emitted_gen = ++X->gens;
    X->emitting = 1;
    int stop = X->emit(X->user, action, b->p, b->len);
    X->emitting = 0;
    if (stop) longjmp(*X->jb, JUMP_STOPPED);
}

#endif
