/* search.h: the breadth-first search in C over a model behind mc_model.h, as the Python
 * driver (explore/native/driver.py) calls it through cffi. The driver turns what it reads
 * here into the same CheckResult the Python explorer returns.
 *
 * The search is level-synchronous on `workers` threads and gives the counts, depth, verdict
 * and counterexample of a sequential search whatever the number of threads: see search.c.
 */
#ifndef MCS_SEARCH_H
#define MCS_SEARCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct mcs_search mcs_search;

/* Called at the start of every level but the first, from the thread running mcs_run, with
 * every worker idle: the search can be read there (mcs_where, mcs_links, mcs_level_state)
 * to write a checkpoint. */
typedef void (*mcs_level_fn)(void *user);

typedef struct {
    int workers;            /* threads, >= 1 */
    int check_deadlock;     /* a state without successor stops the search */
    int64_t max_states;     /* stop at this many distinct states; -1: no limit */
    int64_t max_depth;      /* do not expand states of this depth; -1: no limit */
    int64_t queue_memory;   /* bytes of states kept in memory, the rest in temporary files; -1: all */
    const int *invariants;  /* mc_invariant indices to check, in order */
    int invariant_count;
    mcs_level_fn level_started;  /* or NULL */
    void *user;
    /* The behaviour graph, for temporal properties (record.c): every step that changes the
     * state, and the values of the chosen state predicates in every new state. */
    int record;
    const uint8_t *fair;    /* per action: 1 if its steps are labelled by their instance */
    const int *predicates;  /* mc_predicate indices to evaluate, in order */
    int predicate_count;
} mcs_options;

/* Where the search is: at the start of a level (in the callback, or after an abort). */
typedef struct {
    uint64_t depth_of_level;  /* the depth of its states; 0: the initial states are not found yet */
    uint64_t level_base;      /* index of its first state in discovery order */
    uint64_t level_size;
    uint64_t stored;          /* states with parent links: level_base + level_size */
    uint64_t generated;
    uint64_t depth;
    const uint64_t *action_counts;
} mcs_position;

/* How the search ended. */
enum {
    MCS_FINISHED = 0,    /* every reachable state explored, every check passed */
    MCS_INVARIANT = 1,   /* `which` = position in options.invariants of the broken one */
    MCS_TYPE = 2,        /* `which` = index of the first variable outside its type */
    MCS_DEADLOCK = 3,
    MCS_ERROR = 4,       /* the spec's code failed at `site`; mc_error's text in `message` */
    MCS_MAX_STATES = 5,
    MCS_MAX_DEPTH = 6,
    MCS_ABORTED = 7,     /* mcs_abort was called: counts are those of the last whole level */
    MCS_FAILED = 8       /* out of memory or an I/O error: `message` says which */
};

/* Where a runtime error happened. */
enum {
    MCS_SITE_NONE = 0,
    MCS_SITE_INIT = 1,            /* enumerating the initial states */
    MCS_SITE_SUCCESSORS = 2,      /* computing the successors of the trace's last state */
    MCS_SITE_CONSTRAINT = 3,      /* the constraint of the `last` state */
    MCS_SITE_CHECKS = 4,          /* the type check or an invariant of the trace's last state */
    MCS_SITE_PREDICATES = 5       /* a state predicate of the trace's last state */
};

typedef struct {
    int outcome;
    int which;
    int site;
    int64_t state;          /* index of the trace's last stored state (discovery order); -1: none */
    int has_last;           /* the trace ends with one more, unstored state (outside the
                               constraint): action last_action, bytes via mcs_last */
    int last_action;        /* -1: an initial state */
    int error_action;       /* MCS_SITE_CONSTRAINT: the action that produced the state */
    uint64_t generated;     /* initial states and successors, duplicates included */
    uint64_t distinct;
    uint64_t depth;
    uint64_t queue;
    /* per action: successors of the states expanded before the stopping state, and those of
       the stopping state itself up to the stopping point (the driver adds what Python does) */
    const uint64_t *action_counts;
    const uint64_t *stop_parent_counts;
    const char *message;
} mcs_result;

mcs_search *mcs_new(const mcs_options *options);
void mcs_free(mcs_search *s);
/* Runs the whole search; the result is then in mcs_result_of. Safe to call from a thread
 * other than the one calling mcs_abort / mcs_progress. */
void mcs_run(mcs_search *s);
void mcs_abort(mcs_search *s);
/* generated, distinct, queue, depth so far (read while the search runs; approximate) */
void mcs_progress(mcs_search *s, uint64_t out[4]);
const mcs_result *mcs_result_of(mcs_search *s);
/* Bytes held by the visited set (its table), for bytes per distinct state. */
uint64_t mcs_visited_bytes(mcs_search *s);

/* The counterexample: rebuilt by replay from the initial states following the recorded
 * fingerprints. 0 on success; then mcs_trace_step gives step k's action (-1 for the
 * initial state) and state bytes (valid until mcs_free). */
void mcs_where(mcs_search *s, mcs_position *out);
/* The parent links of the `stored` states: fingerprint, parent index (-1: none), action. */
int mcs_links(mcs_search *s, uint64_t *fps, int64_t *parents, int16_t *actions);
int mcs_level_state(mcs_search *s, uint64_t i, const uint8_t **state, size_t *len);
/* The fingerprint the search gives a state (of its canonical form). */
uint64_t mcs_fingerprint(mcs_search *s, const uint8_t *state, size_t len);
/* Before mcs_run: continue from a level start (a checkpoint): `n` stored states' links, then
 * the states of the level (the last `level_size` of them), concatenated, with their lengths. */
int mcs_restore(mcs_search *s, uint64_t n, const uint64_t *fps, const int64_t *parents, const int16_t *actions,
                uint64_t level_size, const uint8_t *states, const uint32_t *lens, uint64_t depth_of_level,
                uint64_t generated, uint64_t depth, const uint64_t *action_counts);

/* With options.record: the steps recorded since the last mcs_clear_recorded, in the order a
 * sequential search takes them (source state index, successor state index or -1 when it
 * is outside the constraint, label), and the
 * predicate values of the states stored since (predicate_count bytes per state, 0 or 1).
 * Read in the level_started callback and after mcs_run. A label below mc_action_count() is
 * that action (it has no fairness); above, an instance of a fair action (mcs_label). */
void mcs_recorded(mcs_search *s, const int32_t **sources, const int64_t **targets, const int32_t **labels,
                  uint64_t *edges, const uint8_t **predicate_rows, uint64_t *states);
void mcs_clear_recorded(mcs_search *s);
int mcs_label_count(mcs_search *s);
/* The action of a label, and its instance's parameter bytes (mc_instance). */
int mcs_label(mcs_search *s, int label, const uint8_t **params, size_t *len);

int mcs_build_trace(mcs_search *s);
int mcs_trace_length(mcs_search *s);
int mcs_trace_step(mcs_search *s, int k, const uint8_t **state, size_t *len);
int mcs_last(mcs_search *s, const uint8_t **state, size_t *len);
#endif
