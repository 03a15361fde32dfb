/* store.c: the search's storage: fingerprints, the visited set (segments that grow one at a time), and
 * each thread's arenas of states (spilled to a file past their share of --memory), its
 * candidates and the fingerprints it met in the current level; and the checks of a state. */
#include "search_parts.h"

/* The 128-bit product of a and b folded to 64 bits: one multiplication mixes 16 bytes. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b) {
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* 64 bits of the bytes; never 0, which marks an empty slot. */
HIDDEN uint64_t mcs_hash_bytes(const uint8_t *p, size_t n) {
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;
    uint64_t h = mix64(n ^ k0), a, b;
    for (; n > 16; p += 16, n -= 16) {
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        h = fold_mul(a ^ k1, b ^ h);
    }
    a = b = 0;  /* the last 1..16 bytes (none if the state is empty) */
    memcpy(&a, p, n < 8 ? n : 8);
    if (n > 8) memcpy(&b, p + 8, n - 8);
    h = mix64(fold_mul(a ^ k1, b ^ h ^ k2));
    return h ? h : 1;
}

#define FP_SEGMENT_MIN 64   /* slots of a segment at first */

#define FP_MAPPED_SLOTS 8192 /* from this size on (64 KB), a segment's slots are mapped */

/* A segment's slots, zeroed. Large ones come straight from the system, so that a growth gives
 * the whole old table back: from malloc, segments of a few hundred KB (below its mmap
 * threshold) leave holes in its heap that later, larger segments cannot reuse, as much
 * memory again as the visited set. */
static uint64_t *slots_new(uint64_t cap) {
    if (cap < FP_MAPPED_SLOTS) return calloc(cap, sizeof(uint64_t));
    void *p = mmap(NULL, cap * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void slots_free(uint64_t *slot, uint64_t cap) {
    if (!slot) return;
    if (cap < FP_MAPPED_SLOTS) free(slot);
    else munmap(slot, cap * sizeof(uint64_t));
}

HIDDEN int mcs_fpset_init(fpset *t) {
    t->seg = calloc(FP_SEGMENTS, sizeof *t->seg);
    if (!t->seg) return -1;
    for (int k = 0; k < FP_SEGMENTS; k++) {
        fpsegment *g = &t->seg[k];
        pthread_mutex_init(&g->lock, NULL);
        g->cap = FP_SEGMENT_MIN;
        if (!(g->slot = slots_new(g->cap))) return -1;
    }
    return 0;
}

HIDDEN void mcs_fpset_free(fpset *t) {
    if (!t->seg) return;
    for (int k = 0; k < FP_SEGMENTS; k++) {
        slots_free(t->seg[k].slot, t->seg[k].cap);
        pthread_mutex_destroy(&t->seg[k].lock);
    }
    free(t->seg);
    t->seg = NULL;
}

HIDDEN int mcs_fpset_contains(const fpset *t, uint64_t fp) {
    const fpsegment *g = segment_of(t, fp);
    for (uint64_t i = segment_home(fp, g->cap);; i = i + 1 == g->cap ? 0 : i + 1) {
        uint64_t v = g->slot[i];
        if (v == fp) return 1;
        if (v == 0) return 0;
    }
}

static void segment_put(uint64_t *slot, uint64_t cap, uint64_t fp) {
    uint64_t i = segment_home(fp, cap);
    while (slot[i]) i = i + 1 == cap ? 0 : i + 1;
    slot[i] = fp;
}

/* The fingerprint is new. Past a load of 3/4 its segment grows to a load of 1/2. 0, or -1
 * out of memory. */
HIDDEN int mcs_fpset_insert(fpset *t, uint64_t fp) {
    fpsegment *g = segment_of(t, fp);
    int rc = 0;
    pthread_mutex_lock(&g->lock);
    if ((g->count + 1) * 4 > g->cap * 3) {
        uint64_t cap = (g->count + 1) * 2;
        uint64_t *slot = slots_new(cap);
        if (!slot) rc = -1;
        else {
            for (uint64_t i = 0; i < g->cap; i++)
                if (g->slot[i]) segment_put(slot, cap, g->slot[i]);
            slots_free(g->slot, g->cap);
            g->slot = slot;
            g->cap = cap;
        }
    }
    if (rc == 0) {
        segment_put(g->slot, g->cap, fp);
        g->count++;
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

HIDDEN uint64_t mcs_fpset_bytes(const fpset *t) {
    uint64_t slots = 0;
    for (int k = 0; k < FP_SEGMENTS; k++) slots += t->seg[k].cap;
    return slots * sizeof(uint64_t);
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
/* 1 if the fingerprint is new to the set (and now in it), 0 if met before, -1 out of memory. */
HIDDEN int mcs_seen_first(seenset *t, uint64_t fp) {
    if ((t->n + 1) * 4 > t->cap * 3) {
        uint64_t cap = t->cap ? t->cap * 2 : 4096;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot) return -1;
        for (uint64_t i = 0; i < t->cap; i++) {
            uint64_t v = t->slot[i];
            if (!v) continue;
            uint64_t j = home(v, cap);
            while (slot[j]) j = j + 1 == cap ? 0 : j + 1;
            slot[j] = v;
        }
        free(t->slot);
        t->slot = slot;
        t->cap = cap;
    }
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        if (t->slot[i] == fp) return 0;
        if (!t->slot[i]) {
            t->slot[i] = fp;
            t->n++;
            return 1;
        }
    }
}

HIDDEN void mcs_seen_clear(seenset *t) {
    if (t->slot) memset(t->slot, 0, t->cap * sizeof *t->slot);
    t->n = 0;
}

HIDDEN void mcs_seen_free(seenset *t) {
    free(t->slot);
    *t = (seenset){0};
}

/* A state's bytes: in its owner's arena `gen`, or read from its file into the reader's buffer. */
HIDDEN const uint8_t *mcs_state_bytes(mcs_search *s, int owner, uint64_t off, uint32_t len, int gen, worker *reader) {
    arena *a = &s->w[owner].arenas[gen];
    if (!(off & SPILLED)) return a->data + off;
    if (reader->read_cap < len) {
        uint8_t *buf = realloc(reader->read_buf, len);
        if (!buf) { mcs_fail(s, "out of memory"); return NULL; }
        reader->read_buf = buf;
        reader->read_cap = len;
    }
    if (pread(fileno(a->file), reader->read_buf, len, (off_t)(off & ~SPILLED)) != (ssize_t)len) {
        mcs_fail(s, "cannot read the queue of states from disk");
        return NULL;
    }
    return reader->read_buf;
}


/* MCS_FINISHED if the state passes, else MCS_TYPE / MCS_INVARIANT / MCS_ERROR with `which`,
 * in the order of explore/model.py StateChecks: the type check, then the invariants. */
HIDDEN int mcs_checks(mc_ctx *ctx, const int *invariants, int count, const uint8_t *state, size_t len, int *which,
                      char *message) {
    switch (mc_checks(ctx, invariants, count, state, len, which)) {
    case MC_OK: return MCS_FINISHED;
    case MC_CHECK_TYPE: return MCS_TYPE;
    case MC_CHECK_BROKEN: return MCS_INVARIANT;
    default:
        snprintf(message, MESSAGE_SIZE, "%s", mc_error(ctx));
        return MCS_ERROR;
    }
}
