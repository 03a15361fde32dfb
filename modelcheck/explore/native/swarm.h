/* swarm.h: swarm search in C (swarm.c) over a model behind mc_model.h, as the Python
 * driver (explore/native/swarm_driver.py) calls it through cffi; the driver turns what it
 * reads here into explore/swarm.py's SwarmResult.
 *
 * Members run on `workers` threads, each member alone on one thread; a member's result
 * depends only on the seed, its index and the options, so a seed names the same result
 * whatever the number of threads.
 */
#ifndef MCSW_SWARM_H
#define MCSW_SWARM_H

#include <stddef.h>
#include <stdint.h>

typedef struct mcsw_swarm mcsw_swarm;

typedef struct {
    int workers;            /* threads, >= 1 */
    uint64_t seed;
    int64_t first_member;   /* members first_member .. first_member + members - 1 */
    int64_t members;
    int max_depth;          /* member i > 0 walks at most a bound drawn in [max_depth/2, max_depth] */
    int64_t member_steps;   /* steps per member */
    const int *invariants;  /* mc_invariant indices to check, in order */
    int invariant_count;
} mcsw_options;

/* What a member found (`found` of mcsw_member). */
enum {
    MCSW_NOTHING = 0,
    MCSW_INVARIANT = 1,      /* `which` = position in options.invariants of the broken one */
    MCSW_TYPE = 2,           /* `which` = index of the first variable outside its type */
    MCSW_ERROR_AT = 3,       /* the type check or an invariant of the path's last state failed */
    MCSW_ERROR_FROM = 4,     /* computing, constraining or checking its successors failed */
    MCSW_ERROR_INIT = 5      /* enumerating the initial states failed (the path is empty) */
};

typedef struct {
    int64_t index;
    int depth;                 /* the member's depth bound */
    const double *weights;     /* per action */
    uint64_t steps, walks, states;
    const uint64_t *taken;     /* steps per action */
    int found;
    int which;
    const char *message;       /* MCSW_ERROR_*: mc_error's text */
} mcsw_member_result;

mcsw_swarm *mcsw_new(const mcsw_options *options);
void mcsw_free(mcsw_swarm *s);
/* Runs members until one finds something (and every member of a lower index is done), all
 * have run, or mcsw_abort; safe to call from a thread other than the one calling mcsw_abort. */
void mcsw_run(mcsw_swarm *s);
void mcsw_abort(mcsw_swarm *s);
/* A message if the run failed (out of memory), else NULL. */
const char *mcsw_failure(mcsw_swarm *s);
/* Members done from first_member on without a gap (the ones to report, in order). */
int64_t mcsw_done(mcsw_swarm *s);
/* The k-th of them (0 <= k < mcsw_done); valid until mcsw_free. */
int mcsw_member(mcsw_swarm *s, int64_t k, mcsw_member_result *out);
/* The member's plan (depth bound, weights per action), the same as the run's. */
void mcsw_plan(uint64_t seed, int64_t index, int actions, int max_depth, int *depth, double *weights);
/* The path of the member that found something (the first one with a finding among the done
 * ones), replayed from the initial states: its length, then each step's action (-1 for the
 * initial state) and state bytes (valid until mcsw_free). -1 if there is none or the replay
 * fails. */
int mcsw_trace_length(mcsw_swarm *s);
int mcsw_trace_step(mcsw_swarm *s, int k, const uint8_t **state, size_t *len);
#endif
