/* search.c: breadth-first search over a model behind mc_model.h, on N threads, with the
 * result of a sequential search whatever N is.
 *
 * One level at a time, in three phases separated by joins:
 *   A. expand: threads take chunks of the level's states in order; every successor gets a
 *      key (index of its parent in the level << 24 | its ordinal among the parent's
 *      successors), which is its position in a sequential search. Successors outside the
 *      constraint are checked at once; one within it that is not visited yet is kept as a
 *      candidate (a thread keeps its first copy of a state only). Runtime errors, deadlocks
 *      and broken states outside the constraint are "events" with the key where they happen.
 *   B. merge: candidates of all threads meet in a table of fingerprint -> least key; the
 *      copy with the least key survives (the one a sequential search finds first), and the
 *      survivors, merged by key, are the next level in sequential order.
 *   C. check: the survivors' type check and invariants, in parallel; the broken one with
 *      the least index wins.
 * The search stops at the least key among the events of phase A, the broken survivor of
 * phase C and the --max-states'th new state: the point where a sequential search stops.
 * The counts at that point are recomputed exactly (the stopping state's chunk is expanded
 * again up to it), so they never depend on how threads shared the work.
 *
 * Memory per distinct state: the visited table (8-byte fingerprints, load 1/2..3/4) and a
 * 16-byte parent link written to a temporary file (fingerprint, parent index, action): a
 * trace is rebuilt by replaying from an initial state the successors with the recorded
 * fingerprints. States themselves live only in the current and the next level, each in
 * per-thread arenas that go on in temporary files past options.queue_memory (--memory).
 * Between levels the search is exactly "a level start": the callback options.level_started
 * reads it there for a checkpoint (mcs_where, mcs_links, mcs_level_state), and mcs_restore
 * puts one back.
 */
#include "mc_model.h"
#include "search.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 32                       /* parents per unit of work */
#define ORDINAL_BITS 24                /* successors per state: fewer than 2^24 */
#define ORDINAL_MASK ((1ULL << ORDINAL_BITS) - 1)
#define NO_KEY UINT64_MAX
#define PASSED_SLOTS 4096              /* per thread: states outside the constraint found fine */
#define MESSAGE_SIZE 512

/* ------------------------------------------------------------------ fingerprints */

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

/* 64 bits of the bytes; never 0, which marks an empty slot. */
static uint64_t fingerprint(const uint8_t *p, size_t n) {
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

static inline uint64_t home(uint64_t fp, uint64_t cap) {
    return (uint64_t)(((unsigned __int128)fp * cap) >> 64);
}

/* ------------------------------------------------------------------ the visited set */

typedef struct {
    uint64_t *slot;   /* 0: empty */
    uint64_t cap;
    uint64_t count;
} fpset;

static int fpset_contains(const fpset *t, uint64_t fp) {
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        uint64_t v = t->slot[i];
        if (v == fp) return 1;
        if (v == 0) return 0;
    }
}

/* Lock-free: threads insert their survivors at once. The fingerprint is new. */
static void fpset_insert(fpset *t, uint64_t fp) {
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        uint64_t expected = 0;
        if (__atomic_compare_exchange_n(&t->slot[i], &expected, fp, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return;
    }
}

/* Room for `more`: grow past a load of 3/4 to one of 1/2 (10.7 to 16 bytes per state). */
static int fpset_reserve(fpset *t, uint64_t more) {
    uint64_t need = t->count + more;
    if (t->slot && need * 4 <= t->cap * 3) return 0;
    uint64_t cap = need * 2 < 1024 ? 1024 : need * 2;
    uint64_t *slot = calloc(cap, sizeof *slot);
    if (!slot) return -1;
    fpset bigger = {slot, cap, t->count};
    for (uint64_t i = 0; i < t->cap; i++)
        if (t->slot[i]) fpset_insert(&bigger, t->slot[i]);
    free(t->slot);
    *t = bigger;
    return 0;
}

/* ------------------------------------------------------------------ per-thread storage */

typedef struct {
    uint64_t fp;
    uint64_t key;
    uint64_t off;      /* of the state's bytes in its thread's arena */
    uint32_t len;
    int16_t action;
    uint8_t worker;
    uint8_t survives;
} cand;

/* States of a level: in memory up to `limit` bytes, then appended to a temporary file
 * (--memory); an offset with SPILLED set is one in the file. */
typedef struct {
    uint8_t *data;
    size_t len, cap, limit;
    FILE *file;
    uint64_t file_len;
} arena;
#define SPILLED (1ULL << 63)
typedef struct { cand *v; size_t n, cap; } candvec;

typedef struct {
    uint64_t key;      /* NO_KEY: none */
    int outcome, which, site, action;
    uint8_t *bytes;    /* the state concerned when it is not stored: outside the constraint */
    size_t len;
    char message[MESSAGE_SIZE];
} event;

typedef struct worker {
    struct mcs_search *s;
    int id;
    mc_ctx *ctx;           /* for mc_init / mc_successors */
    mc_ctx *check_ctx;     /* for what runs inside their emit callback: a model may reuse a
                              context's scratch memory on each call, so a nested call gets its own */
    arena arenas[2];       /* [gen]: states of the level being expanded; [!gen]: the next */
    candvec cands[2];
    uint64_t *seen;        /* fingerprints this thread met in the level: first copies only */
    uint64_t seen_cap, seen_n;
    uint64_t passed[PASSED_SLOTS];
    uint8_t *read_buf;     /* a state read back from a spilled arena */
    size_t read_cap;
    /* the parent being expanded */
    uint64_t parent;
    uint32_t ordinal;
    const uint8_t *parent_bytes;
    size_t parent_len;
    uint64_t *counts;      /* this chunk's successors per action */
    event ev;              /* the least-key event this thread met in the level */
    uint64_t bad_index;    /* phase C: least index of a broken survivor, its outcome below */
    int bad_outcome, bad_which;
    char bad_message[MESSAGE_SIZE];
    int failed;
} worker;

struct mcs_search {
    mcs_options opt;
    int *invariants;
    int nact;
    worker *w;
    fpset visited;
    FILE *links;
    uint64_t links_written;
    char failure[MESSAGE_SIZE];
    int failed;
    volatile int abort;
    int restored;          /* mcs_restore gave the level to start from */

    int gen;               /* arenas[gen] hold the level being expanded */
    cand **level;          /* its states in sequential order; NULL for the initial pseudo-level */
    uint64_t level_n;
    uint64_t level_base;   /* index of level[0] in discovery order */
    uint64_t level_depth;  /* 0: the pseudo-level whose one "parent" yields the initial states */

    uint64_t next_chunk, nchunks, stop_parent;
    uint64_t *chunk_counts;   /* [chunk][action]; [chunk][nact] = initial states emitted */
    uint64_t *lt;             /* merge table: pairs (fingerprint, ~least key) */
    uint64_t lt_cap;
    cand **next;
    uint64_t next_n;
    uint64_t before_event;    /* survivors with a key below the least event's */
    uint64_t check_limit, next_check, first_bad;

    uint64_t generated, distinct, depth;
    uint64_t *action_counts, *stop_parent_counts;
    uint64_t progress_generated;
    mcs_result result;

    /* the trace */
    int trace_n;
    int *trace_actions;
    uint8_t **trace_bytes;
    size_t *trace_lens;
    uint8_t *last_bytes;
    size_t last_len;
};

static void fail(mcs_search *s, const char *what) {
    if (!__atomic_exchange_n(&s->failed, 1, __ATOMIC_ACQ_REL))
        snprintf(s->failure, sizeof s->failure, "%s", what);
    s->abort = 1;
}

static int arena_push(mcs_search *s, arena *a, const uint8_t *p, size_t n, uint64_t *off) {
    if (a->len + n > a->limit) {
        if (!a->file && !(a->file = tmpfile())) { fail(s, "cannot create a file for the queue of states"); return -1; }
        if (fwrite(p, 1, n, a->file) != n) {  /* only appends: the position is file_len */
            fail(s, "cannot write the queue of states to disk");
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
        if (!data) { fail(s, "out of memory for the queue of states"); return -1; }
        a->data = data;
        a->cap = cap;
    }
    memcpy(a->data + a->len, p, n);
    *off = a->len;
    a->len += n;
    return 0;
}

static cand *cand_push(mcs_search *s, candvec *v) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        cand *grown = realloc(v->v, cap * sizeof *grown);
        if (!grown) { fail(s, "out of memory for the queue of states"); return NULL; }
        v->v = grown;
        v->cap = cap;
    }
    return &v->v[v->n++];
}

/* 1 if the thread met fp first in this level (and remembers it), else 0; -1 out of memory */
static int seen_first(worker *w, uint64_t fp) {
    if ((w->seen_n + 1) * 4 > w->seen_cap * 3) {
        uint64_t cap = w->seen_cap ? w->seen_cap * 2 : 4096;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot) { fail(w->s, "out of memory for the states of a level"); return -1; }
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
static const uint8_t *cand_bytes(mcs_search *s, const cand *c, int gen, worker *reader) {
    arena *a = &s->w[c->worker].arenas[gen];
    if (!(c->off & SPILLED)) return a->data + c->off;
    if (reader->read_cap < c->len) {
        uint8_t *buf = realloc(reader->read_buf, c->len);
        if (!buf) { fail(s, "out of memory"); return NULL; }
        reader->read_buf = buf;
        reader->read_cap = c->len;
    }
    if (pread(fileno(a->file), reader->read_buf, c->len, (off_t)(c->off & ~SPILLED)) != (ssize_t)c->len) {
        fail(s, "cannot read the queue of states from disk");
        return NULL;
    }
    return reader->read_buf;
}

/* ------------------------------------------------------------------ checks of one state */

/* MCS_FINISHED if the state passes, else MCS_TYPE / MCS_INVARIANT / MCS_ERROR with `which`,
 * in the order of explore/model.py StateChecks: the type check, then the invariants. */
static int check_state(worker *w, const uint8_t *state, size_t len, int *which, char *message) {
    mcs_search *s = w->s;
    int var = mc_type_check(w->check_ctx, state, len);
    if (var >= 0) { *which = var; return MCS_TYPE; }
    for (int k = 0; k < s->opt.invariant_count; k++) {
        int r = mc_invariant(w->check_ctx, s->invariants[k], state, len);
        if (r == MC_ERROR) {
            snprintf(message, MESSAGE_SIZE, "%s", mc_error(w->check_ctx));
            *which = k;
            return MCS_ERROR;
        }
        if (r == 0) { *which = k; return MCS_INVARIANT; }
    }
    return MCS_FINISHED;
}

static void note_event(worker *w, uint64_t key, int outcome, int which, int site, int action,
                       const uint8_t *bytes, size_t len, const char *message) {
    if (w->ev.key <= key) return;
    free(w->ev.bytes);
    w->ev = (event){.key = key, .outcome = outcome, .which = which, .site = site, .action = action};
    if (bytes) {
        w->ev.bytes = malloc(len ? len : 1);
        if (!w->ev.bytes) { fail(w->s, "out of memory"); return; }
        memcpy(w->ev.bytes, bytes, len);
        w->ev.len = len;
    }
    if (message) snprintf(w->ev.message, MESSAGE_SIZE, "%s", message);
    uint64_t parent = key >> ORDINAL_BITS, cur = __atomic_load_n(&w->s->stop_parent, __ATOMIC_RELAXED);
    while (parent < cur && !__atomic_compare_exchange_n(&w->s->stop_parent, &cur, parent, 0,
                                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

/* ------------------------------------------------------------------ phase A: expand */

static int on_successor(void *user, int action, const uint8_t *state, size_t len) {
    worker *w = user;
    mcs_search *s = w->s;
    uint32_t j = w->ordinal++;
    if (j > ORDINAL_MASK) { fail(s, "a state has more than 16 million successors"); return 1; }
    uint64_t key = w->parent << ORDINAL_BITS | j;
    int initial = s->level == NULL;
    w->counts[initial ? s->nact : action]++;
    int within = mc_constraint(w->check_ctx, state, len);
    if (within == MC_ERROR) {
        note_event(w, key, MCS_ERROR, 0, MCS_SITE_CONSTRAINT, action, state, len, mc_error(w->check_ctx));
        return 1;
    }
    if (within == 0) {  /* checked, never stored; a state found fine is not checked again */
        uint64_t fp = fingerprint(state, len);
        uint64_t *slot = &w->passed[fp % PASSED_SLOTS];
        if (*slot == fp) return 0;
        int which;
        char message[MESSAGE_SIZE];
        int outcome = check_state(w, state, len, &which, message);
        if (outcome == MCS_FINISHED) { *slot = fp; return 0; }
        note_event(w, key, outcome, which, MCS_SITE_CHECKS, action, state, len, message);
        return 1;
    }
    if (!initial && len == w->parent_len && memcmp(state, w->parent_bytes, len) == 0) return 0;
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(w->check_ctx, state, len, &canon, &canon_len) == MC_ERROR) {
        fail(s, mc_error(w->check_ctx));
        return 1;
    }
    uint64_t fp = fingerprint(canon, canon_len);
    if (fpset_contains(&s->visited, fp)) return 0;
    int first = seen_first(w, fp);
    if (first <= 0) return first < 0;
    int ng = !s->gen;
    cand *c = cand_push(s, &w->cands[ng]);
    if (!c) return 1;
    *c = (cand){.fp = fp, .key = key, .len = (uint32_t)len, .action = (int16_t)action, .worker = (uint8_t)w->id};
    return arena_push(s, &w->arenas[ng], state, len, &c->off) ? 1 : 0;
}

static void expand_parent(worker *w, uint64_t i) {
    mcs_search *s = w->s;
    w->parent = i;
    w->ordinal = 0;
    int rc;
    if (s->level == NULL) {
        rc = mc_init(w->ctx, on_successor, w);
    } else {
        const cand *p = s->level[i];
        w->parent_bytes = cand_bytes(s, p, s->gen, w);
        w->parent_len = p->len;
        if (!w->parent_bytes) return;
        rc = mc_successors(w->ctx, w->parent_bytes, w->parent_len, on_successor, w);
    }
    uint64_t key = i << ORDINAL_BITS | w->ordinal;
    if (rc == MC_ERROR)
        note_event(w, key, MCS_ERROR, 0, s->level ? MCS_SITE_SUCCESSORS : MCS_SITE_INIT, -1, NULL, 0,
                   mc_error(w->ctx));
    else if (rc == MC_OK && w->ordinal == 0 && s->level && s->opt.check_deadlock)
        note_event(w, key, MCS_DEADLOCK, 0, MCS_SITE_NONE, -1, NULL, 0, NULL);
}

static void *expand_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    uint64_t width = s->nact + 1;
    while (!s->abort) {
        uint64_t c = __atomic_fetch_add(&s->next_chunk, 1, __ATOMIC_RELAXED);
        uint64_t lo = c * CHUNK;
        /* chunks are taken in order: past the stopping parent, no later chunk matters */
        if (c >= s->nchunks || lo > __atomic_load_n(&s->stop_parent, __ATOMIC_RELAXED)) break;
        uint64_t hi = lo + CHUNK < s->level_n ? lo + CHUNK : s->level_n;
        w->counts = s->chunk_counts + c * width;
        for (uint64_t i = lo; i < hi && !s->abort; i++) {
            if (i > __atomic_load_n(&s->stop_parent, __ATOMIC_RELAXED)) break;
            expand_parent(w, i);
        }
        uint64_t made = 0;
        for (uint64_t a = 0; a < width; a++) made += w->counts[a];
        __atomic_fetch_add(&s->progress_generated, made, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* ------------------------------------------------------------------ phase B: merge */

static void *merge_insert_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    candvec *v = &w->cands[!s->gen];
    for (size_t k = 0; k < v->n; k++) {
        uint64_t fp = v->v[k].fp, inv = ~v->v[k].key;
        for (uint64_t i = home(fp, s->lt_cap);; i = i + 1 == s->lt_cap ? 0 : i + 1) {
            uint64_t *slot = &s->lt[2 * i];
            uint64_t expected = 0;
            if (__atomic_compare_exchange_n(slot, &expected, fp, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
                expected == fp) {
                uint64_t cur = __atomic_load_n(slot + 1, __ATOMIC_RELAXED);
                while (inv > cur && !__atomic_compare_exchange_n(slot + 1, &cur, inv, 0,
                                                                  __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
                break;
            }
        }
    }
    return NULL;
}

static void *merge_mark_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    candvec *v = &w->cands[!s->gen];
    for (size_t k = 0; k < v->n; k++) {
        cand *c = &v->v[k];
        for (uint64_t i = home(c->fp, s->lt_cap);; i = i + 1 == s->lt_cap ? 0 : i + 1) {
            if (s->lt[2 * i] == c->fp) {
                c->survives = s->lt[2 * i + 1] == ~c->key;
                break;
            }
        }
    }
    return NULL;
}

static void run_workers(mcs_search *s, void *(*fn)(void *)) {
    int n = s->opt.workers;
    pthread_t *threads = malloc(sizeof *threads * (size_t)n);
    int started = 1;
    if (threads)
        for (; started < n; started++)
            if (pthread_create(&threads[started], NULL, fn, &s->w[started])) break;
    fn(&s->w[0]);
    for (int i = 1; i < started; i++) pthread_join(threads[i], NULL);
    /* threads that could not start: their share is done here, in turn */
    for (int i = started; i < n; i++) fn(&s->w[i]);
    free(threads);
}

/* The candidates that survive (least key per fingerprint), merged by key into s->next. */
static int merge(mcs_search *s) {
    int ng = !s->gen, n = s->opt.workers;
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += s->w[i].cands[ng].n;
    if (n == 1) {
        for (size_t k = 0; k < s->w[0].cands[ng].n; k++) s->w[0].cands[ng].v[k].survives = 1;
    } else {
        uint64_t cap = 1024;
        while (cap < 2 * total) cap *= 2;
        if (cap > s->lt_cap) {
            free(s->lt);
            s->lt = malloc(cap * 2 * sizeof *s->lt);
            s->lt_cap = s->lt ? cap : 0;
            if (!s->lt) { fail(s, "out of memory for merging a level"); return -1; }
        }
        s->lt_cap = cap;
        memset(s->lt, 0, cap * 2 * sizeof *s->lt);
        run_workers(s, merge_insert_worker);
        run_workers(s, merge_mark_worker);
    }
    free(s->next);
    s->next = malloc((total ? total : 1) * sizeof *s->next);
    if (!s->next) { fail(s, "out of memory for merging a level"); return -1; }
    size_t *at = calloc((size_t)n, sizeof *at);
    if (!at) { fail(s, "out of memory for merging a level"); return -1; }
    uint64_t m = 0;
    for (;;) {  /* each thread's candidates are in key order: a merge of n sorted lists */
        cand *best = NULL;
        int from = -1;
        for (int i = 0; i < n; i++) {
            candvec *v = &s->w[i].cands[ng];
            while (at[i] < v->n && !v->v[at[i]].survives) at[i]++;
            if (at[i] < v->n && (!best || v->v[at[i]].key < best->key)) { best = &v->v[at[i]]; from = i; }
        }
        if (!best) break;
        s->next[m++] = best;
        at[from]++;
    }
    free(at);
    s->next_n = m;
    return 0;
}

/* ------------------------------------------------------------------ phase C: check */

static void *check_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    int ng = !s->gen;
    while (!s->abort) {
        uint64_t lo = __atomic_fetch_add(&s->next_check, CHUNK, __ATOMIC_RELAXED);
        if (lo >= s->check_limit || lo > __atomic_load_n(&s->first_bad, __ATOMIC_RELAXED)) break;
        uint64_t hi = lo + CHUNK < s->check_limit ? lo + CHUNK : s->check_limit;
        for (uint64_t k = lo; k < hi; k++) {
            const cand *c = s->next[k];
            int which;
            char message[MESSAGE_SIZE];
            const uint8_t *bytes = cand_bytes(s, c, ng, w);
            if (!bytes) return NULL;
            int outcome = check_state(w, bytes, c->len, &which, message);
            if (outcome == MCS_FINISHED) continue;
            if (k < w->bad_index) {
                w->bad_index = k;
                w->bad_outcome = outcome;
                w->bad_which = which;
                memcpy(w->bad_message, message, MESSAGE_SIZE);
            }
            uint64_t cur = __atomic_load_n(&s->first_bad, __ATOMIC_RELAXED);
            while (k < cur && !__atomic_compare_exchange_n(&s->first_bad, &cur, k, 0,
                                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
            break;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ committing a level */

static void *commit_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    candvec *v = &w->cands[!s->gen];
    for (size_t k = 0; k < v->n; k++)
        if (v->v[k].survives) fpset_insert(&s->visited, v->v[k].fp);
    return NULL;
}

/* Parent links of next[0..n): fingerprint, then (parent index + 1) << 16 | (action + 1). */
static int write_links(mcs_search *s, uint64_t n) {
    for (uint64_t k = 0; k < n; k++) {
        const cand *c = s->next[k];
        uint64_t parent = s->level ? s->level_base + (c->key >> ORDINAL_BITS) + 1 : 0;
        uint64_t rec[2] = {c->fp, parent << 16 | (uint64_t)(uint16_t)(c->action + 1)};
        if (fwrite(rec, sizeof rec, 1, s->links) != 1) { fail(s, "cannot write the parent links"); return -1; }
    }
    s->links_written += n;
    return 0;
}

/* ------------------------------------------------------------------ stopping exactly */

typedef struct {
    uint64_t limit;          /* emissions counted: ordinals below this */
    uint64_t *counts;        /* per action, or NULL */
    uint64_t initial;        /* emissions of the initial pseudo-parent */
    uint64_t seen;
    int nact;
} counter;

static int count_successor(void *user, int action, const uint8_t *state, size_t len) {
    (void)state; (void)len;
    counter *c = user;
    if (c->seen >= c->limit) return 1;
    c->seen++;
    if (action < 0) c->initial++;
    else c->counts[action]++;
    return 0;
}

/* The successors of parent i with ordinal < limit, counted into counts / initial. */
static void recount(mcs_search *s, uint64_t i, uint64_t limit, uint64_t *counts, uint64_t *initial) {
    counter c = {.limit = limit, .counts = counts, .nact = s->nact};
    mc_ctx *ctx = s->w[0].ctx;
    if (s->level == NULL) mc_init(ctx, count_successor, &c);
    else {
        const uint8_t *bytes = cand_bytes(s, s->level[i], s->gen, &s->w[0]);
        if (bytes) mc_successors(ctx, bytes, s->level[i]->len, count_successor, &c);
    }
    *initial += c.initial;
}

static uint64_t survivors_before(mcs_search *s, uint64_t key) {
    uint64_t lo = 0, hi = s->next_n;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (s->next[mid]->key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Ends the search at `key` of this level: counts, depth and the trace's end. */
static void stop_at(mcs_search *s, uint64_t key, int outcome, int which, int site, int action,
                    int is_state, int64_t new_index, const uint8_t *bytes, size_t len, const char *message) {
    mcs_result *r = &s->result;
    uint64_t parent = key >> ORDINAL_BITS, ordinal = key & ORDINAL_MASK;
    uint64_t width = s->nact + 1, first = parent / CHUNK * CHUNK, initial = 0;
    uint64_t *before = s->chunk_counts + s->nchunks * width;  /* the spare row */
    memset(before, 0, width * sizeof *before);
    for (uint64_t c = 0; c < parent / CHUNK; c++)
        for (uint64_t a = 0; a < width; a++) before[a] += s->chunk_counts[c * width + a];
    for (uint64_t i = first; i < parent; i++) recount(s, i, NO_KEY, before, &before[s->nact]);
    recount(s, parent, ordinal + (is_state ? 1 : 0), s->stop_parent_counts, &initial);
    s->generated += initial + before[s->nact];
    for (int a = 0; a < s->nact; a++) {
        s->action_counts[a] += before[a];
        s->generated += before[a] + s->stop_parent_counts[a];
    }
    uint64_t found = survivors_before(s, key) + (new_index >= 0 ? 1 : 0);
    if (new_index >= 0) write_links(s, found);
    s->distinct += found;
    if (found || is_state) s->depth = s->level_depth + 1;
    r->outcome = outcome;
    r->which = which;
    r->site = site;
    r->error_action = action;
    r->queue = (s->level ? s->level_n - parent - 1 : 0) + found;
    if (new_index >= 0) r->state = (int64_t)(s->links_written - 1);
    else r->state = s->level ? (int64_t)(s->level_base + parent) : -1;
    if (bytes) {
        s->last_bytes = malloc(len ? len : 1);
        if (s->last_bytes) memcpy(s->last_bytes, bytes, len);
        s->last_len = len;
        r->has_last = 1;
        r->last_action = action;
    }
    if (message) snprintf(s->failure, sizeof s->failure, "%s", message);
}

/* After phases A to C: the stop of this level, if any. 1 if the search stops here. */
static int decide(mcs_search *s) {
    const event *ev = NULL;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].ev.key != NO_KEY && (!ev || s->w[i].ev.key < ev->key)) ev = &s->w[i].ev;
    uint64_t bad = s->first_bad;
    const worker *bw = NULL;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].bad_index == bad && bad != NO_KEY) bw = &s->w[i];
    if (bw) {  /* before any event and within --max-states, by the choice of check_limit */
        const cand *c = s->next[bad];
        stop_at(s, c->key, bw->bad_outcome, bw->bad_which, bw->bad_outcome == MCS_ERROR ? MCS_SITE_CHECKS : 0,
                c->action, 1, (int64_t)bad, NULL, 0, bw->bad_message);
        return 1;
    }
    /* the --max-states'th distinct state comes before any event: the search stops there */
    uint64_t room = s->opt.max_states >= 0 ? (uint64_t)s->opt.max_states - s->distinct : NO_KEY;
    if (room <= s->before_event) {
        stop_at(s, s->next[room - 1]->key, MCS_MAX_STATES, 0, 0, -1, 1, (int64_t)(room - 1), NULL, 0, NULL);
        return 1;
    }
    if (ev) {
        /* a broken state outside the constraint is reached; a deadlock or an error is not a state */
        stop_at(s, ev->key, ev->outcome, ev->which, ev->site, ev->action,
                ev->site == MCS_SITE_CHECKS, -1, ev->bytes, ev->len,
                ev->outcome == MCS_ERROR ? ev->message : NULL);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the search */

static void reset_level_scratch(mcs_search *s) {
    for (int i = 0; i < s->opt.workers; i++) {
        worker *w = &s->w[i];
        free(w->ev.bytes);
        w->ev = (event){.key = NO_KEY};
        w->bad_index = NO_KEY;
        memset(w->seen, 0, w->seen_cap * sizeof *w->seen);
        w->seen_n = 0;
        w->cands[!s->gen].n = 0;
        w->arenas[!s->gen].len = 0;
        w->arenas[!s->gen].file_len = 0;
        if (w->arenas[!s->gen].file) rewind(w->arenas[!s->gen].file);
    }
    s->next_chunk = 0;
    s->progress_generated = 0;
    s->stop_parent = NO_KEY;
    s->next_check = 0;
    s->first_bad = NO_KEY;
}

/* Expands the current level; 1 if the search stopped in it. */
static int expand_level(mcs_search *s) {
    uint64_t width = s->nact + 1;
    reset_level_scratch(s);
    s->nchunks = (s->level_n + CHUNK - 1) / CHUNK;
    free(s->chunk_counts);
    s->chunk_counts = calloc((s->nchunks + 1) * width, sizeof *s->chunk_counts);  /* + a spare row */
    if (!s->chunk_counts) { fail(s, "out of memory"); return 1; }
    run_workers(s, expand_worker);
    for (int i = 0; i < s->opt.workers; i++)  /* spilled states are read back with pread */
        if (s->w[i].arenas[!s->gen].file && fflush(s->w[i].arenas[!s->gen].file)) fail(s, "cannot write the queue of states to disk");
    if (s->abort || merge(s)) return 1;
    uint64_t stop_key = NO_KEY;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].ev.key < stop_key) stop_key = s->w[i].ev.key;
    s->before_event = s->check_limit = survivors_before(s, stop_key);
    if (s->opt.max_states >= 0 && (uint64_t)s->opt.max_states - s->distinct < s->check_limit)
        s->check_limit = (uint64_t)s->opt.max_states - s->distinct;
    run_workers(s, check_worker);
    if (s->abort) return 1;
    if (decide(s)) return 1;
    /* the whole level is done: it counts, and the next one becomes current */
    uint64_t initial = 0;
    for (uint64_t c = 0; c < s->nchunks; c++) {
        for (int a = 0; a < s->nact; a++) s->action_counts[a] += s->chunk_counts[c * width + a];
        initial += s->chunk_counts[c * width + s->nact];
    }
    s->generated += initial;
    for (uint64_t c = 0; c < s->nchunks; c++)
        for (int a = 0; a < s->nact; a++) s->generated += s->chunk_counts[c * width + a];
    if (fpset_reserve(&s->visited, s->next_n)) { fail(s, "out of memory for the visited set"); return 1; }
    run_workers(s, commit_worker);
    s->visited.count += s->next_n;
    uint64_t base = s->links_written;
    if (write_links(s, s->next_n)) return 1;
    if (s->next_n) s->depth = s->level_depth + 1;
    s->distinct += s->next_n;
    /* the next level becomes current; the old one's storage is reused for the one after */
    free(s->level);
    s->level = s->next;
    s->next = NULL;
    s->level_n = s->next_n;
    s->level_base = base;
    s->level_depth++;
    s->gen = !s->gen;
    return 0;
}

/* ------------------------------------------------------------------ checkpoints */

void mcs_where(mcs_search *s, mcs_position *out) {
    out->depth_of_level = s->level ? s->level_depth : 0;
    out->level_base = s->level ? s->level_base : 0;
    out->level_size = s->level ? s->level_n : 0;
    out->stored = s->links_written;
    out->generated = s->generated;
    out->depth = s->depth;
    out->action_counts = s->action_counts;
}

int mcs_links(mcs_search *s, uint64_t *fps, int64_t *parents, int16_t *actions) {
    if (fflush(s->links) || fseeko(s->links, 0, SEEK_SET)) return -1;
    for (uint64_t i = 0; i < s->links_written; i++) {
        uint64_t rec[2];
        if (fread(rec, sizeof rec, 1, s->links) != 1) return -1;
        fps[i] = rec[0];
        parents[i] = (int64_t)(rec[1] >> 16) - 1;
        actions[i] = (int16_t)((int)(rec[1] & 0xffff) - 1);
    }
    return fseeko(s->links, 0, SEEK_END) ? -1 : 0;
}

int mcs_level_state(mcs_search *s, uint64_t i, const uint8_t **state, size_t *len) {
    if (!s->level || i >= s->level_n) return -1;
    *state = cand_bytes(s, s->level[i], s->gen, &s->w[0]);
    *len = s->level[i]->len;
    return *state ? 0 : -1;
}

uint64_t mcs_fingerprint(mcs_search *s, const uint8_t *state, size_t len) {
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(s->w[0].check_ctx, state, len, &canon, &canon_len) == MC_ERROR) return 0;
    return fingerprint(canon, canon_len);
}

int mcs_restore(mcs_search *s, uint64_t n, const uint64_t *fps, const int64_t *parents, const int16_t *actions,
                uint64_t level_size, const uint8_t *states, const uint32_t *lens, uint64_t depth_of_level,
                uint64_t generated, uint64_t depth, const uint64_t *action_counts) {
    if (level_size > n || fpset_reserve(&s->visited, n)) return -1;
    for (uint64_t i = 0; i < n; i++) fpset_insert(&s->visited, fps[i]);
    s->visited.count = n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rec[2] = {fps[i], (uint64_t)(parents[i] + 1) << 16 | (uint64_t)(uint16_t)(actions[i] + 1)};
        if (fwrite(rec, sizeof rec, 1, s->links) != 1) return -1;
    }
    s->links_written = n;
    worker *w = &s->w[0];
    s->level = malloc((level_size ? level_size : 1) * sizeof *s->level);
    if (!s->level) return -1;
    for (uint64_t i = 0, at = 0; i < level_size; at += lens[i], i++) {
        cand *c = cand_push(s, &w->cands[s->gen]);
        if (!c) return -1;
        *c = (cand){.fp = fps[n - level_size + i], .len = lens[i], .action = actions[n - level_size + i]};
        if (arena_push(s, &w->arenas[s->gen], states + at, lens[i], &c->off)) return -1;
    }
    for (uint64_t i = 0; i < level_size; i++) s->level[i] = &w->cands[s->gen].v[i];  /* after the last realloc */
    s->level_n = level_size;
    s->level_base = n - level_size;
    s->level_depth = depth_of_level;
    s->distinct = n;
    s->generated = generated;
    s->depth = depth;
    memcpy(s->action_counts, action_counts, sizeof *s->action_counts * (size_t)s->nact);
    s->restored = 1;
    return 0;
}

mcs_search *mcs_new(const mcs_options *options) {
    mcs_search *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->opt = *options;
    if (s->opt.workers < 1) s->opt.workers = 1;
    if (s->opt.workers > 255) s->opt.workers = 255;
    s->nact = mc_action_count();
    s->invariants = malloc(sizeof(int) * (size_t)(options->invariant_count + 1));
    s->w = calloc((size_t)s->opt.workers, sizeof *s->w);
    s->action_counts = calloc((size_t)s->nact + 1, sizeof *s->action_counts);
    s->stop_parent_counts = calloc((size_t)s->nact + 1, sizeof *s->stop_parent_counts);
    s->links = tmpfile();
    if (!s->invariants || !s->w || !s->action_counts || !s->stop_parent_counts || !s->links) {
        mcs_free(s);
        return NULL;
    }
    memcpy(s->invariants, options->invariants, sizeof(int) * (size_t)options->invariant_count);
    s->opt.invariants = s->invariants;
    for (int i = 0; i < s->opt.workers; i++) {
        s->w[i].s = s;
        s->w[i].id = i;
        s->w[i].ctx = mc_ctx_new();
        s->w[i].check_ctx = mc_ctx_new();
        s->w[i].ev.key = NO_KEY;
        for (int g = 0; g < 2; g++)  /* a level's states in memory: a share of the budget */
            s->w[i].arenas[g].limit = options->queue_memory < 0 ? SIZE_MAX
                                      : (size_t)options->queue_memory / 2 / (size_t)s->opt.workers;
        if (!s->w[i].ctx || !s->w[i].check_ctx) { mcs_free(s); return NULL; }
    }
    if (fpset_reserve(&s->visited, 0)) { mcs_free(s); return NULL; }
    s->result.state = -1;
    s->result.last_action = -1;
    s->result.error_action = -1;
    return s;
}

void mcs_run(mcs_search *s) {
    mcs_result *r = &s->result;
    if (!s->restored) {
        s->level = NULL;  /* the initial pseudo-level: one parent, mc_init */
        s->level_n = 1;
        s->level_depth = 0;
    }
    int stopped = 0;
    while (s->level_n > 0) {
        if (s->level && s->opt.level_started) s->opt.level_started(s->opt.user);
        if (s->opt.max_depth >= 0 && s->level && s->level_depth >= (uint64_t)s->opt.max_depth) {
            r->outcome = MCS_MAX_DEPTH;
            r->queue = s->level_n;
            stopped = 1;
            break;
        }
        if (expand_level(s)) { stopped = 1; break; }
    }
    if (s->failed) r->outcome = MCS_FAILED;
    else if (s->abort && stopped) { r->outcome = MCS_ABORTED; r->queue = s->level ? s->level_n : 0; }
    else if (!stopped) r->outcome = MCS_FINISHED;
    r->generated = s->generated;
    r->distinct = s->distinct;
    r->depth = s->depth;
    r->action_counts = s->action_counts;
    r->stop_parent_counts = s->stop_parent_counts;
    r->message = s->failure;
    fflush(s->links);
}

void mcs_abort(mcs_search *s) { s->abort = 1; }

void mcs_progress(mcs_search *s, uint64_t out[4]) {
    uint64_t done = __atomic_load_n(&s->next_chunk, __ATOMIC_RELAXED) * CHUNK;
    out[0] = s->generated + __atomic_load_n(&s->progress_generated, __ATOMIC_RELAXED);
    out[1] = s->distinct;
    out[2] = s->level_n > done ? s->level_n - done : 0;
    out[3] = s->depth;
}

const mcs_result *mcs_result_of(mcs_search *s) { return &s->result; }

uint64_t mcs_visited_bytes(mcs_search *s) { return s->visited.cap * sizeof *s->visited.slot; }

/* ------------------------------------------------------------------ the trace */

typedef struct {
    mcs_search *s;
    mc_ctx *ctx;
    int action;
    uint64_t fp;
    uint8_t *found;
    size_t len;
} finder;

static int find_successor(void *user, int action, const uint8_t *state, size_t len) {
    finder *f = user;
    if (action != f->action) return 0;
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(f->ctx, state, len, &canon, &canon_len) == MC_ERROR) return 0;
    if (fingerprint(canon, canon_len) != f->fp) return 0;
    f->found = malloc(len ? len : 1);
    if (f->found) memcpy(f->found, state, len);
    f->len = len;
    return 1;
}

int mcs_build_trace(mcs_search *s) {
    int64_t index = s->result.state;
    int n = 0, cap = 16;
    uint64_t (*path)[2] = malloc(sizeof *path * (size_t)cap);
    if (!path) return -1;
    while (index >= 0) {  /* back to an initial state */
        if (n == cap) {
            cap *= 2;
            void *grown = realloc(path, sizeof *path * (size_t)cap);
            if (!grown) { free(path); return -1; }
            path = grown;
        }
        if (fseeko(s->links, (off_t)index * 16, SEEK_SET) || fread(path[n], 16, 1, s->links) != 1) {
            free(path);
            return -1;
        }
        index = (int64_t)(path[n][1] >> 16) - 1;
        n++;
    }
    s->trace_actions = calloc((size_t)n + 1, sizeof *s->trace_actions);
    s->trace_bytes = calloc((size_t)n + 1, sizeof *s->trace_bytes);
    s->trace_lens = calloc((size_t)n + 1, sizeof *s->trace_lens);
    if (!s->trace_actions || !s->trace_bytes || !s->trace_lens) { free(path); return -1; }
    mc_ctx *ctx = s->w[0].ctx;
    for (int k = 0; k < n; k++) {  /* forward: the first successor with the recorded fingerprint */
        const uint64_t *link = path[n - 1 - k];
        finder f = {.s = s, .ctx = s->w[0].check_ctx, .action = (int)(link[1] & 0xffff) - 1, .fp = link[0]};
        if (k == 0) mc_init(ctx, find_successor, &f);
        else mc_successors(ctx, s->trace_bytes[k - 1], s->trace_lens[k - 1], find_successor, &f);
        if (!f.found) { free(path); return -1; }
        s->trace_actions[k] = f.action;
        s->trace_bytes[k] = f.found;
        s->trace_lens[k] = f.len;
        s->trace_n = k + 1;
    }
    free(path);
    return 0;
}

int mcs_trace_length(mcs_search *s) { return s->trace_n; }

int mcs_trace_step(mcs_search *s, int k, const uint8_t **state, size_t *len) {
    *state = s->trace_bytes[k];
    *len = s->trace_lens[k];
    return s->trace_actions[k];
}

int mcs_last(mcs_search *s, const uint8_t **state, size_t *len) {
    if (!s->result.has_last) return -1;
    *state = s->last_bytes;
    *len = s->last_len;
    return 0;
}

void mcs_free(mcs_search *s) {
    if (!s) return;
    for (int i = 0; s->w && i < s->opt.workers; i++) {
        worker *w = &s->w[i];
        if (w->ctx) mc_ctx_free(w->ctx);
        if (w->check_ctx) mc_ctx_free(w->check_ctx);
        for (int g = 0; g < 2; g++) {
            free(w->arenas[g].data);
            if (w->arenas[g].file) fclose(w->arenas[g].file);
            free(w->cands[g].v);
        }
        free(w->seen);
        free(w->read_buf);
        free(w->ev.bytes);
    }
    for (int k = 0; k < s->trace_n; k++) free(s->trace_bytes[k]);
    free(s->trace_bytes);
    free(s->trace_actions);
    free(s->trace_lens);
    free(s->last_bytes);
    free(s->w);
    free(s->invariants);
    free(s->action_counts);
    free(s->stop_parent_counts);
    free(s->visited.slot);
    free(s->level);
    free(s->next);
    free(s->lt);
    free(s->chunk_counts);
    if (s->links) fclose(s->links);
    free(s);
}
