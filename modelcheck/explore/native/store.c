/* store.c: the search's storage: fingerprints, the visited set (lock-free inserts), and
 * each thread's arenas of states (spilled to a file past their share of --memory), its
 * candidates and the fingerprints it met in the current level; and the checks of a state. */
#include "search_parts.h"

/* 64 bits of the bytes; never 0, which marks an empty slot. */
HIDDEN uint64_t mcs_hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ mix64(w + 0x632be59bd9b4e019ULL)) * 0x9e3779b97f4a7c15ULL;
        h = (h << 29) | (h >> 35);
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, n);
    h = mix64(h ^ mix64(tail + n + 1));
    return h ? h : 1;
}

HIDDEN int mcs_fpset_contains(const fpset *t, uint64_t fp) {
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        uint64_t v = t->slot[i];
        if (v == fp) return 1;
        if (v == 0) return 0;
    }
}

/* Lock-free: threads insert their survivors at once. The fingerprint is new. */
HIDDEN void mcs_fpset_insert(fpset *t, uint64_t fp) {
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        uint64_t expected = 0;
        if (__atomic_compare_exchange_n(&t->slot[i], &expected, fp, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return;
    }
}

/* Room for `more`: grow past a load of 3/4 to one of 1/2 (10.7 to 16 bytes per state). */
HIDDEN int mcs_fpset_reserve(fpset *t, uint64_t more) {
    uint64_t need = t->count + more;
    if (t->slot && need * 4 <= t->cap * 3) return 0;
    uint64_t cap = need * 2 < 1024 ? 1024 : need * 2;
    uint64_t *slot = calloc(cap, sizeof *slot);
    if (!slot) return -1;
    fpset bigger = {slot, cap, t->count};
    for (uint64_t i = 0; i < t->cap; i++)
        if (t->slot[i]) mcs_fpset_insert(&bigger, t->slot[i]);
    free(t->slot);
    *t = bigger;
    return 0;
}

HIDDEN void mcs_fail(mcs_search *s, const char *what) {
    if (!__atomic_exchange_n(&s->failed, 1, __ATOMIC_ACQ_REL))
        snprintf(s->failure, sizeof s->failure, "%s", what);
    s->abort = 1;
}

HIDDEN int mcs_arena_push(mcs_search *s, arena *a, const uint8_t *p, size_t n, uint64_t *off) {
    if (a->len + n > a->limit) {
        if (!a->file && !(a->file = tmpfile())) { mcs_fail(s, "cannot create a file for the queue of states"); return -1; }
        if (fwrite(p, 1, n, a->file) != n) {  /* only appends: the position is file_len */
            mcs_fail(s, "cannot write the queue of states to disk");
            return -1;
        }
        *off = SPILLED | a->file_len;
        a->file_len += n;
        return 0;
    }
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 1 << 16;
        while (cap < a->len + n) cap *= 2;
        uint8_t *data = realloc(a->data, cap);
        if (!data) { mcs_fail(s, "out of memory for the queue of states"); return -1; }
        a->data = data;
        a->cap = cap;
    }
    memcpy(a->data + a->len, p, n);
    *off = a->len;
    a->len += n;
    return 0;
}

HIDDEN cand *mcs_cand_push(mcs_search *s, candvec *v) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        cand *grown = realloc(v->v, cap * sizeof *grown);
        if (!grown) { mcs_fail(s, "out of memory for the queue of states"); return NULL; }
        v->v = grown;
        v->cap = cap;
    }
    return &v->v[v->n++];
}

/* 1 if the thread met fp first in this level (and remembers it), else 0; -1 out of memory */
HIDDEN int mcs_seen_first(worker *w, uint64_t fp) {
    if ((w->seen_n + 1) * 4 > w->seen_cap * 3) {
        uint64_t cap = w->seen_cap ? w->seen_cap * 2 : 4096;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot) { mcs_fail(w->s, "out of memory for the states of a level"); return -1; }
        for (uint64_t i = 0; i < w->seen_cap; i++) {
            uint64_t v = w->seen[i];
            if (!v) continue;
            uint64_t j = home(v, cap);
            while (slot[j]) j = j + 1 == cap ? 0 : j + 1;
            slot[j] = v;
        }
        free(w->seen);
        w->seen = slot;
        w->seen_cap = cap;
    }
    for (uint64_t i = home(fp, w->seen_cap);; i = i + 1 == w->seen_cap ? 0 : i + 1) {
        if (w->seen[i] == fp) return 0;
        if (!w->seen[i]) {
            w->seen[i] = fp;
            w->seen_n++;
            return 1;
        }
    }
}

/* The state's bytes: in its arena, or read from its file into the reader's buffer. */
HIDDEN const uint8_t *mcs_cand_bytes(mcs_search *s, const cand *c, int gen, worker *reader) {
    arena *a = &s->w[c->worker].arenas[gen];
    if (!(c->off & SPILLED)) return a->data + c->off;
    if (reader->read_cap < c->len) {
        uint8_t *buf = realloc(reader->read_buf, c->len);
        if (!buf) { mcs_fail(s, "out of memory"); return NULL; }
        reader->read_buf = buf;
        reader->read_cap = c->len;
    }
    if (pread(fileno(a->file), reader->read_buf, c->len, (off_t)(c->off & ~SPILLED)) != (ssize_t)c->len) {
        mcs_fail(s, "cannot read the queue of states from disk");
        return NULL;
    }
    return reader->read_buf;
}


/* MCS_FINISHED if the state passes, else MCS_TYPE / MCS_INVARIANT / MCS_ERROR with `which`,
 * in the order of explore/model.py StateChecks: the type check, then the invariants. */
HIDDEN int mcs_checks(mc_ctx *ctx, const int *invariants, int count, const uint8_t *state, size_t len, int *which,
                      char *message) {
    int var = mc_type_check(ctx, state, len);
    if (var >= 0) { *which = var; return MCS_TYPE; }
    for (int k = 0; k < count; k++) {
        int r = mc_invariant(ctx, invariants[k], state, len);
        if (r == MC_ERROR) {
            snprintf(message, MESSAGE_SIZE, "%s", mc_error(ctx));
            *which = k;
            return MCS_ERROR;
        }
        if (r == 0) { *which = k; return MCS_INVARIANT; }
    }
    return MCS_FINISHED;
}
