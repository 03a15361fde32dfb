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
 *   B. merge: one thread reads the candidates of all threads merged by key and adds each to
 *      the visited set: the copy that adds it is the one with the least key (the one a
 *      sequential search finds first), so the survivors, in the order read, are the next
 *      level in sequential order. The least-key broken candidate survives: a copy with a
 *      smaller key would be as broken.
 * The search stops at the least key among the events, the broken candidates and the
 * --max-states'th new state: the point where a sequential search stops.
 * The counts at that point are recomputed exactly (the stopping state's chunk is expanded
 * again up to it), so they never depend on how threads shared the work.
 *
 * Memory per distinct state: the visited table (8-byte fingerprints, load 1/2..3/4) and a
 * 16-byte parent link written to a temporary file (fingerprint, parent index, action): a
 * trace is rebuilt by replaying from an initial state the successors with the recorded
 * fingerprints. States themselves live only in the current and the next level and in the
 * threads' candidates, as streams of records (a 24-byte header: key, fingerprint, length,
 * action; then the state's bytes) that go on in temporary files past their share of
 * options.queue_memory (--memory): a quarter for each level, half for the candidates. Beside
 * them a level keeps 8 bytes per CHUNK states (where each chunk starts), and while a level
 * is expanded each thread keeps the fingerprints of its candidates (8 to 16 bytes each),
 * freed before the merge.
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
    int initial = s->level_depth == 0;
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
    rec head = {.key = key, .fp = fp, .len = (uint32_t)len, .action = (int16_t)action};
    if (mcs_arena_push(s, &w->cands, &head, state)) return 1;
    w->cand_n++;
    uint64_t room = s->opt.max_states >= 0 ? (uint64_t)s->opt.max_states - s->distinct : NO_KEY;
    /* this thread's candidates are distinct and in key order: the --max-states'th new state
       of the level is this one or an earlier one, so no later parent matters... */
    if (w->cand_n == room) stop_by(s, w->parent);
    /* ...and past it, neither this state nor anything after it in this parent */
    if (w->cand_n > room) return 1;
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
    if (s->level_depth == 0) {
        rc = mc_init(w->ctx, on_successor, w);
    } else {
        rec head;
        w->parent_bytes = mcs_level_record(s, &w->reader, &s->levels[s->gen], i, &head);
        w->parent_len = head.len;
        if (!w->parent_bytes) return;
        rc = s->por ? mcs_por_successors(w, on_successor)
                    : mc_successors(w->ctx, w->parent_bytes, w->parent_len, on_successor, w);
    }
    uint64_t key = i << ORDINAL_BITS | w->ordinal;
    if (rc == MC_ERROR)
        note_event(w, key, MCS_ERROR, 0, s->level_depth ? MCS_SITE_SUCCESSORS : MCS_SITE_INIT, -1, NULL, 0,
                   mc_error(w->ctx));
    else if (rc == MC_OK && w->ordinal == 0 && s->level_depth && s->opt.check_deadlock)
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

/* A thread's candidates read in order: in memory, or through a window of its file. */
#define MERGE_WINDOW (1 << 20)
#define MERGE_AHEAD 16     /* records whose visited-set slots are fetched ahead of the merge */
typedef struct {
    const arena *a;
    uint64_t pos, end;
    uint8_t *buf;
    size_t cap;
    uint64_t buf_pos;      /* the window: [buf_pos, buf_pos + buf_n) of the file */
    size_t buf_n;
    rec head;              /* of the record at pos; key NO_KEY past the end */
    const uint8_t *bytes;
    uint64_t ahead;        /* the first record from pos on whose slot is not asked for yet */
    int ahead_n;           /* records in [pos, ahead) */
} cursor;

/* Asks for the visited-set slots of the next MERGE_AHEAD records, as far as they are at hand. */
static void cursor_prefetch(mcs_search *s, cursor *c) {
    const arena *a = c->a;
    if (c->ahead_n <= 0) { c->ahead = c->pos; c->ahead_n = 0; }
    for (; c->ahead_n < MERGE_AHEAD && c->ahead < c->end; c->ahead_n++) {
        const uint8_t *p;
        if (c->ahead < a->len) p = a->data + c->ahead;
        else {
            uint64_t at = c->ahead - a->len;
            if (at < c->buf_pos || at + REC_SIZE > c->buf_pos + c->buf_n) return;
            p = c->buf + (at - c->buf_pos);
        }
        rec head;
        memcpy(&head, p, REC_SIZE);
        mcs_fpset_prefetch(&s->visited, head.fp);
        c->ahead += REC_SIZE + head.len;
    }
}

/* The window holds the `need` bytes at `at` in the file, and what follows them. */
static int cursor_fill(mcs_search *s, cursor *c, uint64_t at, size_t need) {
    size_t n = need > MERGE_WINDOW ? need : MERGE_WINDOW;
    if (n > c->a->file_len - at) n = (size_t)(c->a->file_len - at);
    if (n < need) { mcs_fail(s, "the queue of states on disk is cut short"); return -1; }
    c->buf_n = 0;
    return mcs_arena_read(s, c->a, c->a->len + at, n, &c->buf, &c->cap) ? (c->buf_pos = at, c->buf_n = n, 0) : -1;
}

/* The record at c->pos into c->head and c->bytes. */
static int cursor_load(mcs_search *s, cursor *c) {
    const arena *a = c->a;
    if (c->pos >= c->end) { c->head.key = NO_KEY; return 0; }
    if (c->pos < a->len) {
        memcpy(&c->head, a->data + c->pos, REC_SIZE);
        c->bytes = a->data + c->pos + REC_SIZE;
        return 0;
    }
    uint64_t at = c->pos - a->len;
    if ((at < c->buf_pos || at + REC_SIZE > c->buf_pos + c->buf_n) && cursor_fill(s, c, at, REC_SIZE)) return -1;
    memcpy(&c->head, c->buf + (at - c->buf_pos), REC_SIZE);
    if (at + REC_SIZE + c->head.len > c->buf_pos + c->buf_n && cursor_fill(s, c, at, REC_SIZE + c->head.len))
        return -1;
    c->bytes = c->buf + (at - c->buf_pos) + REC_SIZE;
    return 0;
}

/* Past the current record, to the next. */
static int cursor_next(mcs_search *s, cursor *c) {
    c->pos += REC_SIZE + c->head.len;
    c->ahead_n--;
    if (cursor_load(s, c)) return -1;
    cursor_prefetch(s, c);
    return 0;
}

/* Parent link of a new state: fingerprint, then (parent index + 1) << 16 | (action + 1). */
static int write_link(mcs_search *s, const rec *head) {
    uint64_t parent = s->level_depth ? s->level_base + (head->key >> ORDINAL_BITS) + 1 : 0;
    uint64_t link[2] = {head->fp, parent << 16 | (uint64_t)(uint16_t)(head->action + 1)};
    if (fwrite(link, sizeof link, 1, s->links) != 1) { mcs_fail(s, "cannot write the parent links"); return -1; }
    return 0;
}

/* Phase B: the threads' candidates merged by key (each thread's are in key order); the first
 * copy of a state, the one a sequential search finds first, is new if the visited set did
 * not have it, and joins it: the survivors, in order, are the next level, and their parent
 * links follow the stored ones' in the file (counted in links_written once the level is
 * committed). The merge ends past key `last` or at `room` survivors: the search stops there. */
static int merge(mcs_search *s, uint64_t last, uint64_t room) {
    int n = s->opt.workers;
    cursor *c = calloc((size_t)n, sizeof *c);
    if (!c) { mcs_fail(s, "out of memory for merging a level"); return -1; }
    levelstream *next = &s->levels[!s->gen];
    uint64_t m = 0;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        const arena *a = &s->w[i].cands;
        c[i] = (cursor){.a = a, .end = a->len + a->file_len};
        rc = cursor_load(s, &c[i]);
        cursor_prefetch(s, &c[i]);
    }
    while (!rc && m < room) {
        cursor *best = NULL;
        for (int i = 0; i < n; i++)
            if (c[i].head.key != NO_KEY && (!best || c[i].head.key < best->head.key)) best = &c[i];
        if (!best || best->head.key > last) break;
        int added = mcs_fpset_add(&s->visited, best->head.fp);
        if (added < 0) { mcs_fail(s, "out of memory for the visited set"); rc = -1; break; }
        if (added) {
            if (mcs_level_append(s, next, &best->head, best->bytes) || write_link(s, &best->head)) { rc = -1; break; }
            if (++m % (1 << 16) == 0 && s->abort) { rc = -1; break; }
        }
        rc = cursor_next(s, best);
    }
    for (int i = 0; i < n; i++) free(c[i].buf);
    free(c);
    s->next_n = m;
    return rc || mcs_level_flush(s, next) ? -1 : 0;
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
            rec head;
            int which;
            char message[MESSAGE_SIZE];
            const uint8_t *bytes = mcs_level_record(s, &w->reader, &s->levels[ng], k, &head);
            if (!bytes) return NULL;
            if (mcs_predicates(w, bytes, head.len, k, &which, message) == MCS_FINISHED) continue;
            note(w, &w->bad, head.key, MCS_ERROR, which, MCS_SITE_PREDICATES, head.action, NULL, 0, message);
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
    if (s->level_depth == 0) mc_init(ctx, count_successor, &c);
    else {
        rec head;
        const uint8_t *bytes = mcs_level_record(s, &s->w[0].reader, &s->levels[s->gen], i, &head);
        if (bytes) mc_successors(ctx, bytes, head.len, count_successor, &c);
    }
    *initial += c.initial;
}

/* The key of the next level's state k. */
static uint64_t survivor_key(mcs_search *s, uint64_t k) {
    rec head;
    return mcs_level_record(s, &s->w[0].reader, &s->levels[!s->gen], k, &head) ? head.key : NO_KEY;
}

/* How many of the next level's states come before `key`. */
static uint64_t survivors_before(mcs_search *s, uint64_t key) {
    uint64_t lo = 0, hi = s->next_n;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (survivor_key(s, mid) < key) lo = mid + 1;
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
    int all_initial = s->level_depth == 0 && !(outcome == MCS_ERROR && (site == MCS_SITE_CONSTRAINT || bytes));
    recount(s, parent, all_initial ? NO_KEY : ordinal + (is_state ? 1 : 0), s->stop_parent_counts, &initial);
    s->generated += initial + before[s->nact];
    for (int a = 0; a < s->nact; a++) {
        s->action_counts[a] += before[a];
        s->generated += before[a] + s->stop_parent_counts[a];
    }
    uint64_t found = survivors_before(s, key) + (new_index >= 0 ? 1 : 0);
    s->links_written += found;  /* the merge wrote the links of the survivors in order */
    s->distinct += found;
    if (found || is_state) s->depth = s->level_depth + 1;
    r->outcome = outcome;
    r->which = which;
    r->site = site;
    r->error_action = action;
    /* as the Python explorer: the states left to expand at --max-states, else its level's */
    if (outcome == MCS_MAX_STATES) r->queue = (s->level_depth ? s->level_n - parent - 1 : 0) + found;
    else r->queue = s->level_depth ? s->level_n : 0;
    if (new_index >= 0) r->state = (int64_t)(s->links_written - 1);
    else r->state = s->level_depth ? (int64_t)(s->level_base + parent) : -1;
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
        stop_at(s, survivor_key(s, room - 1), MCS_MAX_STATES, 0, 0, -1, 1, (int64_t)(room - 1), NULL, 0, NULL);
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
        mcs_arena_reset(&w->cands);
        w->cand_n = 0;
    }
    mcs_level_reset(&s->levels[!s->gen]);
    s->next_chunk = 0;
    s->progress_generated = 0;
    s->stop_parent = NO_KEY;
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
        if (w->cands.file && fflush(w->cands.file)) mcs_fail(s, "cannot write the queue of states to disk");
    }
    if (s->abort) return 1;
    uint64_t stop_key = NO_KEY;
    for (int i = 0; i < s->opt.workers; i++)
        if (s->w[i].ev.key < stop_key) stop_key = s->w[i].ev.key;
    const event *bad = least_bad(s);
    uint64_t room = s->opt.max_states >= 0 ? (uint64_t)s->opt.max_states - s->distinct : NO_KEY;
    if (merge(s, bad && bad->key < stop_key ? bad->key : stop_key, room)) return 1;
    for (int i = 0; i < s->opt.workers; i++) mcs_arena_free(&s->w[i].cands);  /* merged */
    s->before_event = s->check_limit = survivors_before(s, stop_key);
    if (room < s->check_limit) s->check_limit = room;
    if (s->opt.record) {  /* the predicates of the survivors before the least broken one */
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
    mcs_level_free(&s->levels[s->gen]);  /* expanded and counted: only the stops above read it */
    uint64_t base = s->links_written;
    s->links_written += s->next_n;
    if (s->opt.record) {  /* taken by the driver before the next level (search.h mcs_recorded) */
        if (mcs_merge_recorded(s, base, s->next_n)) return 1;
        s->rows_n = s->next_n;
    }
    if (s->next_n) s->depth = s->level_depth + 1;
    s->distinct += s->next_n;
    s->level_n = s->next_n;
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
        /* of the budget for states in memory: half for the threads' candidates... */
        s->w[i].cands.limit = options->queue_memory < 0 ? SIZE_MAX
                              : (size_t)options->queue_memory / 2 / (size_t)s->opt.workers;
        s->w[i].reader.index = NO_KEY;
        if (!s->w[i].ctx || !s->w[i].check_ctx) { mcs_free(s); return NULL; }
    }
    for (int g = 0; g < 2; g++)  /* ...and a quarter for each level: the one expanded, the next */
        s->levels[g].a.limit = options->queue_memory < 0 ? SIZE_MAX : (size_t)options->queue_memory / 4;
    if (mcs_fpset_init(&s->visited)) { mcs_free(s); return NULL; }
    s->result.state = -1;
    s->result.last_action = -1;
    s->result.error_action = -1;
    return s;
}

void mcs_run(mcs_search *s) {
    mcs_result *r = &s->result;
    if (!s->restored) {  /* the initial pseudo-level: one parent, mc_init */
        s->level_n = 1;
        s->level_depth = 0;
    }
    int stopped = 0;
    while (s->level_n > 0) {
        if (s->level_depth && s->opt.level_started) s->opt.level_started(s->opt.user);
        if (s->opt.max_depth >= 0 && s->level_depth && s->level_depth >= (uint64_t)s->opt.max_depth) {
            r->outcome = MCS_MAX_DEPTH;
            r->queue = s->level_n;
            stopped = 1;
            break;
        }
        if (expand_level(s)) { stopped = 1; break; }
    }
    if (s->failed) r->outcome = MCS_FAILED;
    else if (s->abort && stopped) { r->outcome = MCS_ABORTED; r->queue = s->level_depth ? s->level_n : 0; }
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
        mcs_arena_free(&w->cands);
        mcs_seen_free(&w->seen);
        mcs_reader_free(&w->reader);
        free(w->ev.bytes);
    }
    for (int k = 0; k < s->trace_n; k++) free(s->trace_bytes[k]);
    free(s->trace_bytes);
    free(s->trace_actions);
    free(s->trace_lens);
    free(s->last_bytes);
    mcs_free_recorded(s);
    mcs_por_free(s->por);
    free(s->w);
    free(s->invariants);
    free((void *)s->opt.fair);
    free((void *)s->opt.predicates);
    free(s->action_counts);
    free(s->stop_parent_counts);
    mcs_fpset_free(&s->visited);
    for (int g = 0; g < 2; g++) mcs_level_free(&s->levels[g]);
    free(s->chunk_counts);
    if (s->links) fclose(s->links);
    free(s);
}
