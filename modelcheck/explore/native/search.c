/* search.c: breadth-first search over a model behind mc_model.h, on N threads, with the
 * result of a sequential search whatever N is.
 *
 * One level at a time, in two phases separated by joins:
 *   A. expand: threads take chunks of the level's states in order; every successor gets a
 *      key (index of its parent in the level << 24 | its ordinal among the parent's
 *      successors), which is its position in a sequential search. Successors outside the
 *      constraint are checked at once; one within it that is not visited yet is kept as a
 *      candidate (a thread keeps its first copy of a state only) and checked at once too,
 *      while the model still holds the values it built it from. Runtime errors, deadlocks
 *      and broken states outside the constraint are "events" with the key where they happen;
 *      each thread also keeps its least-key broken candidate.
 *   B. merge: candidates of all threads meet in a table of fingerprint -> least key; the
 *      copy with the least key survives (the one a sequential search finds first), and the
 *      survivors, merged by key, are the next level in sequential order. The least-key broken
 *      candidate survives: a copy with a smaller key would be as broken.
 * The search stops at the least key among the events, the broken candidates and the
 * --max-states'th new state: the point where a sequential search stops.
 * The counts at that point are recomputed exactly (the stopping state's chunk is expanded
 * again up to it), so they never depend on how threads shared the work.
 *
 * Memory per distinct state: the visited table (8-byte fingerprints, load 1/2..3/4) and a
 * 16-byte parent link written to a temporary file (fingerprint, parent index, action): a
 * trace is rebuilt by replaying from an initial state the successors with the recorded
 * fingerprints. States themselves live only in the current and the next level, each in
 * per-thread arenas that go on in temporary files past options.queue_memory (--memory).
 * Per state of those levels, in memory: 16 bytes for one of the level being expanded (where
 * its bytes are), 32 for a candidate of the next (and while it is expanded 8 to 16 for
 * the thread's fingerprints of the level, while it is merged 8 for its place in order and,
 * on several threads, 11 to 21 for the merge table): each is freed as soon as it is used.
 * Between levels the search is exactly "a level start": the callback options.level_started
 * reads it there for a checkpoint (mcs_where, mcs_links, mcs_level_state), and mcs_restore
 * puts one back. With options.record (temporal properties), phase A also records every step
 * that changes the state, a pass after the merge evaluates the state predicates of the
 * survivors (up to the least broken one; one that fails to evaluate is a broken survivor),
 * and a committed level's steps are resolved and merged in sequential order (record.c).
 */

#include "search_parts.h"

/* ------------------------------------------------------------------ checks of one state */

/* The state's checks on `ctx` (store.c's mcs_checks). */
static int check_state(mcs_search *s, mc_ctx *ctx, const uint8_t *state, size_t len, int *which, char *message) {
    return mcs_checks(ctx, s->invariants, s->opt.invariant_count, state, len, which, message);
}

/* The search stops in this level at `parent` or before: later parents need no expanding. */
static void stop_by(mcs_search *s, uint64_t parent) {
    uint64_t cur = __atomic_load_n(&s->stop_parent, __ATOMIC_RELAXED);
    while (parent < cur && !__atomic_compare_exchange_n(&s->stop_parent, &cur, parent, 0,
                                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

/* Keeps in *ev (w->ev, or w->bad) the one of least key; no parent after its parent matters. */
static void note(worker *w, event *ev, uint64_t key, int outcome, int which, int site, int action,
                 const uint8_t *bytes, size_t len, const char *message) {
    if (ev->key <= key) return;
    free(ev->bytes);
    *ev = (event){.key = key, .outcome = outcome, .which = which, .site = site, .action = action};
    if (bytes) {
        ev->bytes = malloc(len ? len : 1);
        if (!ev->bytes) { mcs_fail(w->s, "out of memory"); return; }
        memcpy(ev->bytes, bytes, len);
        ev->len = len;
    }
    if (message) snprintf(ev->message, MESSAGE_SIZE, "%s", message);
    stop_by(w->s, key >> ORDINAL_BITS);
}

static void note_event(worker *w, uint64_t key, int outcome, int which, int site, int action,
                       const uint8_t *bytes, size_t len, const char *message) {
    note(w, &w->ev, key, outcome, which, site, action, bytes, len, message);
}

/* ------------------------------------------------------------------ phase A: expand */

static int on_successor(void *user, int action, const uint8_t *state, size_t len) {
    worker *w = user;
    mcs_search *s = w->s;
    uint32_t j = w->ordinal++;
    if (j > ORDINAL_MASK) { mcs_fail(s, "a state has more than 16 million successors"); return 1; }
    uint64_t key = w->parent << ORDINAL_BITS | j;
    int initial = s->level == NULL;
    w->counts[initial ? s->nact : action]++;
    /* a step back to the parent: within the constraint, as the parent is, and visited */
    if (!initial && len == w->parent_len && memcmp(state, w->parent_bytes, len) == 0) return 0;
    /* the state's hash first: its slots of the visited set and of the thread's fingerprints
       of the level are fetched from memory while the constraint is evaluated (without
       symmetry it is the fingerprint) */
    uint64_t fp = mcs_hash_bytes(state, len);
    mcs_fpset_prefetch(&s->visited, fp);
    mcs_seen_prefetch(&w->seen, fp);
    /* checks of the successor being emitted run on the emitting context (mc_model.h) */
    int within = mc_constraint(w->ctx, state, len);
    if (within == MC_ERROR) {
        note_event(w, key, MCS_ERROR, 0, MCS_SITE_CONSTRAINT, action, state, len, mc_error(w->ctx));
        return 1;
    }
    if (within == 0) {  /* checked, never stored; a state found fine is not checked again */
        /* not a step of the graph (no stored state has this fingerprint), but it makes its
           instance enabled, as TLC evaluates ENABLED without the constraint */
        if (s->opt.record && !initial && mcs_record_step(w, action, fp)) return 1;
        uint64_t *slot = &w->passed[fp % PASSED_SLOTS];
        if (*slot == fp) return 0;
        int which;
        char message[MESSAGE_SIZE];
        int outcome = check_state(s, w->ctx, state, len, &which, message);
        if (outcome == MCS_FINISHED) { *slot = fp; return 0; }
        note_event(w, key, outcome, which, MCS_SITE_CHECKS, action, state, len, message);
        return 1;
    }
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(w->check_ctx, state, len, &canon, &canon_len) == MC_ERROR) {
        mcs_fail(s, mc_error(w->check_ctx));
        return 1;
    }
    if (canon != state) fp = mcs_hash_bytes(canon, canon_len);
    if (s->opt.record && !initial && mcs_record_step(w, action, fp)) return 1;
    if (mcs_fpset_contains(&s->visited, fp)) return 0;
    int first = mcs_seen_first(&w->seen, fp);
    if (first < 0) { mcs_fail(s, "out of memory for the states of a level"); return 1; }
    if (first == 0) return 0;
    int ng = !s->gen;
    cand *c = mcs_cand_push(s, &w->cands[ng]);
    if (!c) return 1;
    *c = (cand){.fp = fp, .key = key, .len = (uint32_t)len, .action = (int16_t)action, .worker = (uint8_t)w->id};
    if (mcs_arena_push(s, &w->arenas[ng], state, len, &c->off)) return 1;
    uint64_t room = s->opt.max_states >= 0 ? (uint64_t)s->opt.max_states - s->distinct : NO_KEY;
    /* this thread's candidates are distinct and in key order: the --max-states'th new state
       of the level is this one or an earlier one, so no later parent matters... */
    if (w->cands[ng].n == room) stop_by(s, w->parent);
    /* ...and past it, neither this state nor anything after it in this parent */
    if (w->cands[ng].n > room) return 1;
    int which;
    char message[MESSAGE_SIZE];
    int outcome = check_state(s, w->ctx, state, len, &which, message);
    if (outcome == MCS_FINISHED) return 0;
    note(w, &w->bad, key, outcome, which, outcome == MCS_ERROR ? MCS_SITE_CHECKS : MCS_SITE_NONE, action,
         NULL, 0, outcome == MCS_ERROR ? message : NULL);
    return 1;
}

static void expand_parent(worker *w, uint64_t i) {
    mcs_search *s = w->s;
    w->parent = i;
    w->ordinal = 0;
    int rc;
    if (s->level == NULL) {
        rc = mc_init(w->ctx, on_successor, w);
    } else {
        const queued *p = &s->level[i];
        w->parent_bytes = mcs_state_bytes(s, p->worker, p->off, p->len, s->gen, w);
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

HIDDEN void mcs_run_workers(mcs_search *s, void *(*fn)(void *)) {
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
        s->lt_cap = total + total / 3 + 1024;  /* a load of 3/4 at most; freed once used */
        s->lt = calloc(s->lt_cap * 2, sizeof *s->lt);
        if (!s->lt) { mcs_fail(s, "out of memory for merging a level"); return -1; }
        mcs_run_workers(s, merge_insert_worker);
        mcs_run_workers(s, merge_mark_worker);
        free(s->lt);
        s->lt = NULL;
    }
    free(s->next);
    s->next = malloc((total ? total : 1) * sizeof *s->next);
    if (!s->next) { mcs_fail(s, "out of memory for merging a level"); return -1; }
    size_t *at = calloc((size_t)n, sizeof *at);
    if (!at) { mcs_fail(s, "out of memory for merging a level"); return -1; }
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

/* ------------------------------------------------------------------ the predicates pass */

/* With options.record: the state predicates of the survivors before predicate_limit, in
 * parallel, into their rows (by index in the level's order). One that fails to evaluate is
 * this thread's least-key broken candidate if it comes before the others. */
static void *predicates_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    int ng = !s->gen;
    while (!s->abort) {
        uint64_t lo = __atomic_fetch_add(&s->next_predicate, CHUNK, __ATOMIC_RELAXED);
        if (lo >= s->predicate_limit || lo > __atomic_load_n(&s->first_predicate_error, __ATOMIC_RELAXED)) break;
        uint64_t hi = lo + CHUNK < s->predicate_limit ? lo + CHUNK : s->predicate_limit;
        for (uint64_t k = lo; k < hi; k++) {
            const cand *c = s->next[k];
            int which;
            char message[MESSAGE_SIZE];
            const uint8_t *bytes = mcs_state_bytes(s, c->worker, c->off, c->len, ng, w);
            if (!bytes) return NULL;
            if (mcs_predicates(w, bytes, c->len, k, &which, message) == MCS_FINISHED) continue;
            note(w, &w->bad, c->key, MCS_ERROR, which, MCS_SITE_PREDICATES, c->action, NULL, 0, message);
            uint64_t cur = __atomic_load_n(&s->first_predicate_error, __ATOMIC_RELAXED);
            while (k < cur && !__atomic_compare_exchange_n(&s->first_predicate_error, &cur, k, 0,
                                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
            break;
        }
    }
    return NULL;
}

/* The least-key broken candidate of all threads, or NULL. */
static const event *least_bad(mcs_search *s) {
    const event *bad = NULL;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].bad.key != NO_KEY && (!bad || s->w[i].bad.key < bad->key)) bad = &s->w[i].bad;
    return bad;
}

/* ------------------------------------------------------------------ committing a level */

static void *commit_worker(void *arg) {
    worker *w = arg;
    mcs_search *s = w->s;
    candvec *v = &w->cands[!s->gen];
    for (size_t k = 0; k < v->n && !s->failed; k++)  /* an abort waits for the level's end */
        if (v->v[k].survives && mcs_fpset_insert(&s->visited, v->v[k].fp))
            mcs_fail(s, "out of memory for the visited set");
    return NULL;
}

/* Parent links of next[0..n): fingerprint, then (parent index + 1) << 16 | (action + 1). */
static int write_links(mcs_search *s, uint64_t n) {
    for (uint64_t k = 0; k < n; k++) {
        const cand *c = s->next[k];
        uint64_t parent = s->level_depth ? s->level_base + (c->key >> ORDINAL_BITS) + 1 : 0;
        uint64_t rec[2] = {c->fp, parent << 16 | (uint64_t)(uint16_t)(c->action + 1)};
        if (fwrite(rec, sizeof rec, 1, s->links) != 1) { mcs_fail(s, "cannot write the parent links"); return -1; }
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
        const queued *q = &s->level[i];
        const uint8_t *bytes = mcs_state_bytes(s, q->worker, q->off, q->len, s->gen, &s->w[0]);
        if (bytes) mc_successors(ctx, bytes, q->len, count_successor, &c);
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
    /* The Python explorer generates every initial state before it admits or checks one: a
       stop among them counts them all, but for a failure met while generating them (in the
       constraint, or checking a state outside it), which ends the generation there. */
    int all_initial = s->level == NULL && !(outcome == MCS_ERROR && (site == MCS_SITE_CONSTRAINT || bytes));
    recount(s, parent, all_initial ? NO_KEY : ordinal + (is_state ? 1 : 0), s->stop_parent_counts, &initial);
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
    /* as the Python explorer: the states left to expand at --max-states, else its level's */
    if (outcome == MCS_MAX_STATES) r->queue = (s->level ? s->level_n - parent - 1 : 0) + found;
    else r->queue = s->level ? s->level_n : 0;
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

/* After phases A and B (and the predicates pass): the stop of this level, if any. 1 if the
 * search stops here. */
static int decide(mcs_search *s) {
    const event *ev = NULL;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].ev.key != NO_KEY && (!ev || s->w[i].ev.key < ev->key)) ev = &s->w[i].ev;
    const event *bad = least_bad(s);
    /* a broken survivor before any event and within --max-states stops the search there */
    uint64_t index = bad ? survivors_before(s, bad->key) : NO_KEY;
    if (bad && index < s->check_limit) {
        stop_at(s, bad->key, bad->outcome, bad->which, bad->site, bad->action, 1, (int64_t)index, NULL, 0,
                bad->outcome == MCS_ERROR ? bad->message : NULL);
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
        w->bad = (event){.key = NO_KEY};
        w->cands[!s->gen].n = 0;
        w->arenas[!s->gen].len = 0;
        w->arenas[!s->gen].file_len = 0;
        if (w->arenas[!s->gen].file) rewind(w->arenas[!s->gen].file);
    }
    s->next_chunk = 0;
    s->progress_generated = 0;
    s->stop_parent = NO_KEY;
}

/* next[] becomes the level (s->level, s->level_n); the candidates are freed. */
static int become_current(mcs_search *s) {
    s->level = malloc((s->next_n ? s->next_n : 1) * sizeof *s->level);
    if (!s->level) { mcs_fail(s, "out of memory for the queue of states"); return -1; }
    for (uint64_t k = 0; k < s->next_n; k++) {
        const cand *c = s->next[k];
        s->level[k] = (queued){.off = c->off, .len = c->len, .worker = c->worker};
    }
    s->level_n = s->next_n;
    free(s->next);
    s->next = NULL;
    for (int i = 0; i < s->opt.workers; i++) {
        candvec *v = &s->w[i].cands[!s->gen];
        free(v->v);
        *v = (candvec){0};
    }
    return 0;
}

/* Expands the current level; 1 if the search stopped in it. */
static int expand_level(mcs_search *s) {
    uint64_t width = s->nact + 1;
    reset_level_scratch(s);
    s->nchunks = (s->level_n + CHUNK - 1) / CHUNK;
    free(s->chunk_counts);
    s->chunk_counts = calloc((s->nchunks + 1) * width, sizeof *s->chunk_counts);  /* + a spare row */
    if (!s->chunk_counts) { mcs_fail(s, "out of memory"); return 1; }
    mcs_run_workers(s, expand_worker);
    for (int i = 0; i < s->opt.workers; i++) {  /* only phase A needs them: memory for the merge */
        worker *w = &s->w[i];
        mcs_seen_free(&w->seen);
    }
    for (int i = 0; i < s->opt.workers; i++)  /* spilled states are read back with pread */
        if (s->w[i].arenas[!s->gen].file && fflush(s->w[i].arenas[!s->gen].file)) mcs_fail(s, "cannot write the queue of states to disk");
    if (s->abort || merge(s)) return 1;
    uint64_t stop_key = NO_KEY;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].ev.key < stop_key) stop_key = s->w[i].ev.key;
    s->before_event = s->check_limit = survivors_before(s, stop_key);
    if (s->opt.max_states >= 0 && (uint64_t)s->opt.max_states - s->distinct < s->check_limit)
        s->check_limit = (uint64_t)s->opt.max_states - s->distinct;
    if (s->opt.record) {  /* the predicates of the survivors before the least broken one */
        const event *bad = least_bad(s);
        uint64_t index = bad ? survivors_before(s, bad->key) : NO_KEY;
        s->predicate_limit = index < s->check_limit ? index : s->check_limit;
        s->next_predicate = 0;
        s->first_predicate_error = NO_KEY;
        if (mcs_reserve_rows(s, s->next_n)) return 1;
        mcs_run_workers(s, predicates_worker);
        if (s->abort) return 1;
    }
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
    free(s->level);  /* expanded and counted: only the stops above read it, and its states */
    s->level = NULL;
    for (int i = 0; i < s->opt.workers; i++) {
        arena *a = &s->w[i].arenas[s->gen];
        free(a->data);
        a->data = NULL;
        a->len = a->cap = 0;
    }
    mcs_run_workers(s, commit_worker);
    if (s->failed) return 1;
    uint64_t base = s->links_written;
    if (write_links(s, s->next_n)) return 1;
    if (s->opt.record) {  /* taken by the driver before the next level (search.h mcs_recorded) */
        if (mcs_merge_recorded(s, base, s->next_n)) return 1;
        s->rows_n = s->next_n;
    }
    if (s->next_n) s->depth = s->level_depth + 1;
    s->distinct += s->next_n;
    /* the next level becomes current: of its candidates only where their bytes are is kept;
       the old level's arenas (their files) serve the one after */
    if (become_current(s)) return 1;
    s->level_base = base;
    s->level_depth++;
    s->gen = !s->gen;
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
    uint8_t *fair = calloc((size_t)s->nact + 1, 1);
    int *predicates = malloc(sizeof(int) * (size_t)(options->predicate_count + 1));
    s->opt.fair = fair;
    s->opt.predicates = predicates;
    s->w = calloc((size_t)s->opt.workers, sizeof *s->w);
    s->action_counts = calloc((size_t)s->nact + 1, sizeof *s->action_counts);
    s->stop_parent_counts = calloc((size_t)s->nact + 1, sizeof *s->stop_parent_counts);
    s->links = tmpfile();
    if (!s->invariants || !s->w || !s->action_counts || !s->stop_parent_counts || !s->links || !fair || !predicates) {
        mcs_free(s);
        return NULL;
    }
    memcpy(s->invariants, options->invariants, sizeof(int) * (size_t)options->invariant_count);
    if (options->record) {
        memcpy(fair, options->fair, (size_t)s->nact);
        memcpy(predicates, options->predicates, sizeof(int) * (size_t)options->predicate_count);
    }
    s->opt.invariants = s->invariants;
    for (int i = 0; i < s->opt.workers; i++) {
        s->w[i].s = s;
        s->w[i].id = i;
        s->w[i].ctx = mc_ctx_new();
        s->w[i].check_ctx = mc_ctx_new();
        s->w[i].ev.key = NO_KEY;
        s->w[i].bad.key = NO_KEY;
        for (int g = 0; g < 2; g++)  /* a level's states in memory: a share of the budget */
            s->w[i].arenas[g].limit = options->queue_memory < 0 ? SIZE_MAX
                                      : (size_t)options->queue_memory / 2 / (size_t)s->opt.workers;
        if (!s->w[i].ctx || !s->w[i].check_ctx) { mcs_free(s); return NULL; }
    }
    if (mcs_fpset_init(&s->visited)) { mcs_free(s); return NULL; }
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

uint64_t mcs_visited_bytes(mcs_search *s) { return mcs_fpset_bytes(&s->visited); }

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
        mcs_seen_free(&w->seen);
        free(w->read_buf);
        free(w->ev.bytes);
    }
    for (int k = 0; k < s->trace_n; k++) free(s->trace_bytes[k]);
    free(s->trace_bytes);
    free(s->trace_actions);
    free(s->trace_lens);
    free(s->last_bytes);
    mcs_free_recorded(s);
    free(s->w);
    free(s->invariants);
    free((void *)s->opt.fair);
    free((void *)s->opt.predicates);
    free(s->action_counts);
    free(s->stop_parent_counts);
    mcs_fpset_free(&s->visited);
    free(s->level);
    free(s->next);
    free(s->lt);
    free(s->chunk_counts);
    if (s->links) fclose(s->links);
    free(s);
}
