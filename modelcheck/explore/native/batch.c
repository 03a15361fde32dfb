/* batch.c: batch.h's expansion and checks of packed states, for a search that keeps its
 * visited set elsewhere (--engine ray). One thread per batch; the visited set is the
 * caller's, so a batch only drops the repeats within itself. */
#include "batch.h"
#include "search_parts.h"

typedef struct {
    void *p;
    size_t cap;   /* in elements */
} growable;

struct mcb_batch {
    mc_ctx *ctx;            /* for mc_successors */
    mc_ctx *check_ctx;      /* for what runs inside its emit callback (as search.c's threads) */
    int *invariants;
    int invariant_count;
    int check_deadlock;
    int nact;
    seenset seen;           /* fingerprints of this expansion's candidates */
    uint64_t passed[PASSED_SLOTS];  /* states outside the constraint found fine */
    growable fps, parents, actions, bounds, states;
    uint64_t *counts, *parent_counts;
    uint8_t *event_state;
    size_t event_cap;
    char message[MESSAGE_SIZE];
    mcb_expansion out;
    /* the parent being expanded */
    int64_t parent;
    const uint8_t *parent_bytes;
    size_t parent_len;
    uint64_t produced;
    int failed;
};

static int reserve(growable *g, size_t need, size_t size) {
    if (need <= g->cap) return 0;
    size_t cap = g->cap ? g->cap : 1024;
    while (cap < need) cap *= 2;
    void *p = realloc(g->p, cap * size);
    if (!p) return -1;
    g->p = p;
    g->cap = cap;
    return 0;
}

mcb_batch *mcb_new(const int *invariants, int invariant_count, int check_deadlock) {
    mcb_batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->nact = mc_action_count();
    b->invariant_count = invariant_count;
    b->check_deadlock = check_deadlock;
    b->invariants = malloc(sizeof(int) * (size_t)(invariant_count + 1));
    b->counts = calloc((size_t)b->nact + 1, sizeof *b->counts);
    b->parent_counts = calloc((size_t)b->nact + 1, sizeof *b->parent_counts);
    b->ctx = mc_ctx_new();
    b->check_ctx = mc_ctx_new();
    if (!b->invariants || !b->counts || !b->parent_counts || !b->ctx || !b->check_ctx ||
        reserve(&b->bounds, 1, sizeof(uint64_t))) {
        mcb_free(b);
        return NULL;
    }
    memcpy(b->invariants, invariants, sizeof(int) * (size_t)invariant_count);
    return b;
}

void mcb_free(mcb_batch *b) {
    if (!b) return;
    if (b->ctx) mc_ctx_free(b->ctx);
    if (b->check_ctx) mc_ctx_free(b->check_ctx);
    free(b->invariants);
    free(b->counts);
    free(b->parent_counts);
    mcs_seen_free(&b->seen);
    free(b->fps.p);
    free(b->parents.p);
    free(b->actions.p);
    free(b->bounds.p);
    free(b->states.p);
    free(b->event_state);
    free(b);
}

const char *mcb_message(mcb_batch *b) { return b->message; }

/* Ends the expansion with MCS_FAILED (as search.c's mcs_fail). 1: stop enumerating. */
static int fail(mcb_batch *b, const char *what) {
    b->failed = 1;
    b->out.event = MCS_FAILED;
    snprintf(b->message, sizeof b->message, "%s", what);
    return 1;
}

/* Stops the expansion at an event of the current parent. 1: stop enumerating. */
static int stop(mcb_batch *b, int event, int site, int which, int action, const uint8_t *state, size_t len,
                const char *message) {
    mcb_expansion *o = &b->out;
    o->event = event;
    o->site = site;
    o->which = which;
    o->action = action;
    o->parent = b->parent;
    if (state) {
        if (len > b->event_cap) {
            uint8_t *p = realloc(b->event_state, len);
            if (!p) return fail(b, "out of memory expanding a batch of states");
            b->event_state = p;
            b->event_cap = len;
        }
        memcpy(b->event_state, state, len);
        o->state = b->event_state;
        o->state_len = len;
    }
    if (message) snprintf(b->message, sizeof b->message, "%s", message);
    return 1;
}

static int on_successor(void *user, int action, const uint8_t *state, size_t len) {
    mcb_batch *b = user;
    b->produced++;
    b->counts[action]++;
    b->parent_counts[action]++;
    int within = mc_constraint(b->check_ctx, state, len);
    if (within == MC_ERROR)
        return stop(b, MCS_ERROR, MCS_SITE_CONSTRAINT, 0, action, state, len, mc_error(b->check_ctx));
    if (within == 0) {  /* checked, never kept; a state found fine is not checked again */
        uint64_t fp = mcs_hash_bytes(state, len);
        uint64_t *slot = &b->passed[fp % PASSED_SLOTS];
        if (*slot == fp) return 0;
        int which;
        char message[MESSAGE_SIZE];
        int outcome = mcs_checks(b->check_ctx, b->invariants, b->invariant_count, state, len, &which, message);
        if (outcome == MCS_FINISHED) { *slot = fp; return 0; }
        return stop(b, outcome, MCS_SITE_CHECKS, which, action, state, len,
                    outcome == MCS_ERROR ? message : NULL);
    }
    if (len == b->parent_len && memcmp(state, b->parent_bytes, len) == 0) return 0;
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(b->check_ctx, state, len, &canon, &canon_len) == MC_ERROR)
        return fail(b, mc_error(b->check_ctx));
    uint64_t fp = mcs_hash_bytes(canon, canon_len);
    int first = mcs_seen_first(&b->seen, fp);
    if (first == 0) return 0;
    uint64_t n = b->out.n, used = ((uint64_t *)b->bounds.p)[n];
    if (first < 0 || reserve(&b->fps, n + 1, sizeof(uint64_t)) ||
        reserve(&b->parents, n + 1, sizeof(int64_t)) || reserve(&b->actions, n + 1, sizeof(int16_t)) ||
        reserve(&b->bounds, n + 2, sizeof(uint64_t)) || reserve(&b->states, used + len, 1))
        return fail(b, "out of memory expanding a batch of states");
    ((uint64_t *)b->fps.p)[n] = fp;
    ((int64_t *)b->parents.p)[n] = b->parent;
    ((int16_t *)b->actions.p)[n] = (int16_t)action;
    memcpy((uint8_t *)b->states.p + used, state, len);
    ((uint64_t *)b->bounds.p)[n + 1] = used + len;
    b->out.n = n + 1;
    return 0;
}

int mcb_expand(mcb_batch *b, const uint8_t *states, const uint64_t *bounds, uint64_t n, int64_t base,
               mcb_expansion *out) {
    mcs_seen_clear(&b->seen);
    memset(b->counts, 0, ((size_t)b->nact + 1) * sizeof *b->counts);
    b->failed = 0;
    b->message[0] = 0;
    b->out = (mcb_expansion){.event = MCS_FINISHED, .action = -1, .parent = -1};
    ((uint64_t *)b->bounds.p)[0] = 0;
    for (uint64_t i = 0; i < n && b->out.event == MCS_FINISHED; i++) {
        b->parent = base + (int64_t)i;
        b->parent_bytes = states + bounds[i];
        b->parent_len = bounds[i + 1] - bounds[i];
        b->produced = 0;
        memset(b->parent_counts, 0, ((size_t)b->nact + 1) * sizeof *b->parent_counts);
        uint64_t before = b->out.n;
        int rc = mc_successors(b->ctx, b->parent_bytes, b->parent_len, on_successor, b);
        if (b->out.event != MCS_FINISHED) {
            b->out.position = b->out.event == MCS_FAILED ? before : b->out.n;
            break;
        }
        if (rc == MC_ERROR) {
            stop(b, MCS_ERROR, MCS_SITE_SUCCESSORS, 0, -1, NULL, 0, mc_error(b->ctx));
            b->out.position = b->out.n;
        } else if (b->produced == 0 && b->check_deadlock) {
            stop(b, MCS_DEADLOCK, MCS_SITE_NONE, 0, -1, NULL, 0, NULL);
            b->out.position = b->out.n;
        }
    }
    b->out.fps = b->fps.p;
    b->out.parents = b->parents.p;
    b->out.actions = b->actions.p;
    b->out.bounds = b->bounds.p;
    b->out.states = b->states.p;
    b->out.counts = b->counts;
    b->out.parent_counts = b->parent_counts;
    b->out.message = b->message;
    *out = b->out;
    return b->failed ? -1 : 0;
}

int mcb_check(mcb_batch *b, const uint8_t *states, const uint64_t *bounds, uint64_t n, uint64_t *index,
              int *which) {
    b->message[0] = 0;
    for (uint64_t i = 0; i < n; i++) {
        int outcome = mcs_checks(b->check_ctx, b->invariants, b->invariant_count, states + bounds[i],
                                 bounds[i + 1] - bounds[i], which, b->message);
        if (outcome != MCS_FINISHED) {
            *index = i;
            return outcome;
        }
    }
    return MCS_FINISHED;
}

typedef struct {
    mcb_batch *b;
    uint64_t *counts;
    int action;               /* -1: count every successor */
    uint64_t fp;
    const uint8_t *match;
    size_t match_len;
    int found;
} counter;

static int matches(counter *c, const uint8_t *state, size_t len) {
    if (c->match) return len == c->match_len && memcmp(state, c->match, len) == 0;
    if (mcb_fingerprint(c->b, state, len) != c->fp) return 0;
    return mc_constraint(c->b->check_ctx, state, len) == 1;
}

static int count_successor(void *user, int action, const uint8_t *state, size_t len) {
    counter *c = user;
    c->counts[action]++;
    if (action == c->action && matches(c, state, len)) {
        c->found = 1;
        return 1;
    }
    return 0;
}

int mcb_count_through(mcb_batch *b, const uint8_t *states, const uint64_t *bounds, uint64_t n, int action,
                      uint64_t fp, const uint8_t *match, size_t match_len, uint64_t *counts) {
    counter c = {.b = b, .counts = counts, .action = -1};
    for (uint64_t i = 0; i + 1 < n; i++)
        if (mc_successors(b->ctx, states + bounds[i], bounds[i + 1] - bounds[i], count_successor, &c) == MC_ERROR)
            return MC_ERROR;
    c = (counter){.b = b, .counts = counts, .action = action, .fp = fp, .match = match, .match_len = match_len};
    if (n > 0 && mc_successors(b->ctx, states + bounds[n - 1], bounds[n] - bounds[n - 1], count_successor,
                               &c) == MC_ERROR)
        return MC_ERROR;
    return c.found ? 0 : 1;
}

uint64_t mcb_fingerprint(mcb_batch *b, const uint8_t *state, size_t len) {
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(b->check_ctx, state, len, &canon, &canon_len) == MC_ERROR) return 0;
    return mcs_hash_bytes(canon, canon_len);
}
