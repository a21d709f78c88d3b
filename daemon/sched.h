/* sched.h: see sched.c. */
#ifndef CRIER_SCHED_H
#define CRIER_SCHED_H
#endif
