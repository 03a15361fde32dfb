/* mc_model.h: the contract between a spec compiled to C (compile/native, one .c file per
 * spec) and the search written in C (explore/native). Both are compiled into one shared
 * object per spec; the search calls these functions and never looks inside a state.
 *
 * A state is a byte string in the model's canonical encoding: two states are equal values
 * exactly when their bytes are equal, so the search fingerprints and compares bytes.
 * Every function is reentrant: each search thread owns one mc_ctx (its scratch memory).
 * Enumeration order is the spec's: initial states as the Python backend enumerates them,
 * actions in declaration order, each action's arguments and picks in enumeration order.
 */
#ifndef MC_MODEL_H
#define MC_MODEL_H

#include <stddef.h>
#include <stdint.h>

enum {
    MC_OK = 0,       /* done, every state emitted */
    MC_ERROR = -1,   /* the spec's code failed (division by zero, map outside its domain...);
                        mc_error(ctx) says what, the Python backend re-runs it for the report */
    MC_STOPPED = -2  /* the emit callback returned nonzero: enumeration stopped early */
};

typedef struct mc_ctx mc_ctx;

/* Receives one initial state (action = -1) or one successor (action = its index).
 * `state` is valid only during the call. Return 0 to go on, nonzero to stop. */
typedef int (*mc_emit_fn)(void *user, int action, const uint8_t *state, size_t len);

int mc_action_count(void);
const char *mc_action_name(int action);
int mc_invariant_count(void);
const char *mc_invariant_name(int k);
/* The state predicates of the temporal properties, in declaration order: "NAME.left" (P)
 * and "NAME.right" (Q) of each property, where they are state predicates (not taken(A)). */
int mc_predicate_count(void);
const char *mc_predicate_name(int k);

mc_ctx *mc_ctx_new(void);
void mc_ctx_free(mc_ctx *ctx);
const char *mc_error(mc_ctx *ctx);   /* the message of the last MC_ERROR in this ctx */

int mc_init(mc_ctx *ctx, mc_emit_fn emit, void *user);
/* Inside the emit callback, for a successor of an action declared fair: its instance, the
 * canonical bytes of the values of the action's parameters, one after the other (empty for
 * an action without parameters), valid during the call. Unspecified for other actions. */
void mc_instance(mc_ctx *ctx, const uint8_t **out, size_t *len);
/* every = 1: mc_instance gives the instance of every action's successors on this context,
 * not only of fair ones (partial-order reduction needs them: explore/native/por.c). */
void mc_instances_of_all(mc_ctx *ctx, int every);
/* Where mc_instance gives an instance: where the bytes of each parameter's value end in
 * them (entry k for the k-th parameter), valid during the call. */
const uint32_t *mc_instance_ends(mc_ctx *ctx);
int mc_successors(mc_ctx *ctx, const uint8_t *state, size_t len, mc_emit_fn emit, void *user);

/* The checks below read any state on a context that is not enumerating. From inside an emit
 * callback they may also be called on the emitting context for the state it is emitting (the
 * same pointer and length): the model then reads the values it built that state from instead
 * of decoding its bytes, and the enumeration goes on afterwards. */

/* 1 holds, 0 broken, MC_ERROR */
int mc_invariant(mc_ctx *ctx, int k, const uint8_t *state, size_t len);
/* 1 within TLC's CONSTRAINT (or the spec has none), 0 outside, MC_ERROR */
int mc_constraint(mc_ctx *ctx, const uint8_t *state, size_t len);
/* 1 holds, 0 does not, MC_ERROR */
int mc_predicate(mc_ctx *ctx, int k, const uint8_t *state, size_t len);
/* -1 every variable within its declared type, else the index of the first one outside */
int mc_type_check(mc_ctx *ctx, const uint8_t *state, size_t len);

/* The type check, then the invariants invariants[0..count) (their numbers) in order, in one
 * call (the search's checks of a new state): MC_OK when all hold; MC_CHECK_TYPE with *which
 * the first variable outside its type (as mc_type_check); MC_CHECK_BROKEN with *which the
 * position in `invariants` of the first broken one; MC_ERROR with *which the position of
 * the one that failed to evaluate (mc_error says why). */
enum { MC_CHECK_TYPE = 1, MC_CHECK_BROKEN = 2 };
int mc_checks(mc_ctx *ctx, const int *invariants, int count, const uint8_t *state, size_t len, int *which);

/* The representative of the state's symmetry class (the state itself when the spec declares
 * no symmetry), written to *out / *out_len in memory owned by ctx until its next call. */
int mc_canonical(mc_ctx *ctx, const uint8_t *state, size_t len,
                 const uint8_t **out, size_t *out_len);

#endif
