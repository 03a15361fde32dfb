/* por.c: partial-order reduction in the C search: the ample set of explore/por.py, chosen
 * the same way, so that `check --por` explores the same states on both backends.
 *
 * A state's successors are computed first (with their action instances: mc_instance), then
 * the ample set is chosen from the tables por.py computed (StubbornTables: por.h), then the
 * successors to explore are handed to the search's emit callback in their order, each with
 * its ordinal among all the successors (so a stop counts the successors generated before it
 * as without the reduction: the steps left out count as generated, as in por.py).
 *
 * An instance is an action and its parameters' values; values are numbered (by their bytes)
 * as first met. A pattern is an action with some parameters fixed to values and the others
 * free (ANY). The stubborn set T grows from a seed instance exactly as por.py's _grow: a
 * stack of patterns, relations in table order, checks in order, so that a set that fails
 * names the same blocker. C3 asks whether a successor was met: stored (the visited set), in
 * the level being built (the thread's fingerprints of it: one thread), or the state itself.
 * A failure computing the successors is left to the full expansion (mc_successors again),
 * which reports it as the search without the reduction does.
 */
#include "search_parts.h"
#include "por.h"

#define ANY UINT32_MAX

typedef struct { uint32_t action, off, steps, next; } inst;      /* off: its values in ivals */
typedef struct { uint32_t action, off, next; } pattern;          /* off: its values in pvals */
typedef struct { uint32_t action, inst, len; uint64_t off; } step;  /* off: its bytes in `bytes` */

typedef struct {                  /* parameter values by their bytes */
    uint64_t *hash;
    uint32_t *id;                 /* id + 1; 0: empty */
    uint64_t cap;
    uint64_t *off;                /* per id: its bytes in `bytes` */
    uint32_t *len;
    uint32_t n, ncap;
    uint8_t *bytes;
    size_t bytes_len, bytes_cap;
} values;

struct mcs_por {
    int nact, nchecks;
    int *arity, *breakers, *breakers_start, *rel[2], *rel_start[2];  /* rel[0] enablers, rel[1] conflicting */
    uint8_t *leaves, *repairs;
    int possible;
    values vals;
    /* the state being expanded */
    step *steps;
    size_t nsteps, steps_cap;
    uint8_t *bytes;
    size_t bytes_len, bytes_cap;
    inst *insts;
    uint32_t ninst, insts_cap;
    uint32_t *ivals;
    size_t ivals_len, ivals_cap;
    uint32_t *inst_head;          /* per action: its first instance (+ next), ANY: none */
    uint8_t *leaving;             /* per action: its enabled instances ended a stubborn set */
    /* one stubborn set */
    pattern *pats;
    uint32_t npats, pats_cap;
    uint32_t *pvals;
    size_t pvals_len, pvals_cap;
    uint32_t *pat_head;           /* per action: the patterns of the set (+ next), ANY: none */
    uint32_t *todo;
    size_t ntodo, todo_cap;
    uint8_t *covered, *best;      /* per instance */
    size_t flags_cap;
    uint32_t ncovered;
    uint8_t *enabled_action;      /* per action */
    /* what it did */
    uint64_t reduced, stamp;
    uint64_t *reasons, *first;    /* nact + 2 */
    int oom;
};

enum { GROWN = -1, TOO_BIG = -2, FAILS = -3 };  /* what grow returns, besides a blocking action */

static int reserve(struct mcs_por *p, void **v, size_t item, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*v, c * item);
    if (!q) { p->oom = 1; return -1; }
    *v = q;
    *cap = c;
    return 0;
}

static int reserve32(struct mcs_por *p, void **v, size_t item, uint32_t *cap, size_t need) {
    size_t c = *cap;
    int r = reserve(p, v, item, &c, need);
    *cap = (uint32_t)c;
    return r;
}

/* Forgets the last pattern made (not kept: its values are the last ones). */
static void drop_last_pattern(struct mcs_por *p) {
    p->npats--;
    p->pvals_len -= (size_t)p->arity[p->pats[p->npats].action];
}

/* ------------------------------------------------------------------ values */

static int64_t value_id(struct mcs_por *p, const uint8_t *b, size_t n) {
    values *t = &p->vals;
    uint64_t h = mix64(mcs_hash_bytes(b, n) + 1);
    if ((uint64_t)(t->n + 1) * 2 > t->cap) {
        uint64_t cap = t->cap ? t->cap * 2 : 256;
        uint64_t *hash = calloc(cap, sizeof *hash);
        uint32_t *id = calloc(cap, sizeof *id);
        if (!hash || !id) { free(hash); free(id); p->oom = 1; return -1; }
        for (uint64_t i = 0; i < t->cap; i++) {
            if (!t->id[i]) continue;
            uint64_t j = home(t->hash[i], cap);
            while (id[j]) j = j + 1 == cap ? 0 : j + 1;
            hash[j] = t->hash[i];
            id[j] = t->id[i];
        }
        free(t->hash);
        free(t->id);
        t->hash = hash;
        t->id = id;
        t->cap = cap;
    }
    uint64_t i = home(h, t->cap);
    for (; t->id[i]; i = i + 1 == t->cap ? 0 : i + 1) {
        uint32_t k = t->id[i] - 1;
        if (t->hash[i] == h && t->len[k] == n && memcmp(t->bytes + t->off[k], b, n) == 0) return k;
    }
    if (t->n == t->ncap) {
        uint32_t cap = t->ncap ? t->ncap * 2 : 256;
        uint64_t *off = realloc(t->off, cap * sizeof *off);
        if (off) t->off = off;
        uint32_t *len = off ? realloc(t->len, cap * sizeof *len) : NULL;
        if (!len) { p->oom = 1; return -1; }
        t->len = len;
        t->ncap = cap;
    }
    if (reserve(p, (void **)&t->bytes, 1, &t->bytes_cap, t->bytes_len + n + 1)) return -1;
    memcpy(t->bytes + t->bytes_len, b, n);
    t->off[t->n] = t->bytes_len;
    t->len[t->n] = (uint32_t)n;
    t->bytes_len += n;
    t->hash[i] = h;
    t->id[i] = t->n + 1;
    return t->n++;
}

/* ------------------------------------------------------------------ collecting the steps */

static int same_values(const uint32_t *a, const uint32_t *b, int n) {
    for (int k = 0; k < n; k++)
        if (a[k] != b[k]) return 0;
    return 1;
}

/* The instance of the step being emitted: its number in the state, added if new. */
static int64_t instance_of(struct mcs_por *p, mc_ctx *ctx, int action) {
    int n = p->arity[action];
    const uint8_t *b;
    size_t len;
    mc_instance(ctx, &b, &len);
    const uint32_t *ends = mc_instance_ends(ctx);
    if (reserve(p, (void **)&p->ivals, sizeof *p->ivals, &p->ivals_cap, p->ivals_len + (size_t)n)) return -1;
    uint32_t *mine = p->ivals + p->ivals_len;
    for (int k = 0; k < n; k++) {
        uint32_t from = k ? ends[k - 1] : 0;
        int64_t id = value_id(p, b + from, ends[k] - from);
        if (id < 0) return -1;
        mine[k] = (uint32_t)id;
    }
    uint32_t last = ANY;
    for (uint32_t i = p->inst_head[action]; i != ANY; i = p->insts[i].next) {
        if (same_values(p->ivals + p->insts[i].off, mine, n)) return i;
        last = i;
    }
    if (reserve32(p, (void **)&p->insts, sizeof *p->insts, &p->insts_cap, p->ninst + 1)) return -1;
    p->insts[p->ninst] = (inst){.action = (uint32_t)action, .off = (uint32_t)p->ivals_len, .steps = 0, .next = ANY};
    if (last == ANY) p->inst_head[action] = p->ninst;
    else p->insts[last].next = p->ninst;
    p->ivals_len += (size_t)n;
    return p->ninst++;
}

static int collect(void *user, int action, const uint8_t *state, size_t len) {
    worker *w = user;
    struct mcs_por *p = w->s->por;
    size_t k = p->nsteps;
    int64_t i;
    if (k && p->steps[k - 1].action == (uint32_t)action && p->arity[action] == 0)  /* its one instance */
        i = p->steps[k - 1].inst;
    else i = instance_of(p, w->ctx, action);
    if (i < 0) return 1;
    if (reserve(p, (void **)&p->steps, sizeof *p->steps, &p->steps_cap, k + 1) ||
        reserve(p, (void **)&p->bytes, 1, &p->bytes_cap, p->bytes_len + len + 1))
        return 1;
    memcpy(p->bytes + p->bytes_len, state, len);
    p->steps[k] = (step){.action = (uint32_t)action, .inst = (uint32_t)i, .len = (uint32_t)len, .off = p->bytes_len};
    p->bytes_len += len;
    p->insts[i].steps++;
    p->nsteps++;
    return 0;
}

/* ------------------------------------------------------------------ a stubborn set */

static int64_t new_pattern(struct mcs_por *p, uint32_t action) {
    int n = p->arity[action];
    if (reserve32(p, (void **)&p->pats, sizeof *p->pats, &p->pats_cap, p->npats + 1) ||
        reserve(p, (void **)&p->pvals, sizeof *p->pvals, &p->pvals_cap, p->pvals_len + (size_t)n))
        return -1;
    p->pats[p->npats] = (pattern){.action = action, .off = (uint32_t)p->pvals_len, .next = ANY};
    for (int k = 0; k < n; k++) p->pvals[p->pvals_len + (size_t)k] = ANY;
    p->pvals_len += (size_t)n;
    return p->npats++;
}

/* Whether pattern `outer` covers the values `v` of an instance or a pattern of its action
 * (a free value of `v` only by a free one). */
static int covers(const struct mcs_por *p, uint32_t outer, const uint32_t *v) {
    const pattern *o = &p->pats[outer];
    const uint32_t *ov = p->pvals + o->off;
    for (int k = 0; k < p->arity[o->action]; k++)
        if (ov[k] != ANY && ov[k] != v[k]) return 0;
    return 1;
}

static int in_set(const struct mcs_por *p, uint32_t q) {
    const uint32_t *v = p->pvals + p->pats[q].off;
    for (uint32_t r = p->pat_head[p->pats[q].action]; r != ANY; r = p->pats[r].next)
        if (covers(p, r, v)) return 1;
    return 0;
}

static void add_to_set(struct mcs_por *p, uint32_t q) {
    p->pats[q].next = p->pat_head[p->pats[q].action];
    p->pat_head[p->pats[q].action] = q;
}

static int push(struct mcs_por *p, uint32_t q) {
    if (reserve(p, (void **)&p->todo, sizeof *p->todo, &p->todo_cap, p->ntodo + 1)) return -1;
    p->todo[p->ntodo++] = q;
    return 0;
}

/* A pattern of the other action of relation r from pattern `from`, if not in the set
 * already: added to it and pushed. */
static int relate(struct mcs_por *p, const int *r, uint32_t from) {
    uint32_t other = (uint32_t)r[0];
    uint32_t key = r[1] >= 0 ? p->pvals[p->pats[from].off + (uint32_t)r[1]] : ANY;
    int64_t q = new_pattern(p, other);
    if (q < 0) return -1;
    if (key != ANY) p->pvals[p->pats[q].off + (uint32_t)r[2]] = key;
    if (in_set(p, (uint32_t)q)) {
        drop_last_pattern(p);
        return 0;
    }
    add_to_set(p, (uint32_t)q);
    return push(p, (uint32_t)q);
}

/* por.py's _grow from instance `seed`: GROWN with the set's enabled instances in p->covered,
 * else the action of an enabled instance that may leave the constraint that ended it,
 * TOO_BIG when it came to hold every enabled instance, or FAILS (out of memory). */
static int grow(struct mcs_por *p, uint32_t seed) {
    p->npats = 0;
    p->pvals_len = 0;
    p->ntodo = 0;
    p->ncovered = 0;
    for (int a = 0; a < p->nact; a++) p->pat_head[a] = ANY;
    memset(p->enabled_action, 0, (size_t)p->nact);
    memset(p->covered, 0, p->ninst);
    const inst *s = &p->insts[seed];
    int64_t first = new_pattern(p, s->action);
    if (first < 0 || push(p, (uint32_t)first)) return FAILS;
    memcpy(p->pvals + p->pats[first].off, p->ivals + s->off, sizeof(uint32_t) * (size_t)p->arity[s->action]);
    while (p->ntodo) {
        for (size_t k = 0; k < p->ntodo; k++) add_to_set(p, p->todo[k]);
        while (p->ntodo) {
            uint32_t q = p->todo[--p->ntodo];
            uint32_t a = p->pats[q].action;
            int mine = 0;
            for (uint32_t i = p->inst_head[a]; i != ANY; i = p->insts[i].next) {
                if (!covers(p, q, p->ivals + p->insts[i].off)) continue;
                if (!mine && p->leaves[a]) return (int)a;
                mine = 1;
                if (!p->covered[i]) { p->covered[i] = 1; p->ncovered++; }
            }
            if (mine) {
                p->enabled_action[a] = 1;
                if (p->ncovered == p->ninst) return TOO_BIG;
            }
            int *rel = p->rel[mine], *start = p->rel_start[mine];
            for (int r = start[a]; r < start[a + 1]; r++)
                if (relate(p, rel + 3 * r, q)) return FAILS;
        }
        for (int c = 0; c < p->nchecks; c++) {
            int repaired = 0;
            for (int a = 0; a < p->nact && !repaired; a++)
                repaired = p->enabled_action[a] && p->repairs[c * p->nact + a];
            if (!repaired) continue;
            for (int k = p->breakers_start[c]; k < p->breakers_start[c + 1]; k++) {
                int64_t q = new_pattern(p, (uint32_t)p->breakers[k]);
                if (q < 0) return FAILS;
                if (in_set(p, (uint32_t)q)) drop_last_pattern(p);
                else if (push(p, (uint32_t)q)) return FAILS;
            }
        }
    }
    return GROWN;
}

/* ------------------------------------------------------------------ the ample set */

static void count_reason(struct mcs_por *p, int reason) {
    if (!p->reasons[reason]++) p->first[reason] = ++p->stamp;
    else ++p->stamp;
}

/* C3: no successor by the ample set (p->best) is the state itself or a state met already. */
static int proviso(struct mcs_por *p, worker *w) {
    mcs_search *s = w->s;
    for (size_t k = 0; k < p->nsteps; k++) {
        const step *t = &p->steps[k];
        if (!p->best[t->inst]) continue;
        const uint8_t *b = p->bytes + t->off;
        if (t->len == w->parent_len && memcmp(b, w->parent_bytes, t->len) == 0) return 0;
        uint64_t fp = mcs_hash_bytes(b, t->len);
        if (mcs_fpset_contains(&s->visited, fp) || mcs_seen_contains(&w->seen, fp)) return 0;
    }
    return 1;
}

/* por.py's _ample: 1 with the ample set in p->best, 0 to expand fully (counted by why), -1
 * out of memory. */
static int choose(struct mcs_por *p, worker *w) {
    if (p->ninst < 2) return 0;
    uint64_t best_size = p->nsteps;
    int found = 0;
    memset(p->leaving, 0, (size_t)p->nact);
    for (uint32_t seed = 0; seed < p->ninst; seed++) {
        uint32_t a = p->insts[seed].action;
        if (p->leaves[a]) { p->leaving[a] = 1; continue; }
        int r = grow(p, seed);
        if (r == FAILS) return -1;
        if (r >= 0) p->leaving[r] = 1;
        if (r != GROWN) continue;
        uint64_t size = 0;
        for (uint32_t i = 0; i < p->ninst; i++)
            if (p->covered[i]) size += p->insts[i].steps;
        if (size < best_size && p->ncovered < p->ninst) {
            best_size = size;
            memcpy(p->best, p->covered, p->ninst);
            found = 1;
        }
    }
    if (!found) {
        int any = 0;
        for (int a = 0; a < p->nact; a++)
            if (p->leaving[a]) { count_reason(p, a); any = 1; }
        if (!any) count_reason(p, p->nact);
        return 0;
    }
    if (!proviso(p, w)) { count_reason(p, p->nact + 1); return 0; }
    return 1;
}

/* ------------------------------------------------------------------ expanding a state */

/* The parent's successors (w->parent_bytes) to `emit`: those of the ample set, or all. */
HIDDEN int mcs_por_successors(worker *w, mc_emit_fn emit) {
    mcs_search *s = w->s;
    struct mcs_por *p = s->por;
    if (!p->possible)  /* every action may leave the constraint: no ample set, as in por.py */
        return mc_successors(w->ctx, w->parent_bytes, w->parent_len, emit, w);
    p->nsteps = p->bytes_len = p->ivals_len = 0;
    p->ninst = 0;
    for (int a = 0; a < p->nact; a++) p->inst_head[a] = ANY;
    int rc = mc_successors(w->ctx, w->parent_bytes, w->parent_len, collect, w);
    if (rc == MC_ERROR)  /* met again by the full expansion, which reports it as without --por */
        return mc_successors(w->ctx, w->parent_bytes, w->parent_len, emit, w);
    int ample = -1;
    if (!p->oom && p->ninst > p->flags_cap) {
        size_t cap = p->flags_cap;
        if (!reserve(p, (void **)&p->covered, 1, &cap, p->ninst)) {
            cap = p->flags_cap;
            if (!reserve(p, (void **)&p->best, 1, &cap, p->ninst)) p->flags_cap = cap;
        }
    }
    if (!p->oom) ample = choose(p, w);
    if (ample < 0) {
        mcs_fail(s, "out of memory for partial-order reduction");
        return MC_STOPPED;
    }
    if (ample) p->reduced++;
    for (size_t k = 0; k < p->nsteps; k++) {
        const step *t = &p->steps[k];
        if (ample && !p->best[t->inst]) {  /* left out: generated all the same */
            w->counts[t->action]++;
            continue;
        }
        w->ordinal = (uint32_t)k;  /* its place among all the successors, for the counts at a stop */
        if (emit(w, (int)t->action, p->bytes + t->off, t->len)) return MC_STOPPED;
    }
    return MC_OK;
}

/* ------------------------------------------------------------------ the interface */

static int *copy_ints(struct mcs_por *p, const int *v, size_t n) {
    int *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) { p->oom = 1; return NULL; }
    if (n) memcpy(c, v, n * sizeof *c);
    return c;
}

static uint8_t *copy_bytes(struct mcs_por *p, const uint8_t *v, size_t n) {
    uint8_t *c = calloc(n ? n : 1, 1);
    if (!c) { p->oom = 1; return NULL; }
    if (v && n) memcpy(c, v, n);
    return c;
}

int mcs_use_por(mcs_search *s, const mcs_por_tables *t) {
    if (s->opt.workers != 1 || s->opt.record || s->por || t->action_count != s->nact) return -1;
    struct mcs_por *p = calloc(1, sizeof *p);
    if (!p) return -1;
    s->por = p;
    size_t n = (size_t)t->action_count, c = (size_t)t->check_count;
    p->nact = t->action_count;
    p->nchecks = t->check_count;
    p->arity = copy_ints(p, t->arity, n);
    p->leaves = copy_bytes(p, t->leaves, n);
    p->repairs = copy_bytes(p, t->repairs, n * c);
    p->breakers_start = copy_ints(p, t->breakers_start, c + 1);
    p->breakers = p->breakers_start ? copy_ints(p, t->breakers, (size_t)t->breakers_start[c]) : NULL;
    p->rel_start[0] = copy_ints(p, t->enablers_start, n + 1);
    p->rel[0] = p->rel_start[0] ? copy_ints(p, t->enablers, 3 * (size_t)t->enablers_start[n]) : NULL;
    p->rel_start[1] = copy_ints(p, t->conflicting_start, n + 1);
    p->rel[1] = p->rel_start[1] ? copy_ints(p, t->conflicting, 3 * (size_t)t->conflicting_start[n]) : NULL;
    p->inst_head = malloc((n ? n : 1) * sizeof *p->inst_head);
    p->pat_head = malloc((n ? n : 1) * sizeof *p->pat_head);
    p->leaving = copy_bytes(p, NULL, n);
    p->enabled_action = copy_bytes(p, NULL, n);
    p->reasons = calloc(n + 2, sizeof *p->reasons);
    p->first = calloc(n + 2, sizeof *p->first);
    if (p->oom || !p->inst_head || !p->pat_head || !p->reasons || !p->first) return -1;  /* freed by mcs_free */
    for (size_t a = 0; a < n; a++) p->possible |= !p->leaves[a];
    for (int i = 0; i < s->opt.workers; i++) mc_instances_of_all(s->w[i].ctx, 1);
    return 0;
}

uint64_t mcs_por_reduced(mcs_search *s) { return s->por ? s->por->reduced : 0; }

void mcs_por_expanded_fully(mcs_search *s, uint64_t *counts, uint64_t *first) {
    for (int r = 0; r < s->nact + 2; r++) {
        counts[r] = s->por ? s->por->reasons[r] : 0;
        first[r] = s->por ? s->por->first[r] : 0;
    }
}

HIDDEN void mcs_por_free(struct mcs_por *p) {
    if (!p) return;
    void *owned[] = {p->arity, p->breakers, p->breakers_start, p->rel[0], p->rel[1], p->rel_start[0],
                     p->rel_start[1], p->leaves, p->repairs, p->vals.hash, p->vals.id, p->vals.off, p->vals.len,
                     p->vals.bytes, p->steps, p->bytes, p->insts, p->ivals, p->inst_head, p->leaving, p->pats,
                     p->pvals, p->pat_head, p->todo, p->covered, p->best, p->enabled_action, p->reasons, p->first};
    for (size_t k = 0; k < sizeof owned / sizeof *owned; k++) free(owned[k]);
    free(p);
}
