/* search_parts.h: what the C files of the search share (store.c: fingerprints, the visited
 * set, the per-thread storage and the checks of a state; search.c: the levels; replay.c:
 * checkpoints and traces; batch.c: batches of states for --engine ray).
 * Not an interface: search.h is. The shared functions are hidden: the spec's C is linked
 * into the same shared object. */
#ifndef MCS_SEARCH_PARTS_H
#define MCS_SEARCH_PARTS_H

#include "mc_model.h"
#include "search.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define CHUNK 32                       /* parents per unit of work */
#define ORDINAL_BITS 24                /* successors per state: fewer than 2^24 */
#define ORDINAL_MASK ((1ULL << ORDINAL_BITS) - 1)
#define NO_KEY UINT64_MAX
#define PASSED_SLOTS 4096              /* per thread: states outside the constraint found fine */
#define MESSAGE_SIZE 512

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

static inline uint64_t home(uint64_t fp, uint64_t cap) {
    return (uint64_t)(((unsigned __int128)fp * cap) >> 64);
}

/* The visited set: fingerprints in open-addressing segments chosen by their top bits, each
 * growing on its own (load 3/4 to 1/2: 10.7 to 16 bytes per state), so that growing never
 * holds two copies of the whole table. One thread inserts at a time (a level's merge) and
 * never while others look up, so neither takes a lock. */
#define FP_SEGMENT_BITS 10
#define FP_SEGMENTS (1 << FP_SEGMENT_BITS)
typedef struct {
    uint64_t *slot;   /* 0: empty */
    uint64_t cap;
    uint64_t count;
} fpsegment;
typedef struct {
    fpsegment *seg;   /* FP_SEGMENTS of them */
} fpset;

static inline fpsegment *segment_of(const fpset *t, uint64_t fp) { return &t->seg[fp >> (64 - FP_SEGMENT_BITS)]; }

/* The slot to look at first in a segment: the bits below those that chose the segment. */
static inline uint64_t segment_home(uint64_t fp, uint64_t cap) { return home(fp << FP_SEGMENT_BITS, cap); }

/* Asks for the slot where a lookup of fp starts to be fetched from memory. */
static inline void mcs_fpset_prefetch(const fpset *t, uint64_t fp) {
    const fpsegment *g = segment_of(t, fp);
    __builtin_prefetch(&g->slot[segment_home(fp, g->cap)]);
}

/* ------------------------------------------------------------------ per-thread storage */

/* A state of a level, as the search's streams hold it: this header, then its `len` bytes.
 * A thread's candidates for the next level are such records in key order; the merge copies
 * the survivors into the next level's stream in sequential order. */
typedef struct {
    uint64_t key;      /* parent index in its level << ORDINAL_BITS | ordinal */
    uint64_t fp;
    uint32_t len;
    int16_t action;
    uint16_t unused;
} rec;
#define REC_SIZE sizeof(rec)

/* Records appended one after another: the first `limit` bytes in memory, the rest in a
 * temporary file (--memory). A position below `len` is in memory, the others at position -
 * len in the file: once one record goes to the file, all later ones do. */
typedef struct {
    uint8_t *data;
    size_t len, cap, limit;
    FILE *file;
    uint64_t file_len;
} arena;

/* A level's stream of records, and where every CHUNK-th record starts. */
typedef struct {
    arena a;
    uint64_t *starts;  /* n / CHUNK + 1 positions: the last one is the end */
    uint64_t n, starts_cap;
    uint64_t stamp;    /* changes when the level is emptied: a reader's copy is then stale */
} levelstream;

/* Where a reader is in a level: its copy of a chunk (read back from the file) and the record
 * it read last, so that reading a chunk's records in order never goes back to its start. */
typedef struct {
    const levelstream *level;
    uint64_t stamp, chunk, index, offset;  /* index NO_KEY: nothing read */
    const uint8_t *data;
    uint8_t *buf;
    size_t buf_cap;
} levelreader;

/* Action instances, (action, parameter bytes) -> number, numbered in the order first met. */
typedef struct {
    uint64_t hash, off;
    uint32_t len;
    int32_t action;
} instance;
typedef struct {
    instance *v;
    uint32_t n, cap;
    uint32_t *index;   /* open addressing: number + 1; 0: empty */
    uint64_t index_cap;
    uint8_t *bytes;
    size_t bytes_len, bytes_cap;
} itab;

/* Stored states by fingerprint (record.c). */
typedef struct {
    uint64_t *fp;      /* 0: empty */
    uint32_t *at;
    uint64_t cap, count;
} fpindex;

/* Recorded steps: source state index, successor fingerprint (once resolved, its state
 * index or -1), label (packed columns). */
typedef struct {
    int32_t *src;
    uint64_t *fp;
    int32_t *lab;
    size_t n, cap;
} edgevec;

typedef struct {
    uint64_t key;      /* NO_KEY: none */
    int outcome, which, site, action;
    uint8_t *bytes;    /* the state concerned when it is not stored: outside the constraint */
    size_t len;
    char message[MESSAGE_SIZE];
} event;

/* Fingerprints one owner met (a thread in a level, a Ray batch): open addressing, no locks. */
typedef struct {
    uint64_t *slot;
    uint64_t cap, n;
} seenset;

/* Asks for the slot where mcs_seen_first(t, fp) starts to be fetched from memory. */
static inline void mcs_seen_prefetch(const seenset *t, uint64_t fp) {
    if (t->slot) __builtin_prefetch(&t->slot[home(fp, t->cap)]);
}

typedef struct worker {
    struct mcs_search *s;
    int id;
    mc_ctx *ctx;           /* for mc_init / mc_successors, the checks of the successors they
                              emit (from inside the callback) and those of a level's survivors */
    mc_ctx *check_ctx;     /* for mc_canonical inside the emit callback: a model may reuse a
                              context's scratch memory on each call, so a nested call gets its own */
    arena cands;           /* its candidates for the next level: records in key order */
    uint64_t cand_n;
    seenset seen;          /* fingerprints this thread met in the level: first copies only */
    uint64_t passed[PASSED_SLOTS];
    levelreader reader;    /* the states it reads from a level */
    /* the parent being expanded */
    uint64_t parent;
    uint32_t ordinal;
    const uint8_t *parent_bytes;
    size_t parent_len;
    uint64_t *counts;      /* this chunk's successors per action */
    event ev;              /* the least-key event this thread met in the level */
    event bad;             /* its least-key candidate whose type check, invariants or (a
                              predicates pass after the merge) state predicates fail */
    int failed;
    /* recording (record.c): this level's steps, labels local to the thread (action count +
       number in `instances`), and those numbers' labels once the level is merged */
    edgevec edges;
    itab instances;
    int32_t *global;
    uint32_t global_cap;
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

    int gen;               /* levels[gen]: the level being expanded; levels[!gen]: the next */
    levelstream levels[2];
    uint64_t level_n;
    uint64_t level_base;   /* index of level[0] in discovery order */
    uint64_t level_depth;  /* 0: the pseudo-level whose one "parent" yields the initial states */

    uint64_t next_chunk, nchunks, stop_parent;
    uint64_t *chunk_counts;   /* [chunk][action]; [chunk][nact] = initial states emitted */
    uint64_t next_n;
    uint64_t before_event;    /* survivors with a key below the least event's */
    uint64_t check_limit;     /* survivors before the least event and within --max-states */
    uint64_t predicate_limit, next_predicate, first_predicate_error;  /* the predicates pass */

    /* recording (record.c): the steps of the last level merged, in sequential order, the
       predicate values of its new states, and the instances of fair actions met so far */
    edgevec edges;
    uint8_t *rows;
    uint64_t rows_n, rows_cap;
    itab labels;
    fpindex indices;

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

    struct mcs_por *por;   /* partial-order reduction (por.c), or NULL */
};

/* record.c */
HIDDEN int mcs_record_step(worker *w, int action, uint64_t fp);
HIDDEN int mcs_merge_recorded(mcs_search *s, uint64_t base, uint64_t stored);
HIDDEN int mcs_reserve_rows(mcs_search *s, uint64_t states);
HIDDEN int mcs_predicates(worker *w, const uint8_t *state, size_t len, uint64_t index, int *which, char *message);
HIDDEN void mcs_free_recorded(mcs_search *s);

/* por.c */
HIDDEN int mcs_por_successors(worker *w, mc_emit_fn emit);
HIDDEN void mcs_por_free(struct mcs_por *p);

/* search.c */
HIDDEN void mcs_run_workers(mcs_search *s, void *(*fn)(void *));

/* store.c */
HIDDEN uint64_t mcs_hash_bytes(const uint8_t *p, size_t n);
HIDDEN int mcs_fpset_init(fpset *t);
HIDDEN void mcs_fpset_free(fpset *t);
HIDDEN int mcs_fpset_contains(const fpset *t, uint64_t fp);
HIDDEN int mcs_fpset_add(fpset *t, uint64_t fp);
HIDDEN uint64_t mcs_fpset_bytes(const fpset *t);
HIDDEN void mcs_fail(mcs_search *s, const char *what);
HIDDEN int mcs_arena_push(mcs_search *s, arena *a, const rec *head, const uint8_t *bytes);
HIDDEN const uint8_t *mcs_arena_read(mcs_search *s, const arena *a, uint64_t pos, size_t n, uint8_t **buf,
                                     size_t *cap);
HIDDEN void mcs_arena_reset(arena *a);
HIDDEN void mcs_arena_free(arena *a);
HIDDEN int mcs_level_append(mcs_search *s, levelstream *l, const rec *head, const uint8_t *bytes);
HIDDEN int mcs_level_flush(mcs_search *s, levelstream *l);
HIDDEN void mcs_level_reset(levelstream *l);
HIDDEN void mcs_level_free(levelstream *l);
HIDDEN const uint8_t *mcs_level_record(mcs_search *s, levelreader *r, const levelstream *l, uint64_t i, rec *head);
HIDDEN void mcs_reader_free(levelreader *r);
HIDDEN int mcs_seen_first(seenset *t, uint64_t fp);
HIDDEN int mcs_seen_contains(const seenset *t, uint64_t fp);
HIDDEN void mcs_seen_clear(seenset *t);
HIDDEN void mcs_seen_free(seenset *t);
HIDDEN int mcs_checks(mc_ctx *ctx, const int *invariants, int count, const uint8_t *state, size_t len, int *which,
                      char *message);

#endif
