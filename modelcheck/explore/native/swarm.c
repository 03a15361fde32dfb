/* swarm.c: swarm search over a model behind mc_model.h: explore/swarm.py's members and walks
 * (its docstring has the algorithm), in C over packed states, on N threads.
 *
 * Each thread takes the next member number, plans it (depth bound and action weights drawn
 * from xoshiro256** seeded by the run's seed and the member's index), and runs its walks
 * alone with its own generator, bitstate table and archive of walk ends: a member's result
 * never depends on the threads. A member that finds something lowers `found_min`; members
 * above it are abandoned, those below it run to the end, so the finding reported (that of
 * the least member) is the one a single thread reports.
 *
 * A path is the ordinal of each step among everything mc_init / mc_successors emits from
 * the state before it (enumeration order is the spec's, so ordinals replay exactly): four
 * bytes a step, which keeps the archive small; the finding's states are rebuilt by replay.
 */
#include "search_parts.h"
#include "swarm.h"

#include <math.h>

#define BITSTATE_BITS (1ULL << 22)   /* 512 KiB per member, as explore/swarm.py */
#define RESUME 0.5                   /* the chance that a walk continues from an archived end */
#define ARCHIVE 1000                 /* walk ends a member keeps */
#define MAX_PATH 4                   /* an end is archived only if its path is below MAX_PATH * depth */
#define FINE_SLOTS 4096              /* states outside the constraint found fine, per thread */

static const double WEIGHTS[4] = {0.0, 0.1, 1.0, 3.0};   /* disabled, rare, normal, favoured */

/* ------------------------------------------------------------------ random numbers */

typedef struct { uint64_t s[4]; } rng;

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* One generator per (seed, member, stream): stream 0 plans the member, 1 drives its walks. */
static void rng_seed(rng *r, uint64_t seed, int64_t index, uint64_t stream) {
    uint64_t x = mix64(seed ^ mix64((uint64_t)index * 0x9e3779b97f4a7c15ULL + stream));
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return result;
}

static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static uint64_t rng_below(rng *r, uint64_t n) { return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64); }

void mcsw_plan(uint64_t seed, int64_t index, int actions, int max_depth, int *depth, double *weights) {
    if (index == 0) {   /* member 0 is unbiased */
        *depth = max_depth;
        for (int a = 0; a < actions; a++) weights[a] = 1.0;
        return;
    }
    rng r;
    rng_seed(&r, seed, index, 0);
    int low = max_depth / 2 > 1 ? max_depth / 2 : 1;
    *depth = low + (int)rng_below(&r, (uint64_t)(max_depth - low + 1));
    for (int a = 0; a < actions; a++) weights[a] = WEIGHTS[rng_below(&r, 4)];
}

/* ------------------------------------------------------------------ the run's structures */

typedef struct {
    int64_t index;
    int depth, found, which, done;
    double *weights;
    uint64_t steps, walks, states;
    uint64_t *taken;
    char message[MESSAGE_SIZE];
} member;

typedef struct { int32_t *v; int n, cap; } path;

typedef struct {
    uint8_t *state;
    size_t len;
    path p;
} archived;

typedef struct { uint8_t *data; size_t len, cap; } bytes;

typedef struct {          /* a successor kept for the choice: inside the constraint, changed */
    size_t off, len;
    int action;
    int32_t ordinal;
} succ;

typedef struct {          /* the successors of one action, contiguous in the list */
    int action, first, count;
    double weight;
} run_of;

struct mcsw_swarm {
    mcsw_options opt;
    int *invariants;
    int nact;
    volatile int abort;
    int64_t next_member;
    int64_t found_min;         /* offset of the least member that found something; INT64_MAX: none */
    pthread_mutex_t lock;
    member *members;           /* by offset from first_member */
    int64_t members_cap;
    path winner;               /* the path of the member at found_min */
    int failed;
    char failure[MESSAGE_SIZE];
    /* the rebuilt trace */
    int trace_n;
    int *trace_actions;
    bytes *trace_states;
};

typedef struct walker {
    mcsw_swarm *s;
    mc_ctx *ctx;               /* for mc_init / mc_successors */
    mc_ctx *check_ctx;         /* for the checks inside their emit callback */
    uint8_t *visited;          /* the member's bitstate table */
    bytes inits;               /* the initial states, concatenated */
    size_t *init_off, *init_len;
    int init_n;
    archived archive[ARCHIVE];
    int archive_n;
    uint64_t fine[FINE_SLOTS];
    /* the step being taken */
    member *m;
    bytes cur;                 /* the walk's current state */
    path p;
    bytes succ_bytes;
    succ *succs;
    int succ_n, succ_cap;
    uint64_t *fps;             /* fingerprints of the drawn action's successors */
    int fps_cap;
    int32_t ordinal;
    int found, which;
    char message[MESSAGE_SIZE];
} walker;

static void fail(mcsw_swarm *s, const char *what) {
    pthread_mutex_lock(&s->lock);
    if (!s->failed) snprintf(s->failure, MESSAGE_SIZE, "%s", what);
    s->failed = 1;
    s->abort = 1;
    pthread_mutex_unlock(&s->lock);
}

static int bytes_set(bytes *b, const uint8_t *p, size_t n) {
    if (n > b->cap) {
        size_t cap = n < 256 ? 256 : n * 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data, p, n);
    b->len = n;
    return 0;
}

static int bytes_append(bytes *b, const uint8_t *p, size_t n, size_t *off) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    *off = b->len;
    b->len += n;
    return 0;
}

static int path_push(path *p, int32_t ordinal) {
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        int32_t *v = realloc(p->v, sizeof *v * (size_t)cap);
        if (!v) return -1;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = ordinal;
    return 0;
}

static int path_set(path *p, const path *from) {
    p->n = 0;
    for (int i = 0; i < from->n; i++)
        if (path_push(p, from->v[i])) return -1;
    return 0;
}

/* ------------------------------------------------------------------ one state */

static uint64_t fingerprint(walker *w, const uint8_t *state, size_t len) {
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(w->check_ctx, state, len, &canon, &canon_len) == MC_ERROR) {
        fail(w->s, mc_error(w->check_ctx));
        return mcs_hash_bytes(state, len);
    }
    return mcs_hash_bytes(canon, canon_len);
}

/* Two bits per fingerprint; 1 if either was clear (the state is new to the member). */
static int mark(walker *w, uint64_t fp) {
    uint64_t h[2] = {fp & (BITSTATE_BITS - 1), (fp >> 32) & (BITSTATE_BITS - 1)};
    int fresh = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t bit = (uint8_t)(1u << (h[i] & 7));
        if (!(w->visited[h[i] >> 3] & bit)) { w->visited[h[i] >> 3] |= bit; fresh = 1; }
    }
    return fresh;
}

static int marked(walker *w, uint64_t fp) {
    uint64_t a = fp & (BITSTATE_BITS - 1), b = (fp >> 32) & (BITSTATE_BITS - 1);
    return (w->visited[a >> 3] >> (a & 7) & 1) && (w->visited[b >> 3] >> (b & 7) & 1);
}

/* MCSW_NOTHING, or what the state breaks, in the order of explore/model.py StateChecks:
 * the type check, then the invariants. `error` is the finding for a check that fails. */
static int check(walker *w, const uint8_t *state, size_t len, int error) {
    mcsw_swarm *s = w->s;
    int var = mc_type_check(w->check_ctx, state, len);
    if (var >= 0) { w->which = var; return MCSW_TYPE; }
    for (int k = 0; k < s->opt.invariant_count; k++) {
        int r = mc_invariant(w->check_ctx, s->invariants[k], state, len);
        if (r == MC_ERROR) {
            snprintf(w->message, MESSAGE_SIZE, "%s", mc_error(w->check_ctx));
            return error;
        }
        if (r == 0) { w->which = k; return MCSW_INVARIANT; }
    }
    return MCSW_NOTHING;
}

/* ------------------------------------------------------------------ one step */

static int collect_init(void *user, int action, const uint8_t *state, size_t len) {
    (void)action;
    walker *w = user;
    size_t off;
    if (bytes_append(&w->inits, state, len, &off)) return 1;
    size_t *o = realloc(w->init_off, sizeof *o * (size_t)(w->init_n + 1));
    if (o) w->init_off = o;
    size_t *l = realloc(w->init_len, sizeof *l * (size_t)(w->init_n + 1));
    if (l) w->init_len = l;
    if (!o || !l) return 1;
    w->init_off[w->init_n] = off;
    w->init_len[w->init_n++] = len;
    return 0;
}

/* The successors of the current state through the member's enabled actions: those outside
 * the constraint are checked at once (a broken one ends the walk, its ordinal on the path),
 * those inside it that change the state are kept for the choice. */
static int on_successor(void *user, int action, const uint8_t *state, size_t len) {
    walker *w = user;
    int32_t ordinal = w->ordinal++;
    if (w->m->weights[action] == 0.0) return 0;
    if (len == w->cur.len && memcmp(state, w->cur.data, len) == 0) return 0;
    int within = mc_constraint(w->check_ctx, state, len);
    if (within == MC_ERROR) {
        snprintf(w->message, MESSAGE_SIZE, "%s", mc_error(w->check_ctx));
        w->found = MCSW_ERROR_FROM;
        return 1;
    }
    if (within == 0) {  /* checked, never walked to; one found fine is not checked again */
        uint64_t fp = mcs_hash_bytes(state, len);
        uint64_t *slot = &w->fine[fp % FINE_SLOTS];
        if (*slot == fp) return 0;
        int found = check(w, state, len, MCSW_ERROR_FROM);
        if (found == MCSW_NOTHING) { *slot = fp; return 0; }
        w->found = found;
        if (found != MCSW_ERROR_FROM) {   /* the step to it counts, as in explore/swarm.py */
            if (path_push(&w->p, ordinal)) fail(w->s, "out of memory");
            w->m->taken[action]++;
            w->m->steps++;
        }
        return 1;
    }
    if (w->succ_n == w->succ_cap) {
        int cap = w->succ_cap ? w->succ_cap * 2 : 256;
        succ *v = realloc(w->succs, sizeof *v * (size_t)cap);
        if (!v) { fail(w->s, "out of memory"); return 1; }
        w->succs = v;
        w->succ_cap = cap;
    }
    succ *c = &w->succs[w->succ_n];
    if (bytes_append(&w->succ_bytes, state, len, &c->off)) { fail(w->s, "out of memory"); return 1; }
    c->len = len;
    c->action = action;
    c->ordinal = ordinal;
    w->succ_n++;
    return 0;
}

static int draw(rng *r, const run_of *runs, int n) {
    double total = 0;
    for (int i = 0; i < n; i++) total += runs[i].weight;
    double x = rng_unit(r) * total;
    for (int i = 0; i < n - 1; i++) {
        x -= runs[i].weight;
        if (x < 0) return i;
    }
    return n - 1;
}

/* The successor to step to: an action by weight, then one of its successors the member
 * has not visited, uniformly; an action whose successors are all visited is put aside while
 * others have fresh ones; if none has, any successor of an action drawn by weight. */
static const succ *choose(walker *w, rng *r, run_of *runs, int n, uint64_t *fp_out) {
    run_of left[n > 0 ? n : 1];
    memcpy(left, runs, sizeof *left * (size_t)n);
    int n_left = n;
    while (n_left > 0) {
        int k = draw(r, left, n_left);
        run_of chosen = left[k];
        left[k] = left[--n_left];
        if (w->fps_cap < chosen.count) {
            uint64_t *v = realloc(w->fps, sizeof *v * (size_t)chosen.count);
            if (!v) { fail(w->s, "out of memory"); return NULL; }
            w->fps = v;
            w->fps_cap = chosen.count;
        }
        uint64_t *fps = w->fps;
        int fresh = 0;
        for (int i = 0; i < chosen.count; i++) {
            const succ *c = &w->succs[chosen.first + i];
            uint64_t fp = fingerprint(w, w->succ_bytes.data + c->off, c->len);
            fps[i] = marked(w, fp) ? 0 : fp;
            fresh += fps[i] != 0;
        }
        if (fresh) {
            uint64_t pick = rng_below(r, (uint64_t)fresh);
            for (int i = 0; i < chosen.count; i++)
                if (fps[i] && pick-- == 0) { *fp_out = fps[i]; return &w->succs[chosen.first + i]; }
        }
    }
    run_of chosen = runs[draw(r, runs, n)];
    const succ *c = &w->succs[chosen.first + (int)rng_below(r, (uint64_t)chosen.count)];
    *fp_out = fingerprint(w, w->succ_bytes.data + c->off, c->len);
    return c;
}

/* ------------------------------------------------------------------ one member */

static int abandoned(walker *w) {
    mcsw_swarm *s = w->s;
    return s->abort || w->m->index - s->opt.first_member > __atomic_load_n(&s->found_min, __ATOMIC_RELAXED);
}

static void archive_end(walker *w, rng *r) {
    archived *slot = w->archive_n < ARCHIVE ? &w->archive[w->archive_n++] : &w->archive[rng_below(r, ARCHIVE)];
    uint8_t *copy = realloc(slot->state, w->cur.len ? w->cur.len : 1);
    if (!copy || path_set(&slot->p, &w->p)) { fail(w->s, "out of memory"); return; }
    memcpy(copy, w->cur.data, w->cur.len);
    slot->state = copy;
    slot->len = w->cur.len;
}

/* Starts a walk: from an archived end, or a fresh initial state (checked). */
static int start_walk(walker *w, rng *r) {
    member *m = w->m;
    if (w->archive_n > 0 && rng_unit(r) < RESUME) {
        archived *a = &w->archive[rng_below(r, (uint64_t)w->archive_n)];
        if (bytes_set(&w->cur, a->state, a->len) || path_set(&w->p, &a->p)) { fail(w->s, "out of memory"); return -1; }
        return MCSW_NOTHING;
    }
    int i = (int)rng_below(r, (uint64_t)w->init_n);
    if (bytes_set(&w->cur, w->inits.data + w->init_off[i], w->init_len[i])) { fail(w->s, "out of memory"); return -1; }
    m->states += mark(w, fingerprint(w, w->cur.data, w->cur.len));
    w->p.n = 0;
    if (path_push(&w->p, i)) { fail(w->s, "out of memory"); return -1; }
    return check(w, w->cur.data, w->cur.len, MCSW_ERROR_AT);
}

/* One step of the walk: MCSW_NOTHING (stepped), a finding, or -1 when nothing is enabled. */
static int step(walker *w, rng *r) {
    member *m = w->m;
    w->succ_n = 0;
    w->succ_bytes.len = 0;
    w->ordinal = 0;
    w->found = MCSW_NOTHING;
    int rc = mc_successors(w->ctx, w->cur.data, w->cur.len, on_successor, w);
    if (rc == MC_ERROR) {
        snprintf(w->message, MESSAGE_SIZE, "%s", mc_error(w->ctx));
        return MCSW_ERROR_FROM;
    }
    if (w->found != MCSW_NOTHING) return w->found;
    if (w->succ_n == 0) return -1;
    run_of runs[w->s->nact];
    int n = 0;
    for (int i = 0; i < w->succ_n; i++) {
        if (n > 0 && runs[n - 1].action == w->succs[i].action) { runs[n - 1].count++; continue; }
        runs[n++] = (run_of){w->succs[i].action, i, 1, m->weights[w->succs[i].action]};
    }
    uint64_t fp;
    const succ *c = choose(w, r, runs, n, &fp);
    if (!c) return -1;
    m->states += mark(w, fp);
    if (path_push(&w->p, c->ordinal)) { fail(w->s, "out of memory"); return -1; }
    m->taken[c->action]++;
    m->steps++;
    if (bytes_set(&w->cur, w->succ_bytes.data + c->off, c->len)) { fail(w->s, "out of memory"); return -1; }
    return check(w, w->cur.data, w->cur.len, MCSW_ERROR_AT);
}

static void run_member(walker *w, member *m) {
    mcsw_swarm *s = w->s;
    rng r;
    rng_seed(&r, s->opt.seed, m->index, 1);
    memset(w->visited, 0, BITSTATE_BITS / 8);
    w->archive_n = 0;
    w->m = m;
    int found = MCSW_NOTHING;
    while (found == MCSW_NOTHING && m->steps + m->walks < (uint64_t)s->opt.member_steps) {
        if (abandoned(w)) return;
        m->walks++;
        found = start_walk(w, &r);
        if (found < 0) return;
        int start = w->p.n;
        for (int d = 0; d < m->depth && found == MCSW_NOTHING; d++) {
            if (m->steps + m->walks >= (uint64_t)s->opt.member_steps || abandoned(w)) break;
            found = step(w, &r);
            if (found < 0) { found = MCSW_NOTHING; break; }
        }
        if (s->failed || (found == MCSW_NOTHING && abandoned(w))) return;
        if (found == MCSW_NOTHING && start < w->p.n && w->p.n < MAX_PATH * m->depth) archive_end(w, &r);
    }
    m->found = found;
    m->which = w->which;
    snprintf(m->message, MESSAGE_SIZE, "%s", found >= MCSW_ERROR_AT ? w->message : "");
    pthread_mutex_lock(&s->lock);
    int64_t offset = m->index - s->opt.first_member;
    if (found != MCSW_NOTHING && offset < s->found_min) {
        if (path_set(&s->winner, &w->p)) { s->failed = 1; s->abort = 1; }
        __atomic_store_n(&s->found_min, offset, __ATOMIC_RELAXED);
    }
    m->done = 1;
    pthread_mutex_unlock(&s->lock);
}

/* Plans the member at `offset` into *out and its slot (grown on first use); -1 out of memory. */
static int plan_at(mcsw_swarm *s, int64_t offset, member *out) {
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (offset >= s->members_cap) {
        int64_t cap = s->members_cap ? s->members_cap * 2 : 1024;
        while (cap <= offset) cap *= 2;
        member *grown = realloc(s->members, sizeof *grown * (size_t)cap);
        if (!grown) goto out;
        memset(grown + s->members_cap, 0, sizeof *grown * (size_t)(cap - s->members_cap));
        s->members = grown;
        s->members_cap = cap;
    }
    member *m = &s->members[offset];
    m->index = s->opt.first_member + offset;
    m->weights = calloc((size_t)s->nact + 1, sizeof *m->weights);
    m->taken = calloc((size_t)s->nact + 1, sizeof *m->taken);
    if (!m->weights || !m->taken) goto out;
    mcsw_plan(s->opt.seed, m->index, s->nact, s->opt.max_depth, &m->depth, m->weights);
    *out = *m;
    rc = 0;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void *swarm_thread(void *arg) {
    walker *w = arg;
    mcsw_swarm *s = w->s;
    while (!s->abort) {
        int64_t offset = __atomic_fetch_add(&s->next_member, 1, __ATOMIC_RELAXED);
        if (offset >= s->opt.members || offset > __atomic_load_n(&s->found_min, __ATOMIC_RELAXED)) break;
        member m;   /* run on a copy: the table may be reallocated meanwhile */
        if (plan_at(s, offset, &m)) { fail(s, "out of memory"); break; }
        run_member(w, &m);
        pthread_mutex_lock(&s->lock);
        s->members[offset] = m;
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

/* ------------------------------------------------------------------ the interface */

mcsw_swarm *mcsw_new(const mcsw_options *options) {
    mcsw_swarm *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->opt = *options;
    s->nact = mc_action_count();
    s->found_min = INT64_MAX;
    pthread_mutex_init(&s->lock, NULL);
    s->invariants = malloc(sizeof(int) * (size_t)(options->invariant_count + 1));
    if (!s->invariants) { free(s); return NULL; }
    memcpy(s->invariants, options->invariants, sizeof(int) * (size_t)options->invariant_count);
    s->opt.invariants = s->invariants;
    return s;
}

static void walker_free(walker *w) {
    if (w->ctx) mc_ctx_free(w->ctx);
    if (w->check_ctx) mc_ctx_free(w->check_ctx);
    free(w->visited);
    free(w->inits.data);
    free(w->init_off);
    free(w->init_len);
    for (int i = 0; i < ARCHIVE; i++) { free(w->archive[i].state); free(w->archive[i].p.v); }
    free(w->cur.data);
    free(w->p.v);
    free(w->succ_bytes.data);
    free(w->succs);
    free(w->fps);
}

/* The initial states, once per walker; an error is the finding of member first_member. */
static int walker_init(walker *w, mcsw_swarm *s) {
    w->s = s;
    w->ctx = mc_ctx_new();
    w->check_ctx = mc_ctx_new();
    w->visited = malloc(BITSTATE_BITS / 8);
    if (!w->ctx || !w->check_ctx || !w->visited) return -1;
    if (mc_init(w->ctx, collect_init, w) != MC_OK) return -2;
    return 0;
}

void mcsw_run(mcsw_swarm *s) {
    int n = s->opt.workers;
    walker *ws = calloc((size_t)n, sizeof *ws);
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    if (!ws || !threads) { fail(s, "out of memory"); free(ws); free(threads); return; }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) rc = walker_init(&ws[i], s);
    if (rc == -2 && s->opt.members > 0) {  /* the initial states cannot be enumerated */
        member m;
        if (plan_at(s, 0, &m)) fail(s, "out of memory");
        else {
            m.found = MCSW_ERROR_INIT;
            snprintf(m.message, MESSAGE_SIZE, "%s", mc_error(ws[0].ctx));
            m.done = 1;
            s->members[0] = m;
            s->found_min = 0;
        }
    } else if (rc != 0) {
        fail(s, "out of memory");
    } else if (ws[0].init_n > 0) {
        int started = 0;
        for (int i = 1; i < n; i++)
            if (pthread_create(&threads[i], NULL, swarm_thread, &ws[i]) == 0) started = i;
            else break;
        swarm_thread(&ws[0]);
        for (int i = 1; i <= started; i++) pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < n; i++) walker_free(&ws[i]);
    free(ws);
    free(threads);
}

void mcsw_abort(mcsw_swarm *s) { s->abort = 1; }

const char *mcsw_failure(mcsw_swarm *s) { return s->failed ? s->failure : NULL; }

int64_t mcsw_done(mcsw_swarm *s) {
    int64_t k = 0;
    int64_t limit = s->members_cap < s->opt.members ? s->members_cap : s->opt.members;
    while (k < limit && s->members[k].done) {
        if (s->members[k].found != MCSW_NOTHING) return k + 1;
        k++;
    }
    return k;
}

int mcsw_member(mcsw_swarm *s, int64_t k, mcsw_member_result *out) {
    if (k < 0 || k >= s->members_cap || !s->members[k].done) return -1;
    const member *m = &s->members[k];
    *out = (mcsw_member_result){.index = m->index, .depth = m->depth, .weights = m->weights, .steps = m->steps,
                                .walks = m->walks, .states = m->states, .taken = m->taken, .found = m->found,
                                .which = m->which, .message = m->message};
    return 0;
}

void mcsw_free(mcsw_swarm *s) {
    if (!s) return;
    for (int64_t k = 0; k < s->members_cap; k++) { free(s->members[k].weights); free(s->members[k].taken); }
    free(s->members);
    free(s->winner.v);
    for (int k = 0; k < s->trace_n; k++) free(s->trace_states[k].data);
    free(s->trace_states);
    free(s->trace_actions);
    free(s->invariants);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ------------------------------------------------------------------ the trace */

typedef struct {
    int32_t want, seen;
    int action;
    bytes *out;
    int ok;
} pick;

static int pick_one(void *user, int action, const uint8_t *state, size_t len) {
    pick *p = user;
    if (p->seen++ != p->want) return 0;
    p->action = action;
    p->ok = bytes_set(p->out, state, len) == 0;
    return 1;
}

static int build_trace(mcsw_swarm *s) {
    int n = s->winner.n;
    s->trace_states = calloc((size_t)n + 1, sizeof *s->trace_states);
    s->trace_actions = calloc((size_t)n + 1, sizeof *s->trace_actions);
    mc_ctx *ctx = mc_ctx_new();
    if (!s->trace_states || !s->trace_actions || !ctx) { if (ctx) mc_ctx_free(ctx); return -1; }
    for (int k = 0; k < n; k++) {
        pick p = {.want = s->winner.v[k], .out = &s->trace_states[k]};
        if (k == 0) mc_init(ctx, pick_one, &p);
        else mc_successors(ctx, s->trace_states[k - 1].data, s->trace_states[k - 1].len, pick_one, &p);
        if (!p.ok) { mc_ctx_free(ctx); return -1; }
        s->trace_actions[k] = k == 0 ? -1 : p.action;
        s->trace_n = k + 1;
    }
    mc_ctx_free(ctx);
    return 0;
}

int mcsw_trace_length(mcsw_swarm *s) {
    if (s->found_min == INT64_MAX) return -1;
    if (s->trace_n == 0 && s->winner.n > 0 && build_trace(s) != 0) return -1;
    return s->trace_n;
}

int mcsw_trace_step(mcsw_swarm *s, int k, const uint8_t **state, size_t *len) {
    *state = s->trace_states[k].data;
    *len = s->trace_states[k].len;
    return s->trace_actions[k];
}
