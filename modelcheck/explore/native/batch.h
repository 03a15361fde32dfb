/* batch.h: a batch of packed states expanded or checked in C, for a search whose visited
 * set and parent links are kept elsewhere: the --engine ray coordinator (explore/ray_engine.py)
 * and its actors (explore/native/ray_worker.py) call these through cffi.
 *
 * States come as one buffer and the offsets of their boundaries: state i is
 * states[bounds[i]..bounds[i+1]), for i < n (bounds has n + 1 entries). Successors are
 * enumerated in the spec's order, as search.c enumerates them, and checked as it does:
 * a successor outside the constraint is checked (type, then the invariants) and dropped, one
 * equal to its parent is dropped, and of the others each batch keeps the first copy of each
 * fingerprint (of its canonical form under symmetry).
 */
#ifndef MCB_BATCH_H
#define MCB_BATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct mcb_batch mcb_batch;

/* What the last mcb_expand found: the arrays are owned by the batch until its next call. */
typedef struct {
    uint64_t n;                  /* candidates: first copies within the constraint */
    const uint64_t *fps;
    const int64_t *parents;      /* base + the parent's position in the batch */
    const int16_t *actions;
    const uint64_t *bounds;      /* n + 1 boundaries of the candidates' states in `states` */
    const uint8_t *states;
    const uint64_t *counts;      /* per action: successors generated (up to the event, if any) */
    /* The first event, where the expansion stopped: MCS_FINISHED (none), MCS_INVARIANT or
       MCS_TYPE (a successor outside the constraint breaks a check: `which` as in
       mcs_result), MCS_ERROR (at `site`: MCS_SITE_SUCCESSORS, _CONSTRAINT or _CHECKS),
       MCS_DEADLOCK, MCS_FAILED (out of memory: `message`). */
    int event;
    int site;
    int which;
    int action;                  /* the action that produced the event's state; -1: none */
    uint64_t position;           /* candidates before the event */
    int64_t parent;              /* base + position in the batch of the state being expanded */
    const uint8_t *state;        /* the event's successor (outside the constraint), or NULL */
    size_t state_len;
    const uint64_t *parent_counts;  /* per action: the event parent's successors before it stopped */
    const char *message;         /* mc_error's text for MCS_ERROR */
} mcb_expansion;

/* `invariants`: mc_invariant indices to check, in order. NULL when out of memory. */
mcb_batch *mcb_new(const int *invariants, int invariant_count, int check_deadlock);
void mcb_free(mcb_batch *b);

/* Expands states 0..n-1 in order until the first event. 0, or -1 out of memory. */
int mcb_expand(mcb_batch *b, const uint8_t *states, const uint64_t *bounds, uint64_t n, int64_t base,
               mcb_expansion *out);

/* Checks states 0..n-1 in order (type, then the invariants) until one fails: returns
 * MCS_FINISHED, or MCS_TYPE / MCS_INVARIANT / MCS_ERROR with *index and *which set
 * (mcb_message says what failed for MCS_ERROR). */
int mcb_check(mcb_batch *b, const uint8_t *states, const uint64_t *bounds, uint64_t n, uint64_t *index,
              int *which);

/* Per action, into counts: the successors of states 0..n-2, then those of state n-1 up to
 * and including its first successor by `action` that is `match` (match_len bytes), or, with
 * match NULL, that has fingerprint fp and is within the constraint. 0; 1 if state n-1 has no
 * such successor; MC_ERROR if the spec fails. */
int mcb_count_through(mcb_batch *b, const uint8_t *states, const uint64_t *bounds, uint64_t n, int action,
                      uint64_t fp, const uint8_t *match, size_t match_len, uint64_t *counts);

/* The fingerprint search.c gives a state (of its canonical form); 0 if the spec fails. */
uint64_t mcb_fingerprint(mcb_batch *b, const uint8_t *state, size_t len);
const char *mcb_message(mcb_batch *b);
#endif
