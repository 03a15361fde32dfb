/* record.c: the behaviour graph for temporal properties (explore/behaviour.py reads it):
 * every step that changes the state, as (source state index, successor fingerprint, label),
 * and the values of the properties' state predicates in every new state.
 *
 * Once the level after it is stored, every successor of a level is stored or never will be
 * (outside the constraint): its fingerprint is then replaced by its state index (-1: none),
 * from a table fingerprint -> index of the stored states (12 bytes a slot, load <= 1/2),
 * so that the driver gets the graph resolved.
 *
 * Threads record the steps of the parents they expand, with labels of their own for the
 * instances of fair actions they meet. After a level, its steps are merged by source index
 * (each thread's are in that order: it takes chunks in order) into the order a sequential
 * search records them, and the threads' labels become the search's, numbered in the order
 * that search meets them: the graph and its labels do not depend on the number of threads.
 * The driver takes each level's steps in the level_started callback, into behaviour.py's
 * EdgeRecorder (which goes to disk under --memory). */
#include "search_parts.h"

static int grow(mcs_search *s, void **p, size_t item, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * item);
    if (!q) { mcs_fail(s, "out of memory for the behaviour graph"); return -1; }
    *p = q;
    *cap = c;
    return 0;
}

static int edge_push(mcs_search *s, edgevec *e, int32_t src, uint64_t fp, int32_t lab) {
    if (e->n == e->cap) {
        size_t cap = e->cap, need = e->n + 1;
        if (grow(s, (void **)&e->src, sizeof *e->src, &cap, need)) return -1;
        cap = e->cap;
        if (grow(s, (void **)&e->fp, sizeof *e->fp, &cap, need)) return -1;
        cap = e->cap;
        if (grow(s, (void **)&e->lab, sizeof *e->lab, &cap, need)) return -1;
        e->cap = cap;
    }
    e->src[e->n] = src;
    e->fp[e->n] = fp;
    e->lab[e->n] = lab;
    e->n++;
    return 0;
}

/* ------------------------------------------------------------------ instances */

static uint64_t instance_hash(int action, const uint8_t *p, size_t n) {
    return mix64(mcs_hash_bytes(p, n) ^ ((uint64_t)(uint32_t)action * 0x9e3779b97f4a7c15ULL));
}

/* The number of (action, bytes) in t, added if new; -1 out of memory. */
static int64_t intern(mcs_search *s, itab *t, int action, const uint8_t *p, size_t n) {
    uint64_t h = instance_hash(action, p, n);
    if ((uint64_t)(t->n + 1) * 2 > t->index_cap) {
        uint64_t cap = t->index_cap ? t->index_cap * 2 : 64;
        uint32_t *index = calloc(cap, sizeof *index);
        if (!index) { mcs_fail(s, "out of memory for the behaviour graph"); return -1; }
        for (uint32_t k = 0; k < t->n; k++) {
            uint64_t i = home(t->v[k].hash, cap);
            while (index[i]) i = i + 1 == cap ? 0 : i + 1;
            index[i] = k + 1;
        }
        free(t->index);
        t->index = index;
        t->index_cap = cap;
    }
    uint64_t i = home(h, t->index_cap);
    for (; t->index[i]; i = i + 1 == t->index_cap ? 0 : i + 1) {
        const instance *in = &t->v[t->index[i] - 1];
        if (in->hash == h && in->action == action && in->len == n && memcmp(t->bytes + in->off, p, n) == 0)
            return t->index[i] - 1;
    }
    size_t cap = t->cap;
    if (grow(s, (void **)&t->v, sizeof *t->v, &cap, (size_t)t->n + 1)) return -1;
    t->cap = (uint32_t)cap;
    if (grow(s, (void **)&t->bytes, 1, &t->bytes_cap, t->bytes_len + n)) return -1;
    if (n) memcpy(t->bytes + t->bytes_len, p, n);
    t->v[t->n] = (instance){.hash = h, .off = t->bytes_len, .len = (uint32_t)n, .action = action};
    t->bytes_len += n;
    t->index[i] = t->n + 1;
    return t->n++;
}

/* ------------------------------------------------------------------ state indices */

static int index_reserve(mcs_search *s, uint64_t more) {
    fpindex *t = &s->indices;
    uint64_t need = t->count + more;
    if (need * 2 <= t->cap) return 0;
    uint64_t cap = t->cap ? t->cap : 1024;
    while (cap < need * 2) cap *= 2;
    uint64_t *fp = calloc(cap, sizeof *fp);
    uint32_t *at = malloc(cap * sizeof *at);
    if (!fp || !at) {
        free(fp);
        free(at);
        mcs_fail(s, "out of memory for the behaviour graph");
        return -1;
    }
    for (uint64_t i = 0; i < t->cap; i++) {
        if (!t->fp[i]) continue;
        uint64_t j = home(t->fp[i], cap);
        while (fp[j]) j = j + 1 == cap ? 0 : j + 1;
        fp[j] = t->fp[i];
        at[j] = t->at[i];
    }
    free(t->fp);
    free(t->at);
    t->fp = fp;
    t->at = at;
    t->cap = cap;
    return 0;
}

/* The stored states of the next level (its n records, of indices base..) into the table. */
static int index_states(mcs_search *s, uint64_t base, uint64_t n) {
    if (index_reserve(s, n)) return -1;
    fpindex *t = &s->indices;
    for (uint64_t k = 0; k < n; k++) {
        rec head;
        if (!mcs_level_record(s, &s->w[0].reader, &s->levels[!s->gen], k, &head)) return -1;
        uint64_t fp = head.fp, i = home(fp, t->cap);
        while (t->fp[i]) i = i + 1 == t->cap ? 0 : i + 1;
        t->fp[i] = fp;
        t->at[i] = (uint32_t)(base + k);
    }
    t->count += n;
    return 0;
}

static int64_t index_of(const fpindex *t, uint64_t fp) {
    for (uint64_t i = home(fp, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
        if (t->fp[i] == fp) return t->at[i];
        if (!t->fp[i]) return -1;
    }
}

/* A thread's steps: successor fingerprints -> state indices. */
static void *resolve_worker(void *arg) {
    worker *w = arg;
    edgevec *e = &w->edges;
    for (size_t k = 0; k < e->n; k++) e->fp[k] = (uint64_t)index_of(&w->s->indices, e->fp[k]);
    return NULL;
}

/* ------------------------------------------------------------------ recording */

/* A step of the parent w expands, by `action`, to the state with fingerprint fp. */
HIDDEN int mcs_record_step(worker *w, int action, uint64_t fp) {
    mcs_search *s = w->s;
    int32_t label = action;
    if (s->opt.fair[action]) {
        const uint8_t *p;
        size_t n;
        mc_instance(w->ctx, &p, &n);
        int64_t k = intern(s, &w->instances, action, p, n);
        if (k < 0) return -1;
        label = s->nact + (int32_t)k;
    }
    return edge_push(s, &w->edges, (int32_t)(s->level_base + w->parent), fp, label);
}

/* The search's label of a thread's label. */
static int32_t global_label(mcs_search *s, worker *w, int32_t label) {
    if (label < s->nact) return label;
    uint32_t k = (uint32_t)(label - s->nact);
    if (k >= w->global_cap) {
        size_t cap = w->global_cap, old = cap;
        if (grow(s, (void **)&w->global, sizeof *w->global, &cap, (size_t)k + 1)) return -1;
        for (size_t i = old; i < cap; i++) w->global[i] = -1;
        w->global_cap = (uint32_t)cap;
    }
    if (w->global[k] < 0) {
        const instance *in = &w->instances.v[k];
        int64_t g = intern(s, &s->labels, in->action, w->instances.bytes + in->off, in->len);
        if (g < 0) return -1;
        w->global[k] = s->nact + (int32_t)g;
    }
    return w->global[k];
}

/* After the level just done and the states it found are stored (the next level's, indices base..):
 * its steps, resolved and merged into s->edges in sequential order. */
HIDDEN int mcs_merge_recorded(mcs_search *s, uint64_t base, uint64_t stored) {
    if (index_states(s, base, stored)) return -1;
    mcs_run_workers(s, resolve_worker);
    int n = s->opt.workers;
    size_t *at = calloc((size_t)n, sizeof *at);
    if (!at) { mcs_fail(s, "out of memory for the behaviour graph"); return -1; }
    for (;;) {  /* a merge of n lists sorted by source; one source is one thread's */
        int from = -1;
        for (int i = 0; i < n; i++) {
            edgevec *e = &s->w[i].edges;
            if (at[i] < e->n && (from < 0 || e->src[at[i]] < s->w[from].edges.src[at[from]])) from = i;
        }
        if (from < 0) break;
        worker *w = &s->w[from];
        edgevec *e = &w->edges;
        int32_t src = e->src[at[from]];
        for (; at[from] < e->n && e->src[at[from]] == src; at[from]++) {
            int32_t label = global_label(s, w, e->lab[at[from]]);
            if (label < 0 || edge_push(s, &s->edges, src, e->fp[at[from]], label)) { free(at); return -1; }
        }
    }
    free(at);
    for (int i = 0; i < n; i++) s->w[i].edges.n = 0;
    return 0;
}

/* Room for the predicate values of `states` new states. */
HIDDEN int mcs_reserve_rows(mcs_search *s, uint64_t states) {
    size_t cap = s->rows_cap;
    if (grow(s, (void **)&s->rows, 1, &cap, (size_t)(states * (uint64_t)s->opt.predicate_count) + 1)) return -1;
    s->rows_cap = cap;
    return 0;
}

/* The predicate values of the new state `index` of the level into its row: MCS_FINISHED, or
 * MCS_ERROR with `which` (the predicate) and the message. */
HIDDEN int mcs_predicates(worker *w, const uint8_t *state, size_t len, uint64_t index, int *which, char *message) {
    mcs_search *s = w->s;
    uint8_t *row = s->rows + index * (uint64_t)s->opt.predicate_count;
    for (int k = 0; k < s->opt.predicate_count; k++) {
        int r = mc_predicate(w->check_ctx, s->opt.predicates[k], state, len);
        if (r == MC_ERROR) {
            snprintf(message, MESSAGE_SIZE, "%s", mc_error(w->check_ctx));
            *which = k;
            return MCS_ERROR;
        }
        row[k] = (uint8_t)r;
    }
    return MCS_FINISHED;
}

/* ------------------------------------------------------------------ read by the driver */

void mcs_recorded(mcs_search *s, const int32_t **sources, const int64_t **targets, const int32_t **labels,
                  uint64_t *edges, const uint8_t **predicate_rows, uint64_t *states) {
    *sources = s->edges.src;
    *targets = (const int64_t *)s->edges.fp;
    *labels = s->edges.lab;
    *edges = s->edges.n;
    *predicate_rows = s->rows;
    *states = s->rows_n;
}

void mcs_clear_recorded(mcs_search *s) {
    s->edges.n = 0;
    s->rows_n = 0;
}

int mcs_label_count(mcs_search *s) { return s->nact + (int)s->labels.n; }

int mcs_label(mcs_search *s, int label, const uint8_t **params, size_t *len) {
    if (label < s->nact) {
        *params = NULL;
        *len = 0;
        return label;
    }
    const instance *in = &s->labels.v[label - s->nact];
    *params = s->labels.bytes + in->off;
    *len = in->len;
    return in->action;
}

static void free_itab(itab *t) {
    free(t->v);
    free(t->index);
    free(t->bytes);
}

static void free_edges(edgevec *e) {
    free(e->src);
    free(e->fp);
    free(e->lab);
}

HIDDEN void mcs_free_recorded(mcs_search *s) {
    for (int i = 0; s->w && i < s->opt.workers; i++) {
        free_edges(&s->w[i].edges);
        free_itab(&s->w[i].instances);
        free(s->w[i].global);
    }
    free_edges(&s->edges);
    free_itab(&s->labels);
    free(s->indices.fp);
    free(s->indices.at);
    free(s->rows);
}
