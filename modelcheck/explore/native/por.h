/* por.h: partial-order reduction in the native search (por.c), as explore/por.py does it in
 * the Python search: the tables of por.py's StubbornTables, given once before mcs_run, and
 * what the reduction did, read after it. */
#ifndef MCS_POR_H
#define MCS_POR_H

#include "search.h"

/* A relation (por.py Related) is three ints: the other action, the parameter of the
 * pattern's action whose value keys it and the other's parameter fixed to that value (-1,
 * -1: every instance of the other). Lists per action or per check are concatenated, with
 * count + 1 offsets (`*_start`, in items: relations, not ints). */
typedef struct {
    int action_count;
    const int *arity;             /* per action: its parameters */
    const uint8_t *leaves;        /* per action: 1 if it may leave the state constraint */
    int check_count;              /* the invariants searched for, then the type checks */
    const uint8_t *repairs;       /* [check * action_count + action]: 1 if it may repair the check */
    const int *breakers;          /* per check, ascending: the actions that may break it */
    const int *breakers_start;
    const int *enablers;          /* per action: the relations to the writers of what it reads */
    const int *enablers_start;
    const int *conflicting;       /* per action: those and the conflicts of its writes */
    const int *conflicting_start;
} mcs_por_tables;

/* Before mcs_run, on a search of one thread without recording: from now on each state is
 * expanded by the ample set por.py would choose. 0, or -1 if the search cannot (out of
 * memory, several threads). */
int mcs_use_por(mcs_search *s, const mcs_por_tables *tables);
/* States expanded by an ample set smaller than all their steps. */
uint64_t mcs_por_reduced(mcs_search *s);
/* States of several steps expanded fully, per reason: reason a < action_count is "action a
 * may leave the state constraint", action_count "every stubborn set holds every enabled
 * step", action_count + 1 "the cycle proviso". `first`: when each reason was first counted
 * (increasing; 0: never), the order por.py's Counter lists them in among equal counts. */
void mcs_por_expanded_fully(mcs_search *s, uint64_t *counts, uint64_t *first);
#endif
