/* store.c: the search's storage: fingerprints, the visited set (segments that grow one at a
 * time), streams of state records (the levels, each thread's candidates: in memory up to
 * their share of --memory, then in a temporary file), the fingerprints a thread met in the
 * current level; and the checks of a state. */
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
        g->cap = FP_SEGMENT_MIN;
        if (!(g->slot = slots_new(g->cap))) return -1;
    }
    return 0;
}

HIDDEN void mcs_fpset_free(fpset *t) {
    if (!t->seg) return;
    for (int k = 0; k < FP_SEGMENTS; k++) slots_free(t->seg[k].slot, t->seg[k].cap);
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

/* Adds fp unless it is there: 1 if it was not (a new state), 0 if it was, -1 out of memory.
 * Past a load of 3/4 its segment grows to a load of 1/2. */
HIDDEN int mcs_fpset_add(fpset *t, uint64_t fp) {
    fpsegment *g = segment_of(t, fp);
    uint64_t i = segment_home(fp, g->cap);
    for (; g->slot[i]; i = i + 1 == g->cap ? 0 : i + 1)
        if (g->slot[i] == fp) return 0;
    if ((g->count + 1) * 4 <= g->cap * 3) {
        g->slot[i] = fp;
        g->count++;
        return 1;
    }
    uint64_t cap = (g->count + 1) * 2;
    uint64_t *slot = slots_new(cap);
    if (!slot) return -1;
    for (uint64_t k = 0; k < g->cap; k++)
        if (g->slot[k]) segment_put(slot, cap, g->slot[k]);
    slots_free(g->slot, g->cap);
    g->slot = slot;
    g->cap = cap;
    segment_put(g->slot, g->cap, fp);
    g->count++;
    return 1;
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

/* Appends a record: its header, then its bytes. */
HIDDEN int mcs_arena_push(mcs_search *s, arena *a, const rec *head, const uint8_t *bytes) {
    size_t n = REC_SIZE + head->len;
    if (a->file_len || a->len + n > a->limit) {
        if (!a->file && !(a->file = tmpfile())) { mcs_fail(s, "cannot create a file for the queue of states"); return -1; }
        /* only appends: the position is file_len */
        if (fwrite(head, REC_SIZE, 1, a->file) != 1 || fwrite(bytes, 1, head->len, a->file) != head->len) {
            mcs_fail(s, "cannot write the queue of states to disk");
            return -1;
        }
        a->file_len += n;
        return 0;
    }
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 1 << 16;
        while (cap < a->len + n) cap *= 2;
        if (cap > a->limit && a->limit >= a->len + n) cap = a->limit;  /* never more than the share */
        uint8_t *data = realloc(a->data, cap);
        if (!data) { mcs_fail(s, "out of memory for the queue of states"); return -1; }
        a->data = data;
        a->cap = cap;
    }
    memcpy(a->data + a->len, head, REC_SIZE);
    memcpy(a->data + a->len + REC_SIZE, bytes, head->len);
    a->len += n;
    return 0;
}

/* The n bytes at `pos`: in memory, or copied into *buf from memory and the file (which
 * must be flushed). */
HIDDEN const uint8_t *mcs_arena_read(mcs_search *s, const arena *a, uint64_t pos, size_t n, uint8_t **buf,
                                     size_t *cap) {
    if (pos + n <= a->len) return a->data + pos;
    if (*cap < n) {
        uint8_t *grown = realloc(*buf, n);
        if (!grown) { mcs_fail(s, "out of memory"); return NULL; }
        *buf = grown;
        *cap = n;
    }
    size_t head = pos < a->len ? (size_t)(a->len - pos) : 0;
    memcpy(*buf, a->data + pos, head);
    uint64_t at = pos + head - a->len;
    if (pread(fileno(a->file), *buf + head, n - head, (off_t)at) != (ssize_t)(n - head)) {
        mcs_fail(s, "cannot read the queue of states from disk");
        return NULL;
    }
    return *buf;
}

/* Empty, its memory kept for the next use; the file is written again from its start. */
HIDDEN void mcs_arena_reset(arena *a) {
    a->len = 0;
    a->file_len = 0;
    if (a->file) rewind(a->file);
}

HIDDEN void mcs_arena_free(arena *a) {
    free(a->data);
    if (a->file) fclose(a->file);
    *a = (arena){.limit = a->limit};
}

/* ------------------------------------------------------------------ levels */

HIDDEN int mcs_level_append(mcs_search *s, levelstream *l, const rec *head, const uint8_t *bytes) {
    if (l->n % CHUNK == 0) {
        if (l->n / CHUNK + 2 > l->starts_cap) {
            uint64_t cap = l->starts_cap ? l->starts_cap * 2 : 1024;
            uint64_t *starts = realloc(l->starts, cap * sizeof *starts);
            if (!starts) { mcs_fail(s, "out of memory for the queue of states"); return -1; }
            l->starts = starts;
            l->starts_cap = cap;
        }
        l->starts[l->n / CHUNK] = l->a.len + l->a.file_len;
    }
    if (mcs_arena_push(s, &l->a, head, bytes)) return -1;
    l->n++;
    l->starts[(l->n + CHUNK - 1) / CHUNK] = l->a.len + l->a.file_len;
    return 0;
}

/* Its records can be read (mcs_level_record) once it is flushed. */
HIDDEN int mcs_level_flush(mcs_search *s, levelstream *l) {
    if (l->a.file && fflush(l->a.file)) { mcs_fail(s, "cannot write the queue of states to disk"); return -1; }
    return 0;
}

HIDDEN void mcs_level_reset(levelstream *l) {
    mcs_arena_reset(&l->a);
    l->n = 0;
    l->stamp++;
}

/* Its memory goes back (the level is done); it stays usable. */
HIDDEN void mcs_level_free(levelstream *l) {
    mcs_arena_free(&l->a);
    free(l->starts);
    l->starts = NULL;
    l->starts_cap = 0;
    l->n = 0;
    l->stamp++;
}

/* Record i of the level: its header into *head, and its bytes (valid until the reader reads
 * another chunk). A spilled chunk is read back whole, once for all its records. */
HIDDEN const uint8_t *mcs_level_record(mcs_search *s, levelreader *r, const levelstream *l, uint64_t i, rec *head) {
    uint64_t chunk = i / CHUNK;
    if (r->level != l || r->stamp != l->stamp || r->chunk != chunk || r->index == NO_KEY || r->index > i) {
        r->data = mcs_arena_read(s, &l->a, l->starts[chunk], l->starts[chunk + 1] - l->starts[chunk], &r->buf,
                                 &r->buf_cap);
        if (!r->data) return NULL;
        r->level = l;
        r->stamp = l->stamp;
        r->chunk = chunk;
        r->index = chunk * CHUNK;
        r->offset = 0;
    }
    for (; r->index < i; r->index++) {  /* the records before i in the chunk */
        memcpy(head, r->data + r->offset, REC_SIZE);
        r->offset += REC_SIZE + head->len;
    }
    memcpy(head, r->data + r->offset, REC_SIZE);
    return r->data + r->offset + REC_SIZE;
}

HIDDEN void mcs_reader_free(levelreader *r) {
    free(r->buf);
    *r = (levelreader){.index = NO_KEY};
}

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

/* 1 if the fingerprint is in the set. */
HIDDEN int mcs_seen_contains(const seenset *t, uint64_t fp) {
    if (!t->cap) return 0;
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        if (t->slot[i] == fp) return 1;
        if (!t->slot[i]) return 0;
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
