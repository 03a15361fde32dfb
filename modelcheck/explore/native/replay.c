/* replay.c: what is read back from the search: checkpoints (its position at a level start,
 * its parent links and the level's states, and restoring them) and counterexamples (replayed
 * from an initial state along the recorded fingerprints). */
#include "search_parts.h"

/* ------------------------------------------------------------------ checkpoints */

void mcs_where(mcs_search *s, mcs_position *out) {
    out->depth_of_level = s->level_depth;
    out->level_base = s->level_depth ? s->level_base : 0;
    out->level_size = s->level_depth ? s->level_n : 0;
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
    if (!s->level_depth || i >= s->level_n) return -1;
    rec head;
    *state = mcs_level_record(s, &s->w[0].reader, &s->levels[s->gen], i, &head);
    *len = head.len;
    return *state ? 0 : -1;
}

uint64_t mcs_fingerprint(mcs_search *s, const uint8_t *state, size_t len) {
    const uint8_t *canon;
    size_t canon_len;
    if (mc_canonical(s->w[0].check_ctx, state, len, &canon, &canon_len) == MC_ERROR) return 0;
    return mcs_hash_bytes(canon, canon_len);
}

int mcs_restore(mcs_search *s, uint64_t n, const uint64_t *fps, const int64_t *parents, const int16_t *actions,
                uint64_t level_size, const uint8_t *states, const uint32_t *lens, uint64_t depth_of_level,
                uint64_t generated, uint64_t depth, const uint64_t *action_counts) {
    if (level_size > n) return -1;
    for (uint64_t i = 0; i < n; i++)
        if (mcs_fpset_add(&s->visited, fps[i]) < 0) return -1;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rec[2] = {fps[i], (uint64_t)(parents[i] + 1) << 16 | (uint64_t)(uint16_t)(actions[i] + 1)};
        if (fwrite(rec, sizeof rec, 1, s->links) != 1) return -1;
    }
    s->links_written = n;
    for (uint64_t i = 0, at = 0; i < level_size; at += lens[i], i++) {
        rec head = {.len = lens[i]};  /* its key, fingerprint and action are not read again */
        if (mcs_level_append(s, &s->levels[s->gen], &head, states + at)) return -1;
    }
    if (mcs_level_flush(s, &s->levels[s->gen])) return -1;
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
    if (mcs_hash_bytes(canon, canon_len) != f->fp) return 0;
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

